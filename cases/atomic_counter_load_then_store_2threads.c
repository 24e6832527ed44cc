/* Pattern:  an atomic counter incremented as an atomic load, then an atomic store: each
 *           access is atomic, the increment is not. No data race, yet an update is lost.
 * Expected: TR_ASSERTION (and no TR_DATA_RACE: what TSan cannot see either).
 * Trigger:  both threads load before either stores; 1 preemption.
 * Twin:     atomic_counter_fetch_add_2threads.c (TR_PASS). */
#include <trama/harness.h>

static void increment(void *arg)
{
    _Atomic int *counter = arg;
    int seen = TR_ATOMIC_LOAD(*counter);
    TR_ATOMIC_STORE(*counter, seen + 1);
}

TR_CASE(atomic_counter_load_then_store_2threads, TR_ASSERTION)
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
