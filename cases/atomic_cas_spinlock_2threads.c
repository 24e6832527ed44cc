/* Pattern:  a spin lock made of a C11 compare-exchange (0 -> 1 to take it, a store of 0
 *           to let it go) around a plain counter increment.
 * Expected: TR_PASS: the successful CAS acquires what the last unlock released.
 * Trigger:  none.
 * Twin:     atomic_cas_spinlock_early_unlock_2threads.c (TR_DATA_RACE). */
#include <trama/harness.h>

typedef struct shared {
    _Atomic int locked;
    int counter;
} shared;

static void spin_lock(_Atomic int *l)
{
    int expected = 0;
    while (!TR_ATOMIC_CAS(*l, &expected, 1)) {
        expected = 0;
        tr_yield();
    }
}

static void increment(void *arg)
{
    shared *s = arg;
    spin_lock(&s->locked);
    TR_STORE(s->counter, TR_LOAD(s->counter) + 1);
    TR_ATOMIC_STORE(s->locked, 0);
}

TR_CASE(atomic_cas_spinlock_2threads, TR_PASS)
{
    shared *s = tr_case_alloc(sizeof *s);
    tr_thread *a = tr_thread_new(increment, s, &(tr_thread_opts){.name = "a"});
    tr_thread *b = tr_thread_new(increment, s, &(tr_thread_opts){.name = "b"});
    tr_thread_start(a);
    tr_thread_start(b);
    tr_thread_join(a, TR_FOREVER);
    tr_thread_join(b, TR_FOREVER);
    TR_ASSERT(TR_LOAD(s->counter) == 2);
    tr_thread_free(a);
    tr_thread_free(b);
}
