/* test_futures_wait.c — concurrent.futures.wait() and as_completed()
 * (PYTHON_SEMANTICS.md §8): return_when, timeouts, cancelled futures, completion order.
 * The Future itself (result, cancel, exception, callbacks): test_future.c. */
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

#include "gate.h"
#include "helpers.h"
#include "future_fixtures.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
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
