/* Pattern:  a counter incremented with an atomic read-modify-write by two threads.
 * Expected: TR_PASS (no race: atomics never race; no lost update).
 * Trigger:  none.
 * Twin:     atomic_counter_load_then_store_2threads.c (TR_ASSERTION). */
#include <trama/harness.h>

static void increment(void *arg)
{
    _Atomic int *counter = arg;
    TR_ATOMIC_FETCH_ADD(*counter, 1);
}

TR_CASE(atomic_counter_fetch_add_2threads, TR_PASS)
{
    _Atomic int *counter = tr_case_alloc(sizeof *counter);
    tr_thread *a = tr_thread_new(increment, counter, &(tr_thread_opts){.name = "a"});
    tr_thread *b = tr_thread_new(increment, counter, &(tr_thread_opts){.name = "b"});
    tr_thread_start(a);
    tr_thread_start(b);
    tr_thread_join(a, TR_FOREVER);
    tr_thread_join(b, TR_FOREVER);
    TR_ASSERT(TR_ATOMIC_LOAD(*counter) == 2);
    tr_thread_free(a);
    tr_thread_free(b);
}
