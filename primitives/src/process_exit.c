/* process_exit.c — how a parent learns that a child it forked has exited, and reaps it:
 * the exit descriptor and waitpid. Knows pids and descriptors, not Process objects.
 *
 * Exit readiness: a pidfd becomes readable once the child has exited (a zombie); without
 * pidfd_open, the read end of a pipe whose write end only the child holds (Python's
 * sentinel) gets EOF. Either is a join action's wait_fd; neither reaps the child, so the
 * pid stays the child's until the waitpid (tr__exit_reap) that process.c runs inside an
 * effect. */
#define _GNU_SOURCE /* syscall(SYS_pidfd_open) */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static bool have_pidfd;                 /* probed once */
static atomic_bool force_sentinel_pipe; /* tests: exercise the fallback */

static int pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

static void probe(void)
{
    int fd = pidfd_open(getpid());
    have_pidfd = fd >= 0;
    if (fd >= 0)
        close(fd);
}

void tr__process_force_sentinel_pipe(bool on) { atomic_store(&force_sentinel_pipe, on); }

int tr__exit_watch_open(tr__exit_watch *w)
{
    pthread_once(&probe_once, probe);
    w->pidfd = have_pidfd && !atomic_load(&force_sentinel_pipe);
    w->sentinel[0] = w->sentinel[1] = -1;
    if (!w->pidfd && pipe(w->sentinel) != 0) {
        w->sentinel[0] = w->sentinel[1] = -1;
        return errno;
    }
    return 0;
}

void tr__exit_watch_child(tr__exit_watch *w)
{
    if (w->sentinel[0] >= 0)
        close(w->sentinel[0]); /* the write end stays open until this process ends */
}

int tr__exit_watch_fd(tr__exit_watch *w, pid_t pid)
{
    if (!w->pidfd) {
        close(w->sentinel[1]);
        return w->sentinel[0];
    }
    int fd = pidfd_open(pid);
    if (fd < 0) { /* no way to wait for its exit: take the child back now */
        int err = errno;
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        errno = err;
    }
    return fd;
}

void tr__exit_watch_cancel(tr__exit_watch *w)
{
    if (w->sentinel[0] >= 0) {
        close(w->sentinel[0]);
        close(w->sentinel[1]);
    }
}

bool tr__exit_ready(int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    return fd >= 0 && poll(&pfd, 1, 0) > 0;
}

static int exitcode_of(int status)
{
    return WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
}

bool tr__exit_reap(pid_t pid, bool block, int *exitcode)
{
    int status;
    pid_t r;
    do
        r = waitpid(pid, &status, block ? 0 : WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r != pid)
        return false;
    *exitcode = exitcode_of(status);
    return true;
}
