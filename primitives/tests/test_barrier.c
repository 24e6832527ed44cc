/* test_barrier.c — threading.Barrier (lock_tests.BarrierTests, and CPython 3.13's
 * Lib/threading.py for the states and texts).
 *
 * Where lock_tests sleeps, these tests order threads with semaphore handshakes, by
 * joining the threads that must be done, or by watching n_waiting (the barrier's own
 * state, as lock_tests' sleeping_retry does) until the waiters arrived. */
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helpers.h"

enum { N = 5 }; /* lock_tests' parties */

/* The barriers' default timeout where lock_tests has defaultTimeout = 2.0: only a hang
 * may reach it. N threads need not all reach a pass within 2 s on a busy machine, and the
 * wait that times out would break the barrier the test watches. */
#define DEFAULT_TIMEOUT HANG

/* Until n threads arrived in the current pass (each is then blocked in wait). */
static void await_n_waiting(tr_barrier *b, long n)
{
    double deadline = now_seconds() + HANG;
    while (tr_barrier_n_waiting(b) < n) {
        if (now_seconds() > deadline)
            fail_msg("only %ld of %ld threads arrived", tr_barrier_n_waiting(b), n);
        sched_yield();
    }
}

/* ---- construction and queries --------------------------------------------------------- */

static void test_parties_below_1_is_value_error_and_null(void **state)
{
    (void)state;
    static const long values[] = {0, -1, LONG_MIN};
    char row[64];
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        snprintf(row, sizeof row, "Barrier(%ld)", values[i]);
        unsigned long before = tr_misuse_count();
        if (tr_barrier_new(values[i], NULL, NULL, TR_FOREVER))
            fail_msg("%s: not NULL", row);
        check_status(row, TR_VALUE_ERROR, TR_VALUE_ERROR, "parties must be > 0");
        if (tr_misuse_count() != before + 1)
            fail_msg("%s: not reported as misuse", row);
    }
}

static void test_new_barrier_has_its_parties_none_waiting_and_is_not_broken(void **state)
{
    (void)state;
    tr_barrier *b = tr_barrier_new(3, NULL, NULL, TR_FOREVER);
    assert_non_null(b);
    assert_int_equal(tr_barrier_parties(b), 3);
    assert_int_equal(tr_barrier_n_waiting(b), 0);
    assert_false(tr_barrier_broken(b));
    tr_barrier_free(b);
}

static void test_free_null_is_a_no_op(void **state)
{
    (void)state;
    tr_barrier_free(NULL);
}

static void test_single_thread_barrier_passes_at_once_with_index_0(void **state)
{
    (void)state;
    static const double timeouts[] = {TR_FOREVER, 0, -5, 1e100};
    tr_barrier *b = tr_barrier_new(1, NULL, NULL, TR_FOREVER);
    for (size_t i = 0; i < sizeof timeouts / sizeof timeouts[0]; i++) {
        long index = -1;
        assert_int_equal(tr_barrier_wait(b, timeouts[i], &index), TR_OK);
        assert_int_equal(index, 0);
    }
    assert_int_equal(tr_barrier_wait(b, TR_FOREVER, NULL), TR_OK);
    assert_int_equal(tr_barrier_n_waiting(b), 0);
    assert_false(tr_barrier_broken(b));
    tr_barrier_free(b);
}

/* ---- passes --------------------------------------------------------------------------- */

typedef struct multipass {
    tr_barrier *b;
    int passes;
    atomic_long before; /* lock_tests' results[0] */
    atomic_long after;  /* results[1] */
} multipass;

/* lock_tests.multipass: no thread starts phase 2 of a pass before all ended phase 1. */
static void multipass_body(void *arg)
{
    multipass *m = arg;
    for (long i = 0; i < m->passes; i++) {
        atomic_fetch_add(&m->before, 1);
        worker_expect(atomic_load(&m->after), i * N);
        worker_expect(tr_barrier_wait(m->b, TR_FOREVER, NULL), TR_OK);
        atomic_fetch_add(&m->after, 1);
        worker_expect(atomic_load(&m->before), (i + 1) * N);
        worker_expect(tr_barrier_wait(m->b, TR_FOREVER, NULL), TR_OK);
    }
}

static void run_threads(tr_target body, void *arg)
{
    tr_thread *t[N];
    for (int i = 0; i < N; i++)
        t[i] = start_thread(body, arg);
    for (int i = 0; i < N; i++)
        join_thread(t[i]);
}

static void check_passes_in_lockstep(int passes)
{
    multipass m = {.b = tr_barrier_new(N, NULL, NULL, DEFAULT_TIMEOUT), .passes = passes};
    run_threads(multipass_body, &m);
    assert_int_equal(tr_barrier_n_waiting(m.b), 0);
    assert_false(tr_barrier_broken(m.b));
    tr_barrier_free(m.b);
}

static void test_one_pass_is_in_lockstep(void **state)
{
    (void)state;
    check_passes_in_lockstep(1);
}

static void test_10_passes_are_in_lockstep(void **state)
{
    (void)state;
    check_passes_in_lockstep(10);
}

typedef struct indexes {
    tr_barrier *b;
    atomic_int seen[3][N]; /* per pass, how often each index was returned */
} indexes;

static void wait_3_times(void *arg)
{
    indexes *x = arg;
    for (int pass = 0; pass < 3; pass++) {
        long index = -1;
        worker_expect(tr_barrier_wait(x->b, TR_FOREVER, &index), TR_OK);
        worker_expect(index >= 0 && index < N, 1);
        if (index >= 0 && index < N)
            atomic_fetch_add(&x->seen[pass][index], 1);
    }
}

static void test_wait_returns_each_index_once_per_pass(void **state)
{
    (void)state;
    indexes x = {.b = tr_barrier_new(N, NULL, NULL, TR_FOREVER)};
    run_threads(wait_3_times, &x);
    for (int pass = 0; pass < 3; pass++)
        for (int i = 0; i < N; i++)
            if (atomic_load(&x.seen[pass][i]) != 1)
                fail_msg("pass %d: index %d returned %d times", pass, i,
                         atomic_load(&x.seen[pass][i]));
    tr_barrier_free(x.b);
}

/* ---- the action ----------------------------------------------------------------------- */

typedef struct acted {
    tr_barrier *b;     /* with the action */
    tr_barrier *plain; /* keeps the passes apart */
    atomic_long runs;
    _Atomic(tr_thread *) actor[3]; /* who ran the action of each pass */
    atomic_int lasts; /* threads that got index parties - 1 and had run the action */
} acted;

static void count_run(void *arg)
{
    acted *x = arg;
    long pass = atomic_fetch_add(&x->runs, 1);
    if (pass < 3)
        atomic_store(&x->actor[pass], tr_current_thread());
}

static void wait_and_see_the_action(void *arg)
{
    acted *x = arg;
    for (long pass = 0; pass < 3; pass++) {
        long index = -1;
        worker_expect(tr_barrier_wait(x->b, TR_FOREVER, &index), TR_OK);
        worker_expect(atomic_load(&x->runs), pass + 1); /* ran before anyone returned */
        if (index == N - 1 && atomic_load(&x->actor[pass]) == tr_current_thread())
            atomic_fetch_add(&x->lasts, 1);
        /* nobody enters the next pass before everyone saw this one's count */
        worker_expect(tr_barrier_wait(x->plain, TR_FOREVER, NULL), TR_OK);
    }
}

static void test_action_runs_once_per_pass_in_the_last_thread_before_any_returns(void **state)
{
    (void)state;
    acted x = {.plain = tr_barrier_new(N, NULL, NULL, TR_FOREVER)};
    x.b = tr_barrier_new(N, count_run, &x, TR_FOREVER);
    run_threads(wait_and_see_the_action, &x);
    assert_int_equal(atomic_load(&x.runs), 3);
    assert_int_equal(atomic_load(&x.lasts), 3);
    tr_barrier_free(x.b);
    tr_barrier_free(x.plain);
}

/* ---- abort and reset ------------------------------------------------------------------ */

typedef struct aborting {
    tr_barrier *b;
    tr_barrier *b2; /* abort_and_reset's second barrier */
    atomic_int passed;  /* results1 */
    atomic_int broken;  /* results2 */
    atomic_int resumed; /* results3 */
} aborting;

/* lock_tests.test_abort's f: the thread with index N/2 aborts instead of waiting again. */
static void wait_or_abort(aborting *x)
{
    long index = -1;
    tr_status s = tr_barrier_wait(x->b, TR_FOREVER, &index);
    if (s == TR_OK && index == N / 2) {
        worker_expect(tr_barrier_abort(x->b), TR_OK);
        return;
    }
    if (s == TR_OK)
        s = tr_barrier_wait(x->b, TR_FOREVER, NULL);
    if (s == TR_OK)
        atomic_fetch_add(&x->passed, 1);
    worker_expect(s == TR_OK || s == TR_BROKEN_BARRIER, 1);
    if (s == TR_BROKEN_BARRIER) {
        worker_expect(strcmp(tr_last_error(), "") == 0, 1);
        atomic_fetch_add(&x->broken, 1);
    }
}

static void abort_body(void *arg) { wait_or_abort(arg); }

static void test_abort_breaks_the_barrier_for_waiting_threads(void **state)
{
    (void)state;
    aborting x = {.b = tr_barrier_new(N, NULL, NULL, DEFAULT_TIMEOUT)};
    run_threads(abort_body, &x);
    assert_int_equal(atomic_load(&x.passed), 0);
    assert_int_equal(atomic_load(&x.broken), N - 1);
    assert_true(tr_barrier_broken(x.b));
    assert_int_equal(tr_barrier_n_waiting(x.b), 0);
    assert_int_equal(tr_barrier_wait(x.b, TR_FOREVER, NULL), TR_BROKEN_BARRIER);
    assert_string_equal(tr_last_error(), "");
    tr_barrier_free(x.b);
}

/* lock_tests.test_reset's f: index N/2 resets once the others wait again. */
static void reset_body(void *arg)
{
    aborting *x = arg;
    long index = -1;
    worker_expect(tr_barrier_wait(x->b, TR_FOREVER, &index), TR_OK);
    if (index == N / 2) {
        double deadline = now_seconds() + HANG;
        while (tr_barrier_n_waiting(x->b) < N - 1 && now_seconds() < deadline)
            sched_yield();
        worker_expect(tr_barrier_reset(x->b), TR_OK);
    } else {
        tr_status s = tr_barrier_wait(x->b, TR_FOREVER, NULL);
        worker_expect(s, TR_BROKEN_BARRIER);
        atomic_fetch_add(s == TR_OK ? &x->passed : &x->broken, 1);
    }
    worker_expect(tr_barrier_wait(x->b, TR_FOREVER, NULL), TR_OK);
    atomic_fetch_add(&x->resumed, 1);
}

static void test_reset_frees_waiting_threads_and_the_barrier_works_again(void **state)
{
    (void)state;
    aborting x = {.b = tr_barrier_new(N, NULL, NULL, DEFAULT_TIMEOUT)};
    run_threads(reset_body, &x);
    assert_int_equal(atomic_load(&x.passed), 0);
    assert_int_equal(atomic_load(&x.broken), N - 1);
    assert_int_equal(atomic_load(&x.resumed), N);
    assert_false(tr_barrier_broken(x.b));
    tr_barrier_free(x.b);
}

/* lock_tests.test_abort_and_reset's f: abort, then everyone meets at b2 so the reset
 * happens when nobody is inside b, then meets again so nobody enters b before it. */
static void abort_and_reset_body(void *arg)
{
    aborting *x = arg;
    wait_or_abort(x);
    long index = -1;
    worker_expect(tr_barrier_wait(x->b2, TR_FOREVER, &index), TR_OK);
    if (index == N / 2)
        worker_expect(tr_barrier_reset(x->b), TR_OK);
    worker_expect(tr_barrier_wait(x->b2, TR_FOREVER, NULL), TR_OK);
    worker_expect(tr_barrier_wait(x->b, TR_FOREVER, NULL), TR_OK);
    atomic_fetch_add(&x->resumed, 1);
}

static void test_a_broken_barrier_works_again_after_reset(void **state)
{
    (void)state;
    aborting x = {.b = tr_barrier_new(N, NULL, NULL, DEFAULT_TIMEOUT),
                  .b2 = tr_barrier_new(N, NULL, NULL, TR_FOREVER)};
    run_threads(abort_and_reset_body, &x);
    assert_int_equal(atomic_load(&x.passed), 0);
    assert_int_equal(atomic_load(&x.broken), N - 1);
    assert_int_equal(atomic_load(&x.resumed), N);
    tr_barrier_free(x.b);
    tr_barrier_free(x.b2);
}

static void test_reset_of_an_idle_broken_barrier_makes_it_usable_at_once(void **state)
{
    (void)state;
    tr_barrier *b = tr_barrier_new(1, NULL, NULL, TR_FOREVER);
    assert_int_equal(tr_barrier_abort(b), TR_OK);
    assert_true(tr_barrier_broken(b));
    assert_int_equal(tr_barrier_wait(b, TR_FOREVER, NULL), TR_BROKEN_BARRIER);
    assert_int_equal(tr_barrier_reset(b), TR_OK);
    assert_false(tr_barrier_broken(b));
    assert_int_equal(tr_barrier_wait(b, TR_FOREVER, NULL), TR_OK);
    tr_barrier_free(b);
}

/* ---- timeouts ------------------------------------------------------------------------- */

typedef struct timeout_row {
    const char *name;
    double timeout;
    tr_status status;
    const char *message;
    bool broken;
} timeout_row;

/* Alone at a Barrier(2): the wait can only time out (or fail to convert the timeout). */
static const timeout_row timeout_rows[] = {
    {"0 polls once", 0, TR_BROKEN_BARRIER, "", true},
    {"-5 acts as 0", -5, TR_BROKEN_BARRIER, "", true},
    {"-1e100 acts as 0", -1e100, TR_BROKEN_BARRIER, "", true},
    {"1e100 overflows", 1e100, TR_VALUE_ERROR, "timestamp out of range for platform time_t",
     false},
    {"inf overflows", INFINITY, TR_VALUE_ERROR, "timestamp out of range for platform time_t",
     false},
};

static void test_timeout_arguments_follow_python_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof timeout_rows / sizeof timeout_rows[0]; i++) {
        const timeout_row *r = &timeout_rows[i];
        tr_barrier *b = tr_barrier_new(2, NULL, NULL, TR_FOREVER);
        double start = now_seconds();
        long index = -1;
        check_status(r->name, tr_barrier_wait(b, r->timeout, &index), r->status, r->message);
        if (now_seconds() - start > AT_ONCE)
            fail_msg("%s: did not return at once", r->name);
        if (index != -1)
            fail_msg("%s: index set to %ld", r->name, index);
        if (tr_barrier_broken(b) != r->broken)
            fail_msg("%s: broken is %d", r->name, !r->broken);
        if (tr_barrier_n_waiting(b) != 0)
            fail_msg("%s: the arrival was not undone", r->name);
        tr_barrier_free(b);
    }
}

typedef struct timing {
    tr_barrier *b;
    double timeout;
} timing;

static void wait_briefly(void *arg)
{
    timing *x = arg;
    worker_expect(tr_barrier_wait(x->b, x->timeout, NULL), TR_BROKEN_BARRIER);
}

/* lock_tests.test_timeout: the late thread finds the barrier broken by the others. */
static void test_a_wait_that_times_out_breaks_the_barrier_for_all(void **state)
{
    (void)state;
    timing x = {tr_barrier_new(N, NULL, NULL, DEFAULT_TIMEOUT), QUIET};
    tr_thread *t[N - 1];
    for (int i = 0; i < N - 1; i++)
        t[i] = start_thread(wait_briefly, &x);
    for (int i = 0; i < N - 1; i++)
        join_thread(t[i]);
    assert_true(tr_barrier_broken(x.b));
    double start = now_seconds();
    assert_int_equal(tr_barrier_wait(x.b, TR_FOREVER, NULL), TR_BROKEN_BARRIER);
    assert_true(now_seconds() - start < AT_ONCE);
    tr_barrier_free(x.b);
}

static void test_default_timeout_applies_to_a_wait_without_one(void **state)
{
    (void)state;
    tr_barrier *b = tr_barrier_new(2, NULL, NULL, 0.1);
    double start = now_seconds();
    assert_int_equal(tr_barrier_wait(b, TR_FOREVER, NULL), TR_BROKEN_BARRIER);
    assert_took_about(now_seconds() - start, 0.1);
    assert_true(tr_barrier_broken(b));
    tr_barrier_free(b);
}

static void test_a_wait_timeout_overrides_the_default(void **state)
{
    (void)state;
    tr_barrier *b = tr_barrier_new(2, NULL, NULL, 0.1);
    double start = now_seconds();
    assert_int_equal(tr_barrier_wait(b, 0.4, NULL), TR_BROKEN_BARRIER);
    assert_took_about(now_seconds() - start, 0.4);
    tr_barrier_free(b);
}

/* ---- while the action runs (Python holds the barrier's lock) -------------------------- */

typedef struct slow {
    tr_barrier *b;
    tr_semaphore *in_action, *go, *aborted;
    double hold; /* how long the action runs without a go */
    long index;
} slow;

/* Runs until the test says go, or for x->hold seconds. */
static void slow_action(void *arg)
{
    slow *x = arg;
    tr_semaphore_release(x->in_action, 1);
    tr_semaphore_acquire(x->go, true, x->hold);
}

static void wait_with_timeout(void *arg)
{
    slow *x = arg;
    worker_expect(tr_barrier_wait(x->b, 3.0, &x->index), TR_OK);
}

/* Python: wait_for times out, takes the lock back after the action, sees the pass
 * released, and returns the index. */
static void test_a_timeout_while_the_action_runs_still_passes(void **state)
{
    (void)state;
    /* the action outlasts the 3 s timeout by 3 s; main arrives well within the first 3 s
     * (a stall of that length is what could fail this test) */
    slow x = {.in_action = tr_semaphore_new(0), .go = tr_semaphore_new(0), .hold = 6.0,
              .index = -1};
    x.b = tr_barrier_new(2, slow_action, &x, TR_FOREVER);
    tr_thread *t = start_thread(wait_with_timeout, &x);
    await_n_waiting(x.b, 1);
    long index = -1;
    assert_int_equal(tr_barrier_wait(x.b, TR_FOREVER, &index), TR_OK); /* acts for 6 s */
    join_thread(t);
    assert_int_equal(index, 1);
    assert_int_equal(x.index, 0);
    assert_false(tr_barrier_broken(x.b));
    tr_barrier_free(x.b);
    tr_semaphore_free(x.in_action);
    tr_semaphore_free(x.go);
}

static void wait_alone(void *arg)
{
    slow *x = arg;
    worker_expect(tr_barrier_wait(x->b, TR_FOREVER, &x->index), TR_OK);
}

static void abort_then_signal(void *arg)
{
    slow *x = arg;
    worker_expect(tr_barrier_abort(x->b), TR_OK);
    tr_semaphore_release(x->aborted, 1);
}

static void test_abort_waits_for_the_action_but_the_queries_do_not(void **state)
{
    (void)state;
    slow x = {.in_action = tr_semaphore_new(0), .go = tr_semaphore_new(0),
              .aborted = tr_semaphore_new(0), .hold = HANG, .index = -1};
    x.b = tr_barrier_new(1, slow_action, &x, TR_FOREVER);
    tr_thread *waiter = start_thread(wait_alone, &x);
    await_signal(x.in_action);
    assert_int_equal(tr_barrier_n_waiting(x.b), 1); /* the actor counts until it leaves */
    assert_false(tr_barrier_broken(x.b));
    tr_thread *aborter = start_thread(abort_then_signal, &x);
    assert_no_signal_within(x.aborted, QUIET);
    assert_int_equal(tr_semaphore_release(x.go, 1), TR_OK);
    await_signal(x.aborted);
    join_thread(aborter);
    join_thread(waiter);
    assert_int_equal(x.index, 0); /* the pass was released before the abort */
    assert_true(tr_barrier_broken(x.b));
    tr_barrier_free(x.b);
    tr_semaphore_free(x.in_action);
    tr_semaphore_free(x.go);
    tr_semaphore_free(x.aborted);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parties_below_1_is_value_error_and_null),
        cmocka_unit_test(test_new_barrier_has_its_parties_none_waiting_and_is_not_broken),
        cmocka_unit_test(test_free_null_is_a_no_op),
        cmocka_unit_test(test_single_thread_barrier_passes_at_once_with_index_0),
        cmocka_unit_test(test_one_pass_is_in_lockstep),
        cmocka_unit_test(test_10_passes_are_in_lockstep),
        cmocka_unit_test(test_wait_returns_each_index_once_per_pass),
        cmocka_unit_test(test_action_runs_once_per_pass_in_the_last_thread_before_any_returns),
        cmocka_unit_test(test_abort_breaks_the_barrier_for_waiting_threads),
        cmocka_unit_test(test_reset_frees_waiting_threads_and_the_barrier_works_again),
        cmocka_unit_test(test_a_broken_barrier_works_again_after_reset),
        cmocka_unit_test(test_reset_of_an_idle_broken_barrier_makes_it_usable_at_once),
        cmocka_unit_test(test_timeout_arguments_follow_python_rows),
        cmocka_unit_test(test_a_wait_that_times_out_breaks_the_barrier_for_all),
        cmocka_unit_test(test_default_timeout_applies_to_a_wait_without_one),
        cmocka_unit_test(test_a_wait_timeout_overrides_the_default),
        cmocka_unit_test(test_a_timeout_while_the_action_runs_still_passes),
        cmocka_unit_test(test_abort_waits_for_the_action_but_the_queries_do_not),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
