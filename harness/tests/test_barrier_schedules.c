/* test_barrier_schedules.c — threading.Barrier's rules that only some interleavings
 * reach, checked over every schedule of the controlled backend: an arrival while the
 * previous pass drains belongs to the next pass, and a wait whose timeout passes while the
 * action runs is released with its pass (Python's wait_for takes the lock back only after
 * the action and sees the pass released); and the harness counts the timeout that breaks
 * the barrier as a change (a thread spinning on broken() is not stalled). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <trama/harness.h>

/* ---- an arrival while draining waits for the next pass -------------------------------- */

typedef struct passes {
    tr_barrier *b;
    long index[2][2]; /* [party][pass]; each party writes its own row, main reads after join */
} passes;

static void wait_twice(passes *p, int me)
{
    for (int pass = 0; pass < 2; pass++)
        TR_ASSERT(tr_barrier_wait(p->b, TR_FOREVER, &p->index[me][pass]) == TR_OK);
}

static void second_party(void *arg) { wait_twice(arg, 1); }

TR_CASE(barrier_two_passes_for_tests, TR_PASS)
{
    passes *p = tr_case_alloc(sizeof *p);
    p->b = tr_barrier_new(2, NULL, NULL, TR_FOREVER);
    tr_thread *t = tr_thread_new(second_party, p, &(tr_thread_opts){.name = "second"});
    tr_thread_start(t);
    wait_twice(p, 0);
    tr_thread_join(t, TR_FOREVER);
    for (int pass = 0; pass < 2; pass++)
        TR_ASSERT_MSG(p->index[0][pass] + p->index[1][pass] == 1 &&
                          p->index[0][pass] * p->index[1][pass] == 0,
                      "pass %d returned indexes %ld and %ld", pass, p->index[0][pass],
                      p->index[1][pass]);
    tr_thread_free(t);
    tr_barrier_free(p->b);
}

/* ---- a timeout during the action ------------------------------------------------------ */

typedef struct acting {
    tr_barrier *b;
    int acted;
    tr_status worker; /* written by the worker, read by main after join */
} acting;

static void store_in_action(void *arg) { TR_STORE(((acting *)arg)->acted, 1); }

static void timed_party(void *arg)
{
    acting *s = arg;
    s->worker = tr_barrier_wait(s->b, 1.0, NULL);
}

TR_CASE(barrier_timeout_during_action_for_tests, TR_PASS)
{
    acting *s = tr_case_alloc(sizeof *s);
    s->b = tr_barrier_new(2, store_in_action, s, TR_FOREVER);
    tr_thread *t = tr_thread_new(timed_party, s, &(tr_thread_opts){.name = "timed"});
    tr_thread_start(t);
    tr_status mine = tr_barrier_wait(s->b, TR_FOREVER, NULL);
    tr_thread_join(t, TR_FOREVER);
    /* both released, or both broken (the worker timed out before main arrived) */
    TR_ASSERT_MSG(mine == s->worker, "main got %s, the timed party %s", tr_status_name(mine),
                  tr_status_name(s->worker));
    TR_ASSERT(mine == TR_OK || mine == TR_BROKEN_BARRIER);
    tr_thread_free(t);
    tr_barrier_free(s->b);
}

/* ---- a thread spinning until a timeout breaks the barrier ---------------------------- */

static void spin_until_broken(void *arg)
{
    while (!tr_barrier_broken(arg))
        tr_yield();
}

/* The timeout that breaks the barrier is progress for the spinner, not a stall. */
TR_CASE(barrier_spin_until_broken_for_tests, TR_PASS)
{
    tr_barrier *b = tr_barrier_new(2, NULL, NULL, TR_FOREVER);
    tr_thread *t = tr_thread_new(spin_until_broken, b, &(tr_thread_opts){.name = "spinner"});
    tr_thread_start(t);
    TR_ASSERT(tr_barrier_wait(b, 1.0, NULL) == TR_BROKEN_BARRIER);
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
    tr_barrier_free(b);
}

/* ---- exploring them ------------------------------------------------------------------- */

static void explore_every_schedule(const char *name, tr_timeouts timeouts, long at_least)
{
    tr_explore_opts o;
    tr_explore_opts_init(&o);
    o.strategy = TR_STRATEGY_DFS; /* every interleaving, not one per trace */
    o.no_fork = true;
    o.max_executions = -1;
    o.timeouts = timeouts;
    tr_result r = tr_explore(name, &o);
    for (size_t i = 0; i < r.n_findings; i++)
        fail_msg("%s: %s (schedule %s)", name, r.findings[i].message, r.findings[i].schedule);
    assert_true(r.complete);
    if (r.executions < at_least)
        fail_msg("%s: %ld executions, expected at least %ld", name, r.executions, at_least);
    tr_result_free(&r);
}

static void test_an_arrival_while_the_pass_drains_joins_the_next_pass(void **state)
{
    (void)state;
    explore_every_schedule("barrier_two_passes_for_tests", TR_TIMEOUTS_LAZY, 4);
}

static void test_a_timeout_while_the_action_runs_is_released_with_its_pass(void **state)
{
    (void)state;
    explore_every_schedule("barrier_timeout_during_action_for_tests", TR_TIMEOUTS_ANY, 4);
}

static void test_a_timeout_that_breaks_the_barrier_wakes_a_spinning_watcher(void **state)
{
    (void)state;
    explore_every_schedule("barrier_spin_until_broken_for_tests", TR_TIMEOUTS_LAZY, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_an_arrival_while_the_pass_drains_joins_the_next_pass),
        cmocka_unit_test(test_a_timeout_while_the_action_runs_is_released_with_its_pass),
        cmocka_unit_test(test_a_timeout_that_breaks_the_barrier_wakes_a_spinning_watcher),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
