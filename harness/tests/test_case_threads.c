/* test_case_threads.c — what a case thread keeps as its own under the controlled backend,
 * whichever kind of host runs it (fibers by default; TRAMA_THREADS=1, the pthread
 * reference, is the ctest test_case_threads_pthreads): its tr_last_error() text, errno
 * and tr_current_thread() survive every switch. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <trama/harness.h>

/* ---- thread-local state follows its case thread --------------------------------------- */

typedef struct own_state {
    const char *name;
    int err;
    int *shared;
    tr_lock *lock;
} own_state;

/* Sets its own last error (Python's exact text, different per thread) and errno, then
 * passes scheduling points, where the other threads run and set theirs. */
static void keep_own_state(void *arg)
{
    own_state *s = arg;
    if (s->err == EDOM)
        tr_lock_release(s->lock); /* RuntimeError "release unlocked lock" */
    else
        tr_lock_acquire(s->lock, false, 1.0); /* ValueError */
    const char *mine = s->err == EDOM ? "release unlocked lock"
                                      : "can't specify a timeout for a non-blocking call";
    errno = s->err;
    TR_STORE(*s->shared, TR_LOAD(*s->shared) + 1);
    TR_ASSERT_MSG(strcmp(tr_last_error(), mine) == 0, "%s sees last error \"%s\"", s->name,
                  tr_last_error());
    TR_ASSERT_MSG(errno == s->err, "%s sees errno %d", s->name, errno);
    TR_ASSERT(strcmp(tr_thread_name(tr_current_thread()), s->name) == 0);
}

TR_CASE(case_threads_keep_own_state, TR_PASS)
{
    int *shared = tr_case_alloc(sizeof *shared);
    tr_lock *lock = tr_lock_new();
    own_state a = {"a", EDOM, shared, lock}, b = {"b", ERANGE, shared, lock};
    tr_thread *ta = tr_thread_new(keep_own_state, &a, &(tr_thread_opts){.name = "a"});
    tr_thread *tb = tr_thread_new(keep_own_state, &b, &(tr_thread_opts){.name = "b"});
    tr_thread_join(ta, TR_FOREVER); /* RuntimeError: not started yet */
    errno = EINVAL;
    tr_thread_start(ta);
    tr_thread_start(tb);
    tr_thread_join(ta, TR_FOREVER);
    tr_thread_join(tb, TR_FOREVER);
    TR_ASSERT(strcmp(tr_last_error(), "cannot join thread before it is started") == 0);
    TR_ASSERT(errno == EINVAL);
    TR_ASSERT(strcmp(tr_thread_name(tr_current_thread()), "MainThread") == 0);
    tr_thread_free(ta);
    tr_thread_free(tb);
    tr_lock_free(lock);
}

static void test_last_error_errno_and_current_thread_follow_each_case_thread(void **state)
{
    (void)state;
    tr_explore_opts o;
    tr_explore_opts_init(&o);
    o.strategy = TR_STRATEGY_DFS; /* every interleaving, not one per trace */
    o.no_fork = true;
    o.max_executions = -1;
    tr_result r = tr_explore("case_threads_keep_own_state", &o);
    for (size_t i = 0; i < r.n_findings; i++)
        if (r.findings[i].kind == TR_ASSERTION)
            fail_msg("%s (schedule %s)", r.findings[i].message, r.findings[i].schedule);
    assert_true(r.complete);
    assert_true(r.executions > 100);
    /* exactly the misuse the threads commit on purpose, and the race of their unlocked
     * increments of *shared */
    assert_int_equal(r.found, (1u << TR_RUNTIME_ERROR_FOUND) | (1u << TR_VALUE_ERROR_FOUND) |
                                  (1u << TR_DATA_RACE));
    tr_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_last_error_errno_and_current_thread_follow_each_case_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
