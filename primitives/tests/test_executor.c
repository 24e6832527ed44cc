/* test_executor.c — ThreadPoolExecutor (PYTHON_SEMANTICS.md §8, pools). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <trama/trama.h>
#include <unistd.h>

#include "futures.h"
#include "gate.h"

static tr_status square(void *arg, void **result)
{
    intptr_t x = (intptr_t)arg;
    *result = (void *)(x * x);
    return TR_OK;
}

static tr_status thread_name_task(void *arg, void **result)
{
    gate *g = arg;
    *result = strdup(tr_thread_name(tr_current_thread()));
    if (g)
        gate_pass(g);
    return TR_OK;
}

static tr_executor *pool(int max_workers)
{
    tr_pool_opts o = {.max_workers = max_workers};
    tr_executor *ex = tr_thread_pool_new(&o);
    assert_non_null(ex);
    return ex;
}

static void test_negative_max_workers_is_value_error(void **state)
{
    (void)state;
    tr_pool_opts o = {.max_workers = -1};
    assert_null(tr_thread_pool_new(&o));
    assert_string_equal(tr_last_error(), "max_workers must be greater than 0");
}

static void test_default_max_workers_is_cpus_plus_four_at_most_32(void **state)
{
    (void)state;
    int cpus = tr__process_cpu_count(), expected = cpus + 4 < 32 ? cpus + 4 : 32;
    gate g = GATE_INIT;
    tr_executor *ex = tr_thread_pool_new(NULL);
    tr_future *fs[40];
    for (int i = 0; i < 40; i++)
        fs[i] = tr_executor_submit(ex, gated_task, &g);
    gate_wait_started(&g, expected);
    assert_int_equal(tr__thread_pool_workers(ex), expected);
    gate_open(&g);
    for (int i = 0; i < 40; i++)
        tr_future_free(fs[i]);
    tr_executor_free(ex);
}

static void test_submit_after_shutdown_is_runtime_error(void **state)
{
    (void)state;
    tr_executor *ex = pool(2);
    assert_int_equal(tr_executor_shutdown(ex, true, false), TR_OK);
    unsigned long misuse = tr_misuse_count();
    assert_null(tr_executor_submit(ex, square, (void *)3));
    assert_string_equal(tr_last_error(), "cannot schedule new futures after shutdown");
    assert_int_equal(tr_misuse_count(), misuse + 1);
    tr_executor_free(ex);
}

static void test_shutdown_twice_is_harmless(void **state)
{
    (void)state;
    tr_executor *ex = pool(2);
    tr_future *f = tr_executor_submit(ex, square, (void *)3);
    assert_int_equal(tr_executor_shutdown(ex, true, false), TR_OK);
    assert_int_equal(tr_executor_shutdown(ex, true, true), TR_OK);
    assert_int_equal(tr_executor_shutdown(ex, false, false), TR_OK);
    void *r;
    assert_int_equal(tr_future_result(f, 0, &r), TR_OK);
    assert_int_equal((intptr_t)r, 9);
    tr_future_free(f);
    tr_executor_free(ex);
}

static bool failing_initializer(void *arg)
{
    atomic_fetch_add((atomic_int *)arg, 1);
    return false;
}

static const char broken_text[] =
    "A thread initializer failed, the thread pool is not usable anymore";

static void test_failing_initializer_breaks_pending_futures_and_later_submits(void **state)
{
    (void)state;
    atomic_int calls = 0;
    tr_pool_opts o = {.max_workers = 1, .checked_initializer = failing_initializer,
                      .initarg = &calls};
    tr_executor *ex = tr_thread_pool_new(&o);
    tr_future *f = tr_executor_submit(ex, square, (void *)2);
    assert_non_null(f);
    void *r = (void *)1;
    assert_int_equal(tr_future_result(f, TR_FOREVER, &r), TR_BROKEN);
    assert_string_equal(tr_last_error(), broken_text);
    assert_null(r);
    assert_true(tr_future_done(f));
    assert_null(tr_executor_submit(ex, square, (void *)2));
    assert_string_equal(tr_last_error(), broken_text);
    assert_int_equal(atomic_load(&calls), 1);
    tr_future_free(f);
    tr_executor_free(ex);
}

static void test_broken_is_checked_before_shutdown(void **state)
{
    (void)state;
    atomic_int calls = 0;
    tr_pool_opts o = {.max_workers = 1, .checked_initializer = failing_initializer,
                      .initarg = &calls};
    tr_executor *ex = tr_thread_pool_new(&o);
    tr_future *f = tr_executor_submit(ex, square, (void *)2);
    assert_int_equal(tr_future_result(f, TR_FOREVER, NULL), TR_BROKEN);
    assert_int_equal(tr_executor_shutdown(ex, true, false), TR_OK);
    assert_null(tr_executor_submit(ex, square, (void *)2));
    assert_string_equal(tr_last_error(), broken_text);
    tr_future_free(f);
    tr_executor_free(ex);
}

static void count_call(void *arg) { atomic_fetch_add((atomic_int *)arg, 1); }

static void test_initializer_runs_once_in_each_worker(void **state)
{
    (void)state;
    atomic_int calls = 0;
    gate g = GATE_INIT;
    tr_pool_opts o = {.max_workers = 3, .initializer = count_call, .initarg = &calls};
    tr_executor *ex = tr_thread_pool_new(&o);
    tr_future *fs[3];
    for (int i = 0; i < 3; i++)
        fs[i] = tr_executor_submit(ex, gated_task, &g);
    gate_wait_started(&g, 3);
    gate_open(&g);
    tr_executor_shutdown(ex, true, false);
    assert_int_equal(atomic_load(&calls), 3);
    for (int i = 0; i < 3; i++)
        tr_future_free(fs[i]);
    tr_executor_free(ex);
}

static void test_thousand_tasks_through_four_workers_all_return_their_result(void **state)
{
    (void)state;
    enum { N = 1000 };
    tr_executor *ex = pool(4);
    tr_future **fs = calloc(N, sizeof *fs);
    for (intptr_t i = 0; i < N; i++)
        assert_non_null(fs[i] = tr_executor_submit(ex, square, (void *)i));
    for (intptr_t i = 0; i < N; i++) {
        void *r;
        assert_int_equal(tr_future_result(fs[i], 30.0, &r), TR_OK);
        assert_int_equal((intptr_t)r, i * i);
        tr_future_free(fs[i]);
    }
    assert_in_range(tr__thread_pool_workers(ex), 1, 4);
    free(fs);
    tr_executor_free(ex);
}

static void assert_names(tr_executor *ex, int n, const char *prefix)
{
    gate g = GATE_INIT;
    tr_future *fs[8];
    for (int i = 0; i < n; i++)
        fs[i] = tr_executor_submit(ex, thread_name_task, &g);
    gate_wait_started(&g, n);
    gate_open(&g);
    bool seen[8] = {false};
    for (int i = 0; i < n; i++) {
        void *r;
        assert_int_equal(tr_future_result(fs[i], 30.0, &r), TR_OK);
        char expected[128];
        int k;
        for (k = 0; k < n; k++) {
            snprintf(expected, sizeof expected, "%s_%d", prefix, k);
            if (strcmp(r, expected) == 0)
                break;
        }
        assert_in_range(k, 0, n - 1);
        assert_false(seen[k]);
        seen[k] = true;
        free(r);
        tr_future_free(fs[i]);
    }
}

static void test_workers_are_named_threadpoolexecutor_k_i_from_zero(void **state)
{
    (void)state;
    long k = atomic_load(&tr__names.pool);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "ThreadPoolExecutor-%ld", k);
    tr_executor *ex = pool(3);
    assert_names(ex, 3, prefix);
    tr_executor_free(ex);
    tr_executor *next = pool(1);
    snprintf(prefix, sizeof prefix, "ThreadPoolExecutor-%ld", k + 1);
    assert_names(next, 1, prefix);
    tr_executor_free(next);
}

static void test_workers_take_the_prefix_and_a_prefix_takes_no_number(void **state)
{
    (void)state;
    long k = atomic_load(&tr__names.pool);
    tr_pool_opts o = {.max_workers = 2, .thread_name_prefix = "io"};
    tr_executor *ex = tr_thread_pool_new(&o);
    assert_names(ex, 2, "io");
    assert_int_equal(atomic_load(&tr__names.pool), k);
    tr_executor_free(ex);
}

static void test_empty_prefix_takes_the_default_name(void **state)
{
    (void)state;
    long k = atomic_load(&tr__names.pool);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "ThreadPoolExecutor-%ld", k);
    tr_pool_opts o = {.max_workers = 1, .thread_name_prefix = ""};
    tr_executor *ex = tr_thread_pool_new(&o);
    assert_names(ex, 1, prefix);
    tr_executor_free(ex);
}

static void test_idle_worker_is_reused_instead_of_starting_another(void **state)
{
    (void)state;
    tr_executor *ex = pool(4);
    assert_int_equal(tr__thread_pool_workers(ex), 0); /* lazily: none before a submit */
    for (intptr_t i = 0; i < 20; i++) {
        tr_future *f = tr_executor_submit(ex, square, (void *)i);
        assert_int_equal(tr_future_result(f, 30.0, NULL), TR_OK);
        tr_future_free(f);
    }
    assert_int_equal(tr__thread_pool_workers(ex), 1);
    tr_executor_free(ex);
}

static void test_busy_workers_start_new_ones_up_to_max(void **state)
{
    (void)state;
    gate g = GATE_INIT;
    tr_executor *ex = pool(3);
    tr_future *fs[6];
    for (int i = 0; i < 6; i++)
        fs[i] = tr_executor_submit(ex, gated_task, &g);
    gate_wait_started(&g, 3);
    assert_int_equal(tr__thread_pool_workers(ex), 3);
    assert_int_equal(gate_started(&g), 3);
    gate_open(&g);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(tr_future_result(fs[i], 30.0, NULL), TR_OK);
        tr_future_free(fs[i]);
    }
    tr_executor_free(ex);
}

static void test_shutdown_cancel_futures_cancels_exactly_the_queued_ones(void **state)
{
    (void)state;
    gate g = GATE_INIT;
    tr_executor *ex = pool(2);
    tr_future *fs[5];
    for (int i = 0; i < 5; i++)
        fs[i] = tr_executor_submit(ex, gated_task, &g);
    gate_wait_started(&g, 2); /* fs[0], fs[1] run; fs[2..4] are queued */
    assert_int_equal(tr_executor_shutdown(ex, false, true), TR_OK);
    for (int i = 0; i < 5; i++)
        assert_int_equal(tr_future_cancelled(fs[i]), i >= 2);
    assert_true(tr_future_running(fs[0]));
    assert_true(tr_future_running(fs[1]));
    gate_open(&g);
    assert_int_equal(tr_executor_shutdown(ex, true, false), TR_OK);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(tr_future_result(fs[i], 0, NULL), i >= 2 ? TR_CANCELLED : TR_OK);
        tr_future_free(fs[i]);
    }
    assert_int_equal(gate_started(&g), 2);
    tr_executor_free(ex);
}

static void test_shutdown_without_cancel_runs_the_queued_work(void **state)
{
    (void)state;
    gate g = GATE_INIT;
    tr_executor *ex = pool(1);
    tr_future *fs[4];
    for (int i = 0; i < 4; i++)
        fs[i] = tr_executor_submit(ex, gated_task, &g);
    gate_wait_started(&g, 1);
    gate_open(&g);
    assert_int_equal(tr_executor_shutdown(ex, true, false), TR_OK);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(tr_future_result(fs[i], 0, NULL), TR_OK);
        tr_future_free(fs[i]);
    }
    tr_executor_free(ex);
}

static int plain_counter; /* a plain variable: TSan checks the pool's happens-before edges */

static tr_status bump(void *arg, void **result)
{
    (void)arg, (void)result;
    plain_counter++;
    return TR_OK;
}

static void test_shutdown_wait_returns_after_every_worker_finished(void **state)
{
    (void)state;
    tr_executor *ex = pool(1); /* one worker: the tasks run one after another */
    plain_counter = 0;         /* submit -> task start */
    tr_future *fs[10];
    for (int i = 0; i < 10; i++)
        fs[i] = tr_executor_submit(ex, bump, NULL);
    assert_int_equal(tr_executor_shutdown(ex, true, false), TR_OK);
    assert_int_equal(plain_counter, 10); /* every worker's last step -> shutdown returns */
    for (int i = 0; i < 10; i++)
        tr_future_free(fs[i]);
    tr_executor_free(ex);
}

static void test_free_shuts_down_and_waits_for_the_work(void **state)
{
    (void)state;
    tr_executor *ex = pool(2);
    plain_counter = 0;
    tr_future *f = tr_executor_submit(ex, bump, NULL);
    tr_executor_free(ex);
    assert_int_equal(plain_counter, 1);
    assert_true(tr_future_done(f));
    tr_future_free(f);
}

static void test_future_may_be_freed_before_its_task_runs(void **state)
{
    (void)state;
    gate g = GATE_INIT;
    tr_executor *ex = pool(1);
    tr_future *f = tr_executor_submit(ex, gated_task, &g);
    tr_future *queued = tr_executor_submit(ex, square, (void *)4);
    tr_future_free(queued);
    gate_wait_started(&g, 1);
    tr_future_free(f);
    gate_open(&g);
    tr_executor_free(ex);
}

static tr_status release_unlocked(void *arg, void **result)
{
    (void)result;
    return tr_lock_release(arg);
}

static void test_failing_task_gives_task_failed_with_its_text(void **state)
{
    (void)state;
    tr_lock *l = tr_lock_new();
    tr_executor *ex = pool(1);
    tr_future *f = tr_executor_submit(ex, release_unlocked, l);
    void *r = (void *)1;
    assert_int_equal(tr_future_result(f, 30.0, &r), TR_TASK_FAILED);
    assert_string_equal(tr_last_error(), "release unlocked lock");
    assert_null(r);
    assert_int_equal(tr_future_result(f, 30.0, &r), TR_TASK_FAILED); /* again, same */
    tr_future_free(f);
    tr_executor_free(ex);
    tr_lock_free(l);
}

static tr_status submit_from_task(void *arg, void **result)
{
    tr_future *f = tr_executor_submit(arg, square, (void *)5);
    tr_status s = tr_future_result(f, 30.0, result);
    tr_future_free(f);
    return s;
}

static void test_task_may_submit_to_its_own_pool(void **state)
{
    (void)state;
    tr_executor *ex = pool(2);
    tr_future *f = tr_executor_submit(ex, submit_from_task, ex);
    void *r;
    assert_int_equal(tr_future_result(f, 30.0, &r), TR_OK);
    assert_int_equal((intptr_t)r, 25);
    tr_future_free(f);
    tr_executor_free(ex);
}

static void test_submit_bytes_to_a_thread_pool_is_value_error(void **state)
{
    (void)state;
    tr_executor *ex = pool(1);
    assert_null(tr_executor_submit_bytes(ex, NULL, "x", 1));
    assert_string_equal(tr_last_error(),
                        "a thread pool runs tr_task functions: use tr_executor_submit");
    tr_executor_free(ex);
}

static void test_free_null_is_a_no_op(void **state)
{
    (void)state;
    tr_executor_free(NULL);
    tr_future_free(NULL);
}

/* A done callback run by the worker that completed the future shuts its own pool down
 * with wait=true: Python's join of the current thread raises, after the shutdown took
 * effect (checked against CPython 3.13: RuntimeError('cannot join current thread')). */
typedef struct self_shutdown {
    tr_executor *ex;
    tr_status status;
    char text[64];
    bool in_worker;
    tr_semaphore *done;
} self_shutdown;

static void shutdown_own_pool(tr_future *f, void *arg)
{
    (void)f;
    self_shutdown *s = arg;
    s->in_worker = strncmp(tr_thread_name(tr_current_thread()), "ThreadPoolExecutor-", 19) == 0;
    s->status = tr_executor_shutdown(s->ex, true, false);
    snprintf(s->text, sizeof s->text, "%s", tr_last_error());
    tr_semaphore_release(s->done, 1);
}

static void test_shutdown_wait_from_a_workers_callback_is_runtime_error(void **state)
{
    (void)state;
    gate g = GATE_INIT;
    self_shutdown s = {.ex = pool(2), .done = tr_semaphore_new(0)};
    tr_future *f = tr_executor_submit(s.ex, gated_task, &g);
    gate_wait_started(&g, 1);
    assert_int_equal(tr_future_add_done_callback(f, shutdown_own_pool, &s), TR_OK);
    gate_open(&g); /* the worker completes f and runs the callback */
    assert_int_equal(tr_semaphore_acquire(s.done, true, 60), TR_OK);
    assert_true(s.in_worker);
    assert_int_equal(s.status, TR_RUNTIME_ERROR);
    assert_string_equal(s.text, "cannot join current thread");
    assert_null(tr_executor_submit(s.ex, square, (void *)2)); /* the shutdown took effect */
    assert_string_equal(tr_last_error(), "cannot schedule new futures after shutdown");
    tr_future_free(f);
    tr_executor_free(s.ex);
    tr_semaphore_free(s.done);
}

/* ---- interpreter exit ----------------------------------------------------------------- */

/* tr_threading_shutdown is for good (new work is refused from then on): it runs in a
 * forked child, which names its first failed check and returns 1, or returns 0. */
#define CHILD_EXPECT(cond)                                                                       \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            fprintf(stderr, "test_executor.c:%d: %s failed in the child\n", __LINE__, #cond);    \
            return 1;                                                                            \
        }                                                                                        \
    } while (0)

static int exit_scenario(void)
{
    tr_executor *busy = tr_thread_pool_new(&(tr_pool_opts){.max_workers = 1});
    tr_executor *idle = tr_thread_pool_new(NULL);
    tr_future *fs[5];
    for (intptr_t i = 0; i < 5; i++)
        CHILD_EXPECT((fs[i] = tr_executor_submit(busy, square, (void *)i)) != NULL);
    /* the worker is a non-daemon thread: without Python's _python_exit this waits forever */
    CHILD_EXPECT(tr_threading_shutdown() == TR_OK);
    for (intptr_t i = 0; i < 5; i++) { /* the queued work ran */
        void *v;
        CHILD_EXPECT(tr_future_result(fs[i], 0, &v) == TR_OK && (intptr_t)v == i * i);
        tr_future_free(fs[i]);
    }
    CHILD_EXPECT(tr_executor_submit(busy, square, (void *)1) == NULL);
    CHILD_EXPECT(strcmp(tr_last_error(), "cannot schedule new futures after shutdown") == 0);
    CHILD_EXPECT(tr_executor_submit(idle, square, (void *)1) == NULL);
    CHILD_EXPECT(strcmp(tr_last_error(),
                        "cannot schedule new futures after interpreter shutdown") == 0);
    tr_executor *late = tr_thread_pool_new(NULL);
    CHILD_EXPECT(tr_executor_submit(late, square, (void *)1) == NULL);
    CHILD_EXPECT(strcmp(tr_last_error(),
                        "cannot schedule new futures after interpreter shutdown") == 0);
    tr_executor_free(late);
    tr_executor_free(idle);
    tr_executor_free(busy);
    return 0;
}

/* Threads in this process (/proc/self/status), ThreadSanitizer's own one included. */
static int thread_count(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[128];
    int n = -1;
    while (f && fgets(line, sizeof line, f) && sscanf(line, "Threads: %d", &n) != 1)
        ;
    if (f)
        fclose(f);
    return n;
}

/* Before any test started a thread. ThreadSanitizer adds its own background thread at
 * the first pthread_create and keeps it. */
static int threads_at_start;
#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifdef UNDER_TSAN
enum { SANITIZER_THREADS = 1 };
#else
enum { SANITIZER_THREADS = 0 };
#endif

static void test_threading_shutdown_finishes_the_pools_then_refuses_work(void **state)
{
    (void)state;
    /* Earlier tests' workers are joined, but their detached host threads may still be
     * leaving. Forked while one exists, the child is the fork of a threaded process, in
     * which ThreadSanitizer refuses to start threads ("starting new threads after
     * multi-threaded fork is not supported"): wait until they are gone (the count, with
     * a deadline that only a hang reaches). */
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        sched_yield();
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (thread_count() > threads_at_start + SANITIZER_THREADS &&
             now.tv_sec - t0.tv_sec < 60);
    assert_in_range(thread_count(), 1, threads_at_start + SANITIZER_THREADS);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(exit_scenario());
    int status = 0;
    for (int waited_ms = 0; waitpid(pid, &status, WNOHANG) == 0; waited_ms += 10) {
        if (waited_ms > 60000) { /* a deadline, not an ordering */
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fail_msg("the child hung in tr_threading_shutdown");
        }
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0); /* the child printed what failed */
}

int main(void)
{
    threads_at_start = thread_count();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_negative_max_workers_is_value_error),
        cmocka_unit_test(test_default_max_workers_is_cpus_plus_four_at_most_32),
        cmocka_unit_test(test_submit_after_shutdown_is_runtime_error),
        cmocka_unit_test(test_shutdown_twice_is_harmless),
        cmocka_unit_test(test_failing_initializer_breaks_pending_futures_and_later_submits),
        cmocka_unit_test(test_broken_is_checked_before_shutdown),
        cmocka_unit_test(test_initializer_runs_once_in_each_worker),
        cmocka_unit_test(test_thousand_tasks_through_four_workers_all_return_their_result),
        cmocka_unit_test(test_workers_are_named_threadpoolexecutor_k_i_from_zero),
        cmocka_unit_test(test_workers_take_the_prefix_and_a_prefix_takes_no_number),
        cmocka_unit_test(test_empty_prefix_takes_the_default_name),
        cmocka_unit_test(test_idle_worker_is_reused_instead_of_starting_another),
        cmocka_unit_test(test_busy_workers_start_new_ones_up_to_max),
        cmocka_unit_test(test_shutdown_cancel_futures_cancels_exactly_the_queued_ones),
        cmocka_unit_test(test_shutdown_without_cancel_runs_the_queued_work),
        cmocka_unit_test(test_shutdown_wait_returns_after_every_worker_finished),
        cmocka_unit_test(test_shutdown_wait_from_a_workers_callback_is_runtime_error),
        cmocka_unit_test(test_threading_shutdown_finishes_the_pools_then_refuses_work),
        cmocka_unit_test(test_free_shuts_down_and_waits_for_the_work),
        cmocka_unit_test(test_future_may_be_freed_before_its_task_runs),
        cmocka_unit_test(test_failing_task_gives_task_failed_with_its_text),
        cmocka_unit_test(test_task_may_submit_to_its_own_pool),
        cmocka_unit_test(test_submit_bytes_to_a_thread_pool_is_value_error),
        cmocka_unit_test(test_free_null_is_a_no_op),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
