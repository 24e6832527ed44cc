/* Pattern:  lock-order inversion through an RLock and a Lock: a takes the RLock (twice,
 *           re-entering) then the Lock, b takes the Lock then the RLock.
 * Expected: TR_DEADLOCK (TR_LOCK_ORDER also found).
 * Trigger:  1 preemption: b takes the Lock after a took the RLock, before a's Lock.
 * Twin:     lock_order_rlock_lock_gated_2threads.c (TR_LOCK_ORDER, a gate lock makes
 *           the cycle unclosable). */
#include <trama/harness.h>

typedef struct locks {
    tr_rlock *r;
    tr_lock *l;
} locks;

static void rlock_then_lock(void *arg)
{
    locks *s = arg;
    tr_rlock_acquire(s->r, true, TR_FOREVER);
    tr_rlock_acquire(s->r, true, TR_FOREVER); /* re-entry: no edge, no wait */
    tr_lock_acquire(s->l, true, TR_FOREVER);
    tr_lock_release(s->l);
    tr_rlock_release(s->r);
    tr_rlock_release(s->r);
}

static void lock_then_rlock(void *arg)
{
    locks *s = arg;
    tr_lock_acquire(s->l, true, TR_FOREVER);
    tr_rlock_acquire(s->r, true, TR_FOREVER);
    tr_rlock_release(s->r);
    tr_lock_release(s->l);
}

TR_CASE(lock_order_rlock_lock_2threads, TR_DEADLOCK)
{
    locks *s = tr_case_alloc(sizeof *s);
    s->r = tr_rlock_new();
    s->l = tr_lock_new();
    tr_thread *a = tr_thread_new(rlock_then_lock, s, &(tr_thread_opts){.name = "a"});
    tr_thread *b = tr_thread_new(lock_then_rlock, s, &(tr_thread_opts){.name = "b"});
    tr_thread_start(a);
    tr_thread_start(b);
    tr_thread_join(a, TR_FOREVER);
    tr_thread_join(b, TR_FOREVER);
    tr_thread_free(a);
    tr_thread_free(b);
    tr_rlock_free(s->r);
    tr_lock_free(s->l);
}
