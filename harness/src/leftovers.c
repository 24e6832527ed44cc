/* leftovers.c — the processes a case leaves behind in a process the harness forked to run
 * it: a raw fork() that lingers, a daemon it double-forked, a worker of a pool it never
 * shut down. The harness started none of them, so nothing else takes them back.
 *
 * The forked process (a wire child, wire.c) adopts its descendants: it is a child
 * subreaper, so an orphan anywhere below it becomes its child, whatever session or group
 * it moved to. At the end of each execution in which it forked, at the end of its
 * exploration, and before it dies of what the case did, every child it still has is
 * killed and taken back: an execution never sees the previous one's processes, and none
 * outlives the run (holding its stdout open, or the machine's process table). A child made
 * without fork() (posix_spawn, vfork) waits for the end of the exploration, or for the
 * parent of the wire, which kills the wire child's process group. Stands on nothing but
 * the kernel; execute.c, explore*.c and wire.c call it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness_internal.h"

/* Documented per-process state: the process that takes its leftovers back (a wire child
 * sets it to itself; a process it forks inherits a pid that is not its own), and the
 * fork() calls made in it since it last looked, counted by a pthread_atfork handler: a
 * system call per execution to ask the kernel for children would cost more than the
 * execution (about 1.5 us on the machines this runs on). */
static pid_t adopting;
static atomic_ulong forks;

/* relaxed: read by the forking process itself, after the fork returned */
static void count_fork(void) { atomic_fetch_add_explicit(&forks, 1, memory_order_relaxed); }

void tr__leftovers_adopt(void)
{
    static bool counting; /* once per process tree: a grandchild inherits the handler */
    if (!counting)
        counting = pthread_atfork(NULL, count_fork, NULL) == 0;
    adopting = getpid();
    atomic_store_explicit(&forks, 0, memory_order_relaxed);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
}

/* Whether this process has a child, running or a zombie (waitid leaves it as it is). */
static bool has_child(void)
{
    siginfo_t info;
    int r;
    while ((r = waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT)) < 0 && errno == EINTR)
        ;
    return r == 0; /* ECHILD: none */
}

/* The parent in /proc/PID/stat ("pid (comm) state ppid ..."; comm ends at the last ')'),
 * 0 if it cannot be read. Async-signal-safe, as all of the sweep: the handlers of a dying
 * process run it (wire.c). */
static pid_t parent_of(const char *pid)
{
    char path[64] = "/proc/", buf[512];
    size_t n = strlen(path);
    for (const char *c = pid; *c && n < sizeof path - 6; c++)
        path[n++] = *c;
    memcpy(path + n, "/stat", 6);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t got = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (got <= 0)
        return 0;
    buf[got] = '\0';
    const char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
        return 0;
    pid_t ppid = 0;
    for (p += 4; *p >= '0' && *p <= '9'; p++)
        ppid = ppid * 10 + (*p - '0');
    return ppid;
}

static pid_t number(const char *name)
{
    pid_t n = 0;
    for (; *name; name++) {
        if (*name < '0' || *name > '9')
            return 0;
        n = n * 10 + (*name - '0');
    }
    return n;
}

/* SIGKILL to every child of this process (the entries of /proc whose parent it is, read
 * with getdents64: opendir would allocate); how many there were. */
static int kill_children(void)
{
    int dir = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return 0;
    int n = 0;
    pid_t me = getpid();
    char buf[4096];
    long got;
    while ((got = syscall(SYS_getdents64, dir, buf, sizeof buf)) > 0) {
        for (long at = 0; at < got;) {
            const struct dirent64 *e = (const struct dirent64 *)(buf + at);
            pid_t pid = number(e->d_name);
            if (pid > 0 && parent_of(e->d_name) == me) {
                kill(pid, SIGKILL);
                n++;
            }
            at += e->d_reclen;
        }
    }
    close(dir);
    return n;
}

void tr__leftovers_reap_forked(void)
{
    if (atomic_exchange_explicit(&forks, 0, memory_order_relaxed) != 0)
        tr__leftovers_reap();
}

void tr__leftovers_reap(void)
{
    if (adopting != getpid())
        return;
    /* Each round kills every child there is and takes one back (all of them are dying, so
     * the wait is short); a killed child's own children come back here as it dies and are
     * killed in the next round. */
    while (has_child()) {
        if (kill_children() == 0) {
            /* none listed (no /proc?): take back the zombies, never wait for the living */
            while (waitpid(-1, NULL, WNOHANG) > 0)
                ;
            return;
        }
        while (waitpid(-1, NULL, 0) < 0 && errno == EINTR)
            ;
    }
}
