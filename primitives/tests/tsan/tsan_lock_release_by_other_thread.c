/* Scenario: Locks released by a thread other than the one that acquired them (legal in
 * Python). Before the planted inversion TSan must report nothing: no "unlock of an unlocked mutex (or by a wrong
 * thread)", no "double lock", no false lock-order inversion from a Lock the acquirer no
 * longer holds, no data race on data handed over through such a release, and no
 * overflow of TSan's per-thread held-lock table (more rounds than its 64 slots).
 *
 *   1. binary semaphore: main holds L and blocks acquiring it again; a helper writes
 *      the data and releases L; main reads the data.
 *   2. hand-off: main acquires L; a helper releases it; another helper acquires and
 *      releases it; main then takes N alone, and a last helper takes N then L (if TSan
 *      still believed main held L when it took N, that would close a false cycle).
 *   3. after "hand-off done", one planted inversion (L then M, M then L): TSan must
 *      report it, so L is a tracked mutex again after all those foreign releases. */
#include "run_one.h"

enum { ROUNDS = 100 };

typedef struct shared {
    tr_lock *l, *n, *m;
    tr_semaphore *go;
    long data; /* written by a helper before it releases l, read by main after */
} shared;

static void release_l(void *arg) { tr_lock_release(((shared *)arg)->l); }

static void write_then_release(void *arg)
{
    shared *s = arg;
    tr_semaphore_acquire(s->go, true, TR_FOREVER);
    s->data++;
    tr_lock_release(s->l);
}

static void take_and_drop_l(void *arg)
{
    shared *s = arg;
    tr_lock_acquire(s->l, true, TR_FOREVER);
    tr_lock_release(s->l);
}

static void n_then_l(void *arg)
{
    shared *s = arg;
    nest_locks(s->n, s->l);
}

static void l_then_m(void *arg)
{
    shared *s = arg;
    nest_locks(s->l, s->m);
}

static void m_then_l(void *arg)
{
    shared *s = arg;
    nest_locks(s->m, s->l);
}

static void binary_semaphore(shared *s)
{
    tr_lock_acquire(s->l, true, TR_FOREVER);
    for (long i = 0; i < ROUNDS; i++) {
        tr_thread *t = tr_thread_new(write_then_release, s, NULL);
        tr_thread_start(t);
        tr_semaphore_release(s->go, 1);
        tr_lock_acquire(s->l, true, TR_FOREVER); /* until the helper releases it */
        if (s->data != i + 1) {
            fprintf(stderr, "scenario: data %ld\n", s->data);
            exit(2);
        }
        tr_thread_join(t, TR_FOREVER);
        tr_thread_free(t);
    }
    tr_lock_release(s->l);
}

static void hand_off(shared *s)
{
    for (long i = 0; i < ROUNDS; i++) {
        tr_lock_acquire(s->l, true, TR_FOREVER);
        run_one(release_l, s);
        run_one(take_and_drop_l, s);
        tr_lock_acquire(s->n, true, TR_FOREVER);
        tr_lock_release(s->n);
    }
    run_one(n_then_l, s);
}

int main(void)
{
    shared s = {tr_lock_new(), tr_lock_new(), tr_lock_new(), tr_semaphore_new(0), 0};
    binary_semaphore(&s);
    hand_off(&s);
    fputs("hand-off done\n", stderr);
    run_one(l_then_m, &s);
    run_one(m_then_l, &s);
    tr_lock_free(s.l);
    tr_lock_free(s.n);
    tr_lock_free(s.m);
    tr_semaphore_free(s.go);
    fputs("scenario done\n", stderr);
    return 0;
}
