/* Pattern:  happens-before the child's last step -> join returning: a child stores an
 *           int; the main thread joins it, then loads the int.
 * Expected: TR_PASS (no data race; the main thread always sees 42).
 * Trigger:  none.
 * Twin:     hb_thread_join_missing_2threads.c (TR_DATA_RACE, the load before join). */
#include <trama/harness.h>

static void child(void *arg)
{
    int *data = arg;
    TR_STORE(*data, 42);
}

TR_CASE(hb_thread_join_2threads, TR_PASS)
{
    int *data = tr_case_alloc(sizeof *data);
    tr_thread *c = tr_thread_new(child, data, &(tr_thread_opts){.name = "child"});
    tr_thread_start(c);
    tr_thread_join(c, TR_FOREVER);
    int v = TR_LOAD(*data);
    TR_ASSERT(v == 42);
    tr_thread_free(c);
}
