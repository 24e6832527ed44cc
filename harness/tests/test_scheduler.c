/* test_scheduler.c — properties of the controlled scheduler: replay equals the original
 * run, the same seed gives the same verdict, DFS counts equal hand-computed numbers of
 * interleavings, and schedule strings are parsed and checked strictly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../src/finding.h"
#include "../src/report.h"

/* ---- tiny cases ----------------------------------------------------------------------- */

static void nothing(void *arg) { (void)arg; }

/* T0 starts T1 and joins it: T1 can only run when T0 blocks: 1 interleaving. */
TR_CASE(one_worker_no_choice, TR_PASS)
{
    tr_thread *t = tr_thread_new(nothing, NULL, NULL);
    tr_thread_start(t);
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
}

typedef struct two_ints {
    int x, y;
} two_ints;

static void store_y(void *arg)
{
    two_ints *v = arg;
    TR_STORE(v->y, 1);
}

/* T0: start T1, store x, join. T1: begin, store y, exit. T0's store goes before T1's
 * begin, between begin and store, between store and exit, or after exit: 4. */
TR_CASE(main_store_vs_worker, TR_PASS)
{
    two_ints *v = tr_case_alloc(sizeof *v);
    tr_thread *t = tr_thread_new(store_y, v, NULL);
    tr_thread_start(t);
    TR_STORE(v->x, 1);
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
}

/* Two workers of begin, store, exit; T0 starts both and joins both. */
static void store_x(void *arg)
{
    two_ints *v = arg;
    TR_STORE(v->x, 1);
}

TR_CASE(two_workers_one_store, TR_PASS)
{
    two_ints *v = tr_case_alloc(sizeof *v);
    tr_thread *a = tr_thread_new(store_x, v, NULL);
    tr_thread *b = tr_thread_new(store_y, v, NULL);
    tr_thread_start(a);
    tr_thread_start(b);
    tr_thread_join(a, TR_FOREVER);
    tr_thread_join(b, TR_FOREVER);
    tr_thread_free(a);
    tr_thread_free(b);
}

typedef struct abba {
    tr_lock *a, *b;
} abba;

static void ab(void *arg)
{
    abba *s = arg;
    tr_lock_acquire(s->a, true, TR_FOREVER);
    tr_lock_acquire(s->b, true, TR_FOREVER);
    tr_lock_release(s->b);
    tr_lock_release(s->a);
}

static void ba(void *arg)
{
    abba *s = arg;
    tr_lock_acquire(s->b, true, TR_FOREVER);
    tr_lock_acquire(s->a, true, TR_FOREVER);
    tr_lock_release(s->a);
    tr_lock_release(s->b);
}

TR_CASE(abba_for_tests, TR_DEADLOCK)
{
    abba *s = tr_case_alloc(sizeof *s);
    s->a = tr_lock_new();
    s->b = tr_lock_new();
    tr_thread *x = tr_thread_new(ab, s, &(tr_thread_opts){.name = "x"});
    tr_thread *y = tr_thread_new(ba, s, &(tr_thread_opts){.name = "y"});
    tr_thread_start(x);
    tr_thread_start(y);
    tr_thread_join(x, TR_FOREVER);
    tr_thread_join(y, TR_FOREVER);
}

/* The worker's timed acquire gives up only while T0 holds the lock: with lazy timeouts it
 * never does (T0 can always go on to release), with --timeouts any it may. */
static void acquire_within_a_second(void *arg)
{
    tr_lock *l = arg;
    bool got = tr_lock_acquire(l, true, 1.0) == TR_OK;
    TR_ASSERT(got);
    if (got)
        tr_lock_release(l);
}

TR_CASE(timed_acquire_gives_up_for_tests, TR_ASSERTION)
{
    tr_lock *l = tr_lock_new();
    tr_lock_acquire(l, true, TR_FOREVER);
    tr_thread *t = tr_thread_new(acquire_within_a_second, l, NULL);
    tr_thread_start(t);
    tr_lock_release(l);
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
}

/* ---- helpers -------------------------------------------------------------------------- */

static void ignore(tr_finding *f, void *ctx)
{
    (void)ctx;
    tr__finding_free(f);
}

/* Runs every execution of the explorer; returns how many. */
static long count_executions(const char *name, tr__explorer *e)
{
    const tr_case *c = tr_case_find(name);
    assert_non_null(c);
    tr__exec_opts xo = {.explorer = e, .max_steps = 10000};
    long n = 0;
    do {
        tr__execute(c, &xo, ignore, NULL, NULL);
        n++;
    } while (e->execution_end(e) && n < 1000000);
    e->destroy(e);
    return n;
}

/* The same interleavings, counted by a model of the case written independently: T0 runs
 * start(1..k), then join(1..k); worker i runs `steps[i]` steps (begin..exit) once started;
 * T0's final exit waits for all. Returns the number of maximal step sequences. */
static long model_count(int k, const int *steps, int t0_pc, const int *done)
{
    int enabled = 0;
    long total = 0;
    /* T0: pcs 0..k-1 start, k..2k-1 join, 2k exit-all, 2k+1 finished */
    bool t0_can = false;
    if (t0_pc < k)
        t0_can = true;
    else if (t0_pc < 2 * k)
        t0_can = done[t0_pc - k] == steps[t0_pc - k];
    else if (t0_pc == 2 * k) {
        t0_can = true;
        for (int i = 0; i < k; i++)
            t0_can &= done[i] == steps[i];
    }
    int next[8];
    if (t0_can) {
        enabled++;
        total += model_count(k, steps, t0_pc + 1, done);
    }
    for (int i = 0; i < k; i++) {
        bool started = t0_pc > i;
        if (!started || done[i] == steps[i])
            continue;
        memcpy(next, done, sizeof next);
        next[i]++;
        enabled++;
        total += model_count(k, steps, t0_pc, next);
    }
    return enabled ? total : 1;
}

/* ---- tests ---------------------------------------------------------------------------- */

static void test_dfs_counts_equal_hand_computed_interleavings(void **unused)
{
    (void)unused;
    assert_int_equal(count_executions("one_worker_no_choice", tr__explorer_dfs(-1)), 1);
    assert_int_equal(count_executions("main_store_vs_worker", tr__explorer_dfs(-1)), 4);
}

static void test_dfs_counts_equal_an_independent_model(void **unused)
{
    (void)unused;
    int steps[8] = {3, 3}, done[8] = {0};
    long model = model_count(2, steps, 0, done);
    assert_true(model > 4);
    assert_int_equal(count_executions("two_workers_one_store", tr__explorer_dfs(-1)), model);
}

static void test_dpor_runs_one_execution_for_independent_workers(void **unused)
{
    (void)unused;
    /* the workers write different addresses: every interleaving is one trace */
    assert_int_equal(count_executions("two_workers_one_store", tr__explorer_dpor()), 1);
    assert_int_equal(count_executions("main_store_vs_worker", tr__explorer_dpor()), 1);
}

static void test_preemption_bound_zero_explores_fewer(void **unused)
{
    (void)unused;
    long all = count_executions("abba_for_tests", tr__explorer_dfs(-1));
    long bounded = count_executions("abba_for_tests", tr__explorer_dfs(0));
    assert_true(bounded >= 1);
    assert_true(bounded < all);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct deadlock_seen {
    long first; /* the execution (from 1) of the first deadlock, 0 none */
    long execution;
} deadlock_seen;

static void note_deadlock(tr_finding *f, void *ctx)
{
    deadlock_seen *d = ctx;
    if (f->kind == TR_DEADLOCK && !d->first)
        d->first = d->execution;
    tr__finding_free(f);
}

/* Iterative context bounding runs the schedules of bound 0, then those of exactly 1
 * preemption, 2, ...: each schedule once (as many executions as an unbounded search, all
 * distinct), and a bug that needs a preemption only after every schedule without one. */
static void test_iterative_bounding_runs_each_schedule_once_fewest_preemptions_first(void **unused)
{
    (void)unused;
    static const char *const names[] = {"main_store_vs_worker", "two_workers_one_store",
                                        "abba_for_tests"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        const tr_case *c = tr_case_find(names[k]);
        tr__explorer *e = tr__explorer_dfs(-1);
        tr__exec_opts xo = {.explorer = e, .max_steps = 10000};
        size_t n = 0, cap = 64;
        char **seen = malloc(cap * sizeof *seen);
        deadlock_seen d = {0, 0};
        do {
            d.execution = (long)n + 1;
            tr__execute(c, &xo, note_deadlock, &d, NULL);
            if (n == cap)
                seen = realloc(seen, (cap *= 2) * sizeof *seen);
            char text[1024];
            tr__current_schedule(text, sizeof text);
            seen[n++] = strdup(text);
        } while (e->execution_end(e) && n < 100000);
        assert_true(e->bound_complete >= 0);
        e->destroy(e);
        assert_int_equal(n, count_executions(names[k], tr__explorer_dfs(1000)));
        qsort(seen, n, sizeof *seen, compare_strings);
        for (size_t i = 0; i + 1 < n; i++)
            if (strcmp(seen[i], seen[i + 1]) == 0)
                fail_msg("%s: schedule %s ran twice", names[k], seen[i]);
        for (size_t i = 0; i < n; i++)
            free(seen[i]);
        free(seen);
        if (strcmp(names[k], "abba_for_tests") == 0) {
            assert_true(d.first > 0);
            assert_true(d.first > count_executions(names[k], tr__explorer_dfs(0)));
        }
    }
}

/* rwlock_condition_writer_ignores_readers's shape: a reader enters under a Condition's
 * lock, then reads a pair outside it; the writer sets `writing` without waiting for the
 * readers inside and writes the pair. pct with depth 3 once never found the torn read. */
typedef struct torn {
    tr_condition *cond;
    int readers, writing, a, b;
} torn;

static void read_unless_writing(void *arg)
{
    torn *t = arg;
    tr_condition_acquire(t->cond, true, TR_FOREVER);
    while (TR_LOAD(t->writing))
        tr_condition_wait(t->cond, TR_FOREVER);
    TR_STORE(t->readers, TR_LOAD(t->readers) + 1);
    tr_condition_release(t->cond);
    TR_ASSERT(TR_LOAD(t->a) == TR_LOAD(t->b));
}

TR_CASE(torn_pair_for_tests, TR_ASSERTION)
{
    torn *t = tr_case_alloc(sizeof *t);
    t->cond = tr_condition_new();
    tr_thread *r = tr_thread_new(read_unless_writing, t, NULL);
    tr_thread_start(r);
    tr_condition_acquire(t->cond, true, TR_FOREVER);
    TR_STORE(t->writing, 1);
    tr_condition_release(t->cond);
    TR_STORE(t->a, 1);
    TR_STORE(t->b, 1);
    tr_condition_acquire(t->cond, true, TR_FOREVER);
    TR_STORE(t->writing, 0);
    tr_condition_notify_all(t->cond);
    tr_condition_release(t->cond);
    tr_thread_join(r, TR_FOREVER);
    tr_thread_free(r);
    tr_condition_free(t->cond);
}

static void test_pct_lowers_a_thread_below_one_lowered_earlier(void **unused)
{
    (void)unused;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        tr_explore_opts o;
        tr_explore_opts_init(&o);
        o.strategy = TR_STRATEGY_PCT;
        o.pct_depth = 3;
        o.seed = seed;
        o.max_executions = 5000; /* PCT's bound: 1 / (n k^2) per execution, k about 20 */
        o.no_fork = true;
        o.stop_on_expected = true;
        tr_result r = tr_explore("torn_pair_for_tests", &o);
        if (!(r.found & (1u << TR_ASSERTION)))
            fail_msg("pct seed %llu: the torn read not found in 5000 executions",
                     (unsigned long long)seed);
        tr_result_free(&r);
    }
}

/* T1 takes eight steps on its own before it writes `last`; T2 writes it at once. */
typedef struct race_late {
    int own[8];
    int last;
} race_late;

static void eight_then_write(void *arg)
{
    race_late *r = arg;
    for (int i = 0; i < 8; i++)
        TR_STORE(r->own[i], i);
    TR_STORE(r->last, 1);
}

static void write_at_once(void *arg)
{
    race_late *r = arg;
    TR_STORE(r->last, 2);
}

TR_CASE(race_late_for_tests, TR_ASSERTION)
{
    race_late *r = tr_case_alloc(sizeof *r);
    tr_thread *a = tr_thread_new(eight_then_write, r, NULL);
    tr_thread *b = tr_thread_new(write_at_once, r, NULL);
    tr_thread_start(a);
    tr_thread_start(b);
    tr_thread_join(a, TR_FOREVER);
    tr_thread_join(b, TR_FOREVER);
    TR_ASSERT(TR_LOAD(r->last) == 2); /* fails when T2 wrote first */
    tr_thread_free(a);
    tr_thread_free(b);
}

static void count_assertion(tr_finding *f, void *ctx)
{
    *(long *)ctx += f->kind == TR_ASSERTION;
    tr__finding_free(f);
}

/* The share of executions in which T2's write comes first. */
static double share_t2_first(tr__explorer *e, int executions)
{
    const tr_case *c = tr_case_find("race_late_for_tests");
    tr__exec_opts xo = {.explorer = e, .max_steps = 10000};
    long failed = 0;
    for (int i = 0; i < executions; i++) {
        e->execution_begin(e);
        tr__execute(c, &xo, count_assertion, &failed, NULL);
        e->execution_end(e);
    }
    e->destroy(e);
    return (double)failed / executions;
}

/* The rare order of the race (T1's nine steps, begin included, all before T2's one): a
 * uniform choice at every point picks it with probability about 2^-9; partial order
 * sampling redraws only what a step races with, so T2's write keeps one priority that
 * each of T1's steps must beat, about 1 / 10 (Yuan et al.'s example). */
static void test_pos_samples_the_rare_order_of_a_race_far_more_often_than_random(void **unused)
{
    (void)unused;
    double pos = 1 - share_t2_first(tr__explorer_pos(11), 2000);
    double random = 1 - share_t2_first(tr__explorer_random(11), 2000);
    if (pos < 0.05)
        fail_msg("pos: T1 first in %.1f%% of the executions", pos * 100);
    if (pos < 5 * random)
        fail_msg("pos: T1 first in %.1f%%, random: %.1f%%", pos * 100, random * 100);
    print_message("T1 first: pos %.1f%%, random %.1f%%\n", pos * 100, random * 100);
}

typedef struct capture {
    char schedule[512];
    unsigned found;
} capture;

static void keep_first(tr_finding *f, void *ctx)
{
    capture *c = ctx;
    if (!c->found)
        snprintf(c->schedule, sizeof c->schedule, "%s", f->schedule);
    c->found |= 1u << f->kind;
    tr__finding_free(f);
}

/* Every random execution's trace table, replayed from its schedule, is the same text. */
static void test_replay_reproduces_each_execution_step_for_step(void **unused)
{
    (void)unused;
    const tr_case *c = tr_case_find("abba_for_tests");
    tr__explorer *e = tr__explorer_random(42);
    tr__exec_opts xo = {.explorer = e, .max_steps = 10000, .record_trace = true};
    int deadlocks = 0;
    for (int run = 0; run < 50; run++) {
        char *orig = NULL, *again = NULL;
        size_t n1 = 0, n2 = 0;
        FILE *f1 = open_memstream(&orig, &n1);
        capture cap = {0};
        tr_finding rows = {0};
        tr__execute(c, &xo, keep_first, &cap, &rows);
        tr__report_steps(f1, c, &rows);
        tr__finding_free(&rows);
        fclose(f1);
        char schedule[512];
        tr__current_schedule(schedule, sizeof schedule);
        tr_result r;
        char err[256];
        FILE *f2 = open_memstream(&again, &n2);
        int found = tr_replay("abba_for_tests", schedule, true, f2, &r, err, sizeof err);
        fclose(f2);
        assert_true(found >= 0);
        /* lock order is a property of all executions so far, not of one: left out */
        unsigned per_execution = ~(1u << TR_LOCK_ORDER);
        assert_int_equal((unsigned)found & per_execution, cap.found & per_execution);
        assert_string_equal(orig, again);
        deadlocks += (cap.found >> TR_DEADLOCK) & 1;
        tr_result_free(&r);
        free(orig);
        free(again);
    }
    e->destroy(e);
    assert_true(deadlocks > 0); /* the runs covered the interesting schedules too */
}

static void test_same_seed_gives_same_result(void **unused)
{
    (void)unused;
    const tr_strategy strategies[] = {TR_STRATEGY_RANDOM, TR_STRATEGY_PCT, TR_STRATEGY_POS};
    for (size_t s = 0; s < sizeof strategies / sizeof strategies[0]; s++) {
        tr_explore_opts o;
        tr_explore_opts_init(&o);
        o.strategy = strategies[s];
        o.seed = 7;
        o.max_executions = 200;
        o.no_fork = true;
        tr_result a = tr_explore("abba_for_tests", &o);
        tr_result b = tr_explore("abba_for_tests", &o);
        assert_int_equal(a.found, b.found);
        assert_int_equal(a.executions, b.executions);
        assert_int_equal(a.n_findings, b.n_findings);
        for (size_t i = 0; i < a.n_findings; i++) {
            assert_string_equal(a.findings[i].schedule, b.findings[i].schedule);
            assert_int_equal(a.findings[i].execution, b.findings[i].execution);
        }
        tr_result_free(&a);
        tr_result_free(&b);
    }
}

/* A worker tries once (get_nowait) and, whatever the answer, calls task_done(): the
 * misuse needs only the worker's try to come before T0's put, no preemption inside. */
static void try_then_task_done(void *arg)
{
    tr_queue *q = arg;
    void *item;
    (void)tr_queue_get_nowait(q, &item);
    tr_queue_task_done(q);
}

TR_CASE(try_before_put_for_tests, TR_VALUE_ERROR_FOUND)
{
    tr_queue *q = tr_queue_new(0);
    tr_thread *t = tr_thread_new(try_then_task_done, q, NULL);
    tr_thread_start(t);
    tr_queue_put(q, q, true, TR_FOREVER);
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
    tr_queue_free(q);
}

/* PCT runs the highest-priority enabled thread. A try that fails at once (timeout 0) is
 * that thread's step, not time passing: ranked below every runnable thread, as an
 * expiring timed wait is, the worker above could never try first, and PCT never found
 * the bug. With depth 1 (no change point) it is found when the worker's priority is the
 * higher, half of the executions. */
static void test_pct_runs_a_failing_try_at_its_threads_priority(void **unused)
{
    (void)unused;
    for (int depth = 1; depth <= 3; depth++) {
        for (uint64_t seed = 1; seed <= 5; seed++) {
            tr_explore_opts o;
            tr_explore_opts_init(&o);
            o.strategy = TR_STRATEGY_PCT;
            o.pct_depth = depth;
            o.seed = seed;
            o.max_executions = 64;
            o.no_fork = true;
            tr_result r = tr_explore("try_before_put_for_tests", &o);
            if (!(r.found & (1u << TR_VALUE_ERROR_FOUND)))
                fail_msg("pct depth %d seed %llu: not found in 64 executions", depth,
                         (unsigned long long)seed);
            tr_result_free(&r);
        }
    }
}

static void test_found_deadlock_schedule_replays_to_the_deadlock(void **unused)
{
    (void)unused;
    tr_explore_opts o;
    tr_explore_opts_init(&o);
    o.no_fork = true;
    tr_result r = tr_explore("abba_for_tests", &o);
    assert_true(r.complete);
    assert_true(r.found & (1u << TR_DEADLOCK));
    for (size_t i = 0; i < r.n_findings; i++) {
        tr_result again;
        char err[256];
        int found = tr_replay("abba_for_tests", r.findings[i].schedule, false, NULL, &again, err,
                              sizeof err);
        assert_true(found >= 0);
        assert_true((unsigned)found & (1u << r.findings[i].kind));
        tr_result_free(&again);
    }
    tr_result_free(&r);
}

/* A ProcessPoolExecutor under the scheduler: its worker thread, its child process and the
 * pipe between them are steps like any other. The task aborts its child: the pool breaks
 * and the future fails with TR_BROKEN, which the case's assertion does not expect; the
 * child's crash is the pool's outcome, never a crash finding. */
static tr_status abort_child(const tr_bytes *arg, tr_bytes *result)
{
    (void)arg, (void)result;
    abort();
}

enum { POOL_ASSERT_LINE = __LINE__ + 5 };
TR_CASE(process_pool_for_tests, TR_ASSERTION)
{
    tr_executor *ex = tr_process_pool_new(&(tr_pool_opts){.max_workers = 1});
    tr_future *f = tr_executor_submit_bytes(ex, abort_child, NULL, 0);
    TR_ASSERT(tr_future_result_bytes(f, TR_FOREVER, NULL) == TR_OK);
    tr_future_free(f);
    tr_executor_free(ex);
}

/* The whole search is 1,510 executions (every step on a pipe's ends is dependent), each
 * forking the pool's child: about two minutes for the three fork modes under a sanitizer,
 * where the search is cut at 60 (the assertion fails in every execution). */
#ifdef TRAMA_SANITIZED
enum { POOL_SEARCH_MAX = 60 };
#else
enum { POOL_SEARCH_MAX = 0 };
#endif

static void test_a_process_pool_is_explored_and_its_findings_replay(void **unused)
{
    (void)unused;
    long executions[3];
    for (int fork_mode = 0; fork_mode < 3; fork_mode++) {
        tr_explore_opts o;
        tr_explore_opts_init(&o);
        o.no_fork = fork_mode == 0;
        o.isolate = fork_mode == 2;
        o.max_executions = POOL_SEARCH_MAX;
        tr_result r = tr_explore("process_pool_for_tests", &o);
        if (r.found != 1u << TR_ASSERTION || r.n_findings < 1 ||
            r.complete != (POOL_SEARCH_MAX == 0))
            fail_msg("fork mode %d: found %#x in %zu findings, complete %d", fork_mode, r.found,
                     r.n_findings, r.complete);
        executions[fork_mode] = r.executions;
        for (size_t i = 0; i < r.n_findings; i++) {
            const tr_finding *f = &r.findings[i];
            if (f->n_sites < 1 || f->sites[0].line != POOL_ASSERT_LINE)
                fail_msg("fork mode %d: \"%s\" at line %d", fork_mode, f->message,
                         f->n_sites ? f->sites[0].line : -1);
            tr_result again;
            char err[256];
            int found = tr_replay("process_pool_for_tests", f->schedule, false, NULL, &again,
                                  err, sizeof err);
            assert_int_equal(found, 1u << TR_ASSERTION);
            tr_result_free(&again);
        }
        tr_result_free(&r);
    }
    /* one search, wherever it runs */
    assert_int_equal(executions[1], executions[0]);
    assert_int_equal(executions[2], executions[0]);
}

/* A finding made with --timeouts any names it in its schedule, and replay follows it: the
 * same choices without the setting replay another execution (lazy time never offers the
 * timeout: the holder can still run), which passes. */
static void test_a_schedule_found_with_timeouts_any_replays(void **unused)
{
    (void)unused;
    tr_explore_opts o;
    tr_explore_opts_init(&o);
    o.no_fork = true;
    tr_result lazy = tr_explore("timed_acquire_gives_up_for_tests", &o);
    assert_int_equal(lazy.found, 0);
    tr_result_free(&lazy);
    o.timeouts = TR_TIMEOUTS_ANY;
    o.strategy = TR_STRATEGY_DFS; /* dpor misses this one: it does not reverse the timed
                                     acquire with the release before it */
    tr_result r = tr_explore("timed_acquire_gives_up_for_tests", &o);
    assert_true(r.found & (1u << TR_ASSERTION));
    for (size_t i = 0; i < r.n_findings; i++) {
        const char *schedule = r.findings[i].schedule;
        assert_true(strncmp(schedule, "v1,timeouts=any:", 16) == 0);
        tr_result again;
        char err[256];
        int found = tr_replay("timed_acquire_gives_up_for_tests", schedule, false, NULL, &again,
                              err, sizeof err);
        assert_true(found >= 0 && ((unsigned)found & (1u << r.findings[i].kind)));
        tr_result_free(&again);
        char without[600];
        snprintf(without, sizeof without, "v1:%s", schedule + 16);
        found = tr_replay("timed_acquire_gives_up_for_tests", without, false, NULL, &again, err,
                          sizeof err);
        assert_true(found == 0 || (found < 0 && strstr(err, "cannot time out here")));
        tr_result_free(&again);
    }
    tr_result_free(&r);
}

/* Settings round-trip through a schedule string, and the defaults are written "v1:". */
static void test_schedule_settings_round_trip(void **unused)
{
    (void)unused;
    tr__choice c[4];
    tr__schedule_mode mode;
    char err[256], text[64];
    assert_int_equal(tr__schedule_parse("v1,timeouts=any,spurious-wakeups=2:0.1t", c, 4, &mode,
                                        err, sizeof err), 2);
    assert_int_equal(mode.timeouts, TR_TIMEOUTS_ANY);
    assert_int_equal(mode.spurious_wakeups, 2);
    assert_true(c[1].thread == 1 && c[1].timeout);
    tr__schedule_format(c, 2, mode, text, sizeof text);
    assert_string_equal(text, "v1,timeouts=any,spurious-wakeups=2:0.1t");
    tr__schedule_format(c, 2, (tr__schedule_mode){TR_TIMEOUTS_LAZY, 0}, text, sizeof text);
    assert_string_equal(text, "v1:0.1t");
    assert_int_equal(tr__schedule_parse("v1,spurious-wakeups=1:", c, 4, &mode, err, sizeof err), 0);
    assert_true(mode.timeouts == TR_TIMEOUTS_LAZY && mode.spurious_wakeups == 1);
    assert_int_equal(tr__schedule_parse("v1:0", c, 4, &mode, err, sizeof err), 1);
    assert_true(mode.timeouts == TR_TIMEOUTS_LAZY && mode.spurious_wakeups == 0);
}

static const struct {
    const char *name, *schedule, *error;
} bad_schedules[] = {
    {"no version", "1.2.0", "malformed schedule \"1.2.0\": it must start with \"v1:\""},
    {"letters", "v1:1.x", "malformed schedule: expected a thread id at character 6, found 'x'"},
    {"trailing dot", "v1:1.", "malformed schedule: trailing '.'"},
    {"double dot", "v1:1..2", "malformed schedule: expected a thread id at character 6, found '.'"},
    {"junk after t", "v1:1tt", "malformed schedule: unexpected 't' at character 6"},
    {"not runnable", "v1:7",
     "schedule does not match case abba_for_tests at choice 1: thread 7 is not runnable"},
    {"no such timeout", "v1:1t",
     "schedule does not match case abba_for_tests at choice 1: thread 1 cannot time out here"},
    {"unknown setting", "v1,timeouts=sometimes:0",
     "malformed schedule: unknown setting \"timeouts=sometimes\" (timeouts=lazy|any, "
     "spurious-wakeups=N)"},
    {"negative setting", "v1,spurious-wakeups=-1:0",
     "malformed schedule: unknown setting \"spurious-wakeups=-1\" (timeouts=lazy|any, "
     "spurious-wakeups=N)"},
    {"settings without colon", "v1,timeouts=any",
     "malformed schedule: its settings end without ':'"},
    {"v1 alone", "v1", "malformed schedule \"v1\": it must start with \"v1:\""},
};

static void test_bad_schedules_get_a_clear_error(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < sizeof bad_schedules / sizeof *bad_schedules; i++) {
        tr_result r;
        char err[256] = "";
        int found = tr_replay("abba_for_tests", bad_schedules[i].schedule, false, NULL, &r, err,
                              sizeof err);
        if (found != -1 || strcmp(err, bad_schedules[i].error) != 0)
            fail_msg("%s: got %d \"%s\"", bad_schedules[i].name, found, err);
        tr_result_free(&r);
    }
    tr_result r;
    char err[256];
    assert_int_equal(tr_replay("no_such_case", "v1:", false, NULL, &r, err, sizeof err), -1);
    assert_string_equal(err, "no case named no_such_case (see `trama list`)");
}

static void test_harness_keeps_working_after_a_bad_schedule(void **unused)
{
    (void)unused;
    tr_result r;
    char err[256];
    assert_int_equal(tr_replay("abba_for_tests", "v1:9.9.9", false, NULL, &r, err, sizeof err), -1);
    tr_result_free(&r);
    assert_int_equal(count_executions("main_store_vs_worker", tr__explorer_dfs(-1)), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dfs_counts_equal_hand_computed_interleavings),
        cmocka_unit_test(test_dfs_counts_equal_an_independent_model),
        cmocka_unit_test(test_dpor_runs_one_execution_for_independent_workers),
        cmocka_unit_test(test_preemption_bound_zero_explores_fewer),
        cmocka_unit_test(test_replay_reproduces_each_execution_step_for_step),
        cmocka_unit_test(test_same_seed_gives_same_result),
        cmocka_unit_test(test_pct_runs_a_failing_try_at_its_threads_priority),
        cmocka_unit_test(test_pct_lowers_a_thread_below_one_lowered_earlier),
        cmocka_unit_test(test_pos_samples_the_rare_order_of_a_race_far_more_often_than_random),
        cmocka_unit_test(test_iterative_bounding_runs_each_schedule_once_fewest_preemptions_first),
        cmocka_unit_test(test_found_deadlock_schedule_replays_to_the_deadlock),
        cmocka_unit_test(test_a_schedule_found_with_timeouts_any_replays),
        cmocka_unit_test(test_schedule_settings_round_trip),
        cmocka_unit_test(test_bad_schedules_get_a_clear_error),
        cmocka_unit_test(test_a_process_pool_is_explored_and_its_findings_replay),
        cmocka_unit_test(test_harness_keeps_working_after_a_bad_schedule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
