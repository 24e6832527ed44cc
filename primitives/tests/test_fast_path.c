/* test_fast_path.c — the native backend's fast path (one CAS on the object's word while
 * the domain's monitor is idle) mixed with the monitor path: timed acquires, a Condition
 * waiter that keeps entering and leaving the lock's monitor, RLock re-entry. Mutual
 * exclusion and the counts must stay exact whichever path each operation takes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helpers.h"

enum { THREADS = 3, ROUNDS = 100000 };

typedef struct mix {
    tr_lock *lock;
    tr_rlock *rlock;
    tr_condition *cond; /* over lock: its waits make the fast path close and reopen */
    int inside;         /* under lock (or rlock): 1 while a holder is in */
    long counter;
    bool stop; /* under lock */
} mix;

static void enter_and_leave(mix *m, long *counter)
{
    assert_int_equal(m->inside, 0);
    m->inside = 1;
    (*counter)++;
    m->inside = 0;
}

static void lock_worker(void *arg)
{
    mix *m = arg;
    for (long i = 0; i < ROUNDS; i++) {
        double timeout = i % 7 == 0 ? 5.0 : TR_FOREVER; /* timed: same guard */
        assert_int_equal(tr_lock_acquire(m->lock, true, timeout), TR_OK);
        enter_and_leave(m, &m->counter);
        if (i % 11 == 0)
            assert_int_equal(tr_condition_notify(m->cond, 1), TR_OK);
        assert_int_equal(tr_lock_release(m->lock), TR_OK);
    }
}

static void cond_waiter(void *arg)
{
    mix *m = arg;
    tr_condition_acquire(m->cond, true, TR_FOREVER);
    while (!m->stop)
        tr_condition_wait(m->cond, 0.0005);
    tr_condition_release(m->cond);
}

static void rlock_worker(void *arg)
{
    mix *m = arg;
    for (long i = 0; i < ROUNDS; i++) {
        assert_int_equal(tr_rlock_acquire(m->rlock, true, TR_FOREVER), TR_OK);
        assert_int_equal(tr_rlock_acquire(m->rlock, true, TR_FOREVER), TR_OK);
        enter_and_leave(m, &m->counter);
        assert_int_equal(tr_rlock_recursion_count(m->rlock), 2);
        assert_int_equal(tr_rlock_release(m->rlock), TR_OK);
        assert_true(tr_rlock_is_owned(m->rlock));
        assert_int_equal(tr_rlock_release(m->rlock), TR_OK);
    }
}

static void run_workers(tr_target fn, mix *m)
{
    tr_thread *t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        t[i] = tr_thread_new(fn, m, NULL);
        assert_int_equal(tr_thread_start(t[i]), TR_OK);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(tr_thread_join(t[i], 60), TR_OK);
        tr_thread_free(t[i]);
    }
}

static void test_lock_excludes_and_counts_exactly_with_a_condition_waiter(void **state)
{
    (void)state;
    mix m = {.lock = tr_lock_new()};
    m.cond = tr_condition_new_lock(m.lock);
    tr_thread *w = tr_thread_new(cond_waiter, &m, NULL);
    assert_int_equal(tr_thread_start(w), TR_OK);
    run_workers(lock_worker, &m);
    tr_condition_acquire(m.cond, true, TR_FOREVER);
    m.stop = true;
    tr_condition_release(m.cond);
    assert_int_equal(tr_thread_join(w, 60), TR_OK);
    assert_int_equal(m.counter, (long)THREADS * ROUNDS);
    assert_false(tr_lock_locked(m.lock));
    tr_thread_free(w);
    tr_condition_free(m.cond);
    tr_lock_free(m.lock);
}

static void test_rlock_excludes_and_counts_exactly_with_reentry(void **state)
{
    (void)state;
    mix m = {.rlock = tr_rlock_new()};
    run_workers(rlock_worker, &m);
    assert_int_equal(m.counter, (long)THREADS * ROUNDS);
    assert_false(tr_rlock_is_owned(m.rlock));
    assert_int_equal(tr_rlock_acquire(m.rlock, false, TR_FOREVER), TR_OK); /* free again */
    assert_int_equal(tr_rlock_release(m.rlock), TR_OK);
    tr_rlock_free(m.rlock);
}

static void test_release_unlocked_lock_after_fast_use_is_runtime_error(void **state)
{
    (void)state;
    tr_lock *l = tr_lock_new();
    assert_int_equal(tr_lock_acquire(l, true, TR_FOREVER), TR_OK);
    assert_true(tr_lock_locked(l));
    assert_int_equal(tr_lock_release(l), TR_OK);
    assert_int_equal(tr_lock_release(l), TR_RUNTIME_ERROR); /* the fast form declines */
    assert_string_equal(tr_last_error(), "release unlocked lock");
    tr_lock_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lock_excludes_and_counts_exactly_with_a_condition_waiter),
        cmocka_unit_test(test_rlock_excludes_and_counts_exactly_with_reentry),
        cmocka_unit_test(test_release_unlocked_lock_after_fast_use_is_runtime_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
