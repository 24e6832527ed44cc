/* test_process_pool.c — ProcessPoolExecutor (PYTHON_SEMANTICS.md §8, process pools). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <trama/trama.h>
#include <unistd.h>

#include "futures.h"

static int open_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

static void assert_no_children_left(void)
{
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
}

static tr_status reverse(const tr_bytes *arg, tr_bytes *result)
{
    const char *in = arg->data;
    char *out = malloc(arg->len ? arg->len : 1);
    for (size_t i = 0; i < arg->len; i++)
        out[i] = in[arg->len - 1 - i];
    result->data = out;
    result->len = arg->len;
    return TR_OK;
}

static tr_status pid_task(const tr_bytes *arg, tr_bytes *result)
{
    (void)arg;
    pid_t *pid = malloc(sizeof *pid);
    *pid = getpid();
    result->data = pid;
    result->len = sizeof *pid;
    return TR_OK;
}

static tr_status die(const tr_bytes *arg, tr_bytes *result)
{
    (void)arg, (void)result;
    kill(getpid(), SIGKILL);
    return TR_OK;
}

static tr_status release_fresh_lock(const tr_bytes *arg, tr_bytes *result)
{
    (void)arg, (void)result;
    tr_lock *l = tr_lock_new();
    tr_status s = tr_lock_release(l);
    tr_lock_free(l);
    return s;
}

/* A gate a pool task waits at until the test opens it: a FIFO the task opens by name, so
 * the child needs no descriptor of the test's. The test's end is open for reading and
 * writing (Linux), so neither side blocks in open() whenever the child gets there. */
enum { FIFO_GATE_PATH = 48 };

typedef struct fifo_gate {
    char dir[32];
    char path[FIFO_GATE_PATH];
    int fd;
} fifo_gate;

/* Setup and teardown: the teardown runs after a failed test too, so no FIFO is left. */
static int fifo_gate_make(void **state)
{
    fifo_gate *g = calloc(1, sizeof *g);
    assert_non_null(g);
    snprintf(g->dir, sizeof g->dir, "/tmp/trama-gate-XXXXXX");
    assert_non_null(mkdtemp(g->dir));
    snprintf(g->path, sizeof g->path, "%s/fifo", g->dir);
    assert_int_equal(mkfifo(g->path, 0600), 0);
    g->fd = open(g->path, O_RDWR);
    assert_true(g->fd >= 0);
    *state = g;
    return 0;
}

static int fifo_gate_remove(void **state)
{
    fifo_gate *g = *state;
    close(g->fd);
    int failed = unlink(g->path) != 0 || rmdir(g->dir) != 0;
    free(g);
    return failed;
}

static void fifo_gate_open(fifo_gate *g) { assert_int_equal(write(g->fd, "x", 1), 1); }

/* In the child: the gate's path is the task's argument. False when it cannot wait. */
static bool fifo_gate_pass(const tr_bytes *arg)
{
    char path[FIFO_GATE_PATH];
    char c;
    ssize_t n = -1;
    if (arg->len >= sizeof path)
        return false;
    memcpy(path, arg->data, arg->len);
    path[arg->len] = '\0';
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return false;
    while ((n = read(fd, &c, 1)) < 0 && errno == EINTR)
        ;
    close(fd);
    return n == 1;
}

static tr_status read_a_byte(const tr_bytes *arg, tr_bytes *result)
{
    result->data = NULL;
    result->len = 0;
    return fifo_gate_pass(arg) ? TR_OK : TR_OS_ERROR;
}

static tr_status die_at_the_gate(const tr_bytes *arg, tr_bytes *result)
{
    (void)result;
    if (!fifo_gate_pass(arg))
        return TR_OS_ERROR;
    kill(getpid(), SIGKILL);
    return TR_OK;
}

static tr_future *submit_gated(tr_executor *ex, tr_bytes_task fn, const fifo_gate *g)
{
    tr_future *f = tr_executor_submit_bytes(ex, fn, g->path, strlen(g->path));
    assert_non_null(f);
    return f;
}

static tr_executor *pool(int max_workers)
{
    tr_pool_opts o = {.max_workers = max_workers};
    tr_executor *ex = tr_process_pool_new(&o);
    assert_non_null(ex);
    return ex;
}

static const char submit_broken[] =
    "A child process terminated abruptly, the process pool is not usable anymore";
static const char future_broken[] = "A process in the process pool was terminated abruptly "
                                    "while the future was running or pending.";

static void test_negative_max_workers_is_value_error(void **state)
{
    (void)state;
    tr_pool_opts o = {.max_workers = -3};
    assert_null(tr_process_pool_new(&o));
    assert_string_equal(tr_last_error(), "max_workers must be greater than 0");
}

static void test_task_gets_bytes_and_returns_bytes(void **state)
{
    (void)state;
    tr_executor *ex = pool(2);
    tr_future *f = tr_executor_submit_bytes(ex, reverse, "trama", 5);
    tr_bytes r = {NULL, 0};
    assert_int_equal(tr_future_result_bytes(f, 30.0, &r), TR_OK);
    assert_int_equal(r.len, 5);
    assert_memory_equal(r.data, "amart", 5);
    free(r.data);
    tr_future_free(f);
    tr_executor_free(ex);
}

static void test_empty_argument_and_result_travel(void **state)
{
    (void)state;
    tr_executor *ex = pool(1);
    tr_future *f = tr_executor_submit_bytes(ex, reverse, NULL, 0);
    tr_bytes r = {NULL, 99};
    assert_int_equal(tr_future_result_bytes(f, 30.0, &r), TR_OK);
    assert_int_equal(r.len, 0);
    free(r.data);
    tr_future_free(f);
    tr_executor_free(ex);
}

static void test_tasks_run_in_other_processes_and_results_match(void **state)
{
    (void)state;
    enum { N = 200 };
    tr_executor *ex = pool(2);
    tr_future *fs[N];
    char args[N][16];
    for (int i = 0; i < N; i++) {
        int len = snprintf(args[i], sizeof args[i], "task-%d", i);
        fs[i] = tr_executor_submit_bytes(ex, reverse, args[i], (size_t)len);
    }
    for (int i = 0; i < N; i++) {
        tr_bytes r;
        size_t len = strlen(args[i]);
        assert_int_equal(tr_future_result_bytes(fs[i], 30.0, &r), TR_OK);
        assert_int_equal(r.len, len);
        for (size_t k = 0; k < len; k++)
            assert_int_equal(((char *)r.data)[k], args[i][len - 1 - k]);
        free(r.data);
        tr_future_free(fs[i]);
    }
    tr_future *p = tr_executor_submit_bytes(ex, pid_task, NULL, 0);
    tr_bytes r;
    assert_int_equal(tr_future_result_bytes(p, 30.0, &r), TR_OK);
    assert_int_not_equal(*(pid_t *)r.data, getpid());
    free(r.data);
    tr_future_free(p);
    tr_executor_free(ex);
}

static void test_large_argument_and_result_travel_whole(void **state)
{
    (void)state;
    enum { LEN = 1 << 20 };
    char *big = malloc(LEN);
    for (int i = 0; i < LEN; i++)
        big[i] = (char)(i * 7);
    tr_executor *ex = pool(1);
    tr_future *f = tr_executor_submit_bytes(ex, reverse, big, LEN);
    tr_bytes r;
    assert_int_equal(tr_future_result_bytes(f, 30.0, &r), TR_OK);
    assert_int_equal(r.len, LEN);
    assert_int_equal(((char *)r.data)[0], big[LEN - 1]);
    assert_int_equal(((char *)r.data)[LEN - 1], big[0]);
    free(r.data);
    free(big);
    tr_future_free(f);
    tr_executor_free(ex);
}

static void test_failing_task_gives_task_failed_with_its_text(void **state)
{
    (void)state;
    tr_executor *ex = pool(1);
    tr_future *f = tr_executor_submit_bytes(ex, release_fresh_lock, NULL, 0);
    tr_bytes r = {(void *)1, 1};
    assert_int_equal(tr_future_result_bytes(f, 30.0, &r), TR_TASK_FAILED);
    assert_string_equal(tr_last_error(), "release unlocked lock");
    assert_null(r.data);
    tr_future_free(f);
    tr_executor_free(ex);
}

static void test_killed_worker_breaks_running_and_pending_futures_and_the_pool(void **state)
{
    fifo_gate *g = *state;
    tr_executor *ex = pool(1);
    tr_future *fs[3];
    /* The child dies only once the other two are queued: were it gone first, their
     * submits would fail with the pool's text, as in Python. */
    fs[0] = submit_gated(ex, die_at_the_gate, g);
    fs[1] = tr_executor_submit_bytes(ex, reverse, "ab", 2);
    fs[2] = tr_executor_submit_bytes(ex, reverse, "cd", 2);
    assert_non_null(fs[1]);
    assert_non_null(fs[2]);
    fifo_gate_open(g);
    for (int i = 0; i < 3; i++) {
        tr_bytes r;
        assert_int_equal(tr_future_result_bytes(fs[i], 30.0, &r), TR_BROKEN);
        assert_string_equal(tr_last_error(), future_broken);
        tr_future_free(fs[i]);
    }
    assert_null(tr_executor_submit_bytes(ex, reverse, "x", 1));
    assert_string_equal(tr_last_error(), submit_broken);
    tr_executor_free(ex);
    assert_no_children_left();
}

static void test_killed_worker_takes_the_other_workers_down(void **state)
{
    (void)state;
    tr_executor *ex = pool(3);
    tr_future *ok = tr_executor_submit_bytes(ex, reverse, "ab", 2);
    assert_int_equal(tr_future_result_bytes(ok, 30.0, NULL), TR_OK);
    tr_future *f = tr_executor_submit_bytes(ex, die, NULL, 0);
    assert_int_equal(tr_future_result_bytes(f, 30.0, NULL), TR_BROKEN);
    assert_int_equal(tr_executor_shutdown(ex, true, false), TR_OK);
    assert_no_children_left(); /* every child killed or told to exit, and reaped */
    tr_future_free(ok);
    tr_future_free(f);
    tr_executor_free(ex);
}

static bool failing_initializer(void *arg)
{
    (void)arg;
    return false;
}

static void test_failing_initializer_breaks_the_pool(void **state)
{
    (void)state;
    tr_pool_opts o = {.max_workers = 2, .checked_initializer = failing_initializer};
    tr_executor *ex = tr_process_pool_new(&o);
    tr_future *f = tr_executor_submit_bytes(ex, reverse, "ab", 2);
    assert_int_equal(tr_future_result_bytes(f, 30.0, NULL), TR_BROKEN);
    assert_string_equal(tr_last_error(), future_broken);
    assert_null(tr_executor_submit_bytes(ex, reverse, "x", 1));
    assert_string_equal(tr_last_error(), submit_broken);
    tr_future_free(f);
    tr_executor_free(ex);
    assert_no_children_left();
}

static void test_submit_after_shutdown_is_runtime_error(void **state)
{
    (void)state;
    tr_executor *ex = pool(1);
    assert_int_equal(tr_executor_shutdown(ex, true, false), TR_OK);
    assert_null(tr_executor_submit_bytes(ex, reverse, "x", 1));
    assert_string_equal(tr_last_error(), "cannot schedule new futures after shutdown");
    tr_executor_free(ex);
}

static void test_submit_of_a_pointer_task_is_value_error(void **state)
{
    (void)state;
    tr_executor *ex = pool(1);
    assert_null(tr_executor_submit(ex, NULL, NULL));
    assert_string_equal(
        tr_last_error(),
        "a process pool runs tr_bytes_task functions: use tr_executor_submit_bytes");
    tr_executor_free(ex);
}

static void test_default_max_workers_is_the_cpu_count(void **state)
{
    (void)state;
    tr_executor *ex = tr_process_pool_new(NULL);
    enum { N = 64 };
    tr_future *fs[N];
    for (int i = 0; i < N; i++)
        fs[i] = tr_executor_submit_bytes(ex, pid_task, NULL, 0);
    pid_t seen[N];
    int n_seen = 0;
    for (int i = 0; i < N; i++) {
        tr_bytes r;
        assert_int_equal(tr_future_result_bytes(fs[i], 30.0, &r), TR_OK);
        pid_t pid = *(pid_t *)r.data;
        free(r.data);
        int k = 0;
        while (k < n_seen && seen[k] != pid)
            k++;
        if (k == n_seen)
            seen[n_seen++] = pid;
        tr_future_free(fs[i]);
    }
    assert_in_range(n_seen, 1, tr__process_cpu_count());
    tr_executor_free(ex);
}

static void test_pools_leak_no_fds_and_leave_no_zombies(void **state)
{
    (void)state;
    int before = open_fds();
    for (int round = 0; round < 3; round++) {
        tr_executor *ex = pool(2);
        tr_future *f = tr_executor_submit_bytes(ex, reverse, "ab", 2);
        assert_int_equal(tr_future_result_bytes(f, 30.0, NULL), TR_OK);
        tr_future_free(f);
        tr_executor_free(ex);
    }
    tr_executor *broken = pool(2);
    tr_future *f = tr_executor_submit_bytes(broken, die, NULL, 0);
    assert_int_equal(tr_future_result_bytes(f, 30.0, NULL), TR_BROKEN);
    tr_future_free(f);
    tr_executor_free(broken);
    assert_int_equal(open_fds(), before);
    assert_no_children_left();
}

static void test_shutdown_cancel_futures_cancels_the_queued_ones(void **state)
{
    (void)state;
    tr_executor *ex = pool(1);
    tr_future *fs[20];
    for (int i = 0; i < 20; i++)
        fs[i] = tr_executor_submit_bytes(ex, reverse, "ab", 2);
    assert_int_equal(tr_executor_shutdown(ex, true, true), TR_OK);
    int cancelled = 0;
    for (int i = 0; i < 20; i++) {
        tr_status s = tr_future_result_bytes(fs[i], 0, NULL);
        assert_true(s == TR_OK || s == TR_CANCELLED);
        /* FIFO: once one is cancelled, every later one is */
        if (cancelled)
            assert_int_equal(s, TR_CANCELLED);
        cancelled += s == TR_CANCELLED;
        tr_future_free(fs[i]);
    }
    tr_executor_free(ex);
}

/* The same from a process pool's callback, run by the pool's thread that collected the
 * result (Python: its executor manager thread; RuntimeError('cannot join current
 * thread') on CPython 3.13). The task waits at a gate, so the callback is added while the
 * future is still running. */
typedef struct self_shutdown {
    tr_executor *ex;
    tr_status status;
    char text[64];
    bool in_caller;
    tr_semaphore *done;
} self_shutdown;

static void shutdown_own_pool(tr_future *f, void *arg)
{
    (void)f;
    self_shutdown *s = arg;
    s->status = tr_executor_shutdown(s->ex, true, false);
    snprintf(s->text, sizeof s->text, "%s", tr_last_error());
    s->in_caller = strcmp(tr_thread_name(tr_current_thread()), "MainThread") == 0;
    tr_semaphore_release(s->done, 1);
}

static void test_shutdown_wait_from_the_pools_callback_is_runtime_error(void **state)
{
    fifo_gate *g = *state;
    self_shutdown s = {.ex = pool(1), .done = tr_semaphore_new(0)};
    tr_future *f = submit_gated(s.ex, read_a_byte, g);
    assert_int_equal(tr_future_add_done_callback(f, shutdown_own_pool, &s), TR_OK);
    fifo_gate_open(g); /* only now can the task finish */
    assert_int_equal(tr_semaphore_acquire(s.done, true, 60), TR_OK);
    assert_int_equal(tr_future_result_bytes(f, 0, NULL), TR_OK); /* the task got the byte */
    assert_false(s.in_caller);
    assert_int_equal(s.status, TR_RUNTIME_ERROR);
    assert_string_equal(s.text, "cannot join current thread");
    assert_null(tr_executor_submit_bytes(s.ex, reverse, "ab", 2));
    assert_string_equal(tr_last_error(), "cannot schedule new futures after shutdown");
    tr_future_free(f);
    tr_executor_free(s.ex);
    tr_semaphore_free(s.done);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_negative_max_workers_is_value_error),
        cmocka_unit_test(test_task_gets_bytes_and_returns_bytes),
        cmocka_unit_test(test_empty_argument_and_result_travel),
        cmocka_unit_test(test_tasks_run_in_other_processes_and_results_match),
        cmocka_unit_test(test_large_argument_and_result_travel_whole),
        cmocka_unit_test(test_failing_task_gives_task_failed_with_its_text),
        cmocka_unit_test_setup_teardown(
            test_killed_worker_breaks_running_and_pending_futures_and_the_pool, fifo_gate_make,
            fifo_gate_remove),
        cmocka_unit_test(test_killed_worker_takes_the_other_workers_down),
        cmocka_unit_test(test_failing_initializer_breaks_the_pool),
        cmocka_unit_test(test_submit_after_shutdown_is_runtime_error),
        cmocka_unit_test(test_submit_of_a_pointer_task_is_value_error),
        cmocka_unit_test(test_default_max_workers_is_the_cpu_count),
        cmocka_unit_test(test_pools_leak_no_fds_and_leave_no_zombies),
        cmocka_unit_test(test_shutdown_cancel_futures_cancels_the_queued_ones),
        cmocka_unit_test_setup_teardown(test_shutdown_wait_from_the_pools_callback_is_runtime_error,
                                        fifo_gate_make, fifo_gate_remove),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
