/* test_process_children.c — multiprocessing.Process, fork start method
 * (PYTHON_SEMANTICS.md §6), what happens inside a child: which threads its exit waits
 * for, objects a parent thread was using at the fork, objects of another process, a
 * process seen from itself, daemonic processes and their children, children at
 * interpreter exit and freed running children. The process object from its parent:
 * test_process.c.
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

/* ---- threads of a child --------------------------------------------------------------- */

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

/* In the child, the parent's thread still running is stopped, as Python's
 * threading._after_fork marks it: is_alive() is false and join() returns at once (it
 * would otherwise wait for a thread that does not exist in the child). */
static tr_thread *parents_thread;

static void look_at_the_parents_thread(void *arg)
{
    (void)arg;
    CHILD_CHECK(!tr_thread_is_alive(parents_thread));
    CHILD_CHECK(tr_thread_join(parents_thread, TR_FOREVER) == TR_OK);
    CHILD_CHECK(tr_thread_is_alive(tr_current_thread()));
}

static void test_child_sees_the_parents_other_threads_stopped(void **state)
{
    (void)state;
    tr_lock *l = tr_lock_new();
    assert_int_equal(tr_lock_acquire(l, true, TR_FOREVER), TR_OK);
    parents_thread = tr_thread_new(hold_until_released, l, NULL);
    assert_int_equal(tr_thread_start(parents_thread), TR_OK);
    assert_true(tr_thread_is_alive(parents_thread));
    tr_process *p = tr_process_new(look_at_the_parents_thread, NULL, NULL);
    assert_int_equal(tr_process_start(p), TR_OK);
    assert_int_equal(tr_process_join(p, 60), TR_OK);
    assert_int_equal(tr_process_exitcode(p), 0);
    tr_process_free(p);
    assert_true(tr_thread_is_alive(parents_thread)); /* still running here */
    assert_int_equal(tr_lock_release(l), TR_OK);
    assert_int_equal(tr_thread_join(parents_thread, TR_FOREVER), TR_OK);
    tr_thread_free(parents_thread);
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

/* ---- a child and the objects of other processes ------------------------------------- */

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
        TEST(test_child_waits_for_its_non_daemon_threads_before_exiting),
        TEST(test_child_does_not_wait_for_its_daemon_threads),
        TEST(test_child_sees_the_parents_other_threads_stopped),
        TEST(test_child_does_not_wait_for_threads_of_its_parent),
        TEST(test_child_can_use_objects_a_parent_thread_was_using_at_the_fork),
        TEST(test_objects_of_another_process_are_runtime_errors),
        TEST(test_a_process_sees_itself_as_python_does),
        TEST(test_daemonic_process_cannot_start_children),
        TEST(test_at_exit_daemon_children_are_terminated_and_others_joined),
        TEST(test_freed_running_child_is_reaped_at_the_next_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
