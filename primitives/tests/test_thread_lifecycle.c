/* test_thread_lifecycle.c — threading.Thread (PYTHON_SEMANTICS.md §5), a thread's life:
 * start and join rules (misuse, timeouts), freeing a running thread, and
 * threading._shutdown at interpreter exit. Names, daemon, is_alive, ident: test_thread.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "helpers.h"
#include "thread_fixtures.h"

/* ---- start ---------------------------------------------------------------------------- */

static void set_flag(void *arg) { *(int *)arg = 42; }

static void test_target_runs_with_its_argument_and_join_publishes_its_writes(void **state)
{
    (void)state;
    int flag = 0;
    join_thread(start_thread(set_flag, &flag));
    assert_int_equal(flag, 42);
}

static void test_start_twice_is_runtime_error(void **state)
{
    (void)state;
    parked p;
    tr_thread *t = start_parked(&p);
    assert_misuse(tr_thread_start(t), TR_RUNTIME_ERROR, "threads can only be started once");
    finish_parked(&p, t);
    tr_thread_free(t);
}

static void test_start_after_the_end_is_runtime_error(void **state)
{
    (void)state;
    tr_thread *t = start_thread(noop, NULL);
    assert_int_equal(tr_thread_join(t, HANG), TR_OK);
    assert_misuse(tr_thread_start(t), TR_RUNTIME_ERROR, "threads can only be started once");
    tr_thread_free(t);
}

/* ---- join ----------------------------------------------------------------------------- */

static void test_join_before_start_is_runtime_error(void **state)
{
    (void)state;
    tr_thread *t = tr_thread_new(noop, NULL, NULL);
    assert_misuse(tr_thread_join(t, TR_FOREVER), TR_RUNTIME_ERROR,
                  "cannot join thread before it is started");
    assert_misuse(tr_thread_join(t, 0), TR_RUNTIME_ERROR,
                  "cannot join thread before it is started");
    /* checked before the timeout */
    assert_misuse(tr_thread_join(t, NAN), TR_RUNTIME_ERROR,
                  "cannot join thread before it is started");
    tr_thread_free(t);
}

static void test_join_of_the_current_thread_is_runtime_error(void **state)
{
    (void)state;
    parked p;
    tr_thread *t = start_parked(&p);
    assert_int_equal(p.self_join, TR_RUNTIME_ERROR);
    assert_string_equal(p.self_join_text, "cannot join current thread");
    finish_parked(&p, t);
    tr_thread_free(t);
    assert_misuse(tr_thread_join(tr_current_thread(), 0), TR_RUNTIME_ERROR,
                  "cannot join current thread");
}

static void test_join_timeout_on_a_live_thread_times_out_after_about_t(void **state)
{
    (void)state;
    parked p;
    tr_thread *t = start_parked(&p);
    double start = now_seconds();
    assert_int_equal(tr_thread_join(t, 0.2), TR_TIMEOUT);
    assert_took_about(now_seconds() - start, 0.2);
    assert_true(tr_thread_is_alive(t));
    finish_parked(&p, t);
    tr_thread_free(t);
}

static void test_join_negative_timeout_acts_as_zero(void **state)
{
    (void)state;
    parked p;
    tr_thread *t = start_parked(&p);
    double start = now_seconds();
    assert_int_equal(tr_thread_join(t, -5), TR_TIMEOUT);
    assert_int_equal(tr_thread_join(t, 0), TR_TIMEOUT);
    assert_true(now_seconds() - start < AT_ONCE);
    finish_parked(&p, t);
    tr_thread_free(t);
}

static void test_repeated_joins_are_fine(void **state)
{
    (void)state;
    tr_thread *t = start_thread(noop, NULL);
    assert_int_equal(tr_thread_join(t, HANG), TR_OK);
    assert_int_equal(tr_thread_join(t, TR_FOREVER), TR_OK);
    assert_int_equal(tr_thread_join(t, 0), TR_OK);
    assert_int_equal(tr_thread_join(t, -1.5), TR_OK);
    tr_thread_free(t);
}

typedef struct join_row {
    const char *name;
    double timeout;
    const char *message;
} join_row;

/* 3.13: _ThreadHandle.join converts the timeout after the state checks. */
static const join_row join_rows[] = {
    {"NaN", NAN, "Invalid value NaN (not a number)"},
    {"1e100", 1e100, "timestamp out of range for platform time_t"},
    {"inf", INFINITY, "timestamp out of range for platform time_t"},
    {"2^63 ns", 9223372037.0, "timestamp out of range for platform time_t"},
};

static void test_join_with_unconvertible_timeout_is_value_error_alive_or_ended(void **state)
{
    (void)state;
    parked p;
    tr_thread *t = start_parked(&p);
    char row[64];
    for (size_t i = 0; i < sizeof join_rows / sizeof join_rows[0]; i++) {
        snprintf(row, sizeof row, "alive, %s", join_rows[i].name);
        double start = now_seconds();
        check_status(row, tr_thread_join(t, join_rows[i].timeout), TR_VALUE_ERROR,
                     join_rows[i].message);
        if (now_seconds() - start > AT_ONCE)
            fail_msg("%s: did not fail at once", row);
    }
    finish_parked(&p, t);
    for (size_t i = 0; i < sizeof join_rows / sizeof join_rows[0]; i++) {
        snprintf(row, sizeof row, "ended, %s", join_rows[i].name);
        check_status(row, tr_thread_join(t, join_rows[i].timeout), TR_VALUE_ERROR,
                     join_rows[i].message);
    }
    tr_thread_free(t);
}

/* ---- free ----------------------------------------------------------------------------- */

/* Static: the detached thread may outlive the test function's frame. */
static tr_semaphore *detached_go;
static tr_semaphore *detached_done;

static void run_detached(void *arg)
{
    (void)arg;
    worker_expect(tr_semaphore_acquire(detached_go, true, HANG), TR_OK);
    worker_expect(tr_semaphore_release(detached_done, 1), TR_OK);
}

static void test_freeing_a_running_thread_detaches_it(void **state)
{
    (void)state;
    detached_go = tr_semaphore_new(0);
    detached_done = tr_semaphore_new(0);
    tr_thread *t = start_thread(run_detached, NULL);
    tr_thread_free(t);
    /* It still runs to its end: its host holds a reference of its own. */
    assert_int_equal(tr_semaphore_release(detached_go, 1), TR_OK);
    await_signal(detached_done);
    assert_int_equal(atomic_exchange(&worker_failures, 0), 0);
    /* The semaphores stay: the thread may still be leaving release(). */
}

static void test_free_null_is_a_no_op(void **state)
{
    (void)state;
    tr_thread_free(NULL);
}

/* ---- interpreter exit ----------------------------------------------------------------- */

/* A shutdown caller, a non-daemon worker that starts a second non-daemon thread before it
 * blocks, and a daemon blocked for good: shutdown returns once both non-daemon threads
 * finished, however long that is, and never waits for the daemon. */
typedef struct exit_scene {
    tr_lock *hold_worker, *hold_late, *hold_daemon;
    tr_thread *late;
    bool worker_done, late_done; /* written before the writer's exit; read after its join */
    tr_semaphore *shutdown_returned;
} exit_scene;

static void late_starter_body(void *arg)
{
    exit_scene *s = arg;
    worker_expect(tr_lock_acquire(s->hold_late, true, HANG), TR_OK);
    s->late_done = true;
    worker_expect(tr_lock_release(s->hold_late), TR_OK);
}

static void exit_worker(void *arg)
{
    exit_scene *s = arg;
    s->late = tr_thread_new(late_starter_body, s, NULL);
    worker_expect(tr_thread_start(s->late), TR_OK);
    worker_expect(tr_lock_acquire(s->hold_worker, true, HANG), TR_OK);
    s->worker_done = true;
    worker_expect(tr_lock_release(s->hold_worker), TR_OK);
}

static void blocked_daemon(void *arg)
{
    exit_scene *s = arg;
    worker_expect(tr_lock_acquire(s->hold_daemon, true, HANG), TR_OK);
    worker_expect(tr_lock_release(s->hold_daemon), TR_OK);
}

static void shutdown_caller(void *arg)
{
    exit_scene *s = arg;
    worker_expect(tr_threading_shutdown(), TR_OK);
    worker_expect(s->worker_done && s->late_done, true);
    worker_expect(tr_semaphore_release(s->shutdown_returned, 1), TR_OK);
}

static void test_threading_shutdown_waits_for_non_daemon_threads_only(void **state)
{
    (void)state;
    exit_scene s = {tr_lock_new(), tr_lock_new(), tr_lock_new(), NULL, false, false,
                    tr_semaphore_new(0)};
    tr_lock *holds[] = {s.hold_worker, s.hold_late, s.hold_daemon};
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(tr_lock_acquire(holds[i], true, TR_FOREVER), TR_OK);
    tr_thread *daemon = tr_thread_new(blocked_daemon, &s, &(tr_thread_opts){.daemon = true});
    assert_int_equal(tr_thread_start(daemon), TR_OK);
    tr_thread *worker = start_thread(exit_worker, &s);
    tr_thread *caller = start_thread(shutdown_caller, &s);

    assert_no_signal_within(s.shutdown_returned, QUIET); /* the worker is still blocked */
    assert_int_equal(tr_lock_release(s.hold_worker), TR_OK);
    assert_no_signal_within(s.shutdown_returned, QUIET); /* the thread it started is */
    assert_int_equal(tr_lock_release(s.hold_late), TR_OK);
    await_signal(s.shutdown_returned); /* the daemon is not waited for */
    assert_true(tr_thread_is_alive(daemon));

    assert_int_equal(tr_lock_release(s.hold_daemon), TR_OK);
    join_thread(caller);
    join_thread(worker);
    join_thread(s.late);
    join_thread(daemon);
    for (size_t i = 0; i < 3; i++)
        tr_lock_free(holds[i]);
    tr_semaphore_free(s.shutdown_returned);
}

static void test_threading_shutdown_with_nothing_running_returns_at_once(void **state)
{
    (void)state;
    assert_int_equal(tr_threading_shutdown(), TR_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_target_runs_with_its_argument_and_join_publishes_its_writes),
        cmocka_unit_test(test_start_twice_is_runtime_error),
        cmocka_unit_test(test_start_after_the_end_is_runtime_error),
        cmocka_unit_test(test_join_before_start_is_runtime_error),
        cmocka_unit_test(test_join_of_the_current_thread_is_runtime_error),
        cmocka_unit_test(test_join_timeout_on_a_live_thread_times_out_after_about_t),
        cmocka_unit_test(test_join_negative_timeout_acts_as_zero),
        cmocka_unit_test(test_repeated_joins_are_fine),
        cmocka_unit_test(test_join_with_unconvertible_timeout_is_value_error_alive_or_ended),
        cmocka_unit_test(test_freeing_a_running_thread_detaches_it),
        cmocka_unit_test(test_free_null_is_a_no_op),
        cmocka_unit_test(test_threading_shutdown_waits_for_non_daemon_threads_only),
        cmocka_unit_test(test_threading_shutdown_with_nothing_running_returns_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
