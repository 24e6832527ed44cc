/* Pattern:  check-then-act in one critical section: withdraw if funds suffice.
 * Expected: TR_PASS.
 * Trigger:  none: the check and the withdrawal happen under the same acquisition.
 * Twin:     check_then_act_split_2threads.c (TR_ASSERTION). */
#include <trama/harness.h>

typedef struct account {
    tr_lock *lock;
    int balance;
} account;

static void withdraw_one(void *arg)
{
    account *s = arg;
    tr_lock_acquire(s->lock, true, TR_FOREVER);
    int balance = TR_LOAD(s->balance);
    if (balance >= 1)
        TR_STORE(s->balance, balance - 1);
    tr_lock_release(s->lock);
}

TR_CASE(check_then_act_atomic_2threads, TR_PASS)
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
    TR_ASSERT(balance == 0);
    tr_thread_free(t1);
    tr_thread_free(t2);
    tr_lock_free(s->lock);
}
