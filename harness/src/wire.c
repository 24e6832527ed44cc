/* wire.c — the one wire between a harness process and a child it forked (wire.h): forking
 * and setting up the child (its process group, its end of the pipe out of the case's way),
 * its tagged records both ways of the pipe, the watchdog on its step counter, the child's
 * own crash, exit and hang reports, and the one place a lost child becomes a finding, told
 * from what the child left in memory shared with its parent when it could not write.
 * Stands on progress.c, clock.c, leftovers.c and execute.c (the schedule a dying child
 * reports); explore.c and explore_isolate.c stand on it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
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
static dev_t wire_dev;      /* what wire_fd is: the case may close it or dup2 over it */
static ino_t wire_ino;
static tr__progress_counter *wire_shared; /* what the parent reads of us (harness_internal.h) */
static bool wire_reports;   /* this child reports its own crashes (tr__wire_fork) */

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

/* Whether wire_fd is still the pipe it was made as. A case can close every descriptor or
 * dup2 over it: then nothing more is written (into whatever the descriptor is now), and
 * the parent reads from shared memory what happened to it (tell_lost). Async-signal-safe. */
static bool wire_intact(void)
{
    if (wire_shared && atomic_load(&wire_shared->wire_lost))
        return false;
    struct stat st;
    int r = fstat(wire_fd, &st);
    if (r == 0 && st.st_dev == wire_dev && st.st_ino == wire_ino)
        return true;
    if (wire_shared) {
        atomic_store(&wire_shared->replaced, r == 0);
        atomic_store(&wire_shared->wire_lost, wire_fd + 1);
    }
    return false;
}

bool tr__wire_lost(void) { return wire_shared && atomic_load(&wire_shared->wire_lost); }

/* Writes one record: iov[0] is left for the head, iov[1..n-1] are the payload. */
static bool put_iov(char tag, struct iovec *iov, int n)
{
    if (wire_fd < 0 || getpid() != wire_pid || !wire_intact())
        return false;
    size_t total = 0;
    for (int i = 1; i < n; i++) {
        if (iov[i].iov_len > TR__WIRE_MAX - total)
            return false;
        total += iov[i].iov_len;
    }
    unsigned char head[HEAD];
    uint32_t len = (uint32_t)total;
    head[0] = (unsigned char)tag;
    memcpy(head + 1, &len, sizeof len);
    iov[0] = (struct iovec){head, HEAD};
    return write_parts(wire_fd, iov, n);
}

bool tr__wire_put(char tag, const void *a, size_t na, const void *b, size_t nb)
{
    struct iovec iov[3] = {{NULL, 0}, {(void *)a, na}, {(void *)b, nb}};
    return put_iov(tag, iov, 3);
}

void tr__wire_set_execution(long execution)
{
    wire_execution = execution;
    if (wire_shared && getpid() == wire_pid)
        atomic_store(&wire_shared->execution, execution);
}

_Static_assert(sizeof(tr_finding) + TR__PARTS_MAX_BYTES + 4 + TR__WIRE_FILES * 256 <=
                   TR__WIRE_MAX,
               "a finding with its largest parts and a table of long names fits in one record");

/* ---- site files (wire.h) --------------------------------------------------------------- */

void tr__wire_file_out(tr__wire_files *t, const char **file)
{
    uintptr_t k = 0;
    if (*file) {
        /* the same literal is the same address: one entry per file, usually */
        while ((int)k < t->n && t->file[k] != *file)
            k++;
        if ((int)k == t->n && t->n < TR__WIRE_FILES)
            t->file[t->n++] = *file;
        k = (int)k < t->n ? k + 1 : 0;
    }
    *file = (const char *)k;
}

/* Async-signal-safe as long as no parts travel (the crash handler's findings have none):
 * the names are written from where they are. */
bool tr__wire_put_files(char tag, const tr__wire_files *t, const void *a, size_t na,
                        const void *b, size_t nb)
{
    struct iovec iov[TR__WIRE_FILES + 4];
    uint32_t count = (uint32_t)t->n;
    int n = 1;
    iov[n++] = (struct iovec){&count, sizeof count};
    for (int i = 0; i < t->n; i++)
        iov[n++] = (struct iovec){(void *)t->file[i], strlen(t->file[i]) + 1};
    iov[n++] = (struct iovec){(void *)a, na};
    iov[n++] = (struct iovec){(void *)b, nb};
    return put_iov(tag, iov, n);
}

/* Documented per-process state: every distinct file name read from a child, kept for the
 * life of the process (findings borrow them), bounded so that a child cannot make the
 * parent keep without end; a name past the bounds makes its record malformed. */
enum { KEPT_FILES = 4096, KEPT_BYTES = 1 << 20 };
static pthread_mutex_t kept_mu = PTHREAD_MUTEX_INITIALIZER;
static char *kept_files[KEPT_FILES];
static int n_kept_files;
static size_t kept_bytes;

static const char *keep_file(const char *name)
{
    size_t len = strlen(name) + 1;
    const char *found = NULL;
    pthread_mutex_lock(&kept_mu);
    for (int i = 0; i < n_kept_files && !found; i++)
        if (strcmp(kept_files[i], name) == 0)
            found = kept_files[i];
    if (!found && n_kept_files < KEPT_FILES && len <= KEPT_BYTES - kept_bytes) {
        char *copy = malloc(len);
        TR_CHECK(copy, "out of memory keeping a file name");
        memcpy(copy, name, len);
        kept_files[n_kept_files++] = copy;
        kept_bytes += len;
        found = copy;
    }
    pthread_mutex_unlock(&kept_mu);
    return found;
}

bool tr__wire_get_files(const void *payload, size_t len, tr__wire_files *t, const void **body,
                        size_t *body_len)
{
    const char *p = payload, *end = p + len;
    uint32_t n;
    if (len < sizeof n)
        return false;
    memcpy(&n, p, sizeof n);
    p += sizeof n;
    if (n > TR__WIRE_FILES)
        return false;
    for (t->n = 0; t->n < (int)n; t->n++) {
        const char *nul = memchr(p, '\0', (size_t)(end - p));
        if (!nul || !(t->file[t->n] = keep_file(p)))
            return false;
        p = nul + 1;
    }
    *body = p;
    *body_len = (size_t)(end - p);
    return true;
}

bool tr__wire_file_in(const tr__wire_files *t, const char **file)
{
    uintptr_t k = (uintptr_t)*file;
    if (k > (uintptr_t)t->n)
        return false;
    *file = k ? t->file[k - 1] : NULL;
    return true;
}

/* ---- a finding on the wire ------------------------------------------------------------- */

typedef bool (*site_fn)(void *ctx, const char **file);

/* Calls fn on the file of every site a finding holds (its counts already checked). */
static bool each_site(tr_finding *f, site_fn fn, void *ctx)
{
    bool ok = true;
    tr__finding_parts *p = f->parts;
    for (int i = 0; i < f->n_sites; i++)
        ok &= fn(ctx, &f->sites[i].file);
    for (int i = 0; p && i < p->n_waiters; i++) {
        for (int k = 0; k < p->waiters[i].n_holds; k++)
            ok &= fn(ctx, &p->waiters[i].holds[k].site.file);
        ok &= fn(ctx, &p->waiters[i].site.file);
    }
    for (int i = 0; p && i < p->n_accesses; i++)
        ok &= fn(ctx, &p->accesses[i].site.file);
    for (int i = 0; p && i < p->n_edges; i++) {
        ok &= fn(ctx, &p->edges[i].held_at.file);
        ok &= fn(ctx, &p->edges[i].taken_at.file);
    }
    for (int i = 0; p && i < p->n_steps; i++)
        ok &= fn(ctx, &p->steps[i].site.file);
    return ok;
}

static bool file_out(void *t, const char **file)
{
    tr__wire_file_out(t, file);
    return true;
}

static bool file_in(void *t, const char **file) { return tr__wire_file_in(t, file); }

bool tr__wire_put_finding(const tr_finding *f)
{
    tr__wire_files t;
    t.n = 0;
    tr_finding flat = *f;
    flat.parts = NULL;
    if (f->parts) { /* a copy: its sites are rewritten as numbers */
        flat.parts = malloc(f->parts->size);
        if (!flat.parts)
            return false;
        memcpy(flat.parts, f->parts, f->parts->size);
    }
    each_site(&flat, file_out, &t);
    bool ok = tr__wire_put_files('F', &t, &flat, sizeof flat, flat.parts,
                                 flat.parts ? flat.parts->size : 0);
    free(flat.parts);
    return ok;
}

/* A failed check of trama's own, copied where the parent reads it (async-signal-safe). */
static void keep_check(void)
{
    const char *check = tr__check_text();
    if (!check || !wire_shared)
        return;
    size_t n = strlen(check);
    n = n < sizeof wire_shared->check - 1 ? n : sizeof wire_shared->check - 1;
    memcpy(wire_shared->check, check, n);
    wire_shared->check[n] = '\0';
}

/* SIGABRT where the child does not report its own crashes: the check that failed, if it
 * was one of trama's, for the parent's story; then the signal kills it plainly. */
static void abort_handler(int sig)
{
    keep_check();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* A signal the case died of, told with the schedule it was running; then the default
 * action, so the parent sees the signal too. A SIGABRT of trama's own (a failed check, out
 * of memory most often: the case may have taken it all) says which check. */
static void crash_handler(int sig)
{
    tr_finding f;
    const char *check = sig == SIGABRT ? tr__check_text() : NULL;
    keep_check();
    if (check)
        tr__finding_init(&f, TR_CRASH, "trama stopped the case's process: %s", check);
    else
        tr__finding_init(&f, TR_CRASH, "the case was killed by signal %d (%s)", sig,
                         strsignal(sig));
    f.execution = wire_execution;
    tr__current_schedule(f.schedule, sizeof f.schedule);
    tr__wire_put_finding(&f);
    tr__leftovers_reap();
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
                     "(a spin on plain memory, or a call that blocks outside trama?)");
    f.execution = wire_execution;
    tr__current_schedule(f.schedule, sizeof f.schedule);
    tr__wire_put_finding(&f);
    tr__leftovers_reap();
    _exit(0);
}

/* exit() called by the case, from any thread: the harness's own children end with _exit,
 * so only the case gets here. Told as a crash with the schedule it ran, as a signal is. */
static void exit_handler(int status, void *arg)
{
    (void)arg;
    if (getpid() != wire_pid || !wire_reports || !atomic_load(&wire_shared->exploring))
        return;
    tr_finding f;
    tr__finding_init(&f, TR_CRASH,
                     "the case called exit(%d), which ends the process that explores it", status);
    f.execution = wire_execution;
    tr__current_schedule(f.schedule, sizeof f.schedule);
    tr__wire_put_finding(&f);
    tr__leftovers_reap();
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
    if (!report_crashes) {
        sa.sa_handler = abort_handler;
        sigaction(SIGABRT, &sa, NULL);
    }
    signal(SIGUSR1, hang_handler);
    static bool exit_handler_on; /* once per process tree: a grandchild inherits it */
    if (!exit_handler_on)
        exit_handler_on = on_exit(exit_handler, NULL) == 0;
}

/* The child's side of the fork: the write end moved out of the way of the descriptors a
 * case usually closes, and the child made the leader of a process group of its own (what
 * the case forks stays in it, and the parent kills it all at the end, wire_end). It dies
 * with the thread that forked it: nothing explores on after trama was stopped. */
static void child_setup(tr__wire *w, int write_end, bool report_crashes)
{
    pid_t parent = getppid();
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(0); /* the parent died before the line above */
    setpgid(0, 0);
    if (wire_fd >= 0)
        close(wire_fd); /* a grandchild speaks to its parent only */
    wire_fd = fcntl(write_end, F_DUPFD_CLOEXEC, 512);
    if (wire_fd < 0)
        wire_fd = write_end; /* a descriptor limit under 512 */
    else
        close(write_end);
    struct stat st;
    TR_CHECK(fstat(wire_fd, &st) == 0, "cannot read what the wire is");
    wire_dev = st.st_dev;
    wire_ino = st.st_ino;
    wire_pid = getpid();
    wire_shared = w->progress;
    wire_reports = report_crashes;
    atomic_store(&wire_shared->execution, wire_execution);
    tr__progress_count_into(w->progress);
    tr__leftovers_adopt();
    install_handlers(report_crashes);
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
        child_setup(w, p[1], report_crashes);
        return 0;
    }
    setpgid(pid, pid); /* as the child does: whichever runs first, the group exists */
    close(p[1]);
    w->pid = pid;
    w->fd = p[0];
    return pid;
}

/* ---- the parent's side ---------------------------------------------------------------- */

/* Whether bit sig is set in the hex mask of a /proc status line "Name:\t0000000000000200". */
static bool mask_has(const char *status, const char *name, int sig)
{
    const char *line = strstr(status, name);
    if (!line)
        return false;
    unsigned long long mask = strtoull(line + strlen(name), NULL, 16);
    return (mask >> (sig - 1)) & 1;
}

static bool read_status(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return n > 0;
}

/* Why the child cannot answer the watchdog's question (SIGUSR1), NULL if it can: the case
 * ignores it, put it back to its default action (which ends the process), or blocks it in
 * every thread. Read from /proc before asking. */
static const char *deaf_to_question(pid_t pid)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    if (!read_status(path, buf, sizeof buf))
        return NULL;
    if (mask_has(buf, "SigIgn:", SIGUSR1))
        return "the case ignores SIGUSR1, the watchdog's question";
    if (!mask_has(buf, "SigCgt:", SIGUSR1))
        return "the case put SIGUSR1, the watchdog's question, back to its default action";
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return NULL;
    bool all_block = true, any = false;
    struct dirent *e;
    while (all_block && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char task[384];
        snprintf(task, sizeof task, "%s/%s/status", path, e->d_name);
        if (read_status(task, buf, sizeof buf)) {
            any = true;
            all_block = mask_has(buf, "SigBlk:", SIGUSR1);
        }
    }
    closedir(d);
    return any && all_block ? "every thread of the case blocks SIGUSR1, the watchdog's question"
                            : NULL;
}

/* Whether the child has ended: it stays a zombie for reap, or there is none to wait for
 * (ECHILD: a process that ignores SIGCHLD has it reaped by the kernel). Its pipe may stay
 * open after it: a process the case forked holds the write end too. */
static bool child_ended(const tr__wire *w)
{
    siginfo_t info;
    info.si_pid = 0;
    int r = waitid(P_PID, (id_t)w->pid, &info, WEXITED | WNOHANG | WNOWAIT);
    return r == 0 ? info.si_pid == w->pid : errno != EINTR;
}

/* The child moved (a step, a record): the watchdog's clock starts again. */
static void moved(tr__wire *w, unsigned long steps, double now)
{
    w->last_steps = steps;
    w->since = w->looked = now;
    w->starved = 0;
    w->runner = 0; /* its wait is read afresh at the next look */
}

/* Seconds the thread running the case's code waited for a CPU since the last look: time a
 * busy machine kept from the case, which is no sign of a hang. A thread blocked (outside
 * trama) does not wait for a CPU, and a spinning one waits only part of the time, so
 * both still reach the timeout. 0 at a first look or when the wait cannot be read. */
static double runner_starved(tr__wire *w, double since_look)
{
    pid_t tid = atomic_load(&w->progress->runner);
    unsigned long long wait;
    if (tid <= 0 || !tr__progress_run_queue_wait(tid, &wait)) {
        w->runner = 0;
        return 0;
    }
    double waited = tid == w->runner ? (double)(wait - w->runner_wait) / 1e9 : 0;
    w->runner = tid;
    w->runner_wait = wait;
    return waited < since_look ? waited : since_look;
}

/* The watchdog's turn, on each tick the wire is quiet: a child whose counter stands still
 * for step_timeout seconds of the time its running thread had a CPU or slept is asked
 * (SIGUSR1), then killed; one that cannot hear the question is killed at once. */
static void watchdog(tr__wire *w)
{
    unsigned long steps = atomic_load(&w->progress->steps);
    double now = tr__monotonic_seconds();
    if (steps != w->last_steps || !atomic_load(&w->progress->exploring)) {
        moved(w, steps, now);
        return;
    }
    w->starved += runner_starved(w, now - w->looked);
    w->looked = now;
    double idle = now - w->since - w->starved;
    if (!w->asked && idle >= w->step_timeout) {
        w->deaf = deaf_to_question(w->pid);
        kill(w->pid, w->deaf ? SIGKILL : SIGUSR1);
        w->asked = true;
        w->killed = w->deaf != NULL;
    } else if (w->asked && idle >= w->step_timeout + 5) {
        kill(w->pid, SIGKILL);
        w->killed = true;
    }
}

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
        if (child_ended(w)) /* what it wrote before it ended is read first */
            return poll(&pf, 1, 0) != 0 ? TR__WIRE_RECORD : TR__WIRE_CLOSED;
        watchdog(w);
    }
}

/* The pipe is at its end: the child is ending, or the case closed the child's end and it
 * goes on (until its next write tells it, tell_lost). Waits for the child to end, still
 * watching it; the first looks come quickly, as an ending child is a matter of
 * microseconds. */
static tr__wire_status wait_for_end(tr__wire *w)
{
    for (int tick_ms = 1;; tick_ms = tick_ms < 50 ? tick_ms * 2 : 50) {
        if (child_ended(w))
            return TR__WIRE_CLOSED;
        if (w->killed)
            return TR__WIRE_SILENT;
        poll(NULL, 0, tick_ms);
        tr__progress_step();
        watchdog(w);
    }
}

/* Reads n bytes; the end of the pipe is CLOSED once the child ended (a record cut short
 * too: the child died while writing, and its exit status tells why). */
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
            return wait_for_end(w);
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
    moved(w, atomic_load(&w->progress->steps), tr__monotonic_seconds()); /* a record too */
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

/* A flag read from the wire is any byte, and loading a bool that holds neither 0 nor 1 is
 * undefined: each is read as a byte and written back as a bool. */
static void wire_flag(bool *b)
{
    unsigned char v;
    memcpy(&v, b, 1);
    *b = v != 0;
}

/* An object reference: its kind in range (TR__KIND_COUNT is none), its label a string. */
static bool wire_ref(tr__ref *r)
{
    r->label[sizeof r->label - 1] = '\0';
    return (unsigned)r->id.kind <= TR__KIND_COUNT;
}

static bool wire_row(tr__row *r)
{
    wire_flag(&r->preemption);
    wire_flag(&r->timeout);
    wire_flag(&r->error);
    return (unsigned)r->op < TR__OP_COUNT && (unsigned)r->state <= TR__ROW_NOT_RUN &&
           wire_ref(&r->object);
}

static bool wire_waiter(tr__waiter *w)
{
    wire_flag(&w->blocked);
    wire_flag(&w->joins_all);
    bool ok = w->n_holds >= 0 && w->n_holds <= TR__PART_HOLDS && (unsigned)w->op < TR__OP_COUNT &&
              wire_ref(&w->object);
    for (int k = 0; ok && k < w->n_holds; k++)
        ok = wire_ref(&w->holds[k].object);
    return ok;
}

static bool wire_access(tr__access_part *a)
{
    wire_flag(&a->write);
    bool ok = a->n_locks >= 0 && a->n_locks <= TR__PART_HOLDS && wire_ref(&a->object);
    for (int k = 0; ok && k < a->n_locks; k++)
        ok = wire_ref(&a->locks[k]);
    return ok;
}

/* The parts block as read (size bytes): every count in its bounds, then every part. */
static bool wire_parts(tr__finding_parts *p, size_t size)
{
    size_t rows = (size - sizeof *p) / sizeof(tr__row);
    if (p->size != size || (size - sizeof *p) % sizeof(tr__row) != 0 || p->n_steps < 0 ||
        (size_t)p->n_steps != rows || p->n_names < 0 || p->n_names > TR__PART_NAMES ||
        p->n_waiters < 0 || p->n_waiters > TR__PART_THREADS || p->n_cycle < 0 ||
        p->n_cycle > TR__PART_CYCLE || p->n_accesses < 0 || p->n_accesses > 2 ||
        p->n_edges < 0 || p->n_edges > TR__PART_EDGES)
        return false;
    bool ok = true;
    for (int i = 0; i < TR__PART_NAMES; i++)
        p->names[i][TR__PART_NAME - 1] = '\0';
    for (int i = 0; ok && i < p->n_waiters; i++)
        ok = wire_waiter(&p->waiters[i]);
    for (int i = 0; ok && i < p->n_cycle; i++)
        ok = wire_ref(&p->cycle_objects[i]);
    for (int i = 0; ok && i < p->n_accesses; i++)
        ok = wire_access(&p->accesses[i]);
    for (int i = 0; ok && i < p->n_edges; i++)
        ok = wire_ref(&p->edges[i].holds) && wire_ref(&p->edges[i].takes);
    for (int i = 0; ok && i < p->n_steps; i++)
        ok = wire_row(&p->steps[i]);
    return ok;
}

bool tr__wire_get_finding(const void *payload, size_t len, tr_finding *f)
{
    tr__wire_files t;
    const void *body;
    size_t n;
    if (!tr__wire_get_files(payload, len, &t, &body, &n) || n < sizeof *f)
        return false;
    memcpy(f, body, sizeof *f);
    f->parts = NULL;
    if ((unsigned)f->kind >= TR_VERDICT_COUNT || f->n_sites < 0 ||
        f->n_sites > TR_FINDING_SITES || f->n_threads < 0 || f->n_threads > TR_FINDING_THREADS)
        return false;
    f->message[sizeof f->message - 1] = '\0';
    f->schedule[sizeof f->schedule - 1] = '\0';
    size_t size = n - sizeof *f;
    if (size > 0) {
        if (size < sizeof(tr__finding_parts))
            return false;
        f->parts = malloc(size);
        TR_CHECK(f->parts, "out of memory reading a finding"); /* at most TR__WIRE_MAX */
        memcpy(f->parts, (const char *)body + sizeof *f, size);
        if (!wire_parts(f->parts, size)) {
            tr__finding_free(f);
            return false;
        }
    }
    if (!each_site(f, file_in, &t)) {
        tr__finding_free(f);
        return false;
    }
    return true;
}

/* waitpid that keeps this process's own watchdog quiet: a dying child can take a while
 * (under ThreadSanitizer its deadly-signal report is symbolised first). The first looks
 * come quickly: a child that sent its end is usually gone within microseconds, and
 * --isolate takes one back per execution. */
static void reap(pid_t pid, int *status)
{
    for (long tick_us = 50;; tick_us = tick_us < 20000 ? tick_us * 2 : 20000) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR))
            return;
        struct timespec tick = {0, tick_us * 1000};
        nanosleep(&tick, NULL);
        tr__progress_step();
    }
}

/* How a lost child ended, for the end of its story. */
static void how_it_ended(int status, char *out, size_t size)
{
    if (WIFSIGNALED(status))
        snprintf(out, size, "was killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(out, size, "exited with status %d", WEXITSTATUS(status));
}

/* A child the watchdog asked (it stood still for step_timeout): a HANG, however it ended. */
static void tell_hang(const tr__wire *w, int status, const char *who, const char *ended,
                      tr_finding *lost)
{
    lost->kind = TR_HANG;
    if (w->killed)
        snprintf(lost->message, sizeof lost->message,
                 "a case thread ran for %.0f s without reaching a scheduling point and %s%s%s",
                 w->step_timeout,
                 w->deaf ? "could not answer the watchdog: " : "did not answer the watchdog",
                 w->deaf ? w->deaf : "", strlen(lost->schedule) > 3 ? "" : " (no schedule)");
    else
        snprintf(lost->message, sizeof lost->message,
                 "a case thread ran for %.0f s without reaching a scheduling point; asked by the "
                 "watchdog (SIGUSR1), %s %s%s",
                 w->step_timeout, who, ended,
                 WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR1
                     ? ": the case had put SIGUSR1 back to its default action"
                     : "");
}

/* The finding for a child that went away without ending; lost->schedule is filled, and
 * the child's shared memory still mapped (the execution it was in, its wire). */
static void tell_lost(const tr__wire *w, tr__wire_status last, int status, const char *who,
                      tr_finding *lost)
{
    long execution = atomic_load(&w->progress->execution);
    int lost_fd = atomic_load(&w->progress->wire_lost) - 1;
    char ended[96], in_execution[48] = "";
    how_it_ended(status, ended, sizeof ended);
    if (execution > lost->execution)
        lost->execution = execution;
    if (lost->execution > 0)
        snprintf(in_execution, sizeof in_execution, " in execution %ld", lost->execution);
    lost->kind = TR_CRASH;
    if (w->asked)
        tell_hang(w, status, who, ended, lost);
    else if (lost_fd >= 0)
        snprintf(lost->message, sizeof lost->message,
                 "the case %s descriptor %d, the harness's pipe from %s (noticed%s: what "
                 "was found from then on is lost); %s %s",
                 atomic_load(&w->progress->replaced) ? "replaced (dup2?)" : "closed", lost_fd,
                 who, in_execution, who, ended);
    else if (last == TR__WIRE_BROKEN)
        snprintf(lost->message, sizeof lost->message,
                 "%s sent a malformed record (%s) and was stopped (did a process the case "
                 "forked write to the harness's pipe?)",
                 who, w->broken);
    else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT && w->progress->check[0])
        snprintf(lost->message, sizeof lost->message, "trama stopped the case's process: %.200s",
                 w->progress->check);
    else
        snprintf(lost->message, sizeof lost->message, "%s %s%s%s", who, ended, in_execution,
                 WIFSIGNALED(status) ? ""
                                     : ", before finishing (did the case call exit or _exit?)");
}

bool tr__wire_end(tr__wire *w, tr__wire_status last, bool ended, bool told, const char *who,
                  tr_finding *lost)
{
    close(w->fd);
    /* the child's process group: the child if it is still there (it may go on writing
     * garbage, or wait on a full pipe), and whatever the case forked that stayed in it */
    if (w->pid > 0) /* -pid names the group; never 0 (ours) or -1 (everyone's) */
        kill(-w->pid, SIGKILL);
    int status = 0;
    reap(w->pid, &status);
    bool tell = !ended && !told;
    if (tell)
        tell_lost(w, last, status, who, lost);
    tr__progress_shared_free(w->progress);
    free(w->payload);
    w->payload = NULL;
    return tell;
}
