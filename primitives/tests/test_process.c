/* test_process.c — multiprocessing.Process, fork start method (PYTHON_SEMANTICS.md §6).
 *
 * Every test runs between fixtures that check no descriptor leaked and no child process
 * is left (not even a zombie). Children never return into cmocka: a child's checks end it
 * with a status naming the failed line (CHILD_CHECK), and what a child observes comes
 * back through a Pipe. Nothing sleeps to order events: children that must stay alive
 * block on a pipe; a timing check only bounds a timeout. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "leaks.h"
#include <trama/trama.h>

#include "internal.h"

/* A child that crashes must die of its signal, not in ThreadSanitizer's handler. */
const char *__tsan_default_options(void);
const char *__tsan_default_options(void) { return "handle_segv=0"; }

/* ---- fixtures ------------------------------------------------------------------------- */

static int no_leaks_teardown(void **state)
{
    (void)state;
    tr__process_force_sentinel_pipe(false);
    return check_no_leaks();
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, fds_setup, no_leaks_teardown)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- targets -------------------------------------------------------------------------- */

static void do_nothing(void *arg) { (void)arg; }
static void exit_3(void *arg)
{
    (void)arg;
    exit(3);
}

static void crash(void *arg)
{
    (void)arg;
    signal(SIGSEGV, SIG_DFL); /* cmocka's handler was inherited: die, never longjmp */
    raise(SIGSEGV);
    _exit(0);
}

/* A child blocked on a pipe: alive until the parent closes `hold` or signals it. */
typedef struct blocked {
    tr_process *p;
    tr_connection *wait_end, *hold;
} blocked;

/* In the child: drops its copy of `hold`, then reads until the parent's copy closes. */
static void wait_for_eof(void *arg)
{
    blocked *b = arg;
    void *buf;
    size_t len;
    tr_connection_close(b->hold);
    while (tr_connection_recv(b->wait_end, &buf, &len) == TR_OK)
        free(buf);
}

static blocked start_blocked(bool daemon)
{
    static blocked b; /* the child reads its copy: the struct must outlive the call */
    assert_int_equal(tr_pipe(false, &b.wait_end, &b.hold), TR_OK);
    tr_process_opts opts = {NULL, daemon};
    b.p = tr_process_new(wait_for_eof, &b, &opts);
    assert_int_equal(tr_process_start(b.p), TR_OK);
    return b;
}

static void release_blocked(blocked *b)
{
    tr_connection_free(b->hold);
    assert_int_equal(tr_process_join(b->p, TR_FOREVER), TR_OK);
    tr_connection_free(b->wait_end);
    tr_process_free(b->p);
}

/* Runs fn(arg) in a child; returns the exitcode. */
static int run_child(tr_target fn, void *arg)
{
    tr_process *p = tr_process_new(fn, arg, NULL);
    assert_int_equal(tr_process_start(p), TR_OK);
    assert_int_equal(tr_process_join(p, TR_FOREVER), TR_OK);
    int code = tr_process_exitcode(p);
    tr_process_free(p);
    return code;
}

/* What a child saw: status and message of one call, sent as "Status:message". */
static void report(tr_connection *out, tr_status s)
{
    char text[300];
    snprintf(text, sizeof text, "%s:%s", tr_status_name(s), tr_last_error());
    CHILD_CHECK(tr_connection_send(out, text, strlen(text)) == TR_OK);
}

static void expect_report(tr_connection *in, const char *text)
{
    void *buf;
    size_t len;
    assert_int_equal(tr_connection_recv(in, &buf, &len), TR_OK);
    char got[300];
    snprintf(got, sizeof got, "%.*s", (int)len, (const char *)buf);
    assert_string_equal(got, text);
    free(buf);
}

/* ---- names and attributes ------------------------------------------------------------- */

static void test_default_names_count_every_process_object(void **state)
{
    (void)state;
    tr_process *a = tr_process_new(do_nothing, NULL, NULL);
    long n = 0;
    assert_int_equal(sscanf(tr_process_name(a), "Process-%ld", &n), 1);
    tr_process *b = tr_process_new(do_nothing, NULL, NULL); /* never started: still counts */
    tr_process *c = tr_process_new(do_nothing, NULL, NULL);
    char want[64];
    snprintf(want, sizeof want, "Process-%ld", n + 2);
    assert_string_equal(tr_process_name(c), want);
    tr_process_free(a);
    tr_process_free(b);
    tr_process_free(c);
}

static void test_name_given_in_opts_is_copied(void **state)
{
    (void)state;
    char name[] = "worker";
    tr_process_opts opts = {name, false};
    tr_process *p = tr_process_new(do_nothing, NULL, &opts);
    name[0] = 'X';
    assert_string_equal(tr_process_name(p), "worker");
    tr_process_free(p);
}

typedef struct child_io {
    tr_connection *out, *in;
    tr_process *other;
} child_io;

static void name_children(void *arg)
{
    child_io *io = arg;
    for (int i = 0; i < 2; i++) {
        tr_process *q = tr_process_new(do_nothing, NULL, NULL);
        CHILD_CHECK(tr_connection_send(io->out, tr_process_name(q),
                                       strlen(tr_process_name(q))) == TR_OK);
        tr_process_free(q);
    }
}

static void test_a_child_names_its_children_after_its_identity(void **state)
{
    (void)state;
    child_io io;
    assert_int_equal(tr_pipe(false, &io.in, &io.out), TR_OK);
    tr_process_opts opts = {"custom name", false}; /* the identity, not the name, counts */
    tr_process *p = tr_process_new(name_children, &io, &opts);
    tr_process *probe = tr_process_new(do_nothing, NULL, NULL);
    long n = 0;
    assert_int_equal(sscanf(tr_process_name(probe), "Process-%ld", &n), 1);
    assert_int_equal(tr_process_start(p), TR_OK);
    char want[64];
    snprintf(want, sizeof want, "Process-%ld:1", n - 1);
    expect_report(io.in, want);
    snprintf(want, sizeof want, "Process-%ld:2", n - 1);
    expect_report(io.in, want);
    assert_int_equal(tr_process_join(p, TR_FOREVER), TR_OK);
    assert_int_equal(tr_process_exitcode(p), 0);
    tr_process_free(p);
    tr_process_free(probe);
    tr_connection_free(io.in);
    tr_connection_free(io.out);
}

static void test_pid_is_zero_before_start_then_the_childs(void **state)
{
    (void)state;
    tr_process *p = tr_process_new(do_nothing, NULL, NULL);
    assert_int_equal(tr_process_pid(p), 0);
    assert_int_equal(tr_process_start(p), TR_OK);
    int pid = tr_process_pid(p);
    assert_true(pid > 0 && pid != getpid());
    assert_int_equal(tr_process_join(p, TR_FOREVER), TR_OK);
    assert_int_equal(tr_process_pid(p), pid);
    tr_process_free(p);
}

static void test_daemon_defaults_to_false_and_can_be_set_before_start(void **state)
{
    (void)state;
    tr_process *p = tr_process_new(do_nothing, NULL, NULL);
    assert_false(tr_process_daemon(p));
    assert_int_equal(tr_process_set_daemon(p, true), TR_OK);
    assert_true(tr_process_daemon(p));
    tr_process_free(p);
}

/* ---- exit codes ----------------------------------------------------------------------- */

static void test_exitcode_is_none_before_start(void **state)
{
    (void)state;
    tr_process *p = tr_process_new(do_nothing, NULL, NULL);
    assert_int_equal(tr_process_exitcode(p), TR_EXITCODE_NONE);
    assert_false(tr_process_is_alive(p));
    tr_process_free(p);
}

static void test_target_that_returns_exits_0(void **state)
{
    (void)state;
    assert_int_equal(run_child(do_nothing, NULL), 0);
}

static void test_target_that_calls_exit_3_has_exitcode_3(void **state)
{
    (void)state;
    assert_int_equal(run_child(exit_3, NULL), 3);
}

static void test_crashing_child_has_exitcode_minus_11(void **state)
{
    (void)state;
    assert_int_equal(run_child(crash, NULL), -SIGSEGV);
}

static void test_running_child_is_alive_with_no_exitcode(void **state)
{
    (void)state;
    blocked b = start_blocked(false);
    assert_true(tr_process_is_alive(b.p));
    assert_int_equal(tr_process_exitcode(b.p), TR_EXITCODE_NONE);
    release_blocked(&b);
}

static void test_ended_child_is_not_alive(void **state)
{
    (void)state;
    blocked b = start_blocked(false);
    tr_connection_free(b.hold);
    assert_int_equal(tr_process_join(b.p, TR_FOREVER), TR_OK);
    assert_false(tr_process_is_alive(b.p));
    assert_int_equal(tr_process_exitcode(b.p), 0);
    assert_int_equal(tr_process_join(b.p, TR_FOREVER), TR_OK); /* again: fine */
    assert_int_equal(tr_process_join(b.p, 0), TR_OK);
    tr_connection_free(b.wait_end);
    tr_process_free(b.p);
}

static void test_terminate_gives_exitcode_minus_15(void **state)
{
    (void)state;
    blocked b = start_blocked(false);
    assert_int_equal(tr_process_terminate(b.p), TR_OK);
    assert_int_equal(tr_process_join(b.p, TR_FOREVER), TR_OK);
    assert_int_equal(tr_process_exitcode(b.p), -SIGTERM);
    release_blocked(&b);
}

static void test_kill_gives_exitcode_minus_9(void **state)
{
    (void)state;
    blocked b = start_blocked(false);
    assert_int_equal(tr_process_kill(b.p), TR_OK);
    assert_int_equal(tr_process_join(b.p, TR_FOREVER), TR_OK);
    assert_int_equal(tr_process_exitcode(b.p), -SIGKILL);
    release_blocked(&b);
}

static void test_terminate_and_kill_do_nothing_once_ended(void **state)
{
    (void)state;
    tr_process *p = tr_process_new(do_nothing, NULL, NULL);
    assert_int_equal(tr_process_start(p), TR_OK);
    assert_int_equal(tr_process_join(p, TR_FOREVER), TR_OK);
    assert_int_equal(tr_process_terminate(p), TR_OK);
    assert_int_equal(tr_process_kill(p), TR_OK);
    assert_int_equal(tr_process_exitcode(p), 0);
    tr_process_free(p);
}

/* ---- join ----------------------------------------------------------------------------- */

static void test_join_with_timeout_on_running_child_times_out(void **state)
{
    (void)state;
    blocked b = start_blocked(true);
    double t0 = now();
    assert_int_equal(tr_process_join(b.p, 0.2), TR_TIMEOUT);
    double elapsed = now() - t0;
    assert_true(elapsed >= 0.12 && elapsed < 2.0);
    assert_true(tr_process_is_alive(b.p));
    release_blocked(&b);
}

static void test_join_negative_timeout_acts_as_zero(void **state)
{
    (void)state;
    blocked b = start_blocked(true);
    double t0 = now();
    assert_int_equal(tr_process_join(b.p, -1.5), TR_TIMEOUT);
    assert_int_equal(tr_process_join(b.p, 0), TR_TIMEOUT);
    assert_true(now() - t0 < 1.0);
    release_blocked(&b);
}

static void test_join_with_timeout_returns_when_child_ends(void **state)
{
    (void)state;
    blocked b = start_blocked(true);
    tr_connection_free(b.hold);
    assert_int_equal(tr_process_join(b.p, 60), TR_OK);
    assert_int_equal(tr_process_exitcode(b.p), 0);
    tr_connection_free(b.wait_end);
    tr_process_free(b.p);
}

/* The child's target returns at once, leaving a thread reading `wait_end` to EOF: as in
 * Python's _bootstrap, a non-daemon thread keeps the child alive, a daemon one does not. */
static bool reader_thread_is_daemon;

static void leave_a_reader_thread(void *arg)
{
    tr_thread *t = tr_thread_new(wait_for_eof, arg,
                                 &(tr_thread_opts){.daemon = reader_thread_is_daemon});
    CHILD_CHECK(t && tr_thread_start(t) == TR_OK);
}

static void test_child_waits_for_its_non_daemon_threads_before_exiting(void **state)
{
    (void)state;
    blocked b;
    assert_int_equal(tr_pipe(false, &b.wait_end, &b.hold), TR_OK);
    reader_thread_is_daemon = false;
    b.p = tr_process_new(leave_a_reader_thread, &b, NULL);
    assert_int_equal(tr_process_start(b.p), TR_OK);
    assert_int_equal(tr_process_join(b.p, 0.2), TR_TIMEOUT);
    release_blocked(&b);
}

static void test_child_does_not_wait_for_its_daemon_threads(void **state)
{
    (void)state;
    blocked b;
    assert_int_equal(tr_pipe(false, &b.wait_end, &b.hold), TR_OK);
    reader_thread_is_daemon = true;
    b.p = tr_process_new(leave_a_reader_thread, &b, NULL);
    assert_int_equal(tr_process_start(b.p), TR_OK);
    assert_int_equal(tr_process_join(b.p, 60), TR_OK); /* `hold` is still open here */
    assert_int_equal(tr_process_exitcode(b.p), 0);
    release_blocked(&b);
}

/* fork() copies only the forking thread: a parent's thread still running is no thread of
 * the child's, and the child's exit does not wait for it (threading._after_fork). */
static void hold_until_released(void *arg)
{
    tr_lock *l = arg;
    if (tr_lock_acquire(l, true, TR_FOREVER) == TR_OK)
        tr_lock_release(l);
}

static void test_child_does_not_wait_for_threads_of_its_parent(void **state)
{
    (void)state;
    tr_lock *l = tr_lock_new();
    assert_int_equal(tr_lock_acquire(l, true, TR_FOREVER), TR_OK);
    tr_thread *t = tr_thread_new(hold_until_released, l, NULL);
    assert_int_equal(tr_thread_start(t), TR_OK);
    tr_process *p = tr_process_new(do_nothing, NULL, NULL);
    assert_int_equal(tr_process_start(p), TR_OK);
    assert_int_equal(tr_process_join(p, 60), TR_OK);
    assert_int_equal(tr_process_exitcode(p), 0);
    tr_process_free(p);
    assert_int_equal(tr_lock_release(l), TR_OK);
    assert_int_equal(tr_thread_join(t, TR_FOREVER), TR_OK);
    tr_thread_free(t);
    tr_lock_free(l);
}

/* A parent thread keeps entering a semaphore's monitor while children are forked: some
 * fork lands while it is inside. Each child then uses the semaphore and must not hang on
 * a monitor nobody in it holds (the parent's Python-level state is kept: the permits). */
typedef struct hammer {
    tr_semaphore *sem;
    atomic_bool stop;
} hammer;

static void hammer_semaphore(void *arg)
{
    hammer *h = arg;
    while (!atomic_load(&h->stop)) {
        tr_semaphore_release(h->sem, 1);
        tr_semaphore_acquire(h->sem, true, TR_FOREVER);
    }
}

static void use_the_semaphore(void *arg)
{
    hammer *h = arg;
    CHILD_CHECK(tr_semaphore_release(h->sem, 1) == TR_OK);
    CHILD_CHECK(tr_semaphore_acquire(h->sem, false, -1) == TR_OK);
    CHILD_CHECK(tr_semaphore_value(h->sem) >= 0);
}

static void test_child_can_use_objects_a_parent_thread_was_using_at_the_fork(void **state)
{
    (void)state;
    static hammer h; /* the children read their copy */
    h.sem = tr_semaphore_new(0);
    atomic_store(&h.stop, false);
    tr_thread *t = tr_thread_new(hammer_semaphore, &h, NULL);
    assert_int_equal(tr_thread_start(t), TR_OK);
    for (int i = 0; i < 40; i++) {
        tr_process *p = tr_process_new(use_the_semaphore, &h, NULL);
        assert_int_equal(tr_process_start(p), TR_OK);
        if (tr_process_join(p, 30) != TR_OK) {
            tr_process_kill(p);
            tr_process_join(p, TR_FOREVER);
            tr_process_free(p);
            fail_msg("child %d hung on the semaphore", i);
        }
        assert_int_equal(tr_process_exitcode(p), 0);
        tr_process_free(p);
    }
    atomic_store(&h.stop, true);
    assert_int_equal(tr_thread_join(t, TR_FOREVER), TR_OK);
    tr_thread_free(t);
    tr_semaphore_free(h.sem);
}

static void test_sentinel_pipe_fallback_joins_times_out_and_terminates(void **state)
{
    (void)state;
    tr__process_force_sentinel_pipe(true);
    blocked b = start_blocked(true);
    assert_int_equal(tr_process_join(b.p, 0.05), TR_TIMEOUT);
    assert_int_equal(tr_process_terminate(b.p), TR_OK);
    assert_int_equal(tr_process_join(b.p, 60), TR_OK);
    assert_int_equal(tr_process_exitcode(b.p), -SIGTERM);
    release_blocked(&b);
    assert_int_equal(run_child(exit_3, NULL), 3);
}

typedef struct joiner_job {
    tr_process *p;
    tr_status status;
} joiner_job;

static void join_it(void *arg)
{
    joiner_job *j = arg;
    j->status = tr_process_join(j->p, TR_FOREVER);
}

static void test_two_threads_may_join_one_child(void **state)
{
    (void)state;
    blocked b = start_blocked(false);
    joiner_job jobs[2] = {{b.p, TR_TIMEOUT}, {b.p, TR_TIMEOUT}};
    tr_thread *t[2];
    for (int i = 0; i < 2; i++) {
        t[i] = tr_thread_new(join_it, &jobs[i], NULL);
        assert_int_equal(tr_thread_start(t[i]), TR_OK);
    }
    tr_connection_free(b.hold);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(tr_thread_join(t[i], TR_FOREVER), TR_OK);
        assert_int_equal(jobs[i].status, TR_OK);
        tr_thread_free(t[i]);
    }
    assert_int_equal(tr_process_exitcode(b.p), 0);
    tr_connection_free(b.wait_end);
    tr_process_free(b.p);
}

/* ---- misuse (Python's order: closed -> caller -> state) -------------------------------- */

static void test_start_twice_is_runtime_error(void **state)
{
    (void)state;
    tr_process *p = tr_process_new(do_nothing, NULL, NULL);
    assert_int_equal(tr_process_start(p), TR_OK);
    assert_int_equal(tr_process_start(p), TR_RUNTIME_ERROR);
    assert_string_equal(tr_last_error(), "cannot start a process twice");
    assert_int_equal(tr_process_join(p, TR_FOREVER), TR_OK);
    assert_int_equal(tr_process_start(p), TR_RUNTIME_ERROR); /* even after it ended */
    assert_string_equal(tr_last_error(), "cannot start a process twice");
    tr_process_free(p);
}

static void test_join_before_start_is_runtime_error(void **state)
{
    (void)state;
    tr_process *p = tr_process_new(do_nothing, NULL, NULL);
    assert_int_equal(tr_process_join(p, TR_FOREVER), TR_RUNTIME_ERROR);
    assert_string_equal(tr_last_error(), "can only join a started process");
    assert_int_equal(tr_process_join(p, 0), TR_RUNTIME_ERROR);
    assert_string_equal(tr_last_error(), "can only join a started process");
    tr_process_free(p);
}

static void test_terminate_or_kill_before_start_is_runtime_error(void **state)
{
    (void)state;
    tr_process *p = tr_process_new(do_nothing, NULL, NULL);
    assert_int_equal(tr_process_terminate(p), TR_RUNTIME_ERROR);
    assert_string_equal(tr_last_error(), "'NoneType' object has no attribute 'terminate'");
    assert_int_equal(tr_process_kill(p), TR_RUNTIME_ERROR);
    assert_string_equal(tr_last_error(), "'NoneType' object has no attribute 'kill'");
    tr_process_free(p);
}

static void test_set_daemon_after_start_is_runtime_error(void **state)
{
    (void)state;
    tr_process *p = tr_process_new(do_nothing, NULL, NULL);
    assert_int_equal(tr_process_start(p), TR_OK);
    assert_int_equal(tr_process_set_daemon(p, true), TR_RUNTIME_ERROR);
    assert_string_equal(tr_last_error(), "process has already started");
    assert_int_equal(tr_process_join(p, TR_FOREVER), TR_OK);
    assert_int_equal(tr_process_set_daemon(p, true), TR_RUNTIME_ERROR);
    assert_string_equal(tr_last_error(), "process has already started");
    assert_false(tr_process_daemon(p));
    tr_process_free(p);
}

static void test_set_daemon_after_close_is_allowed(void **state)
{
    (void)state;
    tr_process *p = tr_process_new(do_nothing, NULL, NULL);
    assert_int_equal(tr_process_start(p), TR_OK);
    assert_int_equal(tr_process_join(p, TR_FOREVER), TR_OK);
    assert_int_equal(tr_process_close(p), TR_OK);
    assert_int_equal(tr_process_set_daemon(p, true), TR_OK); /* Python: _popen is None */
    assert_true(tr_process_daemon(p));
    tr_process_free(p);
}

static void test_close_while_running_is_value_error(void **state)
{
    (void)state;
    blocked b = start_blocked(false);
    assert_int_equal(tr_process_close(b.p), TR_VALUE_ERROR);
    assert_string_equal(tr_last_error(),
                        "Cannot close a process while it is still running. You should first "
                        "call join() or terminate().");
    assert_true(tr_process_is_alive(b.p)); /* not closed */
    release_blocked(&b);
}

static void test_close_before_start_and_after_exit_is_idempotent(void **state)
{
    (void)state;
    tr_process *p = tr_process_new(do_nothing, NULL, NULL);
    assert_int_equal(tr_process_close(p), TR_OK);
    assert_int_equal(tr_process_close(p), TR_OK);
    tr_process_free(p);
    p = tr_process_new(do_nothing, NULL, NULL);
    assert_int_equal(tr_process_start(p), TR_OK);
    assert_int_equal(tr_process_join(p, TR_FOREVER), TR_OK);
    assert_int_equal(tr_process_close(p), TR_OK);
    assert_int_equal(tr_process_close(p), TR_OK);
    assert_string_equal(tr_process_name(p), tr_process_name(p)); /* the name stays */
    tr_process_free(p);
}

static void test_every_call_on_a_closed_process_is_value_error(void **state)
{
    (void)state;
    tr_process *p = tr_process_new(do_nothing, NULL, NULL);
    assert_int_equal(tr_process_start(p), TR_OK);
    assert_int_equal(tr_process_join(p, TR_FOREVER), TR_OK);
    assert_int_equal(tr_process_close(p), TR_OK);
    unsigned long misuse = tr_misuse_count();
    assert_int_equal(tr_process_pid(p), 0);
    assert_string_equal(tr_last_error(), "process object is closed");
    assert_int_equal(tr_process_exitcode(p), TR_EXITCODE_NONE);
    assert_string_equal(tr_last_error(), "process object is closed");
    assert_false(tr_process_is_alive(p));
    assert_string_equal(tr_last_error(), "process object is closed");
    const struct {
        const char *name;
        tr_status status;
    } rows[] = {
        {"join", tr_process_join(p, TR_FOREVER)},
        {"start", tr_process_start(p)}, /* closed before "cannot start a process twice" */
        {"terminate", tr_process_terminate(p)},
        {"kill", tr_process_kill(p)},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        if (rows[i].status != TR_VALUE_ERROR)
            fail_msg("row %s: not TR_VALUE_ERROR", rows[i].name);
    assert_string_equal(tr_last_error(), "process object is closed");
    assert_int_equal(tr_misuse_count(), misuse + 7);
    tr_process_free(p);
}

/* In the child: the parent's objects seen from another process. */
typedef struct foreign {
    tr_connection *out;
    tr_process *unstarted, *started;
} foreign;

static void use_foreign_objects(void *arg)
{
    foreign *f = arg;
    report(f->out, tr_process_start(f->unstarted));
    report(f->out, tr_process_start(f->started)); /* state is checked before the caller */
    report(f->out, tr_process_join(f->started, TR_FOREVER));
    report(f->out, tr_process_join(f->unstarted, TR_FOREVER)); /* caller before state */
    tr_process_is_alive(f->started);
    report(f->out, TR_RUNTIME_ERROR);
}

static void test_objects_of_another_process_are_runtime_errors(void **state)
{
    (void)state;
    foreign f;
    tr_connection *in;
    assert_int_equal(tr_pipe(false, &in, &f.out), TR_OK);
    f.unstarted = tr_process_new(do_nothing, NULL, NULL);
    f.started = tr_process_new(do_nothing, NULL, NULL);
    assert_int_equal(tr_process_start(f.started), TR_OK);
    assert_int_equal(run_child(use_foreign_objects, &f), 0);
    expect_report(in, "RuntimeError:can only start a process object created by current process");
    expect_report(in, "RuntimeError:cannot start a process twice");
    expect_report(in, "RuntimeError:can only join a child process");
    expect_report(in, "RuntimeError:can only join a child process");
    expect_report(in, "RuntimeError:can only test a child process");
    assert_int_equal(tr_process_join(f.started, TR_FOREVER), TR_OK);
    tr_process_free(f.unstarted);
    tr_process_free(f.started);
    tr_connection_free(in);
    tr_connection_free(f.out);
}

typedef struct self_job {
    tr_connection *out;
    tr_process *self;
} self_job;

static void use_own_object(void *arg)
{
    self_job *j = arg;
    CHILD_CHECK(tr_process_is_alive(j->self));
    CHILD_CHECK(tr_process_pid(j->self) == getpid());
    CHILD_CHECK(tr_process_exitcode(j->self) == TR_EXITCODE_NONE);
    report(j->out, tr_process_join(j->self, TR_FOREVER));
    report(j->out, tr_process_terminate(j->self));
    report(j->out, tr_process_start(j->self));
}

static void test_a_process_sees_itself_as_python_does(void **state)
{
    (void)state;
    self_job j;
    tr_connection *in;
    assert_int_equal(tr_pipe(false, &in, &j.out), TR_OK);
    j.self = tr_process_new(use_own_object, &j, NULL);
    assert_int_equal(tr_process_start(j.self), TR_OK);
    expect_report(in, "RuntimeError:can only join a child process");
    expect_report(in, "RuntimeError:'NoneType' object has no attribute 'terminate'");
    expect_report(in, "RuntimeError:can only start a process object created by current process");
    assert_int_equal(tr_process_join(j.self, TR_FOREVER), TR_OK);
    assert_int_equal(tr_process_exitcode(j.self), 0);
    tr_process_free(j.self);
    tr_connection_free(in);
    tr_connection_free(j.out);
}

static void daemon_starts_child(void *arg)
{
    tr_connection *out = arg;
    tr_process *q = tr_process_new(do_nothing, NULL, NULL);
    CHILD_CHECK(tr_process_daemon(q)); /* inherited */
    report(out, tr_process_start(q));
    tr_process_opts opts = {NULL, false};
    tr_process *r = tr_process_new(do_nothing, NULL, &opts);
    report(out, tr_process_start(r)); /* the parent's flag counts, not the child's */
    tr_process_free(q);
    tr_process_free(r);
}

static void test_daemonic_process_cannot_start_children(void **state)
{
    (void)state;
    tr_connection *in, *out;
    assert_int_equal(tr_pipe(false, &in, &out), TR_OK);
    tr_process_opts opts = {NULL, true};
    tr_process *p = tr_process_new(daemon_starts_child, out, &opts);
    assert_int_equal(tr_process_start(p), TR_OK);
    expect_report(in, "RuntimeError:daemonic processes are not allowed to have children");
    expect_report(in, "RuntimeError:daemonic processes are not allowed to have children");
    assert_int_equal(tr_process_join(p, TR_FOREVER), TR_OK);
    assert_int_equal(tr_process_exitcode(p), 0);
    tr_process_free(p);
    tr_connection_free(in);
    tr_connection_free(out);
}

/* ---- children at exit, detached children ---------------------------------------------- */

typedef struct family {
    tr_connection *pids_out;  /* the daemon grandchild's pid */
    tr_connection *done_out;  /* the non-daemon grandchild's last word */
} family;

static void grandchild_says_done(void *arg)
{
    CHILD_CHECK(tr_connection_send(arg, "done", 4) == TR_OK);
}

static void start_family_and_return(void *arg)
{
    family *f = arg;
    static blocked daemon_child; /* `hold` stays open in here until the exit */
    CHILD_CHECK(tr_pipe(false, &daemon_child.wait_end, &daemon_child.hold) == TR_OK);
    tr_process_opts daemonic = {NULL, true};
    tr_process *d = tr_process_new(wait_for_eof, &daemon_child, &daemonic);
    CHILD_CHECK(tr_process_start(d) == TR_OK);
    int pid = tr_process_pid(d);
    CHILD_CHECK(tr_connection_send(f->pids_out, &pid, sizeof pid) == TR_OK);
    tr_process *n = tr_process_new(grandchild_says_done, f->done_out, NULL);
    CHILD_CHECK(tr_process_start(n) == TR_OK);
    tr_process_free(d); /* detached: the exit still sees both */
    tr_process_free(n);
    /* returns holding `hold` open and joining nobody: the exit must SIGTERM d, join n */
}

static void test_at_exit_daemon_children_are_terminated_and_others_joined(void **state)
{
    (void)state;
    family f;
    tr_connection *pids_in, *done_in;
    assert_int_equal(tr_pipe(false, &pids_in, &f.pids_out), TR_OK);
    assert_int_equal(tr_pipe(false, &done_in, &f.done_out), TR_OK);
    assert_int_equal(run_child(start_family_and_return, &f), 0);
    void *buf;
    size_t len;
    assert_int_equal(tr_connection_recv(pids_in, &buf, &len), TR_OK);
    int daemon_pid;
    memcpy(&daemon_pid, buf, sizeof daemon_pid);
    free(buf);
    assert_int_equal(kill(daemon_pid, 0), -1); /* terminated and reaped by its parent */
    assert_int_equal(errno, ESRCH);
    assert_int_equal(tr_connection_poll(done_in, 0), TR_OK); /* joined before the exit */
    expect_report(done_in, "done");
    tr_connection_free(pids_in);
    tr_connection_free(done_in);
    tr_connection_free(f.pids_out);
    tr_connection_free(f.done_out);
}

static void test_freed_running_child_is_reaped_at_the_next_start(void **state)
{
    (void)state;
    blocked b = start_blocked(false);
    pid_t pid = tr_process_pid(b.p);
    tr_process_free(b.p); /* detached: still running */
    tr_connection_free(b.hold);
    siginfo_t info;
    assert_int_equal(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT), 0); /* ended */
    tr_process *q = tr_process_new(do_nothing, NULL, NULL);
    assert_int_equal(tr_process_start(q), TR_OK); /* Python's _cleanup() reaps it */
    errno = 0;
    assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
    assert_int_equal(tr_process_join(q, TR_FOREVER), TR_OK);
    tr_process_free(q);
    tr_connection_free(b.wait_end);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_default_names_count_every_process_object),
        TEST(test_name_given_in_opts_is_copied),
        TEST(test_a_child_names_its_children_after_its_identity),
        TEST(test_pid_is_zero_before_start_then_the_childs),
        TEST(test_daemon_defaults_to_false_and_can_be_set_before_start),
        TEST(test_exitcode_is_none_before_start),
        TEST(test_target_that_returns_exits_0),
        TEST(test_target_that_calls_exit_3_has_exitcode_3),
        TEST(test_crashing_child_has_exitcode_minus_11),
        TEST(test_running_child_is_alive_with_no_exitcode),
        TEST(test_ended_child_is_not_alive),
        TEST(test_terminate_gives_exitcode_minus_15),
        TEST(test_kill_gives_exitcode_minus_9),
        TEST(test_terminate_and_kill_do_nothing_once_ended),
        TEST(test_join_with_timeout_on_running_child_times_out),
        TEST(test_join_negative_timeout_acts_as_zero),
        TEST(test_join_with_timeout_returns_when_child_ends),
        TEST(test_sentinel_pipe_fallback_joins_times_out_and_terminates),
        TEST(test_child_waits_for_its_non_daemon_threads_before_exiting),
        TEST(test_child_does_not_wait_for_its_daemon_threads),
        TEST(test_child_does_not_wait_for_threads_of_its_parent),
        TEST(test_child_can_use_objects_a_parent_thread_was_using_at_the_fork),
        TEST(test_two_threads_may_join_one_child),
        TEST(test_start_twice_is_runtime_error),
        TEST(test_join_before_start_is_runtime_error),
        TEST(test_terminate_or_kill_before_start_is_runtime_error),
        TEST(test_set_daemon_after_start_is_runtime_error),
        TEST(test_set_daemon_after_close_is_allowed),
        TEST(test_close_while_running_is_value_error),
        TEST(test_close_before_start_and_after_exit_is_idempotent),
        TEST(test_every_call_on_a_closed_process_is_value_error),
        TEST(test_objects_of_another_process_are_runtime_errors),
        TEST(test_a_process_sees_itself_as_python_does),
        TEST(test_daemonic_process_cannot_start_children),
        TEST(test_at_exit_daemon_children_are_terminated_and_others_joined),
        TEST(test_freed_running_child_is_reaped_at_the_next_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
