/* test_estimate.c — Knuth's estimate of a search's executions (explore_estimate.c) against
 * the counts the searches really make: exact where the tree leaves no room for error,
 * within a stated factor where it is a mean of random probes. The probes are a fixed
 * number with a fixed seed, so each figure is the same on every run, however loaded the
 * machine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../src/harness_internal.h"

enum { PROBES = 4000 };
static const double FACTOR = 1.5; /* the estimate is within count / FACTOR .. count * FACTOR */

/* lock<N>x1: N threads each take one lock once (bench_explore's model); dpor: N! traces. */
static int workers = 2;

static void locked_increment(void *arg)
{
    tr_lock *lock = arg;
    tr_lock_acquire(lock, true, TR_FOREVER);
    tr_lock_release(lock);
}

TR_CASE(estimate_lock_model, TR_PASS)
{
    tr_lock *lock = tr_lock_new();
    tr_thread *t[8];
    for (int i = 0; i < workers; i++) {
        t[i] = tr_thread_new(locked_increment, lock, NULL);
        tr_thread_start(t[i]);
    }
    for (int i = 0; i < workers; i++) {
        tr_thread_join(t[i], TR_FOREVER);
        tr_thread_free(t[i]);
    }
    tr_lock_free(lock);
}

/* Three philosophers, fork i then fork i+1: dpor's 2^3 - 1 = 7 traces, one deadlocks. */
typedef struct seat {
    tr_lock **forks;
    int i;
} seat;

static void dine(void *arg)
{
    seat *s = arg;
    tr_lock_acquire(s->forks[s->i], true, TR_FOREVER);
    tr_lock_acquire(s->forks[(s->i + 1) % 3], true, TR_FOREVER);
    tr_lock_release(s->forks[(s->i + 1) % 3]);
    tr_lock_release(s->forks[s->i]);
}

TR_CASE(estimate_philosophers_3, TR_DEADLOCK)
{
    tr_lock **forks = tr_case_alloc(3 * sizeof *forks);
    seat *seats = tr_case_alloc(3 * sizeof *seats);
    tr_thread *t[3];
    for (int i = 0; i < 3; i++)
        forks[i] = tr_lock_new();
    for (int i = 0; i < 3; i++) {
        seats[i] = (seat){forks, i};
        t[i] = tr_thread_new(dine, &seats[i], NULL);
        tr_thread_start(t[i]);
    }
    for (int i = 0; i < 3; i++)
        tr_thread_join(t[i], TR_FOREVER);
}

/* No thread but main: one schedule, and every probe weighs exactly 1. */
TR_CASE(estimate_main_only, TR_PASS)
{
    tr_lock *lock = tr_lock_new();
    tr_lock_acquire(lock, true, TR_FOREVER);
    tr_lock_release(lock);
    tr_lock_free(lock);
}

static tr_explore_opts opts(tr_strategy strategy, int bound)
{
    tr_explore_opts o;
    tr_explore_opts_init(&o);
    o.strategy = strategy;
    o.preemption_bound = bound;
    o.no_fork = true;
    o.max_executions = -1;
    o.seed = 1;
    return o;
}

static tr_estimate estimate(const char *name, const tr_explore_opts *o)
{
    tr_estimate e;
    char err[256] = "";
    bool ok = tr__estimate(tr_case_find(name), o, PROBES, 0, &e, err, sizeof err);
    if (!ok)
        fail_msg("%s: %s", name, err);
    assert_int_equal(e.probes, PROBES);
    return e;
}

static void assert_within_factor(const char *what, double estimate, long count)
{
    if (estimate < (double)count / FACTOR || estimate > (double)count * FACTOR)
        fail_msg("%s: estimate %.1f, count %ld: not within a factor %.1f", what, estimate, count,
                 FACTOR);
}

static void compare(const char *what, const char *name, const tr_explore_opts *o)
{
    tr_estimate e = estimate(name, o);
    tr_result r = tr_explore(name, o);
    assert_true(r.complete);
    assert_within_factor(what, e.executions, r.executions);
    tr_result_free(&r);
}

static void test_dfs_estimate_is_within_the_factor_of_the_count(void **state)
{
    (void)state;
    tr_explore_opts all = opts(TR_STRATEGY_DFS, -1), bound2 = opts(TR_STRATEGY_DFS, 2);
    workers = 2;
    compare("lock2x1 dfs", "estimate_lock_model", &all);
    workers = 3;
    compare("lock3x1 dfs, bound 2", "estimate_lock_model", &bound2);
    compare("philosophers_3 dfs, bound 2", "estimate_philosophers_3", &bound2);
}

static void test_dpor_estimate_is_within_the_factor_of_the_traces(void **state)
{
    (void)state;
    tr_explore_opts o = opts(TR_STRATEGY_DPOR, -1);
    const struct {
        int workers;
        long traces;
    } rows[] = {{2, 2}, {3, 6}, {4, 24}};
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        workers = rows[i].workers;
        char what[32];
        snprintf(what, sizeof what, "lock%dx1 dpor", workers);
        assert_within_factor(what, estimate("estimate_lock_model", &o).executions, rows[i].traces);
    }
    assert_within_factor("philosophers_3 dpor", estimate("estimate_philosophers_3", &o).executions,
                         7);
}

static void test_a_single_schedule_is_estimated_exactly(void **state)
{
    (void)state;
    tr_explore_opts dfs = opts(TR_STRATEGY_DFS, -1), dpor = opts(TR_STRATEGY_DPOR, -1);
    tr_estimate e = estimate("estimate_main_only", &dfs);
    assert_true(e.executions == 1 && e.error == 0);
    e = estimate("estimate_main_only", &dpor);
    assert_true(e.executions == 1 && e.error == 0);
}

/* Two workers and no shared object: every schedule is one trace, so each dpor probe
 * weighs its schedules by exactly as many orders: 1, with no spread. */
static void test_independent_workers_are_one_trace_exactly(void **state)
{
    (void)state;
    tr_explore_opts o = opts(TR_STRATEGY_DPOR, -1);
    workers = 1;
    tr_estimate e = estimate("estimate_lock_model", &o);
    assert_true(e.executions > 0.999 && e.executions < 1.001);
    assert_true(e.error < 1e-9);
}

static void test_estimate_stops_by_itself(void **state)
{
    (void)state;
    tr_explore_opts o = opts(TR_STRATEGY_DFS, 2);
    workers = 2;
    tr_estimate e;
    char err[256];
    assert_true(tr_explore_estimate("estimate_lock_model", &o, &e, err, sizeof err));
    assert_true(e.probes >= 100); /* settled after its minimum, or a second passed */
    assert_true(e.executions > 0);
}

static void test_estimate_refuses_what_it_cannot_count(void **state)
{
    (void)state;
    tr_explore_opts o = opts(TR_STRATEGY_RANDOM, -1);
    tr_estimate e;
    char err[256] = "";
    assert_false(tr_explore_estimate("estimate_lock_model", &o, &e, err, sizeof err));
    assert_non_null(strstr(err, "dfs or dpor"));
    o.strategy = TR_STRATEGY_DPOR;
    assert_false(tr_explore_estimate("no_such_case", &o, &e, err, sizeof err));
    assert_string_equal(err, "no case named no_such_case (see `trama list`)");
}

/* A probe that crashes the process costs the probing child, and is told as an error. */
TR_CASE(estimate_crashes, TR_CRASH)
{
    volatile int *nowhere = NULL;
    *nowhere = 1;
}

static void test_a_crashing_probe_is_an_error(void **state)
{
    (void)state;
    tr_explore_opts o = opts(TR_STRATEGY_DPOR, -1);
    o.no_fork = false;
    tr_estimate e;
    char err[256] = "";
    assert_false(tr_explore_estimate("estimate_crashes", &o, &e, err, sizeof err));
    assert_non_null(strstr(err, "crash"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dfs_estimate_is_within_the_factor_of_the_count),
        cmocka_unit_test(test_dpor_estimate_is_within_the_factor_of_the_traces),
        cmocka_unit_test(test_a_single_schedule_is_estimated_exactly),
        cmocka_unit_test(test_independent_workers_are_one_trace_exactly),
        cmocka_unit_test(test_estimate_stops_by_itself),
        cmocka_unit_test(test_estimate_refuses_what_it_cannot_count),
        cmocka_unit_test(test_a_crashing_probe_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
