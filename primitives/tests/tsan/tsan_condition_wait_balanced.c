/* Scenario: Condition.wait releases and re-acquires its lock inside the condition's own
 * actions, over a Lock and over an RLock held twice (released fully, restored), notified
 * and timed out. The TSan annotations must stay balanced: no "unlock of an unlocked
 * mutex", no "double lock", no false lock-order report from a wait (the waiter takes N
 * after each wait, outside the lock). Then one deliberate inversion between the
 * condition's Lock and N shows the lock is still tracked after all those waits: exactly
 * that lock-order-inversion report must appear. */
#include "run_one.h"

enum { ROUNDS = 50 };

typedef struct shared {
    tr_lock *l;
    tr_rlock *r;
    tr_lock *n;
    tr_condition *cl, *cr;
    int turn; /* under the condition's lock */
} shared;

static void notifier(void *arg)
{
    shared *s = arg;
    for (int i = 0; i < ROUNDS; i++) {
        tr_condition *c = i % 2 ? s->cr : s->cl;
        tr_condition_acquire(c, true, TR_FOREVER);
        while (s->turn != 1)
            tr_condition_wait(c, TR_FOREVER);
        s->turn = 0;
        tr_condition_notify(c, 1);
        tr_condition_release(c);
    }
}

static void waiter_round(shared *s, int i)
{
    tr_condition *c = i % 2 ? s->cr : s->cl;
    tr_condition_acquire(c, true, TR_FOREVER);
    if (i % 2)
        tr_condition_acquire(c, true, TR_FOREVER); /* RLock: count 2, restored by wait */
    tr_condition_wait(c, 0.001);                    /* times out (turn is ours) */
    s->turn = 1;
    tr_condition_notify(c, 1);
    while (s->turn != 0)
        tr_condition_wait(c, TR_FOREVER);
    if (i % 2)
        tr_condition_release(c);
    tr_condition_release(c);
    tr_lock_acquire(s->n, true, TR_FOREVER); /* N alone, after the wait */
    tr_lock_release(s->n);
}

static void l_then_n(void *arg)
{
    shared *s = arg;
    nest_locks(s->l, s->n);
}

static void n_then_l(void *arg)
{
    shared *s = arg;
    nest_locks(s->n, s->l);
}

int main(void)
{
    shared s = {.l = tr_lock_new(), .r = tr_rlock_new(), .n = tr_lock_new()};
    s.cl = tr_condition_new_lock(s.l);
    s.cr = tr_condition_new_rlock(s.r);
    tr_thread *t = tr_thread_new(notifier, &s, NULL);
    tr_thread_start(t);
    for (int i = 0; i < ROUNDS; i++)
        waiter_round(&s, i);
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
    fputs("waits done\n", stderr); /* stderr: in order with TSan's reports */
    run_one(l_then_n, &s);
    run_one(n_then_l, &s);
    tr_condition_free(s.cl);
    tr_condition_free(s.cr);
    tr_lock_free(s.l);
    tr_rlock_free(s.r);
    tr_lock_free(s.n);
    fputs("scenario done\n", stderr);
    return 0;
}
