/* test_condition.c — threading.Condition (PYTHON_SEMANTICS.md §3,
 * lock_tests.ConditionTests): the condition's lock (default RLock, over a Lock or an
 * RLock), misuse without the lock or by a thread that does not hold it, and the timeout
 * rules of a single wait. Waking waiters (notify, notify_all, wait_for):
 * test_condition_notify.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helpers.h"

/* ---- the lock ------------------------------------------------------------------------- */

static void test_default_condition_lock_is_reentrant(void **state)
{
    (void)state;
    tr_condition *c = tr_condition_new();
    assert_non_null(c);
    assert_int_equal(tr_condition_acquire(c, true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_condition_acquire(c, false, TR_FOREVER), TR_OK);
    assert_int_equal(tr_condition_release(c), TR_OK);
    assert_int_equal(tr_condition_release(c), TR_OK);
    assert_misuse(tr_condition_release(c), TR_RUNTIME_ERROR, "cannot release un-acquired lock");
    tr_condition_free(c);
}

static void test_condition_over_lock_really_holds_and_frees_the_lock(void **state)
{
    (void)state;
    tr_lock *l = tr_lock_new();
    tr_condition *c = tr_condition_new_lock(l);
    assert_int_equal(tr_condition_acquire(c, true, TR_FOREVER), TR_OK);
    assert_true(tr_lock_locked(l));
    assert_int_equal(tr_condition_acquire(c, false, TR_FOREVER), TR_TIMEOUT);
    assert_int_equal(tr_lock_acquire(l, false, TR_FOREVER), TR_TIMEOUT);
    assert_int_equal(tr_condition_release(c), TR_OK);
    assert_false(tr_lock_locked(l));
    assert_misuse(tr_condition_release(c), TR_RUNTIME_ERROR, "release unlocked lock");
    tr_condition_free(c);
    tr_lock_free(l);
}

static void test_condition_over_rlock_shares_its_ownership(void **state)
{
    (void)state;
    tr_rlock *r = tr_rlock_new();
    tr_condition *c = tr_condition_new_rlock(r);
    assert_int_equal(tr_condition_acquire(c, true, TR_FOREVER), TR_OK);
    assert_true(tr_rlock_is_owned(r));
    assert_int_equal(tr_rlock_acquire(r, true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_rlock_recursion_count(r), 2);
    assert_int_equal(tr_rlock_release(r), TR_OK);
    assert_int_equal(tr_condition_release(c), TR_OK);
    assert_false(tr_rlock_is_owned(r));
    tr_condition_free(c);
    tr_rlock_free(r);
}

static void test_condition_acquire_checks_arguments_with_lock_rules(void **state)
{
    (void)state;
    tr_condition *c = tr_condition_new();
    assert_misuse(tr_condition_acquire(c, false, 1), TR_VALUE_ERROR,
                  "can't specify a timeout for a non-blocking call");
    assert_misuse(tr_condition_acquire(c, true, -100), TR_VALUE_ERROR,
                  "timeout value must be a non-negative number");
    tr_condition_free(c);
}

static void test_free_null_is_a_no_op(void **state)
{
    (void)state;
    tr_condition_free(NULL);
}

/* ---- misuse --------------------------------------------------------------------------- */

static void test_wait_without_the_lock_is_runtime_error(void **state)
{
    (void)state;
    tr_condition *c = tr_condition_new();
    assert_misuse(tr_condition_wait(c, TR_FOREVER), TR_RUNTIME_ERROR,
                  "cannot wait on un-acquired lock");
    assert_misuse(tr_condition_wait(c, 0), TR_RUNTIME_ERROR, "cannot wait on un-acquired lock");
    tr_condition_free(c);
}

static void test_notify_without_the_lock_is_runtime_error(void **state)
{
    (void)state;
    tr_condition *c = tr_condition_new();
    assert_misuse(tr_condition_notify(c, 1), TR_RUNTIME_ERROR,
                  "cannot notify on un-acquired lock");
    assert_misuse(tr_condition_notify(c, 0), TR_RUNTIME_ERROR,
                  "cannot notify on un-acquired lock");
    tr_condition_free(c);
}

static void test_notify_all_without_the_lock_is_runtime_error(void **state)
{
    (void)state;
    tr_condition *c = tr_condition_new();
    assert_misuse(tr_condition_notify_all(c), TR_RUNTIME_ERROR,
                  "cannot notify on un-acquired lock");
    tr_condition_free(c);
}

static void test_condition_over_free_lock_wait_and_notify_are_runtime_errors(void **state)
{
    (void)state;
    tr_lock *l = tr_lock_new();
    tr_condition *c = tr_condition_new_lock(l);
    assert_misuse(tr_condition_wait(c, 0), TR_RUNTIME_ERROR, "cannot wait on un-acquired lock");
    assert_misuse(tr_condition_notify(c, 1), TR_RUNTIME_ERROR,
                  "cannot notify on un-acquired lock");
    assert_misuse(tr_condition_notify_all(c), TR_RUNTIME_ERROR,
                  "cannot notify on un-acquired lock");
    tr_condition_free(c);
    tr_lock_free(l);
}

static void test_wait_misuse_is_reported_at_the_callers_line(void **state)
{
    (void)state;
    seen_site m = {NULL, 0};
    tr_condition *c = tr_condition_new();
    tr_set_misuse_hook(record_site, &m);
    int line = __LINE__ + 1;
    tr_status s = tr_condition_wait(c, 0);
    tr_set_misuse_hook(NULL, NULL);
    assert_int_equal(s, TR_RUNTIME_ERROR);
    assert_non_null(m.file);
    assert_string_equal(m.file, __FILE__);
    assert_int_equal(m.line, line);
    tr_condition_free(c);
}

/* ---- another thread holds the lock ---------------------------------------------------- */

typedef struct holder {
    tr_lock *lock;
    tr_rlock *rlock;
    tr_semaphore *held;
    tr_semaphore *go;
} holder;

static void hold_until_go(void *arg)
{
    holder *h = arg;
    if (h->lock)
        worker_expect(tr_lock_acquire(h->lock, true, TR_FOREVER), TR_OK);
    else
        worker_expect(tr_rlock_acquire(h->rlock, true, TR_FOREVER), TR_OK);
    worker_expect(tr_semaphore_release(h->held, 1), TR_OK);
    worker_expect(tr_semaphore_acquire(h->go, true, HANG), TR_OK);
    if (h->lock)
        worker_expect(tr_lock_release(h->lock), TR_OK);
    else
        worker_expect(tr_rlock_release(h->rlock), TR_OK);
}

static tr_thread *start_holder(holder *h)
{
    h->held = tr_semaphore_new(0);
    h->go = tr_semaphore_new(0);
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
}

static void test_rlock_condition_wait_by_non_owner_is_runtime_error(void **state)
{
    (void)state;
    holder h = {.rlock = tr_rlock_new()};
    tr_condition *c = tr_condition_new_rlock(h.rlock);
    tr_thread *t = start_holder(&h);
    assert_misuse(tr_condition_wait(c, 0), TR_RUNTIME_ERROR, "cannot wait on un-acquired lock");
    assert_misuse(tr_condition_notify(c, 1), TR_RUNTIME_ERROR,
                  "cannot notify on un-acquired lock");
    finish_holder(&h, t);
    tr_condition_free(c);
    tr_rlock_free(h.rlock);
}

/* §3 decision: with a plain Lock, "owned" means "held by anyone", as Python's fallback. */
static void test_lock_condition_non_holder_may_notify_while_another_thread_holds(void **state)
{
    (void)state;
    holder h = {.lock = tr_lock_new()};
    tr_condition *c = tr_condition_new_lock(h.lock);
    tr_thread *t = start_holder(&h);
    assert_int_equal(tr_condition_notify(c, 1), TR_OK);
    assert_int_equal(tr_condition_notify_all(c), TR_OK);
    finish_holder(&h, t);
    tr_condition_free(c);
    tr_lock_free(h.lock);
}

static void test_lock_condition_non_holder_may_wait_while_another_thread_holds(void **state)
{
    (void)state;
    holder h = {.lock = tr_lock_new()};
    tr_condition *c = tr_condition_new_lock(h.lock);
    tr_thread *t = start_holder(&h);
    /* Python releases the other thread's lock, polls, and takes it back: no error. */
    assert_int_equal(tr_condition_wait(c, 0), TR_TIMEOUT);
    assert_true(tr_lock_locked(h.lock));
    finish_holder(&h, t); /* the holder's release still succeeds */
    assert_false(tr_lock_locked(h.lock));
    tr_condition_free(c);
    tr_lock_free(h.lock);
}

/* ---- timeouts of one wait ------------------------------------------------------------- */

typedef struct poll_row {
    const char *name;
    double timeout;
} poll_row;

/* Python's wait: "timeout > 0" waits, anything else tries once. */
static const poll_row poll_rows[] = {
    {"0", 0}, {"-5", -5}, {"-1e100", -1e100}, {"NaN", NAN}, {"-0.0", -0.0},
};

static void test_wait_with_timeout_not_above_zero_polls_once(void **state)
{
    (void)state;
    tr_condition *c = tr_condition_new();
    assert_int_equal(tr_condition_acquire(c, true, TR_FOREVER), TR_OK);
    for (size_t i = 0; i < sizeof poll_rows / sizeof poll_rows[0]; i++) {
        double start = now_seconds();
        check_status(poll_rows[i].name, tr_condition_wait(c, poll_rows[i].timeout), TR_TIMEOUT,
                     NULL);
        if (now_seconds() - start > AT_ONCE)
            fail_msg("%s: did not return at once", poll_rows[i].name);
    }
    assert_int_equal(tr_condition_release(c), TR_OK);
    tr_condition_free(c);
}

static void test_wait_with_overflowing_timeout_is_value_error_and_keeps_the_lock(void **state)
{
    (void)state;
    static const poll_row rows[] = {{"1e100", 1e100}, {"inf", INFINITY}, {"2^63 ns", 9223372037.0}};
    tr_rlock *r = tr_rlock_new();
    tr_condition *c = tr_condition_new_rlock(r);
    assert_int_equal(tr_condition_acquire(c, true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_condition_acquire(c, true, TR_FOREVER), TR_OK);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        check_status(rows[i].name, tr_condition_wait(c, rows[i].timeout), TR_VALUE_ERROR,
                     "timestamp out of range for platform time_t");
        if (tr_rlock_recursion_count(r) != 2)
            fail_msg("%s: the lock was not kept", rows[i].name);
    }
    assert_int_equal(tr_condition_release(c), TR_OK);
    assert_int_equal(tr_condition_release(c), TR_OK);
    tr_condition_free(c);
    tr_rlock_free(r);
}

static void test_timed_out_wait_restores_the_rlock_count(void **state)
{
    (void)state;
    tr_rlock *r = tr_rlock_new();
    tr_condition *c = tr_condition_new_rlock(r);
    for (int i = 0; i < 3; i++)
        assert_int_equal(tr_condition_acquire(c, true, TR_FOREVER), TR_OK);
    double start = now_seconds();
    assert_int_equal(tr_condition_wait(c, 0.05), TR_TIMEOUT);
    assert_took_about(now_seconds() - start, 0.05);
    assert_true(tr_rlock_is_owned(r));
    assert_int_equal(tr_rlock_recursion_count(r), 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(tr_condition_release(c), TR_OK);
    tr_condition_free(c);
    tr_rlock_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_condition_lock_is_reentrant),
        cmocka_unit_test(test_condition_over_lock_really_holds_and_frees_the_lock),
        cmocka_unit_test(test_condition_over_rlock_shares_its_ownership),
        cmocka_unit_test(test_condition_acquire_checks_arguments_with_lock_rules),
        cmocka_unit_test(test_free_null_is_a_no_op),
        cmocka_unit_test(test_wait_without_the_lock_is_runtime_error),
        cmocka_unit_test(test_notify_without_the_lock_is_runtime_error),
        cmocka_unit_test(test_notify_all_without_the_lock_is_runtime_error),
        cmocka_unit_test(test_condition_over_free_lock_wait_and_notify_are_runtime_errors),
        cmocka_unit_test(test_wait_misuse_is_reported_at_the_callers_line),
        cmocka_unit_test(test_rlock_condition_wait_by_non_owner_is_runtime_error),
        cmocka_unit_test(test_lock_condition_non_holder_may_notify_while_another_thread_holds),
        cmocka_unit_test(test_lock_condition_non_holder_may_wait_while_another_thread_holds),
        cmocka_unit_test(test_wait_with_timeout_not_above_zero_polls_once),
        cmocka_unit_test(test_wait_with_overflowing_timeout_is_value_error_and_keeps_the_lock),
        cmocka_unit_test(test_timed_out_wait_restores_the_rlock_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
