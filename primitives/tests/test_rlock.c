/* test_rlock.c — threading.RLock (PYTHON_SEMANTICS.md §2, lock_tests.BaseLockTests and
 * RLockTests). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helpers.h"
#include "lockish.h"

/* ---- single thread -------------------------------------------------------------------- */

static void test_new_rlock_is_not_owned_and_counts_zero(void **state)
{
    (void)state;
    tr_rlock *r = tr_rlock_new();
    assert_non_null(r);
    assert_false(tr_rlock_is_owned(r));
    assert_int_equal(tr_rlock_recursion_count(r), 0);
    tr_rlock_free(r);
}

static void test_free_null_is_a_no_op(void **state)
{
    (void)state;
    tr_rlock_free(NULL);
}

static void test_free_while_held_is_allowed(void **state)
{
    (void)state;
    tr_rlock *r = tr_rlock_new();
    assert_int_equal(tr_rlock_acquire(r, true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_rlock_acquire(r, true, TR_FOREVER), TR_OK);
    tr_rlock_free(r);
}

static void test_acquire_release(void **state)
{
    (void)state;
    tr_rlock *r = tr_rlock_new();
    assert_int_equal(tr_rlock_acquire(r, true, TR_FOREVER), TR_OK);
    assert_true(tr_rlock_is_owned(r));
    assert_int_equal(tr_rlock_release(r), TR_OK);
    assert_false(tr_rlock_is_owned(r));
    tr_rlock_free(r);
}

static void test_nested_acquires_balance_with_releases(void **state)
{
    (void)state;
    tr_rlock *r = tr_rlock_new();
    for (int i = 0; i < 10; i++)
        assert_int_equal(tr_rlock_acquire(r, true, TR_FOREVER), TR_OK);
    for (int i = 0; i < 10; i++) {
        assert_true(tr_rlock_is_owned(r));
        assert_int_equal(tr_rlock_release(r), TR_OK);
    }
    assert_false(tr_rlock_is_owned(r));
    assert_misuse(tr_rlock_release(r), TR_RUNTIME_ERROR, "cannot release un-acquired lock");
    tr_rlock_free(r);
}

static void test_owner_reenters_at_once_even_non_blocking(void **state)
{
    (void)state;
    tr_rlock *r = tr_rlock_new();
    assert_int_equal(tr_rlock_acquire(r, true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_rlock_acquire(r, false, TR_FOREVER), TR_OK);
    assert_int_equal(tr_rlock_acquire(r, true, 0), TR_OK);
    assert_int_equal(tr_rlock_recursion_count(r), 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(tr_rlock_release(r), TR_OK);
    tr_rlock_free(r);
}

static void test_owner_non_blocking_with_timeout_is_still_value_error(void **state)
{
    (void)state;
    tr_rlock *r = tr_rlock_new();
    assert_int_equal(tr_rlock_acquire(r, true, TR_FOREVER), TR_OK);
    assert_misuse(tr_rlock_acquire(r, false, 5), TR_VALUE_ERROR,
                  "can't specify a timeout for a non-blocking call");
    assert_int_equal(tr_rlock_recursion_count(r), 1);
    assert_int_equal(tr_rlock_release(r), TR_OK);
    tr_rlock_free(r);
}

typedef struct rlock_row {
    const char *name;
    bool blocking;
    double timeout;
    tr_status status;
    const char *message;
} rlock_row;

/* Lock's rules and texts (§1 rows), checked before anything else. */
static const rlock_row argument_rows[] = {
    {"NaN", true, NAN, TR_VALUE_ERROR, "Invalid value NaN (not a number)"},
    {"1e100", true, 1e100, TR_VALUE_ERROR, "timestamp out of range for platform time_t"},
    {"non-blocking 1e100", false, 1e100, TR_VALUE_ERROR,
     "timestamp out of range for platform time_t"},
    {"TIMEOUT_MAX + 1", true, 9223372037.0, TR_VALUE_ERROR,
     "timestamp out of range for platform time_t"},
    {"non-blocking 1", false, 1, TR_VALUE_ERROR,
     "can't specify a timeout for a non-blocking call"},
    {"non-blocking 0", false, 0, TR_VALUE_ERROR,
     "can't specify a timeout for a non-blocking call"},
    {"-100", true, -100, TR_VALUE_ERROR, "timeout value must be a non-negative number"},
    {"TIMEOUT_MAX", true, 9223372036.0, TR_OK, NULL},
    {"non-blocking forever", false, TR_FOREVER, TR_OK, NULL},
};

static void test_acquire_arguments_follow_lock_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof argument_rows / sizeof argument_rows[0]; i++) {
        const rlock_row *row = &argument_rows[i];
        tr_rlock *r = tr_rlock_new();
        check_status(row->name, tr_rlock_acquire(r, row->blocking, row->timeout), row->status,
                     row->message);
        if (tr_rlock_is_owned(r) != (row->status == TR_OK))
            fail_msg("%s: wrong ownership after the call", row->name);
        tr_rlock_free(r);
    }
}

static void test_release_on_fresh_rlock_is_runtime_error(void **state)
{
    (void)state;
    tr_rlock *r = tr_rlock_new();
    assert_misuse(tr_rlock_release(r), TR_RUNTIME_ERROR, "cannot release un-acquired lock");
    tr_rlock_free(r);
}

static void test_release_after_balanced_use_is_runtime_error(void **state)
{
    (void)state;
    tr_rlock *r = tr_rlock_new();
    assert_int_equal(tr_rlock_acquire(r, true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_rlock_acquire(r, true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_rlock_release(r), TR_OK);
    assert_int_equal(tr_rlock_release(r), TR_OK);
    assert_misuse(tr_rlock_release(r), TR_RUNTIME_ERROR, "cannot release un-acquired lock");
    tr_rlock_free(r);
}

static void test_release_save_on_fresh_rlock_is_runtime_error(void **state)
{
    (void)state;
    tr_rlock *r = tr_rlock_new();
    long saved = -1;
    assert_misuse(tr__rlock_release_save(r, &saved), TR_RUNTIME_ERROR,
                  "cannot release un-acquired lock");
    assert_int_equal(saved, -1);
    tr_rlock_free(r);
}

static void test_release_save_after_balanced_use_is_runtime_error(void **state)
{
    (void)state;
    tr_rlock *r = tr_rlock_new();
    long saved = -1;
    assert_int_equal(tr_rlock_acquire(r, true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_rlock_release(r), TR_OK);
    assert_misuse(tr__rlock_release_save(r, &saved), TR_RUNTIME_ERROR,
                  "cannot release un-acquired lock");
    tr_rlock_free(r);
}

static void test_release_save_frees_fully_and_restore_brings_the_count_back(void **state)
{
    (void)state;
    tr_rlock *r = tr_rlock_new();
    long saved = 0;
    for (int i = 0; i < 3; i++)
        assert_int_equal(tr_rlock_acquire(r, true, TR_FOREVER), TR_OK);
    assert_int_equal(tr__rlock_release_save(r, &saved), TR_OK);
    assert_int_equal(saved, 3);
    assert_false(tr_rlock_is_owned(r));
    assert_int_equal(tr_rlock_recursion_count(r), 0);
    assert_int_equal(tr__rlock_acquire_restore(r, saved), TR_OK);
    assert_int_equal(tr_rlock_recursion_count(r), 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(tr_rlock_release(r), TR_OK);
    assert_false(tr_rlock_is_owned(r));
    tr_rlock_free(r);
}

static void test_recursion_count_goes_0_1_3_2_0(void **state)
{
    (void)state;
    tr_rlock *r = tr_rlock_new();
    assert_int_equal(tr_rlock_recursion_count(r), 0);
    assert_int_equal(tr_rlock_acquire(r, true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_rlock_recursion_count(r), 1);
    assert_int_equal(tr_rlock_acquire(r, true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_rlock_acquire(r, true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_rlock_recursion_count(r), 3);
    assert_int_equal(tr_rlock_release(r), TR_OK);
    assert_int_equal(tr_rlock_recursion_count(r), 2);
    assert_int_equal(tr_rlock_release(r), TR_OK);
    assert_int_equal(tr_rlock_release(r), TR_OK);
    assert_int_equal(tr_rlock_recursion_count(r), 0);
    tr_rlock_free(r);
}

/* ---- another thread holds it ---------------------------------------------------------- */

/* A worker that takes the lock `depth` times, says so, waits for `go`, then lets go. */
typedef struct holder {
    tr_rlock *lock;
    int depth;
    tr_semaphore *held;
    tr_semaphore *go;
    tr_semaphore *done;
} holder;

static void hold_until_go(void *arg)
{
    holder *h = arg;
    for (int i = 0; i < h->depth; i++)
        worker_expect(tr_rlock_acquire(h->lock, true, TR_FOREVER), TR_OK);
    worker_expect(tr_semaphore_release(h->held, 1), TR_OK);
    worker_expect(tr_semaphore_acquire(h->go, true, HANG), TR_OK);
    for (int i = 0; i < h->depth; i++)
        worker_expect(tr_rlock_release(h->lock), TR_OK);
    worker_expect(tr_semaphore_release(h->done, 1), TR_OK);
}

static tr_thread *start_holder(holder *h, int depth)
{
    h->lock = tr_rlock_new();
    h->depth = depth;
    h->held = tr_semaphore_new(0);
    h->go = tr_semaphore_new(0);
    h->done = tr_semaphore_new(0);
    tr_thread *t = start_thread(hold_until_go, h);
    await_signal(h->held);
    return t;
}

static void finish_holder(holder *h, tr_thread *t)
{
    assert_int_equal(tr_semaphore_release(h->go, 1), TR_OK);
    join_thread(t);
    tr_semaphore_free(h->held);
    tr_semaphore_free(h->go);
    tr_semaphore_free(h->done);
    tr_rlock_free(h->lock);
}

static void test_recursion_count_reads_0_while_another_thread_holds(void **state)
{
    (void)state;
    holder h;
    tr_thread *t = start_holder(&h, 2);
    assert_int_equal(tr_rlock_recursion_count(h.lock), 0);
    finish_holder(&h, t);
}

static void test_is_owned_is_false_in_another_thread(void **state)
{
    (void)state;
    holder h;
    tr_thread *t = start_holder(&h, 1);
    assert_false(tr_rlock_is_owned(h.lock));
    finish_holder(&h, t);
}

static void test_release_by_non_owner_is_runtime_error(void **state)
{
    (void)state;
    holder h;
    tr_thread *t = start_holder(&h, 1);
    assert_misuse(tr_rlock_release(h.lock), TR_RUNTIME_ERROR, "cannot release un-acquired lock");
    finish_holder(&h, t); /* the owner's release still works */
}

static void test_release_save_by_non_owner_is_runtime_error(void **state)
{
    (void)state;
    holder h;
    long saved = 0;
    tr_thread *t = start_holder(&h, 1);
    assert_misuse(tr__rlock_release_save(h.lock, &saved), TR_RUNTIME_ERROR,
                  "cannot release un-acquired lock");
    finish_holder(&h, t);
}

static void test_try_acquire_contended_times_out(void **state)
{
    (void)state;
    holder h;
    tr_thread *t = start_holder(&h, 1);
    assert_int_equal(tr_rlock_acquire(h.lock, false, TR_FOREVER), TR_TIMEOUT);
    assert_int_equal(tr_rlock_acquire(h.lock, true, 0), TR_TIMEOUT);
    finish_holder(&h, t);
}

static void test_contended_timed_acquire_times_out_after_about_the_timeout(void **state)
{
    (void)state;
    holder h;
    tr_thread *t = start_holder(&h, 1);
    double start = now_seconds();
    assert_int_equal(tr_rlock_acquire(h.lock, true, 0.2), TR_TIMEOUT);
    assert_took_about(now_seconds() - start, 0.2);
    assert_false(tr_rlock_is_owned(h.lock));
    finish_holder(&h, t);
}

static void test_blocked_acquire_succeeds_once_the_holder_releases_every_level(void **state)
{
    (void)state;
    holder h;
    tr_thread *t = start_holder(&h, 3);
    /* go releases all three levels; the blocked acquire then gets a count of its own. */
    assert_int_equal(tr_semaphore_release(h.go, 1), TR_OK);
    assert_int_equal(tr_rlock_acquire(h.lock, true, HANG), TR_OK);
    assert_true(tr_rlock_is_owned(h.lock));
    assert_int_equal(tr_rlock_recursion_count(h.lock), 1);
    assert_int_equal(tr_rlock_release(h.lock), TR_OK);
    join_thread(t);
    tr_semaphore_free(h.held);
    tr_semaphore_free(h.go);
    tr_semaphore_free(h.done);
    tr_rlock_free(h.lock);
}

typedef struct stepper {
    tr_rlock *lock;
    tr_semaphore *step;  /* main -> worker: release one level */
    tr_semaphore *ready; /* worker -> main: holding / released one level */
} stepper;

static void hold_twice_release_stepwise(void *arg)
{
    stepper *s = arg;
    worker_expect(tr_rlock_acquire(s->lock, true, TR_FOREVER), TR_OK);
    worker_expect(tr_rlock_acquire(s->lock, true, TR_FOREVER), TR_OK);
    worker_expect(tr_semaphore_release(s->ready, 1), TR_OK);
    for (int i = 0; i < 2; i++) {
        worker_expect(tr_semaphore_acquire(s->step, true, HANG), TR_OK);
        worker_expect(tr_rlock_release(s->lock), TR_OK);
        worker_expect(tr_semaphore_release(s->ready, 1), TR_OK);
    }
}

static void test_inner_release_keeps_others_out_and_final_release_lets_them_in(void **state)
{
    (void)state;
    stepper s = {tr_rlock_new(), tr_semaphore_new(0), tr_semaphore_new(0)};
    tr_thread *t = start_thread(hold_twice_release_stepwise, &s);
    await_signal(s.ready);
    assert_int_equal(tr_semaphore_release(s.step, 1), TR_OK);
    await_signal(s.ready); /* one level released, one still held */
    assert_int_equal(tr_rlock_acquire(s.lock, false, TR_FOREVER), TR_TIMEOUT);
    assert_int_equal(tr_semaphore_release(s.step, 1), TR_OK);
    await_signal(s.ready); /* the final release */
    assert_int_equal(tr_rlock_acquire(s.lock, false, TR_FOREVER), TR_OK);
    assert_int_equal(tr_rlock_release(s.lock), TR_OK);
    join_thread(t);
    tr_semaphore_free(s.step);
    tr_semaphore_free(s.ready);
    tr_rlock_free(s.lock);
}

static void test_is_owned_false_true_true_then_true_until_the_last_release(void **state)
{
    (void)state;
    tr_rlock *r = tr_rlock_new();
    assert_false(tr_rlock_is_owned(r));
    assert_int_equal(tr_rlock_acquire(r, true, TR_FOREVER), TR_OK);
    assert_true(tr_rlock_is_owned(r));
    assert_int_equal(tr_rlock_acquire(r, true, TR_FOREVER), TR_OK);
    assert_true(tr_rlock_is_owned(r));
    assert_int_equal(tr_rlock_release(r), TR_OK);
    assert_true(tr_rlock_is_owned(r));
    assert_int_equal(tr_rlock_release(r), TR_OK);
    assert_false(tr_rlock_is_owned(r));
    tr_rlock_free(r);
}

typedef struct contended {
    tr_rlock *lock;
    tr_semaphore *started;
    tr_semaphore *done;
} contended;

static void acquire_twice_then_release(void *arg)
{
    contended *c = arg;
    worker_expect(tr_semaphore_release(c->started, 1), TR_OK);
    worker_expect(tr_rlock_acquire(c->lock, true, TR_FOREVER), TR_OK);
    worker_expect(tr_rlock_acquire(c->lock, true, TR_FOREVER), TR_OK);
    worker_expect(tr_rlock_recursion_count(c->lock), 2);
    worker_expect(tr_rlock_release(c->lock), TR_OK);
    worker_expect(tr_rlock_release(c->lock), TR_OK);
    worker_expect(tr_semaphore_release(c->done, 1), TR_OK);
}

static void test_acquire_contended_5_threads_finish_only_after_release(void **state)
{
    (void)state;
    enum { N = 5 };
    contended c = {tr_rlock_new(), tr_semaphore_new(0), tr_semaphore_new(0)};
    tr_thread *t[N];
    assert_int_equal(tr_rlock_acquire(c.lock, true, TR_FOREVER), TR_OK);
    for (int i = 0; i < N; i++)
        t[i] = start_thread(acquire_twice_then_release, &c);
    for (int i = 0; i < N; i++)
        await_signal(c.started);
    assert_no_signal_within(c.done, QUIET);
    assert_int_equal(tr_rlock_release(c.lock), TR_OK);
    for (int i = 0; i < N; i++)
        await_signal(c.done);
    for (int i = 0; i < N; i++)
        join_thread(t[i]);
    tr_semaphore_free(c.started);
    tr_semaphore_free(c.done);
    tr_rlock_free(c.lock);
}

static void acquire_release_loop(void *arg)
{
    for (int i = 0; i < 100; i++) {
        worker_expect(tr_rlock_acquire(arg, true, TR_FOREVER), TR_OK);
        worker_expect(tr_rlock_release(arg), TR_OK);
    }
}

static void test_15_threads_acquire_and_release_then_all_end(void **state)
{
    (void)state;
    enum { N = 15 };
    tr_rlock *r = tr_rlock_new();
    tr_thread *t[N];
    for (int i = 0; i < N; i++)
        t[i] = start_thread(acquire_release_loop, r);
    for (int i = 0; i < N; i++)
        join_thread(t[i]);
    assert_int_equal(tr_rlock_acquire(r, false, TR_FOREVER), TR_OK);
    assert_int_equal(tr_rlock_release(r), TR_OK);
    tr_rlock_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_rlock_is_not_owned_and_counts_zero),
        cmocka_unit_test(test_free_null_is_a_no_op),
        cmocka_unit_test(test_free_while_held_is_allowed),
        cmocka_unit_test(test_acquire_release),
        cmocka_unit_test(test_nested_acquires_balance_with_releases),
        cmocka_unit_test(test_owner_reenters_at_once_even_non_blocking),
        cmocka_unit_test(test_owner_non_blocking_with_timeout_is_still_value_error),
        cmocka_unit_test(test_acquire_arguments_follow_lock_rows),
        cmocka_unit_test(test_release_on_fresh_rlock_is_runtime_error),
        cmocka_unit_test(test_release_after_balanced_use_is_runtime_error),
        cmocka_unit_test(test_release_save_on_fresh_rlock_is_runtime_error),
        cmocka_unit_test(test_release_save_after_balanced_use_is_runtime_error),
        cmocka_unit_test(test_release_save_frees_fully_and_restore_brings_the_count_back),
        cmocka_unit_test(test_recursion_count_goes_0_1_3_2_0),
        cmocka_unit_test(test_recursion_count_reads_0_while_another_thread_holds),
        cmocka_unit_test(test_is_owned_is_false_in_another_thread),
        cmocka_unit_test(test_release_by_non_owner_is_runtime_error),
        cmocka_unit_test(test_release_save_by_non_owner_is_runtime_error),
        cmocka_unit_test(test_try_acquire_contended_times_out),
        cmocka_unit_test(test_contended_timed_acquire_times_out_after_about_the_timeout),
        cmocka_unit_test(test_blocked_acquire_succeeds_once_the_holder_releases_every_level),
        cmocka_unit_test(test_inner_release_keeps_others_out_and_final_release_lets_them_in),
        cmocka_unit_test(test_is_owned_false_true_true_then_true_until_the_last_release),
        cmocka_unit_test(test_acquire_contended_5_threads_finish_only_after_release),
        cmocka_unit_test(test_15_threads_acquire_and_release_then_all_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
