/* Pattern:  the CAS spin lock of atomic_cas_spinlock_2threads.c, let go before the
 *           increment's store: the other thread can take the lock and touch the counter
 *           while the first one still writes it.
 * Expected: TR_DATA_RACE (TR_ASSERTION also found: a lost update).
 * Trigger:  the second thread takes the lock between the first one's unlock and store.
 * Twin:     atomic_cas_spinlock_2threads.c (TR_PASS). */
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
    int seen = TR_LOAD(s->counter);
    TR_ATOMIC_STORE(s->locked, 0); /* bug: unlocked before the store */
    TR_STORE(s->counter, seen + 1);
}

TR_CASE(atomic_cas_spinlock_early_unlock_2threads, TR_DATA_RACE)
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
