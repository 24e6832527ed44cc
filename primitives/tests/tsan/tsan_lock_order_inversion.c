/* Scenario: a thread takes Lock A then B; later another takes B then A (never at the same
 * time, so nothing deadlocks). TSan must report "lock-order-inversion (potential
 * deadlock)": trama Locks are TSan mutexes. The RLock twin does the same with re-entry
 * (write_reentrant, announced once) and a timed (try) acquire of the outer lock, which
 * still counts as held for the order (a try-lock adds no edge *into* itself: it cannot
 * wait); no other kind of report may appear. */
#include "run_one.h"

typedef struct pair {
    tr_lock *a, *b;
    tr_rlock *ra, *rb;
} pair;

static void a_then_b(void *arg)
{
    pair *p = arg;
    nest_locks(p->a, p->b);
}

static void b_then_a(void *arg)
{
    pair *p = arg;
    nest_locks(p->b, p->a);
}

static void ra_then_rb(void *arg)
{
    pair *p = arg;
    tr_rlock_acquire(p->ra, true, 5.0);        /* timed: a try-lock, held all the same */
    tr_rlock_acquire(p->ra, true, TR_FOREVER); /* re-entry */
    tr_rlock_acquire(p->rb, true, TR_FOREVER); /* blocking: the edge ra -> rb */
    tr_rlock_release(p->rb);
    tr_rlock_release(p->ra);
    tr_rlock_release(p->ra);
}

static void rb_then_ra(void *arg)
{
    pair *p = arg;
    tr_rlock_acquire(p->rb, true, TR_FOREVER);
    tr_rlock_acquire(p->ra, true, TR_FOREVER);
    tr_rlock_release(p->ra);
    tr_rlock_release(p->rb);
}

int main(int argc, char **argv)
{
    pair p = {tr_lock_new(), tr_lock_new(), tr_rlock_new(), tr_rlock_new()};
    bool rlock = argc > 1 && argv[1][0] == 'r';
    run_one(rlock ? ra_then_rb : a_then_b, &p);
    run_one(rlock ? rb_then_ra : b_then_a, &p);
    tr_lock_free(p.a);
    tr_lock_free(p.b);
    tr_rlock_free(p.ra);
    tr_rlock_free(p.rb);
    fputs("scenario done\n", stderr);
    return 0;
}
