/* test_semaphore.c — threading.Semaphore and BoundedSemaphore (PYTHON_SEMANTICS.md §4,
 * lock_tests.BaseSemaphoreTests, SemaphoreTests, BoundedSemaphoreTests). */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helpers.h"

typedef tr_semaphore *(*maker)(long);

static tr_semaphore *make_plain(long v) { return (tr_semaphore_new)(v); }
static tr_semaphore *make_bounded(long v) { return (tr_bounded_semaphore_new)(v); }

static const struct {
    const char *name;
    maker make;
} kinds[] = {{"Semaphore", make_plain}, {"BoundedSemaphore", make_bounded}};
enum { KINDS = 2 };

/* ---- construction --------------------------------------------------------------------- */

static void test_negative_initial_value_is_value_error_and_null(void **state)
{
    (void)state;
    static const long values[] = {-1, -LONG_MAX, LONG_MIN};
    char row[64];
    for (int k = 0; k < KINDS; k++) {
        for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
            snprintf(row, sizeof row, "%s(%ld)", kinds[k].name, values[i]);
            unsigned long before = tr_misuse_count();
            tr_semaphore *s = kinds[k].make(values[i]);
            if (s)
                fail_msg("%s: not NULL", row);
            /* a constructor reports through NULL and the last error */
            check_status(row, TR_VALUE_ERROR, TR_VALUE_ERROR,
                         "semaphore initial value must be >= 0");
            if (tr_misuse_count() != before + 1)
                fail_msg("%s: not reported as misuse", row);
        }
    }
}

static void test_value_0_and_large_values_are_accepted(void **state)
{
    (void)state;
    tr_semaphore *s = tr_semaphore_new(0);
    tr_semaphore *big = tr_bounded_semaphore_new(LONG_MAX);
    assert_int_equal(tr_semaphore_value(s), 0);
    assert_int_equal(tr_semaphore_value(big), LONG_MAX);
    tr_semaphore_free(s);
    tr_semaphore_free(big);
}

static void test_free_null_is_a_no_op(void **state)
{
    (void)state;
    tr_semaphore_free(NULL);
}

static void test_free_while_held_is_allowed(void **state)
{
    (void)state;
    tr_semaphore *s = tr_semaphore_new(1);
    assert_int_equal(tr_semaphore_acquire(s, true, TR_FOREVER), TR_OK);
    tr_semaphore_free(s);
}

/* ---- single thread -------------------------------------------------------------------- */

static void test_acquire_and_release_move_the_value(void **state)
{
    (void)state;
    for (int k = 0; k < KINDS; k++) {
        tr_semaphore *s = kinds[k].make(3);
        assert_int_equal(tr_semaphore_acquire(s, true, TR_FOREVER), TR_OK);
        assert_int_equal(tr_semaphore_acquire(s, true, TR_FOREVER), TR_OK);
        assert_int_equal(tr_semaphore_value(s), 1);
        assert_int_equal(tr_semaphore_release(s, 1), TR_OK);
        assert_int_equal(tr_semaphore_release(s, 1), TR_OK);
        assert_int_equal(tr_semaphore_value(s), 3);
        tr_semaphore_free(s);
    }
}

static void test_try_acquire_value_2_gives_true_true_false_then_true_after_release(void **state)
{
    (void)state;
    for (int k = 0; k < KINDS; k++) {
        tr_semaphore *s = kinds[k].make(2);
        assert_int_equal(tr_semaphore_acquire(s, false, TR_FOREVER), TR_OK);
        assert_int_equal(tr_semaphore_acquire(s, false, TR_FOREVER), TR_OK);
        assert_int_equal(tr_semaphore_acquire(s, false, TR_FOREVER), TR_TIMEOUT);
        assert_int_equal(tr_semaphore_release(s, 1), TR_OK);
        assert_int_equal(tr_semaphore_acquire(s, false, TR_FOREVER), TR_OK);
        tr_semaphore_free(s);
    }
}

typedef struct acquire_row {
    const char *name;
    long value;
    bool blocking;
    double timeout;
    tr_status status;
    const char *message;
} acquire_row;

static const acquire_row acquire_rows[] = {
    {"non-blocking 1.0", 1, false, 1.0, TR_VALUE_ERROR,
     "can't specify timeout for non-blocking acquire"},
    {"non-blocking 0", 1, false, 0, TR_VALUE_ERROR,
     "can't specify timeout for non-blocking acquire"},
    {"non-blocking -5", 1, false, -5, TR_VALUE_ERROR,
     "can't specify timeout for non-blocking acquire"},
    {"non-blocking NaN", 1, false, NAN, TR_VALUE_ERROR,
     "can't specify timeout for non-blocking acquire"},
    {"non-blocking None", 1, false, TR_FOREVER, TR_OK, NULL},
    {"non-blocking None, empty", 0, false, TR_FOREVER, TR_TIMEOUT, NULL},
    {"0, empty", 0, true, 0, TR_TIMEOUT, NULL},
    {"-5 acts as 0, empty", 0, true, -5, TR_TIMEOUT, NULL},
    {"-1e100 acts as 0, empty", 0, true, -1e100, TR_TIMEOUT, NULL},
    {"-5, available", 1, true, -5, TR_OK, NULL},
    {"NaN, available", 1, true, NAN, TR_OK, NULL},
    /* Python converts the timeout only when it must wait. */
    {"1e100, available", 1, true, 1e100, TR_OK, NULL},
    {"inf, available", 1, true, INFINITY, TR_OK, NULL},
    {"1e100, empty", 0, true, 1e100, TR_VALUE_ERROR,
     "timestamp out of range for platform time_t"},
    {"inf, empty", 0, true, INFINITY, TR_VALUE_ERROR,
     "timestamp out of range for platform time_t"},
    {"2^63 ns, empty", 0, true, 9223372037.0, TR_VALUE_ERROR,
     "timestamp out of range for platform time_t"},
};

static void test_acquire_arguments_follow_python_rows(void **state)
{
    (void)state;
    char row[96];
    for (int k = 0; k < KINDS; k++) {
        for (size_t i = 0; i < sizeof acquire_rows / sizeof acquire_rows[0]; i++) {
            const acquire_row *r = &acquire_rows[i];
            snprintf(row, sizeof row, "%s %s", kinds[k].name, r->name);
            tr_semaphore *s = kinds[k].make(r->value);
            double start = now_seconds();
            check_status(row, tr_semaphore_acquire(s, r->blocking, r->timeout), r->status,
                         r->message);
            if (now_seconds() - start > AT_ONCE)
                fail_msg("%s: did not return at once", row);
            long want = r->value - (r->status == TR_OK);
            if (tr_semaphore_value(s) != want)
                fail_msg("%s: value %ld, expected %ld", row, tr_semaphore_value(s), want);
            tr_semaphore_free(s);
        }
    }
}

static void test_timeout_0_005_succeeds_twice_then_times_out_then_succeeds_after_release(
    void **state)
{
    (void)state;
    for (int k = 0; k < KINDS; k++) {
        tr_semaphore *s = kinds[k].make(2);
        assert_int_equal(tr_semaphore_acquire(s, true, 0.005), TR_OK);
        assert_int_equal(tr_semaphore_acquire(s, true, 0.005), TR_OK);
        assert_int_equal(tr_semaphore_acquire(s, true, 0.005), TR_TIMEOUT);
        assert_int_equal(tr_semaphore_release(s, 1), TR_OK);
        assert_int_equal(tr_semaphore_acquire(s, true, 0.005), TR_OK);
        tr_semaphore_free(s);
    }
}

static void test_empty_timed_acquire_times_out_after_about_the_timeout(void **state)
{
    (void)state;
    tr_semaphore *s = tr_semaphore_new(0);
    double start = now_seconds();
    assert_int_equal(tr_semaphore_acquire(s, true, 0.2), TR_TIMEOUT);
    assert_took_about(now_seconds() - start, 0.2);
    assert_int_equal(tr_semaphore_value(s), 0);
    tr_semaphore_free(s);
}

typedef struct release_row {
    const char *name;
    long n;
} release_row;

static void test_release_n_below_1_is_value_error_checked_first(void **state)
{
    (void)state;
    static const release_row rows[] = {{"0", 0}, {"-1", -1}, {"LONG_MIN", LONG_MIN}};
    char row[64];
    for (int k = 0; k < KINDS; k++) {
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
            snprintf(row, sizeof row, "%s release(%s)", kinds[k].name, rows[i].name);
            tr_semaphore *s = kinds[k].make(1); /* full: a bounded one could not go up */
            check_status(row, tr_semaphore_release(s, rows[i].n), TR_VALUE_ERROR,
                         "n must be one or more");
            if (tr_semaphore_value(s) != 1)
                fail_msg("%s: value changed", row);
            tr_semaphore_free(s);
        }
    }
}

static void test_semaphore_may_go_above_its_initial_value(void **state)
{
    (void)state;
    tr_semaphore *s = tr_semaphore_new(1);
    assert_int_equal(tr_semaphore_release(s, 1), TR_OK);
    assert_int_equal(tr_semaphore_release(s, 5), TR_OK);
    assert_int_equal(tr_semaphore_value(s), 7);
    tr_semaphore_free(s);
}

static void test_release_n_adds_n(void **state)
{
    (void)state;
    tr_semaphore *s = tr_semaphore_new(0);
    assert_int_equal(tr_semaphore_release(s, 3), TR_OK);
    assert_int_equal(tr_semaphore_value(s), 3);
    tr_semaphore_free(s);
}

static void test_semaphore_value_overflow_is_value_error_and_changes_nothing(void **state)
{
    (void)state;
    tr_semaphore *s = tr_semaphore_new(LONG_MAX - 1);
    assert_int_equal(tr_semaphore_release(s, 1), TR_OK);
    assert_misuse(tr_semaphore_release(s, 1), TR_VALUE_ERROR,
                  "Python int too large to convert to C long");
    assert_int_equal(tr_semaphore_value(s), LONG_MAX);
    tr_semaphore_free(s);
}

static void test_bounded_release_on_fresh_semaphore_is_value_error(void **state)
{
    (void)state;
    tr_semaphore *s = tr_bounded_semaphore_new(2);
    assert_misuse(tr_semaphore_release(s, 1), TR_VALUE_ERROR, "Semaphore released too many times");
    assert_int_equal(tr_semaphore_value(s), 2);
    tr_semaphore_free(s);
}

static void test_bounded_release_after_balanced_use_is_value_error(void **state)
{
    (void)state;
    tr_semaphore *s = tr_bounded_semaphore_new(1);
    assert_int_equal(tr_semaphore_acquire(s, true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_semaphore_release(s, 1), TR_OK);
    assert_misuse(tr_semaphore_release(s, 1), TR_VALUE_ERROR, "Semaphore released too many times");
    assert_int_equal(tr_semaphore_value(s), 1);
    tr_semaphore_free(s);
}

static void test_bounded_release_n_past_the_bound_leaves_the_value_unchanged(void **state)
{
    (void)state;
    tr_semaphore *s = tr_bounded_semaphore_new(3);
    assert_int_equal(tr_semaphore_acquire(s, true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_semaphore_acquire(s, true, TR_FOREVER), TR_OK);
    assert_misuse(tr_semaphore_release(s, 3), TR_VALUE_ERROR, "Semaphore released too many times");
    assert_misuse(tr_semaphore_release(s, LONG_MAX), TR_VALUE_ERROR,
                  "Semaphore released too many times");
    assert_int_equal(tr_semaphore_value(s), 1);
    assert_int_equal(tr_semaphore_release(s, 2), TR_OK);
    assert_int_equal(tr_semaphore_value(s), 3);
    tr_semaphore_free(s);
}

static void test_bounded_zero_semaphore_cannot_be_released(void **state)
{
    (void)state;
    tr_semaphore *s = tr_bounded_semaphore_new(0);
    assert_misuse(tr_semaphore_release(s, 1), TR_VALUE_ERROR, "Semaphore released too many times");
    assert_int_equal(tr_semaphore_value(s), 0);
    tr_semaphore_free(s);
}

static void test_constructor_misuse_is_reported_at_the_callers_line(void **state)
{
    (void)state;
    seen_site m = {NULL, 0};
    tr_set_misuse_hook(record_site, &m);
    int line = __LINE__ + 1;
    tr_semaphore *s = tr_semaphore_new(-1);
    tr_set_misuse_hook(NULL, NULL);
    assert_null(s);
    assert_non_null(m.file);
    assert_string_equal(m.file, __FILE__);
    assert_int_equal(m.line, line);
}

/* ---- threads -------------------------------------------------------------------------- */

typedef struct gate {
    tr_semaphore *sem;
    tr_semaphore *started;
    tr_semaphore *passed;
    double timeout;
    atomic_int failures; /* acquires that did not return TR_OK */
} gate;

static void acquire_once(void *arg)
{
    gate *g = arg;
    worker_expect(tr_semaphore_release(g->started, 1), TR_OK);
    if (tr_semaphore_acquire(g->sem, true, g->timeout) != TR_OK)
        atomic_fetch_add(&g->failures, 1);
    worker_expect(tr_semaphore_release(g->passed, 1), TR_OK);
}

static void gate_init(gate *g, tr_semaphore *sem, double timeout)
{
    g->sem = sem;
    g->started = tr_semaphore_new(0);
    g->passed = tr_semaphore_new(0);
    g->timeout = timeout;
    atomic_init(&g->failures, 0);
}

static void gate_fini(gate *g)
{
    tr_semaphore_free(g->started);
    tr_semaphore_free(g->passed);
    tr_semaphore_free(g->sem);
}

static void test_default_value_1_makes_a_second_acquirer_wait_for_a_release(void **state)
{
    (void)state;
    for (int k = 0; k < KINDS; k++) {
        gate g;
        gate_init(&g, kinds[k].make(1), TR_FOREVER);
        assert_int_equal(tr_semaphore_acquire(g.sem, true, TR_FOREVER), TR_OK);
        tr_thread *t = start_thread(acquire_once, &g);
        await_signal(g.started);
        assert_no_signal_within(g.passed, QUIET);
        assert_int_equal(tr_semaphore_release(g.sem, 1), TR_OK);
        await_signal(g.passed);
        join_thread(t);
        assert_int_equal(atomic_load(&g.failures), 0);
        assert_int_equal(tr_semaphore_value(g.sem), 0);
        gate_fini(&g);
    }
}

static void test_nan_timeout_waits_for_a_release(void **state)
{
    (void)state;
    gate g;
    gate_init(&g, tr_semaphore_new(0), NAN);
    tr_thread *t = start_thread(acquire_once, &g);
    await_signal(g.started);
    assert_no_signal_within(g.passed, QUIET);
    assert_int_equal(tr_semaphore_release(g.sem, 1), TR_OK);
    await_signal(g.passed);
    join_thread(t);
    assert_int_equal(atomic_load(&g.failures), 0);
    gate_fini(&g);
}

static void test_release_n_wakes_n_waiters(void **state)
{
    (void)state;
    enum { N = 3 };
    gate g;
    tr_thread *t[N];
    gate_init(&g, tr_semaphore_new(0), TR_FOREVER);
    for (int i = 0; i < N; i++)
        t[i] = start_thread(acquire_once, &g);
    for (int i = 0; i < N; i++)
        await_signal(g.started);
    assert_int_equal(tr_semaphore_release(g.sem, 2), TR_OK);
    await_signal(g.passed);
    await_signal(g.passed);
    assert_no_signal_within(g.passed, QUIET);
    assert_int_equal(tr_semaphore_release(g.sem, 1), TR_OK);
    await_signal(g.passed);
    for (int i = 0; i < N; i++)
        join_thread(t[i]);
    assert_int_equal(atomic_load(&g.failures), 0);
    assert_int_equal(tr_semaphore_value(g.sem), 0);
    gate_fini(&g);
}

/* lock_tests' test_acquire_contended / test_multirelease: value 7, one taken, 10 threads
 * acquire twice each; the releases come one by one or as release(n). */
typedef struct crowd {
    tr_semaphore *sem;
    tr_semaphore *passed;
    atomic_int failures;
} crowd;

static void acquire_twice(void *arg)
{
    crowd *c = arg;
    for (int i = 0; i < 2; i++) {
        if (tr_semaphore_acquire(c->sem, true, TR_FOREVER) != TR_OK)
            atomic_fetch_add(&c->failures, 1);
        worker_expect(tr_semaphore_release(c->passed, 1), TR_OK);
    }
}

static void release_units(tr_semaphore *s, long n, bool at_once)
{
    if (at_once) {
        assert_int_equal(tr_semaphore_release(s, n), TR_OK);
        return;
    }
    for (long i = 0; i < n; i++)
        assert_int_equal(tr_semaphore_release(s, 1), TR_OK);
}

static void admitted_exactly(crowd *c, int n)
{
    for (int i = 0; i < n; i++)
        await_signal(c->passed);
    assert_no_signal_within(c->passed, QUIET);
}

static void run_contended(maker make, bool at_once)
{
    enum { N = 10 };
    crowd c = {.sem = make(7), .passed = tr_semaphore_new(0)};
    tr_thread *t[N];
    atomic_init(&c.failures, 0);
    assert_int_equal(tr_semaphore_acquire(c.sem, true, TR_FOREVER), TR_OK);
    for (int i = 0; i < N; i++)
        t[i] = start_thread(acquire_twice, &c);
    admitted_exactly(&c, 6);
    release_units(c.sem, 7, at_once);
    admitted_exactly(&c, 7);
    release_units(c.sem, 6, at_once);
    admitted_exactly(&c, 6);
    assert_int_equal(tr_semaphore_acquire(c.sem, false, TR_FOREVER), TR_TIMEOUT);
    assert_int_equal(tr_semaphore_release(c.sem, 1), TR_OK); /* lets the last one through */
    admitted_exactly(&c, 1);
    for (int i = 0; i < N; i++)
        join_thread(t[i]);
    assert_int_equal(atomic_load(&c.failures), 0);
    tr_semaphore_free(c.passed);
    tr_semaphore_free(c.sem);
}

static void test_acquire_contended_admits_6_then_7_then_6(void **state)
{
    (void)state;
    run_contended(make_plain, false);
}

static void test_bounded_acquire_contended_admits_6_then_7_then_6(void **state)
{
    (void)state;
    run_contended(make_bounded, false);
}

static void test_multirelease_admits_6_then_7_then_6(void **state)
{
    (void)state;
    run_contended(make_plain, true);
}

static void test_bounded_multirelease_admits_6_then_7_then_6(void **state)
{
    (void)state;
    run_contended(make_bounded, true);
}

typedef struct tries {
    tr_semaphore *sem;
    atomic_int ok;
    atomic_int other;
} tries;

static void try_twice(void *arg)
{
    tries *t = arg;
    for (int i = 0; i < 2; i++) {
        tr_status s = tr_semaphore_acquire(t->sem, false, TR_FOREVER);
        atomic_fetch_add(s == TR_OK ? &t->ok : &t->other, 1);
    }
}

static void test_try_acquire_contended_5_threads_get_exactly_3(void **state)
{
    (void)state;
    enum { N = 5 };
    tries x = {.sem = tr_semaphore_new(4)};
    tr_thread *t[N];
    atomic_init(&x.ok, 0);
    atomic_init(&x.other, 0);
    assert_int_equal(tr_semaphore_acquire(x.sem, true, TR_FOREVER), TR_OK);
    for (int i = 0; i < N; i++)
        t[i] = start_thread(try_twice, &x);
    for (int i = 0; i < N; i++)
        join_thread(t[i]);
    assert_int_equal(atomic_load(&x.ok), 3);
    assert_int_equal(atomic_load(&x.other), 2 * N - 3);
    assert_int_equal(tr_semaphore_value(x.sem), 0);
    tr_semaphore_free(x.sem);
}

static void test_blocked_timed_acquire_succeeds_when_released_in_time(void **state)
{
    (void)state;
    gate g;
    gate_init(&g, tr_semaphore_new(0), HANG);
    tr_thread *t = start_thread(acquire_once, &g);
    await_signal(g.started);
    assert_int_equal(tr_semaphore_release(g.sem, 1), TR_OK);
    await_signal(g.passed);
    join_thread(t);
    assert_int_equal(atomic_load(&g.failures), 0);
    gate_fini(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_negative_initial_value_is_value_error_and_null),
        cmocka_unit_test(test_value_0_and_large_values_are_accepted),
        cmocka_unit_test(test_free_null_is_a_no_op),
        cmocka_unit_test(test_free_while_held_is_allowed),
        cmocka_unit_test(test_acquire_and_release_move_the_value),
        cmocka_unit_test(test_try_acquire_value_2_gives_true_true_false_then_true_after_release),
        cmocka_unit_test(test_acquire_arguments_follow_python_rows),
        cmocka_unit_test(
            test_timeout_0_005_succeeds_twice_then_times_out_then_succeeds_after_release),
        cmocka_unit_test(test_empty_timed_acquire_times_out_after_about_the_timeout),
        cmocka_unit_test(test_release_n_below_1_is_value_error_checked_first),
        cmocka_unit_test(test_semaphore_may_go_above_its_initial_value),
        cmocka_unit_test(test_release_n_adds_n),
        cmocka_unit_test(test_semaphore_value_overflow_is_value_error_and_changes_nothing),
        cmocka_unit_test(test_bounded_release_on_fresh_semaphore_is_value_error),
        cmocka_unit_test(test_bounded_release_after_balanced_use_is_value_error),
        cmocka_unit_test(test_bounded_release_n_past_the_bound_leaves_the_value_unchanged),
        cmocka_unit_test(test_bounded_zero_semaphore_cannot_be_released),
        cmocka_unit_test(test_constructor_misuse_is_reported_at_the_callers_line),
        cmocka_unit_test(test_default_value_1_makes_a_second_acquirer_wait_for_a_release),
        cmocka_unit_test(test_nan_timeout_waits_for_a_release),
        cmocka_unit_test(test_release_n_wakes_n_waiters),
        cmocka_unit_test(test_acquire_contended_admits_6_then_7_then_6),
        cmocka_unit_test(test_bounded_acquire_contended_admits_6_then_7_then_6),
        cmocka_unit_test(test_multirelease_admits_6_then_7_then_6),
        cmocka_unit_test(test_bounded_multirelease_admits_6_then_7_then_6),
        cmocka_unit_test(test_try_acquire_contended_5_threads_get_exactly_3),
        cmocka_unit_test(test_blocked_timed_acquire_succeeds_when_released_in_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
