/* Pattern:  two threads take two locks in the same order.
 * Expected: TR_PASS.
 * Trigger:  none: a consistent order cannot close a cycle.
 * Twin:     lock_order_inversion_2threads.c (TR_DEADLOCK). */
#include <trama/harness.h>

typedef struct pair {
    tr_lock *a, *b;
    int counter;
} pair;

static void take_in_order(void *arg)
{
    pair *s = arg;
    tr_lock_acquire(s->a, true, TR_FOREVER);
    tr_lock_acquire(s->b, true, TR_FOREVER);
    TR_STORE(s->counter, TR_LOAD(s->counter) + 1);
    tr_lock_release(s->b);
    tr_lock_release(s->a);
}

TR_CASE(lock_order_consistent_2threads, TR_PASS)
{
    pair *s = tr_case_alloc(sizeof *s);
    s->a = tr_lock_new();
    s->b = tr_lock_new();
    tr_thread *t1 = tr_thread_new(take_in_order, s, &(tr_thread_opts){.name = "one"});
    tr_thread *t2 = tr_thread_new(take_in_order, s, &(tr_thread_opts){.name = "two"});
    tr_thread_start(t1);
    tr_thread_start(t2);
    tr_thread_join(t1, TR_FOREVER);
    tr_thread_join(t2, TR_FOREVER);
    TR_ASSERT(TR_LOAD(s->counter) == 2);
    tr_thread_free(t1);
    tr_thread_free(t2);
    tr_lock_free(s->a);
    tr_lock_free(s->b);
}
