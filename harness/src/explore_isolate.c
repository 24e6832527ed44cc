/* explore_isolate.c — --isolate: every execution in a forked process of its own.
 *
 * The child runs the execution with a copy of the explorer and logs every call it makes
 * to it (choose with its arguments and answer, each step); the parent replays those calls
 * on its own explorer, so the search goes on exactly as in process; the lock-order edges
 * the execution added go back too, so lockdep sees every execution. A child that dies
 * (a crash) or goes silent (a spin without scheduling points) becomes a finding with the
 * schedule replayed so far, and the exploration continues with the next execution. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "finding.h"

enum { MAX_LOGGED_CHOICES = 256 };

typedef struct logger {
    tr__explorer base;
    tr__explorer *inner;
    int fd;
} logger;

static void put(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t k = write(fd, c, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            _exit(3);
        c += k;
        n -= (size_t)k;
    }
}

static bool get(int fd, void *p, size_t n, double timeout_s, bool *silent)
{
    char *c = p;
    int waited_ms = 0;
    while (n > 0) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        int r = poll(&pf, 1, 100);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0) {
            /* this process is fine, only waiting: keep the outer watchdog quiet */
            tr__progress_step();
            waited_ms += 100;
            if (waited_ms < timeout_s * 1000)
                continue;
            *silent = true;
            return false;
        }
        ssize_t k = read(fd, c, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        c += k;
        n -= (size_t)k;
    }
    return true;
}

static void log_begin(tr__explorer *x) { ((logger *)x)->inner->execution_begin(((logger *)x)->inner); }

static int log_choose(tr__explorer *x, const tr__choice *choices, int n, int current, int depth)
{
    logger *l = (logger *)x;
    int pick = l->inner->choose(l->inner, choices, n, current, depth);
    TR_CHECK(n <= MAX_LOGGED_CHOICES, "too many choices to log");
    int head[4] = {n, current, depth, pick};
    put(l->fd, "C", 1);
    put(l->fd, head, sizeof head);
    put(l->fd, choices, (size_t)n * sizeof *choices);
    return pick;
}

static void log_step(tr__explorer *x, const tr__event *ev)
{
    logger *l = (logger *)x;
    if (l->inner->on_step)
        l->inner->on_step(l->inner, ev);
    put(l->fd, "S", 1);
    put(l->fd, ev, sizeof *ev);
}

static void log_cut(tr__explorer *x, const int *threads, int n)
{
    logger *l = (logger *)x;
    if (l->inner->execution_cut)
        l->inner->execution_cut(l->inner, threads, n);
    put(l->fd, "X", 1);
    put(l->fd, &n, sizeof n);
    put(l->fd, threads, (size_t)n * sizeof *threads);
}

static bool log_end(tr__explorer *x)
{
    (void)x;
    return false;
}

static void log_destroy(tr__explorer *x) { (void)x; }

static void sink_to_pipe(tr_finding *f, void *ctx)
{
    int fd = *(int *)ctx;
    size_t size = f->parts ? f->parts->size : 0;
    put(fd, "F", 1);
    put(fd, f, sizeof *f);
    put(fd, &size, sizeof size);
    if (size)
        put(fd, f->parts, size);
    tr__finding_free(f);
}

static void run_child(const tr_case *c, const tr__exec_opts *xo, int fd)
{
    const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        signal(sigs[i], SIG_DFL); /* the parent tells the story of a crash */
    logger l = {.base = {"isolated", log_begin, log_choose, log_end, log_destroy, log_step,
                         xo->explorer->every_point, log_cut},
                .inner = xo->explorer,
                .fd = fd};
    tr__exec_opts mine = *xo;
    mine.explorer = &l.base;
    int known_edges = tr__lockorder_count();
    tr__execute(c, &mine, sink_to_pipe, &fd, NULL);
    for (int i = known_edges; i < tr__lockorder_count(); i++) {
        tr__lock_site edge[2];
        tr__lockorder_edge(i, &edge[0], &edge[1]);
        put(fd, "O", 1);
        put(fd, edge, sizeof edge); /* file names are the case's literals: same addresses */
    }
    put(fd, "E", 1);
    _exit(0);
}

/* waitpid that keeps the outer watchdog quiet: a dying child can take a while (under
 * ThreadSanitizer its deadly-signal report is symbolised first). */
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

static void lost_child(pid_t pid, bool silent, const tr__choice *schedule, int n,
                       double step_timeout, tr__finding_sink sink, void *ctx)
{
    int status = 0;
    if (silent)
        kill(pid, SIGKILL);
    reap(pid, &status);
    tr_finding f;
    memset(&f, 0, sizeof f);
    tr__schedule_format(schedule, n, f.schedule, sizeof f.schedule);
    if (silent) {
        f.kind = TR_HANG;
        snprintf(f.message, sizeof f.message,
                 "a case thread ran for %.0f s without reaching a scheduling point "
                 "(a spin on plain memory?)",
                 step_timeout);
    } else {
        f.kind = TR_CRASH;
        if (WIFSIGNALED(status))
            snprintf(f.message, sizeof f.message, "the case was killed by signal %d (%s)",
                     WTERMSIG(status), strsignal(WTERMSIG(status)));
        else
            snprintf(f.message, sizeof f.message, "the case exited with status %d",
                     WEXITSTATUS(status));
    }
    sink(&f, ctx);
}

bool tr__execute_isolated(const tr_case *c, const tr__exec_opts *xo, double step_timeout,
                          tr__finding_sink sink, void *ctx)
{
    int p[2];
    TR_CHECK(pipe(p) == 0, "cannot create a pipe to an isolated execution");
    fflush(NULL);
    pid_t pid = fork();
    TR_CHECK(pid >= 0, "cannot fork an isolated execution");
    if (pid == 0) {
        close(p[0]);
        run_child(c, xo, p[1]);
    }
    close(p[1]);
    tr__explorer *e = xo->explorer;
    e->execution_begin(e);
    tr__choice *schedule = malloc(TR__SCHEDULE_MAX * sizeof *schedule);
    tr__choice choices[MAX_LOGGED_CHOICES];
    TR_CHECK(schedule, "out of memory");
    int n_schedule = 0;
    bool silent = false, ended = false, ok = true;
    char type;
    while (!ended && get(p[0], &type, 1, step_timeout, &silent)) {
        int head[4], n_cut, cut[256];
        tr__event ev;
        tr_finding f;
        tr__lock_site edge[2];
        size_t size;
        if (type == 'E') {
            ended = true;
        } else if (type == 'O' && get(p[0], edge, sizeof edge, step_timeout, &silent)) {
            tr__lockorder_add(&edge[0], &edge[1]);
        } else if (type == 'C' && get(p[0], head, sizeof head, step_timeout, &silent) &&
                   get(p[0], choices, (size_t)head[0] * sizeof *choices, step_timeout, &silent)) {
            int pick = e->choose(e, choices, head[0], head[1], head[2]);
            TR_CHECK(pick == head[3], "an isolated execution chose differently");
            if (pick >= 0 && head[0] > 1 && n_schedule < TR__SCHEDULE_MAX)
                schedule[n_schedule++] = choices[pick];
            ok &= pick != TR__CHOOSE_MISMATCH;
        } else if (type == 'X' && get(p[0], &n_cut, sizeof n_cut, step_timeout, &silent) &&
                   n_cut >= 0 && n_cut <= 256 &&
                   get(p[0], cut, (size_t)n_cut * sizeof *cut, step_timeout, &silent)) {
            if (e->execution_cut)
                e->execution_cut(e, cut, n_cut);
        } else if (type == 'S' && get(p[0], &ev, sizeof ev, step_timeout, &silent)) {
            if (e->on_step)
                e->on_step(e, &ev);
        } else if (type == 'F' && get(p[0], &f, sizeof f, step_timeout, &silent) &&
                   get(p[0], &size, sizeof size, step_timeout, &silent)) {
            f.parts = NULL;
            if (size >= sizeof *f.parts && size <= TR__PARTS_MAX_BYTES) {
                f.parts = malloc(size);
                TR_CHECK(f.parts, "out of memory");
                if (!get(p[0], f.parts, size, step_timeout, &silent) || f.parts->size != size)
                    tr__finding_free(&f);
            }
            sink(&f, ctx);
        } else {
            break;
        }
    }
    if (ended) {
        int status;
        reap(pid, &status);
    } else {
        lost_child(pid, silent, schedule, n_schedule, step_timeout, sink, ctx);
    }
    close(p[0]);
    free(schedule);
    return ok;
}
