/* wire.c — the one wire between a harness process and a child it forked (wire.h): forking
 * the child, its tagged records both ways of the pipe, the watchdog on its step counter,
 * the child's own crash and hang reports, and the one place a lost child becomes a
 * finding. Stands on progress.c, clock.c and execute.c (the schedule a dying child
 * reports); explore.c and explore_isolate.c stand on it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "finding.h"
#include "wire.h"

enum { HEAD = 5 }; /* tag byte + 4-byte length */

/* Documented per-process state, set in a child right after its fork: its write end and
 * the one process allowed to write there (the case's own forked processes inherit the
 * descriptor; their writes would interleave with ours). */
static int wire_fd = -1;
static pid_t wire_pid;
static long wire_execution; /* the execution a crash or hang report names */

/* ---- the child's side ----------------------------------------------------------------- */

/* write(2) until every part is out; async-signal-safe (the crash handler writes). */
static bool write_parts(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t k = writev(fd, iov, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        for (; n > 0 && (size_t)k >= iov->iov_len; iov++, n--)
            k -= (ssize_t)iov->iov_len;
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + k;
            iov->iov_len -= (size_t)k;
        }
    }
    return true;
}

bool tr__wire_put(char tag, const void *a, size_t na, const void *b, size_t nb)
{
    if (wire_fd < 0 || getpid() != wire_pid || na + nb > TR__WIRE_MAX)
        return false;
    unsigned char head[HEAD];
    uint32_t len = (uint32_t)(na + nb);
    head[0] = (unsigned char)tag;
    memcpy(head + 1, &len, sizeof len);
    struct iovec iov[3] = {{head, HEAD}, {(void *)a, na}, {(void *)b, nb}};
    return write_parts(wire_fd, iov, 3);
}

void tr__wire_set_execution(long execution) { wire_execution = execution; }

_Static_assert(sizeof(tr_finding) + TR__PARTS_MAX_BYTES <= TR__WIRE_MAX,
               "a finding with its largest parts fits in one record");

bool tr__wire_put_finding(const tr_finding *f)
{
    tr_finding flat = *f;
    flat.parts = NULL; /* the parts' bytes follow the struct */
    return tr__wire_put('F', &flat, sizeof flat, f->parts, f->parts ? f->parts->size : 0);
}

/* A signal the case died of, told with the schedule it was running; then the default
 * action, so the parent sees the signal too. */
static void crash_handler(int sig)
{
    tr_finding f;
    tr__finding_init(&f, TR_CRASH, "the case was killed by signal %d (%s)", sig,
                     strsignal(sig));
    f.execution = wire_execution;
    tr__current_schedule(f.schedule, sizeof f.schedule);
    tr__wire_put_finding(&f);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* The watchdog's question (SIGUSR1): a case thread spins without scheduling points. No
 * thread runs in the child besides the case (ThreadSanitizer forbids threads in a forked
 * child of a threaded process), so the answer comes from this handler. */
static void hang_handler(int sig)
{
    (void)sig;
    tr_finding f;
    tr__finding_init(&f, TR_HANG,
                     "a case thread ran for too long without reaching a scheduling point "
                     "(a spin on plain memory?)");
    f.execution = wire_execution;
    tr__current_schedule(f.schedule, sizeof f.schedule);
    tr__wire_put_finding(&f);
    _exit(0);
}

static void install_handlers(bool report_crashes)
{
    static char altstack[1 << 16];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = report_crashes ? crash_handler : SIG_DFL;
    sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
    const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        sigaction(sigs[i], &sa, NULL);
    signal(SIGUSR1, hang_handler);
}

pid_t tr__wire_fork(tr__wire *w, double step_timeout, bool report_crashes)
{
    memset(w, 0, sizeof *w);
    int p[2];
    TR_CHECK(pipe2(p, O_CLOEXEC) == 0, "cannot create a pipe to a child");
    w->progress = tr__progress_shared_new();
    TR_CHECK(w->progress, "cannot map progress memory for a child");
    w->step_timeout = step_timeout;
    fflush(NULL);
    pid_t pid = fork();
    TR_CHECK(pid >= 0, "cannot fork a child");
    if (pid == 0) {
        close(p[0]);
        if (wire_fd >= 0)
            close(wire_fd); /* a grandchild speaks to its parent only */
        wire_fd = p[1];
        wire_pid = getpid();
        tr__progress_count_into(w->progress);
        install_handlers(report_crashes);
        return 0;
    }
    close(p[1]);
    w->pid = pid;
    w->fd = p[0];
    return pid;
}

/* ---- the parent's side ---------------------------------------------------------------- */

/* Waits until the wire is readable, watching the child's counter (wire.h). */
static tr__wire_status watch(tr__wire *w)
{
    for (;;) {
        if (w->killed)
            return TR__WIRE_SILENT;
        struct pollfd pf = {.fd = w->fd, .events = POLLIN};
        if (poll(&pf, 1, 50) != 0)
            return TR__WIRE_RECORD; /* readable, or an error read() will tell */
        tr__progress_step();
        unsigned long steps = atomic_load(&w->progress->steps);
        double now = tr__monotonic_seconds();
        if (steps != w->last_steps || !atomic_load(&w->progress->exploring)) {
            w->last_steps = steps;
            w->since = now;
            continue;
        }
        double idle = now - w->since;
        if (!w->asked && idle >= w->step_timeout) {
            kill(w->pid, SIGUSR1);
            w->asked = true;
        } else if (w->asked && idle >= w->step_timeout + 5) {
            kill(w->pid, SIGKILL);
            w->killed = true;
        }
    }
}

/* Reads n bytes; the end of the pipe is CLOSED (a record cut short too: the child died
 * while writing, and its exit status tells why). */
static tr__wire_status read_full(tr__wire *w, void *p, size_t n)
{
    char *c = p;
    while (n > 0) {
        tr__wire_status s = watch(w);
        if (s != TR__WIRE_RECORD)
            return s;
        ssize_t k = read(w->fd, c, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return TR__WIRE_CLOSED;
        c += k;
        n -= (size_t)k;
    }
    return TR__WIRE_RECORD;
}

tr__wire_status tr__wire_reject(tr__wire *w, char tag, size_t len)
{
    snprintf(w->broken, sizeof w->broken, "tag 0x%02x, %zu bytes", (unsigned char)tag, len);
    return TR__WIRE_BROKEN;
}

tr__wire_status tr__wire_get(tr__wire *w, char *tag, const void **payload, size_t *len)
{
    tr__progress_step(); /* reading is this process's progress */
    w->last_steps = atomic_load(&w->progress->steps);
    w->since = tr__monotonic_seconds(); /* a record is the child's progress too */
    unsigned char head[HEAD];
    tr__wire_status s = read_full(w, head, HEAD);
    if (s != TR__WIRE_RECORD)
        return s;
    uint32_t n;
    memcpy(&n, head + 1, sizeof n);
    *tag = (char)head[0];
    if (n > TR__WIRE_MAX)
        return tr__wire_reject(w, *tag, n);
    if (n > w->cap) {
        char *grown = realloc(w->payload, n);
        if (!grown)
            return tr__wire_reject(w, *tag, n);
        w->payload = grown;
        w->cap = n;
    }
    s = read_full(w, w->payload, n);
    *payload = w->payload;
    *len = n;
    return s;
}

bool tr__wire_get_finding(const void *payload, size_t len, tr_finding *f)
{
    if (len < sizeof *f)
        return false;
    memcpy(f, payload, sizeof *f);
    if ((unsigned)f->kind >= TR_VERDICT_COUNT || f->n_sites < 0 ||
        f->n_sites > TR_FINDING_SITES || f->n_threads < 0 || f->n_threads > TR_FINDING_THREADS)
        return false;
    f->message[sizeof f->message - 1] = '\0';
    f->schedule[sizeof f->schedule - 1] = '\0';
    f->parts = NULL;
    size_t size = len - sizeof *f;
    if (size == 0)
        return true;
    tr__finding_parts head;
    if (size < sizeof head)
        return false;
    memcpy(&head, (const char *)payload + sizeof *f, sizeof head);
    if (head.size != size || head.n_steps < 0 ||
        (size_t)head.n_steps != (size - sizeof head) / sizeof(tr__row) ||
        head.n_names < 0 || head.n_names > TR__PART_NAMES || head.n_waiters < 0 ||
        head.n_waiters > TR__PART_THREADS || head.n_cycle < 0 || head.n_cycle > TR__PART_CYCLE ||
        head.n_accesses < 0 || head.n_accesses > 2 || head.n_edges < 0 ||
        head.n_edges > TR__PART_EDGES)
        return false;
    f->parts = malloc(size);
    TR_CHECK(f->parts, "out of memory reading a finding"); /* at most TR__WIRE_MAX */
    memcpy(f->parts, (const char *)payload + sizeof *f, size);
    return true;
}

/* waitpid that keeps this process's own watchdog quiet: a dying child can take a while
 * (under ThreadSanitizer its deadly-signal report is symbolised first). */
static void reap(pid_t pid, int *status)
{
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR))
            return;
        struct timespec tick = {0, 20 * 1000 * 1000};
        nanosleep(&tick, NULL);
        tr__progress_step();
    }
}

/* The finding for a child that went away without ending; lost->schedule is filled. */
static void tell_lost(const tr__wire *w, tr__wire_status last, int status, const char *who,
                      tr_finding *lost)
{
    lost->kind = TR_CRASH;
    if (w->killed) {
        lost->kind = TR_HANG;
        snprintf(lost->message, sizeof lost->message,
                 "a case thread ran for %.0f s without reaching a scheduling point and did not "
                 "answer the watchdog%s",
                 w->step_timeout, strlen(lost->schedule) > 3 ? "" : " (no schedule)");
    } else if (last == TR__WIRE_BROKEN)
        snprintf(lost->message, sizeof lost->message,
                 "%s sent a malformed record (%s) and was stopped (did a process the case "
                 "forked write to the harness's pipe?)",
                 who, w->broken);
    else if (WIFSIGNALED(status))
        snprintf(lost->message, sizeof lost->message, "%s was killed by signal %d (%s)", who,
                 WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(lost->message, sizeof lost->message, "%s exited with status %d before finishing",
                 who, WEXITSTATUS(status));
}

bool tr__wire_end(tr__wire *w, tr__wire_status last, bool ended, bool told, const char *who,
                  tr_finding *lost)
{
    close(w->fd);
    if (!ended && last == TR__WIRE_BROKEN)
        kill(w->pid, SIGKILL); /* it may go on writing garbage, or wait on a full pipe */
    int status = 0;
    reap(w->pid, &status);
    tr__progress_shared_free(w->progress);
    free(w->payload);
    w->payload = NULL;
    if (ended || told)
        return false;
    tell_lost(w, last, status, who, lost);
    return true;
}
