/* test_lock.c — threading.Lock (PYTHON_SEMANTICS.md §1, lock_tests.BaseLockTests and
 * LockTests), the argument table shared with RLock, and misuse reporting (hook, count,
 * call sites). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helpers.h"

/* Python's TIMEOUT_MAX on 64-bit Linux. */
#define TIMEOUT_MAX 9223372036.0

/* ---- construction and basic use ------------------------------------------------------- */

static void test_new_lock_is_unlocked(void **state)
{
    (void)state;
    tr_lock *l = tr_lock_new();
    assert_non_null(l);
    assert_false(tr_lock_locked(l));
    tr_lock_free(l);
}

static void test_free_null_is_a_no_op(void **state)
{
    (void)state;
    tr_lock_free(NULL);
}

static void test_free_while_held_is_allowed(void **state)
{
    (void)state;
    tr_lock *l = tr_lock_new();
    assert_int_equal(tr_lock_acquire(l, true, TR_FOREVER), TR_OK);
    tr_lock_free(l);
}

static void test_acquire_release(void **state)
{
    (void)state;
    tr_lock *l = tr_lock_new();
    assert_int_equal(tr_lock_acquire(l, true, TR_FOREVER), TR_OK);
    assert_true(tr_lock_locked(l));
    assert_int_equal(tr_lock_release(l), TR_OK);
    assert_false(tr_lock_locked(l));
    tr_lock_free(l);
}

static void test_try_acquire_on_free_lock_succeeds(void **state)
{
    (void)state;
    tr_lock *l = tr_lock_new();
    assert_int_equal(tr_lock_acquire(l, false, TR_FOREVER), TR_OK);
    assert_true(tr_lock_locked(l));
    assert_int_equal(tr_lock_release(l), TR_OK);
    tr_lock_free(l);
}

static void test_try_acquire_by_holder_times_out_without_error(void **state)
{
    (void)state;
    tr_lock *l = tr_lock_new();
    assert_int_equal(tr_lock_acquire(l, true, TR_FOREVER), TR_OK);
    unsigned long before = tr_misuse_count();
    assert_int_equal(tr_lock_acquire(l, false, TR_FOREVER), TR_TIMEOUT);
    assert_int_equal(tr_misuse_count(), before);
    assert_int_equal(tr_lock_release(l), TR_OK);
    tr_lock_free(l);
}

static void test_release_unlocked_lock_is_runtime_error(void **state)
{
    (void)state;
    tr_lock *l = tr_lock_new();
    assert_misuse(tr_lock_release(l), TR_RUNTIME_ERROR, "release unlocked lock");
    tr_lock_free(l);
}

static void test_release_after_balanced_use_is_runtime_error(void **state)
{
    (void)state;
    tr_lock *l = tr_lock_new();
    assert_int_equal(tr_lock_acquire(l, true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_lock_release(l), TR_OK);
    assert_misuse(tr_lock_release(l), TR_RUNTIME_ERROR, "release unlocked lock");
    assert_false(tr_lock_locked(l));
    tr_lock_free(l);
}

/* ---- threads -------------------------------------------------------------------------- */

static void release_it(void *arg) { worker_expect(tr_lock_release(arg), TR_OK); }

static void test_different_thread_may_release(void **state)
{
    (void)state;
    tr_lock *l = tr_lock_new();
    assert_int_equal(tr_lock_acquire(l, true, TR_FOREVER), TR_OK);
    join_thread(start_thread(release_it, l));
    assert_false(tr_lock_locked(l));
    tr_lock_free(l);
}

typedef struct contended {
    tr_lock *lock;
    tr_semaphore *started;
    tr_semaphore *done;
    tr_status result;
} contended;

static void try_acquire_once(void *arg)
{
    contended *c = arg;
    c->result = tr_lock_acquire(c->lock, false, TR_FOREVER);
}

static void test_try_acquire_contended_from_another_thread_times_out(void **state)
{
    (void)state;
    contended c = {.lock = tr_lock_new()};
    assert_int_equal(tr_lock_acquire(c.lock, true, TR_FOREVER), TR_OK);
    join_thread(start_thread(try_acquire_once, &c));
    assert_int_equal(c.result, TR_TIMEOUT);
    assert_int_equal(tr_lock_release(c.lock), TR_OK);
    tr_lock_free(c.lock);
}

static void acquire_then_release(void *arg)
{
    contended *c = arg;
    worker_expect(tr_semaphore_release(c->started, 1), TR_OK);
    worker_expect(tr_lock_acquire(c->lock, true, TR_FOREVER), TR_OK);
    worker_expect(tr_lock_release(c->lock), TR_OK);
    worker_expect(tr_semaphore_release(c->done, 1), TR_OK);
}

static void test_acquire_contended_5_threads_finish_only_after_release(void **state)
{
    (void)state;
    enum { N = 5 };
    contended c = {tr_lock_new(), tr_semaphore_new(0), tr_semaphore_new(0), TR_OK};
    tr_thread *t[N];
    assert_int_equal(tr_lock_acquire(c.lock, true, TR_FOREVER), TR_OK);
    for (int i = 0; i < N; i++)
        t[i] = start_thread(acquire_then_release, &c);
    for (int i = 0; i < N; i++)
        await_signal(c.started);
    assert_no_signal_within(c.done, QUIET);
    assert_int_equal(tr_lock_release(c.lock), TR_OK);
    for (int i = 0; i < N; i++)
        await_signal(c.done);
    for (int i = 0; i < N; i++)
        join_thread(t[i]);
    assert_false(tr_lock_locked(c.lock));
    tr_semaphore_free(c.started);
    tr_semaphore_free(c.done);
    tr_lock_free(c.lock);
}

static void reacquire_as_holder(void *arg)
{
    contended *c = arg;
    worker_expect(tr_lock_acquire(c->lock, true, TR_FOREVER), TR_OK);
    worker_expect(tr_semaphore_release(c->started, 1), TR_OK);
    /* The holder's second acquire blocks: it is not an error, only another thread's
     * release lets it through. */
    worker_expect(tr_lock_acquire(c->lock, true, TR_FOREVER), TR_OK);
    worker_expect(tr_semaphore_release(c->done, 1), TR_OK);
}

static void test_holder_reacquire_blocks_until_another_thread_releases(void **state)
{
    (void)state;
    contended c = {tr_lock_new(), tr_semaphore_new(0), tr_semaphore_new(0), TR_OK};
    tr_thread *t = start_thread(reacquire_as_holder, &c);
    await_signal(c.started);
    assert_no_signal_within(c.done, QUIET);
    assert_int_equal(tr_lock_release(c.lock), TR_OK);
    await_signal(c.done);
    join_thread(t);
    assert_true(tr_lock_locked(c.lock));
    assert_int_equal(tr_lock_release(c.lock), TR_OK);
    tr_semaphore_free(c.started);
    tr_semaphore_free(c.done);
    tr_lock_free(c.lock);
}

static void acquire_release_loop(void *arg)
{
    for (int i = 0; i < 100; i++) {
        worker_expect(tr_lock_acquire(arg, true, TR_FOREVER), TR_OK);
        worker_expect(tr_lock_release(arg), TR_OK);
    }
}

static void test_15_threads_acquire_and_release_then_all_end(void **state)
{
    (void)state;
    enum { N = 15 };
    tr_lock *l = tr_lock_new();
    tr_thread *t[N];
    for (int i = 0; i < N; i++)
        t[i] = start_thread(acquire_release_loop, l);
    for (int i = 0; i < N; i++) {
        assert_int_equal(tr_thread_join(t[i], HANG), TR_OK);
        assert_false(tr_thread_is_alive(t[i]));
        tr_thread_free(t[i]);
    }
    assert_int_equal(atomic_exchange(&worker_failures, 0), 0);
    assert_false(tr_lock_locked(l));
    tr_lock_free(l);
}

/* ---- timeouts ------------------------------------------------------------------------- */

typedef struct lock_row {
    const char *name;
    bool blocking;
    double timeout;
    tr_status status;
    const char *message;
} lock_row;

/* §1 in row order; the first matching check wins (acquire(False, 1e100) overflows). */
static const lock_row argument_rows[] = {
    {"NaN", true, NAN, TR_VALUE_ERROR, "Invalid value NaN (not a number)"},
    {"non-blocking NaN", false, NAN, TR_VALUE_ERROR, "Invalid value NaN (not a number)"},
    {"1e100", true, 1e100, TR_VALUE_ERROR, "timestamp out of range for platform time_t"},
    {"non-blocking 1e100", false, 1e100, TR_VALUE_ERROR,
     "timestamp out of range for platform time_t"},
    {"TIMEOUT_MAX + 1", true, TIMEOUT_MAX + 1, TR_VALUE_ERROR,
     "timestamp out of range for platform time_t"},
    {"+inf", true, INFINITY, TR_VALUE_ERROR, "timestamp out of range for platform time_t"},
    {"-inf", true, -INFINITY, TR_VALUE_ERROR, "timestamp out of range for platform time_t"},
    {"-1e100", true, -1e100, TR_VALUE_ERROR, "timestamp out of range for platform time_t"},
    {"non-blocking 1", false, 1, TR_VALUE_ERROR,
     "can't specify a timeout for a non-blocking call"},
    {"non-blocking 0", false, 0, TR_VALUE_ERROR,
     "can't specify a timeout for a non-blocking call"},
    {"non-blocking -100", false, -100, TR_VALUE_ERROR,
     "can't specify a timeout for a non-blocking call"},
    {"-100", true, -100, TR_VALUE_ERROR, "timeout value must be a non-negative number"},
    {"-0.5", true, -0.5, TR_VALUE_ERROR, "timeout value must be a non-negative number"},
    {"just below -1", true, -1.0000001, TR_VALUE_ERROR,
     "timeout value must be a non-negative number"},
    {"non-blocking forever", false, TR_FOREVER, TR_OK, NULL},
    {"blocking forever", true, TR_FOREVER, TR_OK, NULL},
    {"blocking 0", true, 0, TR_OK, NULL},
    {"TIMEOUT_MAX", true, TIMEOUT_MAX, TR_OK, NULL},
};

static void test_acquire_arguments_follow_python_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof argument_rows / sizeof argument_rows[0]; i++) {
        const lock_row *r = &argument_rows[i];
        tr_lock *l = tr_lock_new();
        check_status(r->name, tr_lock_acquire(l, r->blocking, r->timeout), r->status,
                     r->message);
        if (tr_lock_locked(l) != (r->status == TR_OK))
            fail_msg("%s: locked() is %d after the call", r->name, !tr_lock_locked(l));
        tr_lock_free(l);
    }
}

static void test_free_lock_with_timeout_5_is_acquired_at_once(void **state)
{
    (void)state;
    tr_lock *l = tr_lock_new();
    double start = now_seconds();
    assert_int_equal(tr_lock_acquire(l, true, 5), TR_OK);
    assert_true(now_seconds() - start < AT_ONCE);
    tr_lock_free(l);
}

typedef struct timed {
    tr_lock *lock;
    double timeout;
    tr_status result;
    double elapsed;
} timed;

static void timed_acquire(void *arg)
{
    timed *t = arg;
    double start = now_seconds();
    t->result = tr_lock_acquire(t->lock, true, t->timeout);
    t->elapsed = now_seconds() - start;
}

static void test_contended_timed_acquire_times_out_after_about_the_timeout(void **state)
{
    (void)state;
    timed t = {.lock = tr_lock_new(), .timeout = 0.2};
    assert_int_equal(tr_lock_acquire(t.lock, true, TR_FOREVER), TR_OK);
    join_thread(start_thread(timed_acquire, &t));
    assert_int_equal(t.result, TR_TIMEOUT);
    assert_took_about(t.elapsed, t.timeout);
    assert_int_equal(tr_lock_release(t.lock), TR_OK);
    tr_lock_free(t.lock);
}

static void test_contended_zero_timeout_times_out_at_once(void **state)
{
    (void)state;
    timed t = {.lock = tr_lock_new(), .timeout = 0};
    assert_int_equal(tr_lock_acquire(t.lock, true, TR_FOREVER), TR_OK);
    join_thread(start_thread(timed_acquire, &t));
    assert_int_equal(t.result, TR_TIMEOUT);
    assert_true(t.elapsed < AT_ONCE);
    assert_int_equal(tr_lock_release(t.lock), TR_OK);
    tr_lock_free(t.lock);
}

static void test_state_after_timeout_is_consistent(void **state)
{
    (void)state;
    timed t = {.lock = tr_lock_new(), .timeout = 0.05};
    assert_int_equal(tr_lock_acquire(t.lock, true, TR_FOREVER), TR_OK);
    join_thread(start_thread(timed_acquire, &t));
    assert_int_equal(t.result, TR_TIMEOUT);
    assert_int_equal(tr_lock_release(t.lock), TR_OK);
    assert_false(tr_lock_locked(t.lock));
    assert_int_equal(tr_lock_acquire(t.lock, false, TR_FOREVER), TR_OK);
    assert_int_equal(tr_lock_release(t.lock), TR_OK);
    tr_lock_free(t.lock);
}

/* ---- misuse reporting ----------------------------------------------------------------- */

typedef struct seen {
    int calls;
    tr_status status;
    char message[128];
    const char *file;
    int line;
} seen;

static void record_misuse(tr_status s, const char *message, const char *file, int line,
                          void *ctx)
{
    seen *r = ctx;
    r->calls++;
    r->status = s;
    snprintf(r->message, sizeof r->message, "%s", message);
    r->file = file;
    r->line = line;
}

static void test_misuse_hook_receives_status_text_and_call_site(void **state)
{
    (void)state;
    seen r = {0};
    tr_lock *l = tr_lock_new();
    tr_set_misuse_hook(record_misuse, &r);
    int line = __LINE__ + 1;
    tr_status s = tr_lock_release(l);
    tr_set_misuse_hook(NULL, NULL);
    assert_int_equal(s, TR_RUNTIME_ERROR);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.status, TR_RUNTIME_ERROR);
    assert_string_equal(r.message, "release unlocked lock");
    assert_non_null(r.file);
    assert_string_equal(r.file, __FILE__);
    assert_int_equal(r.line, line);
    tr_lock_free(l);
}

static void test_argument_misuse_reports_the_call_site_too(void **state)
{
    (void)state;
    seen r = {0};
    tr_lock *l = tr_lock_new();
    tr_set_misuse_hook(record_misuse, &r);
    int line = __LINE__ + 1;
    tr_status s = tr_lock_acquire(l, false, 1);
    tr_set_misuse_hook(NULL, NULL);
    assert_int_equal(s, TR_VALUE_ERROR);
    assert_int_equal(r.calls, 1);
    assert_string_equal(r.message, "can't specify a timeout for a non-blocking call");
    assert_string_equal(r.file, __FILE__);
    assert_int_equal(r.line, line);
    tr_lock_free(l);
}

static void test_call_by_address_reports_no_site(void **state)
{
    (void)state;
    seen r = {0};
    tr_lock *l = tr_lock_new();
    tr_status (*release)(tr_lock *) = tr_lock_release;
    tr_set_misuse_hook(record_misuse, &r);
    tr_status s = release(l);
    tr_set_misuse_hook(NULL, NULL);
    assert_int_equal(s, TR_RUNTIME_ERROR);
    assert_int_equal(r.calls, 1);
    assert_null(r.file);
    assert_int_equal(r.line, 0);
    tr_lock_free(l);
}

static void test_misuse_count_counts_each_misuse_and_nothing_else(void **state)
{
    (void)state;
    tr_lock *l = tr_lock_new();
    unsigned long before = tr_misuse_count();
    assert_int_equal(tr_lock_release(l), TR_RUNTIME_ERROR);
    assert_int_equal(tr_lock_acquire(l, true, NAN), TR_VALUE_ERROR);
    assert_int_equal(tr_misuse_count(), before + 2);
    assert_int_equal(tr_lock_acquire(l, true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_lock_acquire(l, true, 0), TR_TIMEOUT);
    assert_int_equal(tr_lock_release(l), TR_OK);
    assert_int_equal(tr_misuse_count(), before + 2);
    tr_lock_free(l);
}

static void test_misuse_is_counted_while_a_hook_is_installed(void **state)
{
    (void)state;
    seen r = {0};
    tr_lock *l = tr_lock_new();
    unsigned long before = tr_misuse_count();
    tr_set_misuse_hook(record_misuse, &r);
    assert_int_equal(tr_lock_release(l), TR_RUNTIME_ERROR);
    tr_set_misuse_hook(NULL, NULL);
    assert_int_equal(tr_lock_release(l), TR_RUNTIME_ERROR);
    assert_int_equal(r.calls, 1); /* the hook is gone for the second one */
    assert_int_equal(tr_misuse_count(), before + 2);
    tr_lock_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_lock_is_unlocked),
        cmocka_unit_test(test_free_null_is_a_no_op),
        cmocka_unit_test(test_free_while_held_is_allowed),
        cmocka_unit_test(test_acquire_release),
        cmocka_unit_test(test_try_acquire_on_free_lock_succeeds),
        cmocka_unit_test(test_try_acquire_by_holder_times_out_without_error),
        cmocka_unit_test(test_release_unlocked_lock_is_runtime_error),
        cmocka_unit_test(test_release_after_balanced_use_is_runtime_error),
        cmocka_unit_test(test_different_thread_may_release),
        cmocka_unit_test(test_try_acquire_contended_from_another_thread_times_out),
        cmocka_unit_test(test_acquire_contended_5_threads_finish_only_after_release),
        cmocka_unit_test(test_holder_reacquire_blocks_until_another_thread_releases),
        cmocka_unit_test(test_15_threads_acquire_and_release_then_all_end),
        cmocka_unit_test(test_acquire_arguments_follow_python_rows),
        cmocka_unit_test(test_free_lock_with_timeout_5_is_acquired_at_once),
        cmocka_unit_test(test_contended_timed_acquire_times_out_after_about_the_timeout),
        cmocka_unit_test(test_contended_zero_timeout_times_out_at_once),
        cmocka_unit_test(test_state_after_timeout_is_consistent),
        cmocka_unit_test(test_misuse_hook_receives_status_text_and_call_site),
        cmocka_unit_test(test_argument_misuse_reports_the_call_site_too),
        cmocka_unit_test(test_call_by_address_reports_no_site),
        cmocka_unit_test(test_misuse_count_counts_each_misuse_and_nothing_else),
        cmocka_unit_test(test_misuse_is_counted_while_a_hook_is_installed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
