/* test_future.c — Future, wait() and as_completed() (PYTHON_SEMANTICS.md §8, states). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <trama/trama.h>

#include "futures.h"
#include "gate.h"
#include "helpers.h"

static tr_status identity(void *arg, void **result)
{
    *result = arg;
    return TR_OK;
}

static tr_status fail_task(void *arg, void **result)
{
    (void)result;
    return tr_lock_release(arg); /* RuntimeError "release unlocked lock" */
}

typedef struct fixture {
    tr_executor *ex;
    gate g;
    tr_lock *unlocked;
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    tr_pool_opts o = {.max_workers = 1};
    fx->ex = tr_thread_pool_new(&o);
    fx->g = (gate)GATE_INIT;
    fx->unlocked = tr_lock_new();
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    gate_open(&fx->g);
    tr_executor_free(fx->ex);
    tr_lock_free(fx->unlocked);
    free(fx);
    return 0;
}

/* The single worker is inside a gated task: everything submitted next stays PENDING. */
static tr_future *block_worker(fixture *fx)
{
    tr_future *f = tr_executor_submit(fx->ex, gated_task, &fx->g);
    gate_wait_started(&fx->g, 1);
    return f;
}

static tr_future *finished(fixture *fx, void *value)
{
    tr_future *f = tr_executor_submit(fx->ex, identity, value);
    assert_int_equal(tr_future_result(f, 30.0, NULL), TR_OK);
    return f;
}

static tr_future *failed(fixture *fx)
{
    tr_future *f = tr_executor_submit(fx->ex, fail_task, fx->unlocked);
    assert_int_equal(tr_future_result(f, 30.0, NULL), TR_TASK_FAILED);
    return f;
}

/* ---- result and the states ------------------------------------------------------------ */

static void test_result_of_finished_future_is_its_value(void **state)
{
    fixture *fx = *state;
    tr_future *f = finished(fx, (void *)42);
    void *r;
    assert_int_equal(tr_future_result(f, 0, &r), TR_OK);
    assert_int_equal((intptr_t)r, 42);
    assert_true(tr_future_done(f));
    assert_false(tr_future_running(f));
    assert_false(tr_future_cancelled(f));
    tr_future_free(f);
}

static const struct {
    const char *name;
    double timeout;
} poll_rows[] = {{"zero polls once", 0},
                 {"negative polls once", -5},
                 {"NaN polls once (Condition.wait)", NAN},
                 {"short expires", 0.05}};

static void test_result_not_done_in_time_is_timeout_with_empty_text(void **state)
{
    fixture *fx = *state;
    tr_future *running = block_worker(fx);
    for (size_t i = 0; i < sizeof poll_rows / sizeof poll_rows[0]; i++) {
        print_message("row: %s\n", poll_rows[i].name);
        void *r = (void *)1;
        assert_int_equal(tr_future_result(running, poll_rows[i].timeout, &r), TR_TIMEOUT);
        assert_string_equal(tr_last_error(), "");
        assert_null(r);
    }
    assert_true(tr_future_running(running));
    assert_false(tr_future_done(running));
    gate_open(&fx->g);
    assert_int_equal(tr_future_result(running, TR_FOREVER, NULL), TR_OK);
    tr_future_free(running);
}

/* Python 3.13: result(1e10) / exception(inf) on a future not done raise OverflowError
 * "timestamp out of range for platform time_t" (trama: TR_VALUE_ERROR); on a done one the
 * timeout is never looked at. */
static void test_overflowing_timeouts_are_value_errors_only_when_waiting(void **state)
{
    fixture *fx = *state;
    tr_future *running = block_worker(fx);
    const double huge[] = {1e10, INFINITY, 9223372036.854775808};
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        assert_misuse(tr_future_result(running, huge[i], NULL), TR_VALUE_ERROR,
                      "timestamp out of range for platform time_t");
        tr_status failure = TR_RUNTIME_ERROR;
        assert_misuse(tr_future_exception(running, huge[i], &failure, NULL), TR_VALUE_ERROR,
                      "timestamp out of range for platform time_t");
        assert_int_equal(failure, TR_RUNTIME_ERROR);
    }
    gate_open(&fx->g);
    assert_int_equal(tr_future_result(running, TR_FOREVER, NULL), TR_OK);
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        assert_int_equal(tr_future_result(running, huge[i], NULL), TR_OK);
        tr_status failure = TR_RUNTIME_ERROR;
        assert_int_equal(tr_future_exception(running, huge[i], &failure, NULL), TR_OK);
        assert_int_equal(failure, TR_OK);
    }
    tr_future_free(running);
}

static void test_cancel_pending_is_true_and_result_is_cancelled_error(void **state)
{
    fixture *fx = *state;
    tr_future *running = block_worker(fx);
    tr_future *f = tr_executor_submit(fx->ex, identity, NULL);
    assert_false(tr_future_running(f));
    assert_false(tr_future_done(f));
    assert_true(tr_future_cancel(f));
    assert_true(tr_future_cancelled(f));
    assert_true(tr_future_done(f));
    assert_true(tr_future_cancel(f)); /* already cancelled: True again */
    assert_int_equal(tr_future_result(f, TR_FOREVER, NULL), TR_CANCELLED);
    assert_string_equal(tr_last_error(), "");
    tr_future_free(f);
    tr_future_free(running);
}

static void test_cancel_running_or_finished_is_false(void **state)
{
    fixture *fx = *state;
    tr_future *running = block_worker(fx);
    assert_false(tr_future_cancel(running));
    assert_false(tr_future_cancelled(running));
    gate_open(&fx->g);
    assert_int_equal(tr_future_result(running, 30.0, NULL), TR_OK);
    assert_false(tr_future_cancel(running));
    assert_false(tr_future_cancelled(running));
    tr_future_free(running);
}

static void test_result_of_failed_task_is_task_failed_with_its_text(void **state)
{
    fixture *fx = *state;
    tr_future *f = failed(fx);
    assert_int_equal(tr_future_result(f, 0, NULL), TR_TASK_FAILED);
    assert_string_equal(tr_last_error(), "release unlocked lock");
    assert_true(tr_future_done(f));
    tr_future_free(f);
}

/* ---- exception ------------------------------------------------------------------------ */

static void test_exception_of_finished_future_is_ok_with_no_failure(void **state)
{
    fixture *fx = *state;
    tr_future *f = finished(fx, (void *)42);
    tr_status failure = TR_RUNTIME_ERROR;
    char *message = (char *)"untouched";
    assert_int_equal(tr_future_exception(f, 0, &failure, &message), TR_OK);
    assert_int_equal(failure, TR_OK);
    assert_null(message);
    tr_future_free(f);
}

static void test_exception_of_failed_task_is_its_failure_and_text(void **state)
{
    fixture *fx = *state;
    tr_future *f = failed(fx);
    tr_status failure = TR_OK;
    char *message = NULL;
    assert_int_equal(tr_future_exception(f, TR_FOREVER, &failure, &message), TR_OK);
    assert_int_equal(failure, TR_TASK_FAILED);
    assert_non_null(message);
    assert_string_equal(message, "release unlocked lock");
    free(message);
    assert_int_equal(tr_future_exception(f, 0, NULL, NULL), TR_OK); /* outputs optional */
    tr_future_free(f);
}

static void test_exception_not_done_in_time_is_timeout_and_leaves_the_outputs(void **state)
{
    fixture *fx = *state;
    tr_future *running = block_worker(fx);
    for (size_t i = 0; i < sizeof poll_rows / sizeof poll_rows[0]; i++) {
        print_message("row: %s\n", poll_rows[i].name);
        tr_status failure = TR_RUNTIME_ERROR;
        char *message = (char *)"untouched";
        assert_int_equal(tr_future_exception(running, poll_rows[i].timeout, &failure, &message),
                         TR_TIMEOUT);
        assert_string_equal(tr_last_error(), "");
        assert_int_equal(failure, TR_RUNTIME_ERROR);
        assert_string_equal(message, "untouched");
    }
    gate_open(&fx->g);
    tr_future_free(running);
}

static void test_exception_of_cancelled_future_is_cancelled_error(void **state)
{
    fixture *fx = *state;
    tr_future *running = block_worker(fx);
    tr_future *f = tr_executor_submit(fx->ex, identity, NULL);
    assert_true(tr_future_cancel(f));
    tr_status failure = TR_OK;
    assert_int_equal(tr_future_exception(f, TR_FOREVER, &failure, NULL), TR_CANCELLED);
    assert_string_equal(tr_last_error(), "");
    assert_int_equal(failure, TR_OK);
    tr_future_free(f);
    tr_future_free(running);
}

static void open_gate(void *arg) { gate_open(arg); }

static void test_exception_waits_until_the_task_finishes(void **state)
{
    fixture *fx = *state;
    tr_future *running = block_worker(fx);
    tr_thread *opener = tr_thread_new(open_gate, &fx->g, NULL);
    assert_int_equal(tr_thread_start(opener), TR_OK);
    tr_status failure = TR_RUNTIME_ERROR;
    assert_int_equal(tr_future_exception(running, TR_FOREVER, &failure, NULL), TR_OK);
    assert_int_equal(failure, TR_OK);
    assert_true(tr_future_done(running));
    assert_int_equal(tr_thread_join(opener, TR_FOREVER), TR_OK);
    tr_thread_free(opener);
    tr_future_free(running);
}

static bool failing_initializer(void *arg)
{
    (void)arg;
    return false;
}

static void test_exception_of_broken_pool_future_is_broken_with_its_text(void **state)
{
    (void)state;
    tr_pool_opts o = {.max_workers = 1, .checked_initializer = failing_initializer};
    tr_executor *ex = tr_thread_pool_new(&o);
    tr_future *f = tr_executor_submit(ex, identity, NULL);
    tr_status failure = TR_OK;
    char *message = NULL;
    assert_int_equal(tr_future_exception(f, TR_FOREVER, &failure, &message), TR_OK);
    assert_int_equal(failure, TR_BROKEN);
    assert_string_equal(message,
                        "A thread initializer failed, the thread pool is not usable anymore");
    free(message);
    tr_future_free(f);
    tr_executor_free(ex);
}

/* ---- done callbacks ------------------------------------------------------------------- */

typedef struct calls {
    int order[8];
    int n;
    const char *thread[8];
} calls;

static calls log_;
static void record(tr_future *f, void *arg)
{
    (void)f;
    log_.thread[log_.n] = tr_thread_name(tr_current_thread());
    log_.order[log_.n++] = (int)(intptr_t)arg;
}

static void test_callbacks_run_in_the_completing_thread_in_the_order_added(void **state)
{
    fixture *fx = *state;
    tr_future *running = block_worker(fx);
    memset(&log_, 0, sizeof log_);
    for (intptr_t i = 0; i < 3; i++)
        assert_int_equal(tr_future_add_done_callback(running, record, (void *)i), TR_OK);
    assert_int_equal(log_.n, 0);
    gate_open(&fx->g);
    assert_int_equal(tr_executor_shutdown(fx->ex, true, false), TR_OK); /* callbacks ran */
    assert_int_equal(log_.n, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(log_.order[i], i);
        assert_non_null(strstr(log_.thread[i], "ThreadPoolExecutor-"));
    }
    tr_future_free(running);
}

static void test_callback_on_done_future_runs_at_once_in_the_caller(void **state)
{
    fixture *fx = *state;
    tr_future *f = finished(fx, NULL);
    memset(&log_, 0, sizeof log_);
    assert_int_equal(tr_future_add_done_callback(f, record, (void *)7), TR_OK);
    assert_int_equal(log_.n, 1);
    assert_int_equal(log_.order[0], 7);
    assert_string_equal(log_.thread[0], tr_thread_name(tr_current_thread()));
    tr_future_free(f);
}

static void test_cancel_runs_the_callbacks_once(void **state)
{
    fixture *fx = *state;
    tr_future *running = block_worker(fx);
    tr_future *f = tr_executor_submit(fx->ex, identity, NULL);
    memset(&log_, 0, sizeof log_);
    tr_future_add_done_callback(f, record, (void *)1);
    tr_future_add_done_callback(f, record, (void *)2);
    assert_true(tr_future_cancel(f));
    assert_int_equal(log_.n, 2);
    assert_int_equal(log_.order[0], 1);
    assert_int_equal(log_.order[1], 2);
    assert_true(tr_future_cancel(f));
    assert_int_equal(log_.n, 2);
    tr_future_free(f);
    tr_future_free(running);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- wait ----------------------------------------------------------------------------- */

static void test_wait_first_completed_returns_done_ones_first(void **state)
{
    fixture *fx = *state;
    tr_future *done = finished(fx, NULL);
    tr_future *running = block_worker(fx);
    tr_future *fs[2] = {running, done};
    size_t n_done = 99;
    assert_int_equal(tr_wait(fs, 2, TR_FOREVER, TR_FIRST_COMPLETED, &n_done), TR_OK);
    assert_int_equal(n_done, 1);
    assert_ptr_equal(fs[0], done);
    assert_ptr_equal(fs[1], running);
    gate_open(&fx->g);
    tr_future_free(done);
    tr_future_free(running);
}

static void test_wait_first_completed_blocks_until_one_finishes(void **state)
{
    fixture *fx = *state;
    tr_future *running = block_worker(fx);
    tr_future *queued = tr_executor_submit(fx->ex, identity, NULL);
    tr_future *fs[2] = {queued, running};
    size_t n_done = 99;
    gate_open(&fx->g);
    assert_int_equal(tr_wait(fs, 2, TR_FOREVER, TR_FIRST_COMPLETED, &n_done), TR_OK);
    assert_in_range(n_done, 1, 2);
    assert_true(tr_future_done(fs[0]));
    tr_future_free(queued);
    tr_future_free(running);
}

static void test_wait_timeout_is_ok_with_the_done_ones_counted(void **state)
{
    fixture *fx = *state;
    tr_future *done = finished(fx, NULL);
    tr_future *running = block_worker(fx);
    tr_future *fs[2] = {running, done};
    const double timeouts[] = {0, -1.5, 0.05};
    for (size_t i = 0; i < 3; i++) {
        size_t n_done = 99;
        print_message("timeout %g\n", timeouts[i]);
        assert_int_equal(tr_wait(fs, 2, timeouts[i], TR_ALL_COMPLETED, &n_done), TR_OK);
        assert_int_equal(n_done, 1);
        assert_ptr_equal(fs[0], done);
    }
    gate_open(&fx->g);
    tr_future_free(done);
    tr_future_free(running);
}

static void test_wait_all_completed_waits_for_every_future(void **state)
{
    fixture *fx = *state;
    tr_future *running = block_worker(fx);
    tr_future *fs[4] = {running};
    for (int i = 1; i < 4; i++)
        fs[i] = tr_executor_submit(fx->ex, identity, NULL);
    gate_open(&fx->g);
    size_t n_done = 0;
    assert_int_equal(tr_wait(fs, 4, TR_FOREVER, TR_ALL_COMPLETED, &n_done), TR_OK);
    assert_int_equal(n_done, 4);
    for (int i = 0; i < 4; i++) {
        assert_true(tr_future_done(fs[i]));
        tr_future_free(fs[i]);
    }
}

static void test_wait_first_exception_returns_on_a_failed_future(void **state)
{
    fixture *fx = *state;
    tr_future *bad = failed(fx);
    tr_future *running = block_worker(fx);
    tr_future *fs[2] = {running, bad};
    size_t n_done = 0;
    assert_int_equal(tr_wait(fs, 2, TR_FOREVER, TR_FIRST_EXCEPTION, &n_done), TR_OK);
    assert_int_equal(n_done, 1);
    assert_ptr_equal(fs[0], bad);
    gate_open(&fx->g);
    tr_future_free(bad);
    tr_future_free(running);
}

static void test_wait_first_exception_without_failure_waits_for_all(void **state)
{
    fixture *fx = *state;
    tr_future *ok = finished(fx, NULL);
    tr_future *running = block_worker(fx);
    tr_future *fs[2] = {ok, running};
    size_t n_done = 0;
    double t0 = now();
    assert_int_equal(tr_wait(fs, 2, 0.05, TR_FIRST_EXCEPTION, &n_done), TR_OK);
    assert_true(now() - t0 >= 0.6 * 0.05); /* a success does not end FIRST_EXCEPTION */
    assert_int_equal(n_done, 1);
    gate_open(&fx->g);
    assert_int_equal(tr_wait(fs, 2, TR_FOREVER, TR_FIRST_EXCEPTION, &n_done), TR_OK);
    assert_int_equal(n_done, 2);
    tr_future_free(ok);
    tr_future_free(running);
}

static void test_wait_first_exception_wakes_when_a_task_fails(void **state)
{
    fixture *fx = *state;
    tr_future *running = block_worker(fx);
    tr_future *bad = tr_executor_submit(fx->ex, fail_task, fx->unlocked);
    tr_future *fs[2] = {running, bad};
    size_t n_done = 0;
    gate_open(&fx->g);
    assert_int_equal(tr_wait(fs, 2, TR_FOREVER, TR_FIRST_EXCEPTION, &n_done), TR_OK);
    assert_int_equal(n_done, 2); /* one worker: the gated one finished before bad ran */
    tr_future_free(bad);
    tr_future_free(running);
}

static void test_wait_counts_cancelled_only_once_notified(void **state)
{
    fixture *fx = *state;
    tr_future *running = block_worker(fx);
    tr_future *f = tr_executor_submit(fx->ex, identity, NULL);
    assert_true(tr_future_cancel(f));
    size_t n_done = 99;
    assert_int_equal(tr_wait(&f, 1, 0, TR_ALL_COMPLETED, &n_done), TR_OK);
    assert_int_equal(n_done, 0); /* CANCELLED: done() but not for wait() */
    gate_open(&fx->g);
    tr_future *after = finished(fx, NULL); /* the worker took f first: CANCELLED_AND_NOTIFIED */
    assert_int_equal(tr_wait(&f, 1, 0, TR_ALL_COMPLETED, &n_done), TR_OK);
    assert_int_equal(n_done, 1);
    tr_future_free(after);
    tr_future_free(f);
    tr_future_free(running);
}

static void test_wait_is_woken_by_a_cancelled_future_being_notified(void **state)
{
    fixture *fx = *state;
    tr_future *running = block_worker(fx);
    tr_future *f = tr_executor_submit(fx->ex, identity, NULL);
    assert_true(tr_future_cancel(f));
    gate_open(&fx->g);
    size_t n_done = 0;
    assert_int_equal(tr_wait(&f, 1, TR_FOREVER, TR_ALL_COMPLETED, &n_done), TR_OK);
    assert_int_equal(n_done, 1);
    tr_future_free(f);
    tr_future_free(running);
}

static void test_wait_bad_return_when_is_value_error_only_when_it_must_wait(void **state)
{
    fixture *fx = *state;
    tr_future *done = finished(fx, NULL);
    size_t n_done = 0;
    assert_int_equal(tr_wait(&done, 1, 0, (tr_return_when)7, &n_done), TR_OK);
    assert_int_equal(n_done, 1);
    tr_future *running = block_worker(fx);
    assert_int_equal(tr_wait(&running, 1, 0, (tr_return_when)7, &n_done), TR_VALUE_ERROR);
    assert_string_equal(tr_last_error(), "Invalid return condition: 7");
    gate_open(&fx->g);
    tr_future_free(done);
    tr_future_free(running);
}

static void test_wait_on_no_futures_returns_at_once(void **state)
{
    (void)state;
    size_t n_done = 99;
    assert_int_equal(tr_wait(NULL, 0, TR_FOREVER, TR_ALL_COMPLETED, &n_done), TR_OK);
    assert_int_equal(n_done, 0);
}

/* ---- as_completed --------------------------------------------------------------------- */

static void test_as_completed_yields_done_ones_first_then_in_completion_order(void **state)
{
    (void)state;
    gate gates[3] = {GATE_INIT, GATE_INIT, GATE_INIT};
    tr_pool_opts o = {.max_workers = 3};
    tr_executor *ex = tr_thread_pool_new(&o);
    tr_future *done = tr_executor_submit(ex, identity, NULL);
    assert_int_equal(tr_future_result(done, 30.0, NULL), TR_OK);
    tr_future *fs[4] = {NULL, NULL, NULL, done};
    for (int i = 0; i < 3; i++)
        fs[i] = tr_executor_submit(ex, gated_task, &gates[i]);
    tr_as_completed *it = tr_as_completed_new(fs, 4, TR_FOREVER);
    tr_future *next;
    assert_int_equal(tr_as_completed_next(it, &next), TR_OK);
    assert_ptr_equal(next, done);
    const int order[3] = {2, 0, 1};
    for (int k = 0; k < 3; k++) {
        gate_open(&gates[order[k]]);
        assert_int_equal(tr_as_completed_next(it, &next), TR_OK);
        assert_ptr_equal(next, fs[order[k]]);
    }
    assert_int_equal(tr_as_completed_next(it, &next), TR_EOF);
    assert_null(next);
    tr_as_completed_free(it);
    for (int i = 0; i < 4; i++)
        tr_future_free(fs[i]);
    tr_executor_free(ex);
}

static void test_as_completed_timeout_counts_the_unfinished(void **state)
{
    fixture *fx = *state;
    tr_future *done = finished(fx, NULL);
    tr_future *running = block_worker(fx);
    tr_future *queued = tr_executor_submit(fx->ex, identity, NULL);
    tr_future *fs[3] = {running, done, queued};
    const double timeouts[] = {0, 0.05};
    for (size_t i = 0; i < 2; i++) {
        tr_as_completed *it = tr_as_completed_new(fs, 3, timeouts[i]);
        tr_future *next;
        assert_int_equal(tr_as_completed_next(it, &next), TR_OK);
        assert_ptr_equal(next, done);
        assert_int_equal(tr_as_completed_next(it, &next), TR_TIMEOUT);
        assert_string_equal(tr_last_error(), "2 (of 3) futures unfinished");
        tr_as_completed_free(it);
    }
    gate_open(&fx->g);
    tr_future_free(done);
    tr_future_free(running);
    tr_future_free(queued);
}

static void test_as_completed_yields_a_repeated_future_once(void **state)
{
    fixture *fx = *state;
    tr_future *running = block_worker(fx);
    tr_future *fs[3] = {running, running, running};
    tr_as_completed *it = tr_as_completed_new(fs, 3, 0);
    tr_future *next;
    assert_int_equal(tr_as_completed_next(it, &next), TR_TIMEOUT);
    assert_string_equal(tr_last_error(), "1 (of 1) futures unfinished");
    tr_as_completed_free(it);
    gate_open(&fx->g);
    it = tr_as_completed_new(fs, 3, TR_FOREVER);
    assert_int_equal(tr_as_completed_next(it, &next), TR_OK);
    assert_int_equal(tr_as_completed_next(it, &next), TR_EOF);
    tr_as_completed_free(it);
    tr_future_free(running);
}

static void test_as_completed_keeps_futures_the_caller_freed(void **state)
{
    fixture *fx = *state;
    tr_future *running = block_worker(fx);
    tr_as_completed *it = tr_as_completed_new(&running, 1, TR_FOREVER);
    tr_future *mine = running;
    tr_future_free(mine); /* the iterator holds its own reference */
    gate_open(&fx->g);
    tr_future *next;
    assert_int_equal(tr_as_completed_next(it, &next), TR_OK);
    assert_true(tr_future_done(next));
    tr_as_completed_free(it);
}

#define FX(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        FX(test_result_of_finished_future_is_its_value),
        FX(test_result_not_done_in_time_is_timeout_with_empty_text),
        FX(test_overflowing_timeouts_are_value_errors_only_when_waiting),
        FX(test_cancel_pending_is_true_and_result_is_cancelled_error),
        FX(test_cancel_running_or_finished_is_false),
        FX(test_result_of_failed_task_is_task_failed_with_its_text),
        FX(test_exception_of_finished_future_is_ok_with_no_failure),
        FX(test_exception_of_failed_task_is_its_failure_and_text),
        FX(test_exception_not_done_in_time_is_timeout_and_leaves_the_outputs),
        FX(test_exception_of_cancelled_future_is_cancelled_error),
        FX(test_exception_waits_until_the_task_finishes),
        cmocka_unit_test(test_exception_of_broken_pool_future_is_broken_with_its_text),
        FX(test_callbacks_run_in_the_completing_thread_in_the_order_added),
        FX(test_callback_on_done_future_runs_at_once_in_the_caller),
        FX(test_cancel_runs_the_callbacks_once),
        FX(test_wait_first_completed_returns_done_ones_first),
        FX(test_wait_first_completed_blocks_until_one_finishes),
        FX(test_wait_timeout_is_ok_with_the_done_ones_counted),
        FX(test_wait_all_completed_waits_for_every_future),
        FX(test_wait_first_exception_returns_on_a_failed_future),
        FX(test_wait_first_exception_without_failure_waits_for_all),
        FX(test_wait_first_exception_wakes_when_a_task_fails),
        FX(test_wait_counts_cancelled_only_once_notified),
        FX(test_wait_is_woken_by_a_cancelled_future_being_notified),
        FX(test_wait_bad_return_when_is_value_error_only_when_it_must_wait),
        FX(test_wait_on_no_futures_returns_at_once),
        FX(test_as_completed_yields_done_ones_first_then_in_completion_order),
        FX(test_as_completed_timeout_counts_the_unfinished),
        FX(test_as_completed_yields_a_repeated_future_once),
        FX(test_as_completed_keeps_futures_the_caller_freed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
