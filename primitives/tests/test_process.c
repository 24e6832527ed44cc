/* test_process.c — multiprocessing.Process, fork start method (PYTHON_SEMANTICS.md §6),
 * the process object seen from its parent: names and attributes, exit codes, join
 * (timeouts, the sentinel-pipe fallback, two joiners), and misuse.
 * What runs inside a child (its threads, objects of another process, its own children):
 * test_process_children.c.
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

#include "process_fixtures.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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
        TEST(test_two_threads_may_join_one_child),
        TEST(test_start_twice_is_runtime_error),
        TEST(test_join_before_start_is_runtime_error),
        TEST(test_terminate_or_kill_before_start_is_runtime_error),
        TEST(test_set_daemon_after_start_is_runtime_error),
        TEST(test_set_daemon_after_close_is_allowed),
        TEST(test_close_while_running_is_value_error),
        TEST(test_close_before_start_and_after_exit_is_idempotent),
        TEST(test_every_call_on_a_closed_process_is_value_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
