/* test_leftovers.c — the processes a case leaves behind (leftovers.c): in a process the
 * harness forked to run cases, every child it still has after an execution in which it
 * forked is killed and taken back, with the orphans of those children, whatever session
 * they moved to; a process that did not adopt its leftovers (the user's, running trama in
 * its own process) keeps its children. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "../src/wire.h"

static void wait_for_ever(void)
{
    for (;;)
        pause();
}

/* A child that waits for ever; a daemon (a grandchild in a session of its own, its
 * parent gone); a zombie (a child that exited, never waited for). */
static void leave_three_kinds(void)
{
    if (fork() == 0)
        wait_for_ever();
    pid_t middle = fork();
    if (middle == 0) {
        if (fork() == 0) {
            setsid();
            wait_for_ever();
        }
        _exit(0);
    }
    waitpid(middle, NULL, 0);
    if (fork() == 0)
        _exit(0);
}

/* In a wire child: the leftovers, the sweep, then whether any child is left ('E' carries
 * the errno of a last waitpid: ECHILD means none). */
static void test_an_adopting_process_takes_back_every_leftover(void **unused)
{
    (void)unused;
    tr__wire w;
    if (tr__wire_fork(&w, 10, false) == 0) {
        leave_three_kinds();
        tr__leftovers_reap_forked();
        int e = waitpid(-1, NULL, WNOHANG) < 0 ? errno : 0;
        tr__wire_put('E', &e, sizeof e, NULL, 0);
        _exit(0);
    }
    char tag;
    const void *p;
    size_t len;
    assert_int_equal(tr__wire_get(&w, &tag, &p, &len), TR__WIRE_RECORD);
    assert_int_equal(tag, 'E');
    int e;
    memcpy(&e, p, sizeof e);
    assert_int_equal(e, ECHILD);
    tr_finding lost = {0};
    assert_false(tr__wire_end(&w, TR__WIRE_CLOSED, true, false, "the child", &lost));
}

/* A fork the atfork handler does not see: clone(2) itself (as posix_spawn does it). The
 * arguments after the flags are all null, in whichever order the architecture takes them. */
static pid_t fork_unseen(void) { return (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0); }

/* After an execution, the sweep runs only if the process called fork() since the last
 * one (no system call otherwise); the sweep at the end of an exploration always runs. */
static void test_the_sweep_after_an_execution_runs_only_after_a_fork(void **unused)
{
    (void)unused;
    tr__wire w;
    if (tr__wire_fork(&w, 10, false) == 0) {
        if (fork_unseen() == 0)
            wait_for_ever();
        tr__leftovers_reap_forked();
        int kept = waitpid(-1, NULL, WNOHANG) == 0; /* a child, still running */
        if (fork() == 0)
            wait_for_ever();
        tr__leftovers_reap_forked(); /* seen: both go */
        int gone = waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
        if (fork_unseen() == 0)
            wait_for_ever();
        tr__leftovers_reap();
        int swept = waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
        int result[3] = {kept, gone, swept};
        tr__wire_put('E', result, sizeof result, NULL, 0);
        _exit(0);
    }
    char tag;
    const void *p;
    size_t len;
    assert_int_equal(tr__wire_get(&w, &tag, &p, &len), TR__WIRE_RECORD);
    int result[3];
    assert_int_equal(len, sizeof result);
    memcpy(result, p, sizeof result);
    assert_true(result[0]);
    assert_true(result[1]);
    assert_true(result[2]);
    tr_finding lost = {0};
    assert_false(tr__wire_end(&w, TR__WIRE_CLOSED, true, false, "the child", &lost));
}

/* This process never adopted: its children are its own business. */
static void test_a_process_that_did_not_adopt_keeps_its_children(void **unused)
{
    (void)unused;
    pid_t child = fork();
    if (child == 0)
        wait_for_ever();
    tr__leftovers_reap();
    tr__leftovers_reap_forked();
    assert_int_equal(waitpid(child, NULL, WNOHANG), 0); /* still running */
    kill(child, SIGKILL);
    assert_int_equal(waitpid(child, NULL, 0), child);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_an_adopting_process_takes_back_every_leftover),
        cmocka_unit_test(test_the_sweep_after_an_execution_runs_only_after_a_fork),
        cmocka_unit_test(test_a_process_that_did_not_adopt_keeps_its_children),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
