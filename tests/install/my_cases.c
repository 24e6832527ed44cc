/* my_cases.c — the README's case file, built the way a user builds one:
 *     cc my_cases.c $(pkg-config --cflags --libs trama)
 * The transfer of bank.c, run by trama's scheduler under every interleaving.
 *
 * transfer_both_ways — Pattern: lock-order inversion (ABBA), two threads.
 *                      Expected: TR_DEADLOCK ("first" holds A and waits for B, "second" the reverse).
 * transfer_one_way   — the twin: both threads take A then B. Expected: TR_PASS. */
#include <trama/harness.h>

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

/* Two transfers between fresh accounts A and B, run in two threads; checks the total. */
static void two_transfers(bool both_ways)
{
    account *a = tr_case_alloc(sizeof *a), *b = tr_case_alloc(sizeof *b);
    *a = (account){tr_lock_new(), 100};
    *b = (account){tr_lock_new(), 100};
    transfer *t1 = tr_case_alloc(sizeof *t1), *t2 = tr_case_alloc(sizeof *t2);
    *t1 = (transfer){a, b, 10};
    *t2 = both_ways ? (transfer){b, a, 20} : (transfer){a, b, 20};
    tr_thread *th1 = tr_thread_new(move, t1, &(tr_thread_opts){.name = "first"});
    tr_thread *th2 = tr_thread_new(move, t2, &(tr_thread_opts){.name = "second"});
    tr_thread_start(th1);
    tr_thread_start(th2);
    tr_thread_join(th1, TR_FOREVER);
    tr_thread_join(th2, TR_FOREVER);
    TR_ASSERT(a->balance + b->balance == 200);
    tr_thread_free(th1);
    tr_thread_free(th2);
    tr_lock_free(a->lock);
    tr_lock_free(b->lock);
}

TR_CASE(transfer_both_ways, TR_DEADLOCK) { two_transfers(true); }

TR_CASE(transfer_one_way, TR_PASS) { two_transfers(false); }

int main(int argc, char **argv) { return tr_main(argc, argv); }
