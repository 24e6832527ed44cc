/* Pattern:  check-then-act split over two critical sections: withdraw if funds suffice.
 * Expected: TR_ASSERTION.
 * Trigger:  both threads see balance 1 in their check, then both withdraw; 1 preemption
 *           (between the first thread's check and its withdrawal).
 * Twin:     check_then_act_atomic_2threads.c (TR_PASS). */
#include <trama/harness.h>

typedef struct account {
    tr_lock *lock;
    int balance;
} account;

static void withdraw_one(void *arg)
{
    account *s = arg;
    tr_lock_acquire(s->lock, true, TR_FOREVER);
    bool enough = TR_LOAD(s->balance) >= 1;
    tr_lock_release(s->lock);
    if (!enough)
        return;
    tr_lock_acquire(s->lock, true, TR_FOREVER); /* the check may be stale by now */
    TR_STORE(s->balance, TR_LOAD(s->balance) - 1);
    tr_lock_release(s->lock);
}

TR_CASE(check_then_act_split_2threads, TR_ASSERTION)
{
    account *s = tr_case_alloc(sizeof *s);
    s->lock = tr_lock_new();
    s->balance = 1;
    tr_thread *t1 = tr_thread_new(withdraw_one, s, &(tr_thread_opts){.name = "alice"});
    tr_thread *t2 = tr_thread_new(withdraw_one, s, &(tr_thread_opts){.name = "bob"});
    tr_thread_start(t1);
    tr_thread_start(t2);
    tr_thread_join(t1, TR_FOREVER);
    tr_thread_join(t2, TR_FOREVER);
    int balance = TR_LOAD(s->balance);
    TR_ASSERT(balance >= 0);
    tr_thread_free(t1);
    tr_thread_free(t2);
    tr_lock_free(s->lock);
}
