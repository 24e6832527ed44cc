/* Pattern:  a set() erased by clear(): the worker "resets" the Event when it starts, then
 *           waits for it; the main thread sets it once, then joins the worker.
 * Expected: TR_DEADLOCK.
 * Trigger:  the main thread sets before the worker clears; the worker then waits for a
 *           set that never comes and the main thread waits in join; 0 preemptions.
 * Twin:     hb_event_2threads.c (TR_PASS, nobody clears). */
#include <trama/harness.h>

static void worker(void *arg)
{
    tr_event *go = arg;
    tr_event_clear(go); /* bug: may erase the set it is about to wait for */
    tr_event_wait(go, TR_FOREVER);
}

TR_CASE(event_wait_never_set_2threads, TR_DEADLOCK)
{
    tr_event *go = tr_event_new();
    tr_thread *t = tr_thread_new(worker, go, &(tr_thread_opts){.name = "worker"});
    tr_thread_start(t);
    tr_event_set(go);
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
    tr_event_free(go);
}
