/* Pattern:  a waiter joins a Thread that the main thread has created but not yet started.
 * Expected: TR_RUNTIME_ERROR_FOUND ("cannot join thread before it is started").
 * Trigger:  the waiter runs before the main thread starts the worker; 1 preemption.
 * Twin:     none (start before publishing the Thread, or hand it over with a Lock). */
#include <trama/harness.h>

typedef struct shared {
    tr_thread *worker;
    int result;
} shared;

static void work(void *arg)
{
    shared *s = arg;
    TR_STORE(s->result, 42);
}

static void wait_for_worker(void *arg)
{
    shared *s = arg;
    if (tr_thread_join(s->worker, TR_FOREVER) == TR_OK)
        TR_ASSERT(TR_LOAD(s->result) == 42);
}

TR_CASE(thread_join_before_start_2threads, TR_RUNTIME_ERROR_FOUND)
{
    shared *s = tr_case_alloc(sizeof *s);
    s->worker = tr_thread_new(work, s, &(tr_thread_opts){.name = "worker"});
    tr_thread *w = tr_thread_new(wait_for_worker, s, &(tr_thread_opts){.name = "waiter"});
    tr_thread_start(w);
    tr_thread_start(s->worker);
    tr_thread_join(w, TR_FOREVER);
    tr_thread_join(s->worker, TR_FOREVER);
    tr_thread_free(w);
    tr_thread_free(s->worker);
}
