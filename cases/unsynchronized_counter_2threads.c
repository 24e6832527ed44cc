/* Pattern:  unsynchronised counter: two threads increment a shared int without a lock.
 * Expected: TR_DATA_RACE.
 * Trigger:  none needed: the two accesses are unordered in every schedule (0 preemptions);
 *           the lost update itself needs 1.
 * Twin:     counter_under_lock_2threads.c (TR_PASS). */
#include <trama/harness.h>

static void increment(void *arg)
{
    int *counter = arg;
    TR_STORE(*counter, TR_LOAD(*counter) + 1);
}

TR_CASE(unsynchronized_counter_2threads, TR_DATA_RACE)
{
    int *counter = tr_case_alloc(sizeof *counter);
    tr_thread *a = tr_thread_new(increment, counter, &(tr_thread_opts){.name = "a"});
    tr_thread *b = tr_thread_new(increment, counter, &(tr_thread_opts){.name = "b"});
    tr_thread_start(a);
    tr_thread_start(b);
    tr_thread_join(a, TR_FOREVER);
    tr_thread_join(b, TR_FOREVER);
    tr_thread_free(a);
    tr_thread_free(b);
}
