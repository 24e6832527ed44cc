/* Pattern:  happens-before thread start -> the child's first step: the main thread
 *           stores an int, then starts a child that loads it.
 * Expected: TR_PASS (no data race; the child always sees 42).
 * Trigger:  none.
 * Twin:     hb_thread_start_missing_2threads.c (TR_DATA_RACE, the store after start). */
#include <trama/harness.h>

static void child(void *arg)
{
    int *data = arg;
    TR_ASSERT(TR_LOAD(*data) == 42);
}

TR_CASE(hb_thread_start_2threads, TR_PASS)
{
    int *data = tr_case_alloc(sizeof *data);
    tr_thread *c = tr_thread_new(child, data, &(tr_thread_opts){.name = "child"});
    TR_STORE(*data, 42);
    tr_thread_start(c);
    tr_thread_join(c, TR_FOREVER);
    tr_thread_free(c);
}
