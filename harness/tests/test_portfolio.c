/* test_portfolio.c — the portfolio strategy (explore_portfolio.c): each of its executions is
 * the next execution of one member (DPOR, random, PCT, POS in turn), also within a share;
 * it is complete exactly when DPOR is; its findings are a function of (case, options, seed)
 * in every fork mode, and each one's schedule replays to it. And PCT's choices, alone: a
 * function of (case, seed, depth, execution index) however the stream is split. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../src/finding.h"

/* ---- the case ------------------------------------------------------------------------- */

typedef struct tally {
    tr_lock *lock;
    int n;
} tally;

/* Reads the tally in one critical section and writes it back plus one in the next. */
static void add_one_split(void *arg)
{
    tally *t = arg;
    tr_lock_acquire(t->lock, true, TR_FOREVER);
    int seen = TR_LOAD(t->n);
    tr_lock_release(t->lock);
    tr_lock_acquire(t->lock, true, TR_FOREVER);
    TR_STORE(t->n, seen + 1);
    tr_lock_release(t->lock);
}

/* Three lost-update threads: many traces, the assertion fails in some of them. */
TR_CASE(split_increment_3threads_for_tests, TR_ASSERTION)
{
    tally *t = tr_case_alloc(sizeof *t);
    t->lock = tr_lock_new();
    tr_thread *w[3];
    for (int i = 0; i < 3; i++) {
        w[i] = tr_thread_new(add_one_split, t, NULL);
        tr_thread_start(w[i]);
    }
    for (int i = 0; i < 3; i++) {
        tr_thread_join(w[i], TR_FOREVER);
        tr_thread_free(w[i]);
    }
    int n = TR_LOAD(t->n);
    TR_ASSERT(n == 3);
    tr_lock_free(t->lock);
}

/* Two threads, one critical section each: a handful of traces, nothing wrong. */
TR_CASE(two_locked_increments_for_tests, TR_PASS)
{
    tally *t = tr_case_alloc(sizeof *t);
    t->lock = tr_lock_new();
    tr_thread *w = tr_thread_new(add_one_split, t, NULL);
    tr_thread_start(w);
    tr_lock_acquire(t->lock, true, TR_FOREVER);
    TR_STORE(t->n, TR_LOAD(t->n) + 1);
    tr_lock_release(t->lock);
    tr_thread_join(w, TR_FOREVER);
    tr_thread_free(w);
    tr_lock_free(t->lock);
}

/* ---- recording what an explorer picks ------------------------------------------------- */

enum { PICKS = 256 };

/* Wraps an explorer and writes the threads it picks at points with a choice. */
typedef struct recorder {
    tr__explorer base;
    tr__explorer *inner;
    char picks[PICKS * 4];
    size_t len;
} recorder;

static void rec_begin(tr__explorer *x)
{
    recorder *r = (recorder *)x;
    r->len = 0;
    r->picks[0] = '\0';
    r->inner->execution_begin(r->inner);
}

static int rec_choose(tr__explorer *x, const tr__choice *c, int n, int cur, int depth)
{
    recorder *r = (recorder *)x;
    int pick = r->inner->choose(r->inner, c, n, cur, depth);
    if (n > 1 && pick >= 0 && r->len + 8 < sizeof r->picks)
        r->len += (size_t)snprintf(r->picks + r->len, sizeof r->picks - r->len, "%d%s.",
                                   c[pick].thread, c[pick].timeout ? "t" : "");
    return pick;
}

static bool rec_end(tr__explorer *x) { return ((recorder *)x)->inner->execution_end(((recorder *)x)->inner); }

static void rec_step(tr__explorer *x, const tr__event *e)
{
    recorder *r = (recorder *)x;
    if (r->inner->on_step)
        r->inner->on_step(r->inner, e);
}

static void rec_cut(tr__explorer *x, const int *threads, int n)
{
    recorder *r = (recorder *)x;
    if (r->inner->execution_cut)
        r->inner->execution_cut(r->inner, threads, n);
}

static void rec_destroy(tr__explorer *x) { (void)x; }

static void ignore(tr_finding *f, void *ctx)
{
    (void)ctx;
    tr__finding_free(f);
}

/* Runs n executions of e on the case and keeps each one's picks in out[i] (malloc'd). */
static void record(const char *name, tr__explorer *e, int n, char **out)
{
    const tr_case *c = tr_case_find(name);
    assert_non_null(c);
    recorder rec = {.base = {.name = "recorder", .execution_begin = rec_begin,
                             .choose = rec_choose, .execution_end = rec_end,
                             .destroy = rec_destroy, .on_step = rec_step,
                             .every_point = e->every_point, .execution_cut = rec_cut,
                             .max_threads = e->max_threads, .bound_complete = -1},
                    .inner = e};
    tr__exec_opts xo = {.explorer = &rec.base, .max_steps = 10000};
    for (int i = 0; i < n; i++) {
        tr__execute(c, &xo, ignore, NULL, NULL);
        out[i] = strdup(rec.picks);
        assert_true(rec_end(&rec.base)); /* none of them runs out this early */
    }
    e->destroy(e);
}

static void free_all(char **s, int n)
{
    for (int i = 0; i < n; i++)
        free(s[i]);
}

/* ---- tests ---------------------------------------------------------------------------- */

enum { ROUNDS = 6, SEED = 11, DEPTH = 3, STEPS = 20 };

/* Execution i of the portfolio is execution i / 4 of member i mod 4, each member run as it
 * runs alone; under a share, DPOR's share and the stream executions I, I+N, ... of each
 * randomized member. */
static void check_members(tr__share share)
{
    const char *name = "split_increment_3threads_for_tests";
    int stride = tr__share_splits(&share) ? share.count : 1;
    int first = tr__share_splits(&share) ? share.index : 0;
    char *mixed[4 * ROUNDS], *alone[4][ROUNDS * 3];
    record(name, tr__explorer_portfolio(SEED, DEPTH, STEPS, share), 4 * ROUNDS, mixed);
    record(name, tr__explorer_dpor_share(share), ROUNDS, alone[0]);
    record(name, tr__explorer_random(SEED), ROUNDS * stride, alone[1]);
    record(name, tr__explorer_pct(SEED, DEPTH, STEPS), ROUNDS * stride, alone[2]);
    record(name, tr__explorer_pos(SEED), ROUNDS * stride, alone[3]);
    for (int i = 0; i < 4 * ROUNDS; i++) {
        int m = i % 4, j = i / 4;
        const char *want = m == 0 ? alone[0][j] : alone[m][j * stride + first];
        if (strcmp(mixed[i], want) != 0)
            fail_msg("share %d/%d: portfolio execution %d picked %s; member %d's: %s",
                     share.index, share.count, i + 1, mixed[i], m, want);
    }
    free_all(mixed, 4 * ROUNDS);
    free_all(alone[0], ROUNDS);
    for (int m = 1; m < 4; m++)
        free_all(alone[m], ROUNDS * stride);
}

static void test_each_execution_is_the_next_of_one_member_in_turn(void **unused)
{
    (void)unused;
    check_members((tr__share){.index = 0, .count = 1, .units = TR__SHARE_UNITS, .workers = 1});
}

static void test_under_a_share_each_member_runs_its_own_share(void **unused)
{
    (void)unused;
    check_members((tr__share){.index = 1, .count = 3, .units = 4, .workers = 1});
}

static tr_result explore(const char *name, long max, void (*adjust)(tr_explore_opts *))
{
    tr_explore_opts o;
    tr_explore_opts_init(&o);
    o.strategy = TR_STRATEGY_PORTFOLIO;
    o.seed = SEED;
    o.max_executions = max;
    o.minimize_executions = 0;
    if (adjust)
        adjust(&o);
    return tr_explore(name, &o);
}

static void in_process(tr_explore_opts *o) { o->no_fork = true; }
static void isolated(tr_explore_opts *o) { o->isolate = true; }
static void dpor_alone(tr_explore_opts *o)
{
    o->strategy = TR_STRATEGY_DPOR;
    o->no_fork = true;
}

/* DPOR's d-th execution is the portfolio's 4(d-1)+1-th: when DPOR has run its last, the
 * portfolio stops, complete. */
static void test_complete_when_dpor_completes(void **unused)
{
    (void)unused;
    tr_result d = explore("two_locked_increments_for_tests", 0, dpor_alone);
    tr_result p = explore("two_locked_increments_for_tests", 0, in_process);
    assert_true(d.complete);
    assert_true(d.executions > 1);
    assert_int_equal(d.abandoned, p.abandoned);
    assert_true(p.complete);
    assert_int_equal(p.executions, 4 * (d.executions + d.abandoned - 1) + 1 - d.abandoned);
    assert_int_equal(p.found, 0);
    tr_result_free(&d);
    tr_result_free(&p);
    /* and not complete when the budget ends before DPOR does */
    tr_result cut = explore("split_increment_3threads_for_tests", 9, in_process);
    assert_false(cut.complete);
    assert_int_equal(cut.executions, 9);
    tr_result_free(&cut);
}

static void assert_same_findings(const tr_result *a, const tr_result *b, const char *how)
{
    if (a->found != b->found || a->n_findings != b->n_findings || a->executions != b->executions)
        fail_msg("%s: found %#x in %ld executions (%zu findings); in process %#x in %ld (%zu)",
                 how, b->found, b->executions, b->n_findings, a->found, a->executions,
                 a->n_findings);
    for (size_t i = 0; i < a->n_findings; i++) {
        assert_string_equal(a->findings[i].schedule, b->findings[i].schedule);
        assert_int_equal(a->findings[i].execution, b->findings[i].execution);
    }
}

/* The same findings, in the same executions, with the same schedules, whether the search
 * runs in this process, in a forked child, or each execution in its own; and each
 * schedule replays to its finding. */
static void test_findings_are_the_same_in_every_fork_mode_and_replay(void **unused)
{
    (void)unused;
    const char *name = "split_increment_3threads_for_tests";
    tr_result here = explore(name, 200, in_process);
    tr_result forked = explore(name, 200, NULL);
    tr_result each = explore(name, 200, isolated);
    assert_true(here.found & (1u << TR_ASSERTION));
    assert_same_findings(&here, &forked, "in a forked child");
    assert_same_findings(&here, &each, "--isolate");
    for (size_t i = 0; i < here.n_findings; i++) {
        tr_result again;
        char err[256];
        int found = tr_replay(name, here.findings[i].schedule, false, NULL, &again, err, sizeof err);
        if (found < 0 || !((unsigned)found & (1u << here.findings[i].kind)))
            fail_msg("%s does not replay to its finding: %s", here.findings[i].schedule, err);
        tr_result_free(&again);
    }
    tr_result_free(&here);
    tr_result_free(&forked);
    tr_result_free(&each);
}

static int shard_of_3;
static void shard(tr_explore_opts *o)
{
    o->no_fork = true;
    o->shard_index = shard_of_3;
    o->shard_count = 3;
}

/* Each shard runs its part of the budget, and a shard run again does the same. */
static void test_shards_share_the_budget_and_repeat(void **unused)
{
    (void)unused;
    long total = 0;
    for (shard_of_3 = 0; shard_of_3 < 3; shard_of_3++) {
        tr_result a = explore("split_increment_3threads_for_tests", 100, shard);
        tr_result b = explore("split_increment_3threads_for_tests", 100, shard);
        assert_same_findings(&a, &b, "the same shard again");
        total += a.executions;
        tr_result_free(&a);
        tr_result_free(&b);
    }
    assert_int_equal(total, 100);
}

/* PCT's execution i picks the same whichever executions ran before it (a shard or a -j
 * worker runs every N-th, skipping the others with execution_begin alone), with the k the
 * case gives it, the same in every process. */
static void test_pct_execution_is_a_function_of_seed_and_index(void **unused)
{
    (void)unused;
    const char *name = "split_increment_3threads_for_tests";
    tr__exec_opts xo = {.max_steps = 10000};
    int k = tr__pct_steps(tr_case_find(name), &xo, false, 10);
    assert_int_equal(k, tr__pct_steps(tr_case_find(name), &xo, false, 10));
    assert_true(k > 10);
    char *all[3 * ROUNDS], *third[ROUNDS];
    record(name, tr__explorer_pct(SEED, DEPTH, k), 3 * ROUNDS, all);
    tr__explorer *e = tr__explorer_pct(SEED, DEPTH, k);
    e->execution_begin(e); /* shard 1/3: executions 2, 5, 8, ... */
    for (int j = 0; j < ROUNDS; j++) {
        record(name, e, 1, &third[j]);
        e = tr__explorer_pct(SEED, DEPTH, k); /* record() destroyed it: a fresh one, */
        for (int skip = 0; skip < 3 * (j + 1) + 1; skip++) /* skipped to where it was */
            e->execution_begin(e);
    }
    e->destroy(e);
    for (int j = 0; j < ROUNDS; j++)
        if (strcmp(third[j], all[3 * j + 1]) != 0)
            fail_msg("execution %d: alone %s; after skipping %s", 3 * j + 2, all[3 * j + 1],
                     third[j]);
    free_all(all, 3 * ROUNDS);
    free_all(third, ROUNDS);
}

static void pct_in_process(tr_explore_opts *o)
{
    o->strategy = TR_STRATEGY_PCT;
    o->no_fork = true;
}
static void pct_forked(tr_explore_opts *o) { o->strategy = TR_STRATEGY_PCT; }
static void pct_isolated(tr_explore_opts *o)
{
    o->strategy = TR_STRATEGY_PCT;
    o->isolate = true;
}

/* And the k a forked child or --isolate measures is the one measured in process. */
static void test_pct_finds_the_same_in_every_fork_mode(void **unused)
{
    (void)unused;
    const char *name = "split_increment_3threads_for_tests";
    tr_result here = explore(name, 200, pct_in_process);
    tr_result forked = explore(name, 200, pct_forked);
    tr_result each = explore(name, 200, pct_isolated);
    assert_true(here.found & (1u << TR_ASSERTION));
    assert_same_findings(&here, &forked, "pct in a forked child");
    assert_same_findings(&here, &each, "pct --isolate");
    tr_result_free(&here);
    tr_result_free(&forked);
    tr_result_free(&each);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_execution_is_the_next_of_one_member_in_turn),
        cmocka_unit_test(test_under_a_share_each_member_runs_its_own_share),
        cmocka_unit_test(test_complete_when_dpor_completes),
        cmocka_unit_test(test_findings_are_the_same_in_every_fork_mode_and_replay),
        cmocka_unit_test(test_shards_share_the_budget_and_repeat),
        cmocka_unit_test(test_pct_execution_is_a_function_of_seed_and_index),
        cmocka_unit_test(test_pct_finds_the_same_in_every_fork_mode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
