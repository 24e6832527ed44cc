/* test_event.c — threading.Event (lock_tests.EventTests, and Condition.wait's timeout
 * rules as Python 3.13's Event.wait applies them). */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helpers.h"
#include "internal.h"

/* ---- one thread ----------------------------------------------------------------------- */

static void test_new_event_is_not_set(void **state)
{
    (void)state;
    tr_event *e = tr_event_new();
    assert_non_null(e);
    assert_false(tr_event_is_set(e));
    tr_event_free(e);
}

static void test_set_and_clear_move_the_flag_and_repeat_harmlessly(void **state)
{
    (void)state;
    tr_event *e = tr_event_new();
    assert_int_equal(tr_event_set(e), TR_OK);
    assert_true(tr_event_is_set(e));
    assert_int_equal(tr_event_set(e), TR_OK);
    assert_true(tr_event_is_set(e));
    assert_int_equal(tr_event_clear(e), TR_OK);
    assert_false(tr_event_is_set(e));
    assert_int_equal(tr_event_clear(e), TR_OK);
    assert_false(tr_event_is_set(e));
    tr_event_free(e);
}

static void test_free_null_is_a_no_op(void **state)
{
    (void)state;
    tr_event_free(NULL);
}

typedef struct timeout_row {
    const char *name;
    double timeout;
} timeout_row;

/* A set event never looks at the timeout, even one Python could not convert. */
static const timeout_row any_timeout[] = {
    {"None", TR_FOREVER}, {"0", 0},           {"-5", -5},         {"NaN", NAN},
    {"1e100", 1e100},     {"inf", INFINITY},  {"-1e100", -1e100}, {"0.5", 0.5},
};

/* Condition.wait: "timeout > 0" waits; 0, negative and NaN poll the flag once. */
static const timeout_row polls[] = {
    {"0", 0}, {"-5", -5}, {"NaN", NAN}, {"-1e100", -1e100}, {"-inf", -INFINITY},
};

static const timeout_row overflows[] = {
    {"1e100", 1e100}, {"inf", INFINITY}, {"2**63 ns", 9223372036.9},
};

/* Each row's wait returns `want` without waiting. */
static void check_at_once(tr_event *e, const timeout_row *rows, size_t n, tr_status want)
{
    for (size_t i = 0; i < n; i++) {
        double t0 = now_seconds();
        check_status(rows[i].name, tr_event_wait(e, rows[i].timeout), want, NULL);
        if (now_seconds() - t0 >= AT_ONCE)
            fail_msg("%s: waited", rows[i].name);
    }
}

static void test_wait_on_set_event_returns_true_at_once_whatever_the_timeout(void **state)
{
    (void)state;
    tr_event *e = tr_event_new();
    tr_event_set(e);
    check_at_once(e, any_timeout, sizeof any_timeout / sizeof any_timeout[0], TR_OK);
    tr_event_free(e);
}

static void test_wait_on_clear_event_with_timeout_0_negative_or_nan_is_false_at_once(void **state)
{
    (void)state;
    tr_event *e = tr_event_new();
    check_at_once(e, polls, sizeof polls / sizeof polls[0], TR_TIMEOUT);
    tr_event_free(e);
}

static void test_wait_on_clear_event_with_overflowing_timeout_is_value_error(void **state)
{
    (void)state;
    tr_event *e = tr_event_new();
    for (size_t i = 0; i < sizeof overflows / sizeof overflows[0]; i++) {
        unsigned long before = tr_misuse_count();
        check_status(overflows[i].name, tr_event_wait(e, overflows[i].timeout), TR_VALUE_ERROR,
                     "timestamp out of range for platform time_t");
        if (tr_misuse_count() != before + 1)
            fail_msg("%s: not reported as misuse", overflows[i].name);
    }
    assert_false(tr_event_is_set(e));
    tr_event_free(e);
}

static void test_timed_wait_on_clear_event_is_false_after_about_the_timeout(void **state)
{
    (void)state;
    tr_event *e = tr_event_new();
    double t0 = now_seconds();
    assert_int_equal(tr_event_wait(e, 0.2), TR_TIMEOUT);
    assert_took_about(now_seconds() - t0, 0.2);
    tr_event_free(e);
}

static void test_clear_then_wait_times_out(void **state)
{
    (void)state;
    tr_event *e = tr_event_new();
    tr_event_set(e);
    tr_event_clear(e);
    assert_int_equal(tr_event_wait(e, QUIET), TR_TIMEOUT);
    assert_int_equal(tr_event_wait(e, 0), TR_TIMEOUT);
    tr_event_free(e);
}

static void test_wait_misuse_is_reported_at_the_callers_line(void **state)
{
    (void)state;
    tr_event *e = tr_event_new();
    seen_site m = {NULL, 0};
    tr_set_misuse_hook(record_site, &m);
    int line = __LINE__ + 1;
    tr_status s = tr_event_wait(e, 1e100);
    tr_set_misuse_hook(NULL, NULL);
    assert_int_equal(s, TR_VALUE_ERROR);
    assert_non_null(m.file);
    assert_string_equal(m.file, __FILE__);
    assert_int_equal(m.line, line);
    tr_event_free(e);
}

/* ---- threads -------------------------------------------------------------------------- */

enum { WAITERS = 5 };

typedef struct waiters {
    tr_event *event;
    double timeout;
    tr_semaphore *started; /* one release per waiter, just before it waits */
    tr_semaphore *done;    /* one release per waiter, once its wait returned */
    atomic_int ok;         /* waits that returned TR_OK */
    tr_thread *threads[WAITERS];
} waiters;

static void wait_once(void *arg)
{
    waiters *w = arg;
    worker_expect(tr_semaphore_release(w->started, 1), TR_OK);
    if (tr_event_wait(w->event, w->timeout) == TR_OK)
        atomic_fetch_add(&w->ok, 1);
    worker_expect(tr_semaphore_release(w->done, 1), TR_OK);
}

static void start_waiters(waiters *w, int n, double timeout)
{
    w->event = tr_event_new();
    w->timeout = timeout;
    w->started = tr_semaphore_new(0);
    w->done = tr_semaphore_new(0);
    atomic_init(&w->ok, 0);
    for (int i = 0; i < n; i++)
        w->threads[i] = start_thread(wait_once, w);
    for (int i = 0; i < n; i++)
        await_signal(w->started);
}

/* Starts n waiters and returns once they all wait: each is past the point where a set()
 * is sure to wake it (lock_tests' wait_threads_blocked, without its sleep or guess). */
static void start_blocked_waiters(waiters *w, int n, double timeout)
{
    start_waiters(w, n, timeout);
    double start = now_seconds();
    while (tr__event_waiting(w->event) < n) {
        if (now_seconds() - start > HANG)
            fail_msg("the waiters never waited");
        sched_yield();
    }
}

static void finish_waiters(waiters *w, int n)
{
    for (int i = 0; i < n; i++)
        await_signal(w->done);
    for (int i = 0; i < n; i++)
        join_thread(w->threads[i]);
    tr_event_free(w->event);
    tr_semaphore_free(w->started);
    tr_semaphore_free(w->done);
}

static void test_set_wakes_every_waiter_with_true(void **state)
{
    (void)state;
    waiters w;
    start_blocked_waiters(&w, WAITERS, TR_FOREVER);
    assert_int_equal(tr_event_set(w.event), TR_OK);
    finish_waiters(&w, WAITERS);
    assert_int_equal(atomic_load(&w.ok), WAITERS);
}

static void test_timed_waiter_is_true_when_set_in_time(void **state)
{
    (void)state;
    waiters w;
    start_blocked_waiters(&w, 1, HANG);
    assert_int_equal(tr_event_set(w.event), TR_OK);
    finish_waiters(&w, 1);
    assert_int_equal(atomic_load(&w.ok), 1);
}

/* lock_tests.EventTests.test_set_and_clear: the waiters were woken by set, so they return
 * True although the flag is false again by the time they run. */
static void test_clear_right_after_set_still_gives_the_woken_waiters_true(void **state)
{
    (void)state;
    waiters w;
    start_blocked_waiters(&w, WAITERS, HANG);
    assert_int_equal(tr_event_set(w.event), TR_OK);
    assert_int_equal(tr_event_clear(w.event), TR_OK);
    finish_waiters(&w, WAITERS);
    assert_int_equal(atomic_load(&w.ok), WAITERS);
}

static void test_waiters_time_out_on_an_event_never_set(void **state)
{
    (void)state;
    waiters w;
    start_waiters(&w, 2, 0.5);
    finish_waiters(&w, 2);
    assert_int_equal(atomic_load(&w.ok), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_event_is_not_set),
        cmocka_unit_test(test_set_and_clear_move_the_flag_and_repeat_harmlessly),
        cmocka_unit_test(test_free_null_is_a_no_op),
        cmocka_unit_test(test_wait_on_set_event_returns_true_at_once_whatever_the_timeout),
        cmocka_unit_test(test_wait_on_clear_event_with_timeout_0_negative_or_nan_is_false_at_once),
        cmocka_unit_test(test_wait_on_clear_event_with_overflowing_timeout_is_value_error),
        cmocka_unit_test(test_timed_wait_on_clear_event_is_false_after_about_the_timeout),
        cmocka_unit_test(test_clear_then_wait_times_out),
        cmocka_unit_test(test_wait_misuse_is_reported_at_the_callers_line),
        cmocka_unit_test(test_set_wakes_every_waiter_with_true),
        cmocka_unit_test(test_timed_waiter_is_true_when_set_in_time),
        cmocka_unit_test(test_clear_right_after_set_still_gives_the_woken_waiters_true),
        cmocka_unit_test(test_waiters_time_out_on_an_event_never_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
