/* Pattern:  RLock/Lock order inversion behind a gate: a takes gate, RLock, Lock; b takes
 *           gate, Lock, RLock. The RLock <-> Lock cycle is in the lock-order graph, but
 *           the gate lets only one thread hold either at a time: no schedule closes it.
 * Expected: TR_LOCK_ORDER (and no deadlock in any schedule).
 * Trigger:  none: the edges appear in any schedule that runs both threads.
 * Twin:     lock_order_rlock_lock_2threads.c (TR_DEADLOCK, no gate). */
#include <trama/harness.h>

typedef struct locks {
    tr_lock *gate;
    tr_rlock *r;
    tr_lock *l;
} locks;

static void rlock_then_lock(void *arg)
{
    locks *s = arg;
    tr_lock_acquire(s->gate, true, TR_FOREVER);
    tr_rlock_acquire(s->r, true, TR_FOREVER);
    tr_lock_acquire(s->l, true, TR_FOREVER);
    tr_lock_release(s->l);
    tr_rlock_release(s->r);
    tr_lock_release(s->gate);
}

static void lock_then_rlock(void *arg)
{
    locks *s = arg;
    tr_lock_acquire(s->gate, true, TR_FOREVER);
    tr_lock_acquire(s->l, true, TR_FOREVER);
    tr_rlock_acquire(s->r, true, TR_FOREVER);
    tr_rlock_release(s->r);
    tr_lock_release(s->l);
    tr_lock_release(s->gate);
}

TR_CASE(lock_order_rlock_lock_gated_2threads, TR_LOCK_ORDER)
{
    locks *s = tr_case_alloc(sizeof *s);
    s->gate = tr_lock_new();
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
    tr_lock_free(s->gate);
    tr_rlock_free(s->r);
    tr_lock_free(s->l);
}
