/* Pattern:  thread start -> child edge missing: the main thread starts a child, then
 *           stores the int the child loads (the start carries nothing of the store).
 * Expected: TR_DATA_RACE (TR_ASSERTION also found: the child can see 0).
 * Trigger:  none for the race (0 preemptions); the child running first shows the 0.
 * Twin:     hb_thread_start_2threads.c (TR_PASS, the store before start). */
#include <trama/harness.h>

static void child(void *arg)
{
    int *data = arg;
    TR_ASSERT(TR_LOAD(*data) == 42);
}

TR_CASE(hb_thread_start_missing_2threads, TR_DATA_RACE)
{
    int *data = tr_case_alloc(sizeof *data);
    tr_thread *c = tr_thread_new(child, data, &(tr_thread_opts){.name = "child"});
    tr_thread_start(c);
    TR_STORE(*data, 42);
    tr_thread_join(c, TR_FOREVER);
    tr_thread_free(c);
}
