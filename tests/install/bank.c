/* bank.c — the README's native example: two accounts, each guarded by a Lock, and two
 * threads moving money in opposite directions. Plain pthreads underneath.
 *
 * Each transfer locks its source account, then its destination: thread "first" takes A
 * then B, "second" takes B then A. Natively this almost always prints a=110 b=90,
 * because the window for the deadlock is a few instructions wide; my_cases.c runs the
 * same transfer under trama's scheduler, which finds the deadlock in every run. */
#include <stdio.h>
#include <trama/trama.h>

typedef struct account {
    tr_lock *lock;
    long balance;
} account;

typedef struct transfer {
    account *from, *to;
    long amount;
} transfer;

static void move(void *arg)
{
    transfer *t = arg;
    tr_lock_acquire(t->from->lock, true, TR_FOREVER);
    tr_lock_acquire(t->to->lock, true, TR_FOREVER);
    t->from->balance -= t->amount;
    t->to->balance += t->amount;
    tr_lock_release(t->to->lock);
    tr_lock_release(t->from->lock);
}

int main(void)
{
    account a = {tr_lock_new(), 100}, b = {tr_lock_new(), 100};
    transfer ab = {&a, &b, 10}, ba = {&b, &a, 20};
    tr_thread *t1 = tr_thread_new(move, &ab, &(tr_thread_opts){.name = "first"});
    tr_thread *t2 = tr_thread_new(move, &ba, &(tr_thread_opts){.name = "second"});
    tr_thread_start(t1);
    tr_thread_start(t2);
    tr_thread_join(t1, TR_FOREVER);
    tr_thread_join(t2, TR_FOREVER);
    printf("a=%ld b=%ld\n", a.balance, b.balance);
    tr_thread_free(t1);
    tr_thread_free(t2);
    tr_lock_free(a.lock);
    tr_lock_free(b.lock);
    return 0;
}
