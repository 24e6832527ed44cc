/* Pattern:  child -> join edge missing: the main thread loads the int the child stores
 *           before joining the child (join's edge comes too late).
 * Expected: TR_DATA_RACE (TR_ASSERTION also found: the load can see 0).
 * Trigger:  none for the race (0 preemptions); main loading first shows the 0.
 * Twin:     hb_thread_join_2threads.c (TR_PASS, the load after join). */
#include <trama/harness.h>

static void child(void *arg)
{
    int *data = arg;
    TR_STORE(*data, 42);
}

TR_CASE(hb_thread_join_missing_2threads, TR_DATA_RACE)
{
    int *data = tr_case_alloc(sizeof *data);
    tr_thread *c = tr_thread_new(child, data, &(tr_thread_opts){.name = "child"});
    tr_thread_start(c);
    int v = TR_LOAD(*data);
    tr_thread_join(c, TR_FOREVER);
    TR_ASSERT(v == 42);
    tr_thread_free(c);
}
