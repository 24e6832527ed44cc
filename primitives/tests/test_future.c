/* test_future.c — Future (PYTHON_SEMANTICS.md §8, states): result, cancel, exception and
 * done callbacks. wait() and as_completed(): test_futures_wait.c. */
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
#include "future_fixtures.h"

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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
