/* test_continue.c — exploring below a schedule (explore_below.c, `replay --continue`): dfs
 * below a prefix runs exactly the executions of a full dfs run that start with it, each
 * once; dpor below a prefix keeps to it and finds what dfs finds there; any strategy's
 * executions start with the prefix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../src/finding.h"

/* Two workers take one lock once each (bench_explore's lock2x1): 151 schedules. */
static void locked_increment(void *arg)
{
    tr_lock *lock = arg;
    tr_lock_acquire(lock, true, TR_FOREVER);
    tr_lock_release(lock);
}

TR_CASE(continue_lock2x1, TR_PASS)
{
    tr_lock *lock = tr_lock_new();
    tr_thread *a = tr_thread_new(locked_increment, lock, NULL);
    tr_thread *b = tr_thread_new(locked_increment, lock, NULL);
    tr_thread_start(a);
    tr_thread_start(b);
    tr_thread_join(a, TR_FOREVER);
    tr_thread_join(b, TR_FOREVER);
    tr_thread_free(a);
    tr_thread_free(b);
    tr_lock_free(lock);
}

/* Three philosophers, fork i then fork i+1: some schedules deadlock. */
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

TR_CASE(continue_philosophers_3, TR_DEADLOCK)
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

/* ---- running a search, keeping each execution's schedule ------------------------------- */

typedef struct run {
    char **schedules;
    long n, cap;
    long deadlocks; /* executions that deadlocked */
    char deadlocked[4096]; /* the last one's schedule */
    char passed[4096];     /* the last one's that did not */
    bool found;
} run;

static void on_finding(tr_finding *f, void *ctx)
{
    run *r = ctx;
    r->found |= f->kind == TR_DEADLOCK;
    tr__finding_free(f);
}

/* Every execution of e on the case (up to max), then e destroyed. */
static run search(const char *name, tr__explorer *e, long max)
{
    run r = {0};
    tr__exec_opts xo = {.explorer = e, .max_steps = 10000};
    const tr_case *c = tr_case_find(name);
    assert_non_null(c);
    tr__lockorder_reset();
    bool more = true;
    while (more && r.n < max) {
        r.found = false;
        tr__execute(c, &xo, on_finding, &r, NULL);
        char s[4096];
        tr__current_schedule(s, sizeof s);
        if (r.n == r.cap) {
            r.cap = r.cap ? 2 * r.cap : 256;
            r.schedules = realloc(r.schedules, (size_t)r.cap * sizeof *r.schedules);
            assert_non_null(r.schedules);
        }
        r.schedules[r.n++] = strdup(s);
        snprintf(r.found ? r.deadlocked : r.passed, sizeof r.deadlocked, "%s", s);
        r.deadlocks += r.found;
        more = e->execution_end(e);
    }
    e->destroy(e);
    return r;
}

static void run_free(run *r)
{
    for (long i = 0; i < r->n; i++)
        free(r->schedules[i]);
    free(r->schedules);
}

static bool starts_with(const char *schedule, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(schedule, prefix, n) == 0 &&
           (schedule[n] == '\0' || schedule[n] == '.' || prefix[n - 1] == ':');
}

/* The schedule's first k choices ("v1:" for none). */
static void first_choices(const char *schedule, int k, char *out, size_t size)
{
    snprintf(out, size, "%s", schedule);
    char *p = out + 3;
    for (int i = 0; i < k && *p; i++) {
        p = strchr(p, '.');
        if (!p)
            return;
        if (i + 1 < k)
            p++;
    }
    if (p)
        *p = '\0';
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_dfs_below_a_prefix_runs_the_full_runs_executions_under_it(void **state)
{
    (void)state;
    run full = search("continue_lock2x1", tr__explorer_dfs(-1), 100000);
    assert_int_equal(full.n, 151);
    int checked = 0;
    for (long pick = 0; pick < full.n; pick += 37) {
        for (int k = 0; k <= 4; k++) {
            char prefix[4096];
            first_choices(full.schedules[pick], k, prefix, sizeof prefix);
            run below = search("continue_lock2x1",
                               tr__explorer_below(tr__explorer_dfs(-1), prefix), 100000);
            char **want = calloc((size_t)full.n, sizeof *want);
            long n_want = 0;
            for (long i = 0; i < full.n; i++)
                if (starts_with(full.schedules[i], prefix))
                    want[n_want++] = full.schedules[i];
            qsort(want, (size_t)n_want, sizeof *want, by_text);
            qsort(below.schedules, (size_t)below.n, sizeof *below.schedules, by_text);
            if (below.n != n_want)
                fail_msg("below %s: %ld executions, the full run has %ld", prefix, below.n,
                         n_want);
            for (long i = 0; i < n_want; i++)
                assert_string_equal(below.schedules[i], want[i]); /* each once: no repeats */
            free(want);
            run_free(&below);
            checked++;
        }
    }
    assert_true(checked >= 10);
    run_free(&full);
}

static void test_dpor_below_a_prefix_keeps_to_it_and_finds_what_dfs_finds(void **state)
{
    (void)state;
    run all = search("continue_philosophers_3", tr__explorer_dpor(), 100000);
    assert_true(all.deadlocks > 0 && all.passed[0]);
    const char *ends[] = {all.deadlocked, all.passed};
    for (int which = 0; which < 2; which++) {
        for (int k = 4; k <= 10; k += 3) {
            char prefix[4096];
            first_choices(ends[which], k, prefix, sizeof prefix);
            run dpor = search("continue_philosophers_3",
                              tr__explorer_below(tr__explorer_dpor(), prefix), 100000);
            run dfs = search("continue_philosophers_3",
                             tr__explorer_below(tr__explorer_dfs(-1), prefix), 100000);
            for (long i = 0; i < dpor.n; i++)
                if (!starts_with(dpor.schedules[i], prefix))
                    fail_msg("below %s dpor ran %s", prefix, dpor.schedules[i]);
            assert_true(dpor.n >= 1 && dpor.n <= dfs.n);
            if ((dpor.deadlocks > 0) != (dfs.deadlocks > 0))
                fail_msg("below %s: dpor %ld deadlocks, dfs %ld", prefix, dpor.deadlocks,
                         dfs.deadlocks);
            run_free(&dpor);
            run_free(&dfs);
        }
    }
    run_free(&all);
}

static void test_every_strategys_executions_start_with_the_prefix(void **state)
{
    (void)state;
    const char *prefix = "v1:0.0.1";
    tr__explorer *explorers[] = {tr__explorer_random(7), tr__explorer_pct(7, 3, 20),
                                 tr__explorer_pos(7)};
    for (size_t i = 0; i < sizeof explorers / sizeof *explorers; i++) {
        run r = search("continue_philosophers_3", tr__explorer_below(explorers[i], prefix), 200);
        assert_int_equal(r.n, 200);
        for (long k = 0; k < r.n; k++)
            if (!starts_with(r.schedules[k], prefix))
                fail_msg("%zu ran %s", i, r.schedules[k]);
        run_free(&r);
    }
}

/* The progress line's estimate under --continue: the probes walk the tree below the prefix. */
static void test_the_estimate_below_a_prefix_is_of_the_executions_below_it(void **state)
{
    (void)state;
    run full = search("continue_lock2x1", tr__explorer_dfs(-1), 1);
    char prefix[4096];
    first_choices(full.schedules[0], 2, prefix, sizeof prefix);
    run below = search("continue_lock2x1", tr__explorer_below(tr__explorer_dfs(-1), prefix),
                       100000);
    assert_true(below.n > 1 && below.n < 151);
    tr_explore_opts o;
    tr_explore_opts_init(&o);
    o.strategy = TR_STRATEGY_DFS;
    o.no_fork = true;
    o.prefix = prefix;
    tr_estimate e;
    char err[256];
    assert_true(tr__estimate(tr_case_find("continue_lock2x1"), &o, 4000, 0, &e, err, sizeof err));
    if (e.executions < (double)below.n / 1.5 || e.executions > (double)below.n * 1.5)
        fail_msg("below %s: estimate %.1f, count %ld", prefix, e.executions, below.n);
    run_free(&below);
    run_free(&full);
}

static void test_a_prefix_is_checked_before_it_is_explored(void **state)
{
    (void)state;
    const tr_case *c = tr_case_find("continue_lock2x1");
    char err[256];
    run full = search("continue_lock2x1", tr__explorer_dfs(-1), 1);
    char two[4096], wrong[4200];
    first_choices(full.schedules[0], 2, two, sizeof two);
    assert_true(tr__prefix_check(c, "v1:", err, sizeof err));
    assert_true(tr__prefix_check(c, two, err, sizeof err));
    assert_true(tr__prefix_check(c, full.schedules[0], err, sizeof err));
    first_choices(full.schedules[0], 1, wrong, sizeof wrong);
    strcat(wrong, ".7");
    assert_false(tr__prefix_check(c, wrong, err, sizeof err));
    assert_string_equal(err, "schedule does not match case continue_lock2x1 at choice 2: thread 7 "
                             "is not runnable");
    assert_false(tr__prefix_check(c, "v1:0,0", err, sizeof err));
    char longer[4200];
    snprintf(longer, sizeof longer, "%s.0", full.schedules[0]);
    assert_false(tr__prefix_check(c, longer, err, sizeof err));
    assert_non_null(strstr(err, "is longer than case continue_lock2x1"));
    run_free(&full);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dfs_below_a_prefix_runs_the_full_runs_executions_under_it),
        cmocka_unit_test(test_dpor_below_a_prefix_keeps_to_it_and_finds_what_dfs_finds),
        cmocka_unit_test(test_every_strategys_executions_start_with_the_prefix),
        cmocka_unit_test(test_the_estimate_below_a_prefix_is_of_the_executions_below_it),
        cmocka_unit_test(test_a_prefix_is_checked_before_it_is_explored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
