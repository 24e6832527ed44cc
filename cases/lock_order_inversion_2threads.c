/* Pattern:  lock-order inversion (ABBA), two threads.
 * Expected: TR_DEADLOCK.
 * Trigger:  a takes A then B, b takes B then A; 1 preemption (between a's two acquires).
 * Twin:     lock_order_consistent_2threads.c (TR_PASS). */
#include <trama/harness.h>

typedef struct abba {
    tr_lock *a, *b;
} abba;

static void take_a_then_b(void *arg)
{
    abba *s = arg;
    tr_lock_acquire(s->a, true, TR_FOREVER);
    tr_lock_acquire(s->b, true, TR_FOREVER);
    tr_lock_release(s->b);
    tr_lock_release(s->a);
}

static void take_b_then_a(void *arg)
{
    abba *s = arg;
    tr_lock_acquire(s->b, true, TR_FOREVER);
    tr_lock_acquire(s->a, true, TR_FOREVER);
    tr_lock_release(s->a);
    tr_lock_release(s->b);
}

TR_CASE(lock_order_inversion_2threads, TR_DEADLOCK)
{
    abba *s = tr_case_alloc(sizeof *s);
    s->a = tr_lock_new();
    s->b = tr_lock_new();
    tr_thread *ta = tr_thread_new(take_a_then_b, s, &(tr_thread_opts){.name = "a"});
    tr_thread *tb = tr_thread_new(take_b_then_a, s, &(tr_thread_opts){.name = "b"});
    tr_thread_start(ta);
    tr_thread_start(tb);
    tr_thread_join(ta, TR_FOREVER);
    tr_thread_join(tb, TR_FOREVER);
    tr_thread_free(ta);
    tr_thread_free(tb);
    tr_lock_free(s->a);
    tr_lock_free(s->b);
}
