/* explore.c — drives executions of one case: budgets, findings (deduplicated by kind and
 * site), crash isolation in a forked child, the watchdog, replay.
 *
 * By default a case is explored in a forked child that streams its findings back through
 * a pipe, so a case that crashes becomes a CRASH finding (with the schedule it was
 * running, written by a signal handler) instead of a dead harness. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "finding.h"

void tr_explore_opts_init(tr_explore_opts *o)
{
    memset(o, 0, sizeof *o);
    o->strategy = TR_STRATEGY_DPOR;
    o->max_executions = 0;
    o->preemption_bound = -1;
    o->pct_depth = 3;
    o->step_timeout = 10;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- collecting findings -------------------------------------------------------------- */

typedef struct collector {
    tr_result *r;
    size_t cap;
    long execution;
    int fd; /* forked child: stream findings here; -1 in process */
} collector;

static bool same_finding(const tr_finding *a, const tr_finding *b)
{
    if (a->kind != b->kind || a->n_sites != b->n_sites)
        return false;
    for (int i = 0; i < a->n_sites; i++)
        if (a->sites[i].line != b->sites[i].line ||
            strcmp(a->sites[i].file ? a->sites[i].file : "", b->sites[i].file ? b->sites[i].file : ""))
            return false;
    return true;
}

void tr__result_keep(tr_result *r, size_t *cap, tr_finding *f)
{
    r->found |= 1u << f->kind;
    for (size_t i = 0; i < r->n_findings; i++)
        if (same_finding(&r->findings[i], f)) {
            tr__finding_free(f);
            return;
        }
    if (r->n_findings == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        r->findings = realloc(r->findings, *cap * sizeof *r->findings);
        TR_CHECK(r->findings, "out of memory keeping findings");
    }
    r->findings[r->n_findings++] = *f;
}

/* ---- the child -> parent stream ------------------------------------------------------- */

typedef struct record {
    char type; /* 'F' finding, 'E' end of exploration */
    tr_finding f;
    size_t parts_size;
    long executions;
    bool complete;
} record;

static void write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t k = write(fd, c, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return;
        c += k;
        n -= (size_t)k;
    }
}

static bool read_all(int fd, void *p, size_t n)
{
    char *c = p;
    while (n > 0) {
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

static void send_record(int fd, char type, const tr_finding *f, long executions, bool complete)
{
    record rec;
    memset(&rec, 0, sizeof rec);
    rec.type = type;
    if (f) {
        rec.f = *f;
        rec.f.parts = NULL;
        rec.parts_size = f->parts ? f->parts->size : 0;
    }
    rec.executions = executions;
    rec.complete = complete;
    write_all(fd, &rec, sizeof rec);
    if (rec.parts_size)
        write_all(fd, f->parts, rec.parts_size);
}

/* In the exploring child, only a finding not seen before crosses to the parent. */
static bool kept(const tr_result *r, const tr_finding *f)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (same_finding(&r->findings[i], f))
            return true;
    return false;
}

static void on_finding(tr_finding *f, void *ctx)
{
    collector *col = ctx;
    tr_finding copy = *f;
    copy.execution = col->execution;
    if (col->fd >= 0 && !kept(col->r, &copy))
        send_record(col->fd, 'F', &copy, col->execution, false);
    tr__result_keep(col->r, &col->cap, &copy);
}

/* ---- crash and hang reporting in the child -------------------------------------------- */

static int crash_fd = -1;
static long crash_execution;

static void crash_handler(int sig)
{
    tr_finding f;
    memset(&f, 0, sizeof f);
    f.kind = TR_CRASH;
    f.execution = crash_execution;
    snprintf(f.message, sizeof f.message, "the case was killed by signal %d (%s)", sig,
             strsignal(sig));
    tr__current_schedule(f.schedule, sizeof f.schedule);
    send_record(crash_fd, 'F', &f, crash_execution, false);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_crash_handlers(void)
{
    static char altstack[1 << 16];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = crash_handler;
    sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
    int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        sigaction(sigs[i], &sa, NULL);
}

/* The parent's watchdog: a child whose step counter (in memory shared with the parent)
 * stands still for step_timeout seconds while it explores gets SIGUSR1, and its handler
 * reports a HANG with the schedule it was running. No thread runs in the child besides
 * the case (ThreadSanitizer forbids threads in a forked child of a threaded process). */
struct progress {
    atomic_ulong steps;
    atomic_bool exploring;
};

static progress progress_here; /* in-process exploration: nobody watches */
progress *tr__progress = &progress_here;

/* relaxed: the counter only tells the watchdog that something moves */
void tr__progress_step(void) { atomic_fetch_add_explicit(&tr__progress->steps, 1, memory_order_relaxed); }


static void hang_handler(int sig)
{
    (void)sig;
    tr_finding f;
    memset(&f, 0, sizeof f);
    f.kind = TR_HANG;
    f.execution = crash_execution;
    snprintf(f.message, sizeof f.message,
             "a case thread ran for too long without reaching a scheduling point "
             "(a spin on plain memory?)");
    tr__current_schedule(f.schedule, sizeof f.schedule);
    send_record(crash_fd, 'F', &f, crash_execution, false);
    _exit(0);
}

/* ---- exploring in this process -------------------------------------------------------- */

static tr__explorer *make_explorer(const tr_explore_opts *o)
{
    switch (o->strategy) {
    case TR_STRATEGY_RANDOM:
        return tr__explorer_random(o->seed);
    case TR_STRATEGY_PCT:
        return tr__explorer_pct(o->seed, o->pct_depth);
    case TR_STRATEGY_DPOR:
        return tr__explorer_dpor();
    case TR_STRATEGY_DFS:
        return tr__explorer_dfs(o->preemption_bound);
    }
    return tr__explorer_dfs(o->preemption_bound);
}

static void explore_here(const tr_case *c, const tr_explore_opts *o, tr_result *r, int fd)
{
    collector col = {.r = r, .fd = fd};
    tr__explorer *e = make_explorer(o);
    tr__exec_opts xo = {.explorer = e, .max_steps = o->max_steps > 0 ? o->max_steps : 10000,
                        .timeouts = o->timeouts};
    long max = o->max_executions == 0 ? 100000 : o->max_executions;
    double start = now_seconds();
    tr__lockorder_reset();
    atomic_store(&tr__progress->exploring, true);
    /* random and pct under --shard I/N: this shard runs executions k = I, I+N, ... of the
     * unsharded stream (each execution draws from its own seed stream) */
    bool split = o->shard_count > 1 &&
                 (o->strategy == TR_STRATEGY_RANDOM || o->strategy == TR_STRATEGY_PCT);
    long stream = 0;
    for (;;) {
        while (split && stream++ % o->shard_count != o->shard_index)
            e->execution_begin(e); /* skip another shard's execution */
        col.execution = crash_execution = r->executions + 1;
        if (o->isolate)
            tr__execute_isolated(c, &xo, o->step_timeout > 0 ? o->step_timeout : 10, on_finding,
                                 &col);
        else
            tr__execute(c, &xo, on_finding, &col, NULL);
        r->executions++;
        bool more = e->execution_end(e);
        if (!more) {
            r->complete = true;
            break;
        }
        if (o->stop_on_first && r->found)
            break;
        if (o->stop_on_expected && c->expected != TR_PASS && (r->found & (1u << c->expected)))
            break;
        if (max > 0 && (split ? stream + (o->shard_count - 1) : r->executions) >= max)
            break; /* sharded: stop where the unsharded stream of `max` would */
        if (o->time_budget > 0 && now_seconds() - start >= o->time_budget)
            break;
    }
    atomic_store(&tr__progress->exploring, false);
    e->destroy(e);
}

/* ---- exploring in a forked child ------------------------------------------------------ */

/* Forks the child that explores c; its findings stream back through *fd, its progress
 * through *shared (unmapped by explore_finish). */
static pid_t explore_start(const tr_case *c, const tr_explore_opts *o, int *fd, progress **shared)
{
    int p[2];
    TR_CHECK(pipe(p) == 0, "cannot create a pipe to the exploring child");
    *shared = mmap(NULL, sizeof **shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    TR_CHECK(*shared != MAP_FAILED, "cannot map progress memory for the exploring child");
    fflush(NULL);
    pid_t pid = fork();
    TR_CHECK(pid >= 0, "cannot fork the exploring child");
    if (pid == 0) {
        close(p[0]);
        crash_fd = p[1];
        tr__progress = *shared;
        install_crash_handlers();
        signal(SIGUSR1, hang_handler);
        tr_result mine = {.c = c};
        explore_here(c, o, &mine, p[1]);
        send_record(p[1], 'E', NULL, mine.executions, mine.complete);
        _exit(0);
    }
    close(p[1]);
    *fd = p[0];
    return pid;
}

/* Waits until fd is readable; a child that makes no progress for step_timeout seconds is
 * asked (SIGUSR1) to report a HANG, then killed if it does not answer within 5 s (under
 * ThreadSanitizer a signal waits for the spinning thread's next intercepted call, which
 * never comes). Returns true when it had to kill. */
static bool watch(pid_t pid, int fd, progress *shared, double step_timeout)
{
    unsigned long last = atomic_load(&shared->steps);
    double since = now_seconds();
    bool asked = false;
    for (;;) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        if (poll(&pf, 1, 50) != 0)
            return false;
        unsigned long steps = atomic_load(&shared->steps);
        if (steps != last || !atomic_load(&shared->exploring)) {
            last = steps;
            since = now_seconds();
            continue;
        }
        double idle = now_seconds() - since;
        if (!asked && idle >= step_timeout) {
            kill(pid, SIGUSR1);
            asked = true;
        } else if (asked && idle >= step_timeout + 5) {
            kill(pid, SIGKILL);
            return true;
        }
    }
}

/* Reads the child's findings until it ends; a child that dies early is a CRASH (its
 * crash handler usually sent the finding with the schedule already). */
static void explore_finish(pid_t pid, int fd, progress *shared, double step_timeout,
                           tr_result *r)
{
    size_t cap = 0;
    record rec;
    bool ended = false;
    long last_execution = 0;
    bool killed = false;
    for (;;) {
        killed |= watch(pid, fd, shared, step_timeout);
        if (!read_all(fd, &rec, sizeof rec))
            break;
        if (rec.type == 'E') {
            r->executions = rec.executions;
            r->complete = rec.complete;
            ended = true;
            continue;
        }
        rec.f.parts = NULL;
        if (rec.parts_size >= sizeof *rec.f.parts && rec.parts_size <= TR__PARTS_MAX_BYTES) {
            rec.f.parts = malloc(rec.parts_size);
            TR_CHECK(rec.f.parts, "out of memory reading a finding");
            if (!read_all(fd, rec.f.parts, rec.parts_size) || rec.f.parts->size != rec.parts_size)
                tr__finding_free(&rec.f);
        }
        last_execution = rec.f.execution;
        tr__result_keep(r, &cap, &rec.f);
    }
    close(fd);
    munmap(shared, sizeof *shared);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (ended)
        return;
    r->executions = last_execution;
    r->complete = false;
    if (r->found & ((1u << TR_CRASH) | (1u << TR_HANG)))
        return;
    tr_finding f;
    memset(&f, 0, sizeof f);
    f.kind = killed ? TR_HANG : TR_CRASH;
    f.execution = last_execution;
    if (killed)
        snprintf(f.message, sizeof f.message,
                 "a case thread ran for %.0f s without reaching a scheduling point and did not "
                 "answer the watchdog (no schedule)",
                 step_timeout);
    else if (WIFSIGNALED(status))
        snprintf(f.message, sizeof f.message, "the exploring child died of signal %d (%s)",
                 WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(f.message, sizeof f.message,
                 "the exploring child exited with status %d before finishing",
                 WEXITSTATUS(status));
    snprintf(f.schedule, sizeof f.schedule, "v1:");
    tr__result_keep(r, &cap, &f);
}

static double now_or(double start) { return now_seconds() - start; }

void tr_explore_many(const tr_case *const *cases, size_t n, const tr_explore_opts *o,
                     void (*done)(tr_result *r, void *ctx), void *ctx)
{
    size_t jobs = o->jobs > 1 && !o->no_fork ? (size_t)o->jobs : 1;
    pid_t *pids = calloc(n ? n : 1, sizeof *pids);
    progress **shared = calloc(n ? n : 1, sizeof *shared);
    int *fds = calloc(n ? n : 1, sizeof *fds);
    double *starts = calloc(n ? n : 1, sizeof *starts);
    TR_CHECK(pids && fds && starts && shared, "out of memory starting explorations");
    double step_timeout = o->step_timeout > 0 ? o->step_timeout : 10;
    size_t started = 0;
    for (size_t i = 0; i < n; i++) {
        /* keep up to `jobs` children running; results come back in case order */
        while (started < n && started < i + jobs) {
            starts[started] = now_seconds();
            if (!o->no_fork)
                pids[started] = explore_start(cases[started], o, &fds[started], &shared[started]);
            started++;
        }
        tr_result r;
        memset(&r, 0, sizeof r);
        r.c = cases[i];
        if (o->no_fork)
            explore_here(r.c, o, &r, -1);
        else
            explore_finish(pids[i], fds[i], shared[i], step_timeout, &r);
        r.seconds = now_or(starts[i]);
        done(&r, ctx);
    }
    free(pids);
    free(shared);
    free(fds);
    free(starts);
}

tr_result tr_explore(const char *case_name, const tr_explore_opts *opts)
{
    tr_explore_opts defaults;
    if (!opts) {
        tr_explore_opts_init(&defaults);
        opts = &defaults;
    }
    tr_result r;
    memset(&r, 0, sizeof r);
    r.c = tr_case_find(case_name);
    if (!r.c)
        return r;
    double start = now_seconds();
    if (opts->no_fork) {
        explore_here(r.c, opts, &r, -1);
    } else {
        int fd;
        progress *shared;
        pid_t pid = explore_start(r.c, opts, &fd, &shared);
        explore_finish(pid, fd, shared, opts->step_timeout > 0 ? opts->step_timeout : 10, &r);
    }
    r.seconds = now_seconds() - start;
    return r;
}

void tr_result_free(tr_result *r)
{
    for (size_t i = 0; i < r->n_findings; i++)
        tr__finding_free(&r->findings[i]);
    free(r->findings);
    r->findings = NULL;
    r->n_findings = 0;
}

bool tr_result_ok(const tr_result *r)
{
    if (!r->c)
        return false;
    if (r->c->expected == TR_PASS)
        return r->found == 0;
    return (r->found & (1u << r->c->expected)) != 0;
}

/* ---- assertions ----------------------------------------------------------------------- */

void tr__assert_failedf(const char *file, int line, const char *fmt, ...)
{
    char text[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    tr__assert_failed(file, line, text);
}
