/* process.c — multiprocessing.Process with the fork start method.
 *
 * A process object moves NEW -> STARTING (start's checks passed, fork under way) ->
 * STARTED (pid known, child not reaped) -> ENDED (reaped, exitcode known); close() sets
 * `closed`. Python's `_popen is not None` is STARTED or ENDED. All of it is guarded by the
 * object's domain and changed only in effects.
 *
 * Per-process state (documented globals, reset in a child right after fork):
 *   current   the Process object this process runs (Python's _current_process); NULL in
 *             the main process (MainProcess).
 *   children  started, unreaped children (Python's _children). Each holds a reference, so
 *             a child whose object was freed while it ran is still reaped: at the next
 *             start (Python's _cleanup) or at exit.
 *
 * Exit readiness (the join action's wait_fd) and reaping are process_exit.c's. Children
 * are reaped with waitpid on their own pid, never -1, always inside an effect, so a pid is
 * never signalled after it was reaped (and maybe reused).
 *
 * At exit (atexit in the main process; explicitly in a child once its target returns)
 * daemon children get SIGTERM and every child is joined, as Python's _exit_function. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "misuse.h"

typedef enum proc_state { STATE_NEW, STATE_STARTING, STATE_STARTED, STATE_ENDED } proc_state;

struct tr_process {
    tr__object obj; /* first: a tr__object * is a tr_process * */
    tr_target target;
    void *arg;
    char *name;
    char *identity;  /* "3", or "10:1" for the first child of Process-10 (Python's _identity) */
    bool daemon;
    bool closed;
    bool crash_handled; /* set before start only (tr__process_crash_is_handled) */
    proc_state state;
    pid_t creator;   /* getpid() at creation (Python's _parent_pid) */
    pid_t pid;       /* 0 until STARTED */
    int exitcode;    /* valid in ENDED */
    int exit_fd;     /* pidfd or sentinel pipe; -1 before start and after close */
    atomic_int refs; /* the user's handle + the children registry while in it */
    tr_process *next_child; /* guarded by children.mu */
};

/* Outputs of an effect, read by the public function after tr__perform. */
typedef struct call {
    int value;       /* pid, exitcode, exit_fd */
    bool flag;       /* is_alive's answer; set_daemon's input */
    int sig;         /* terminate / kill */
    bool unmodelled; /* ... which the backend could not carry out */
    int fd;          /* the exit descriptor: recorded at start, fetched by join */
    bool reaped;     /* the registry's reference is the caller's to drop, after perform */
} call;

static tr_process *current;
static struct {
    pthread_mutex_t mu;
    tr_process *head;
} children = {PTHREAD_MUTEX_INITIALIZER, NULL};

/* In a child: what each generation inherited from its parent and must never use or free
 * (a parent thread may have held that mutex or waited on that condvar at the fork). Kept
 * reachable on purpose, one node per generation: it is the parent's, not a leak of ours. */
typedef struct inheritance {
    struct inheritance *older;
    tr_process *children;
    void *monitor;
} inheritance;
static inheritance *inherited __attribute__((used)); /* written, never read: keep it */

static pthread_once_t setup_once = PTHREAD_ONCE_INIT;

static void exit_function(void);

static void setup(void) { atexit(exit_function); }

/* ---- objects -------------------------------------------------------------------------- */

static void registry_remove(tr_process *p);

/* Also the harness's reclaim at the end of an execution, while the object may still be
 * in the registry (its child never reaped): it leaves it. */
static void process_destroy(tr__object *obj)
{
    tr_process *p = (tr_process *)obj;
    registry_remove(p);
    if (p->exit_fd >= 0)
        close(p->exit_fd);
    tr__object_fini(&p->obj);
    free(p->name);
    free(p->identity);
    free(p);
}

static const tr__type process_type = {TR__KIND_PROCESS, process_destroy};

static void process_unref(tr_process *p)
{
    if (atomic_fetch_sub(&p->refs, 1) == 1)
        process_destroy(&p->obj);
}

static void registry_add(tr_process *p)
{
    atomic_fetch_add(&p->refs, 1);
    pthread_mutex_lock(&children.mu);
    p->next_child = children.head;
    children.head = p;
    pthread_mutex_unlock(&children.mu);
}

/* In an effect; the caller drops the registry's reference after perform (c->reaped). */
static void registry_remove(tr_process *p)
{
    pthread_mutex_lock(&children.mu);
    for (tr_process **at = &children.head; *at; at = &(*at)->next_child) {
        if (*at == p) {
            *at = p->next_child;
            break;
        }
    }
    pthread_mutex_unlock(&children.mu);
}

/* The registry's children, each with a reference the caller drops. A held block (the
 * caller's actions on them may park it for good under a harness), freed with
 * tr__held_free; NULL if none (or out of memory: then nothing is reaped early, exit still
 * reaps through waitpid). */
static tr_process **registry_snapshot(size_t *n)
{
    pthread_mutex_lock(&children.mu);
    size_t count = 0;
    for (tr_process *p = children.head; p; p = p->next_child)
        count++;
    tr_process **all = count ? tr__held_alloc(count * sizeof *all) : NULL;
    *n = all ? count : 0;
    size_t i = 0;
    for (tr_process *p = children.head; all && p; p = p->next_child) {
        atomic_fetch_add(&p->refs, 1);
        all[i++] = p;
    }
    pthread_mutex_unlock(&children.mu);
    return all;
}

tr_process *(tr_process_new)(tr_target target, void *arg, const tr_process_opts *opts)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    tr_process *p = calloc(1, sizeof *p);
    char identity[160], name[192];
    long n = atomic_fetch_add(&tr__names.process, 1);
    snprintf(identity, sizeof identity, "%s%s%ld", current ? current->identity : "",
             current ? ":" : "", n);
    snprintf(name, sizeof name, "Process-%s", identity);
    if (!p || !(p->identity = strdup(identity)) ||
        !(p->name = strdup(opts && opts->name && opts->name[0] ? opts->name : name)) ||
        tr__object_init(&p->obj, &process_type, NULL) != TR_OK) {
        if (p) {
            free(p->identity);
            free(p->name);
        }
        free(p);
        tr__set_error(TR_NO_MEMORY, "");
        return NULL;
    }
    p->obj.label = p->name;
    p->target = target;
    p->arg = arg;
    p->daemon = opts ? opts->daemon : current && (tr_process_daemon)(current);
    p->creator = getpid();
    p->exitcode = TR_EXITCODE_NONE;
    p->exit_fd = -1;
    atomic_init(&p->refs, 1);
    return p;
}

void tr_process_free(tr_process *p)
{
    if (p)
        process_unref(p); /* a running child stays in the registry: detached, not leaked */
}

const char *tr_process_name(const tr_process *p) { return p->name; }

void tr__process_crash_is_handled(tr_process *p) { p->crash_handled = true; }

/* ---- reaping -------------------------------------------------------------------------- */

/* In an effect, state STARTED: Python's Popen.poll(flag). False while the child runs, and
 * when it is not ours to reap (ECHILD: Python's poll() returns None too). */
static bool reap(tr_process *p, call *c, bool block)
{
    if (!tr__exit_reap(p->pid, block, &p->exitcode))
        return false;
    p->state = STATE_ENDED;
    registry_remove(p);
    c->reaped = true;
    return true;
}

/* After perform: drops the registry's reference if the effect reaped the child. */
static tr_status finish(tr_process *p, const call *c, tr_status s)
{
    if (c->reaped)
        process_unref(p);
    return s;
}

static tr_status raise_errno(int err, const char *file, int line)
{
    char text[128];
    if (strerror_r(err, text, sizeof text) != 0)
        text[0] = '\0';
    return tr__raisef(TR_OS_ERROR, file, line, "[Errno %d] %s", err, text);
}

/* ---- start ---------------------------------------------------------------------------- */

/* Python's start(): closed -> started twice -> caller -> daemonic parent (c->flag). */
static void start_effect(tr__action *a)
{
    tr_process *p = (tr_process *)a->obj;
    const call *c = a->arg;
    if (p->closed)
        tr__fail(a, TR_VALUE_ERROR, "process object is closed");
    else if (p->state != STATE_NEW)
        tr__fail(a, TR_RUNTIME_ERROR, "cannot start a process twice");
    else if (p->creator != getpid())
        tr__fail(a, TR_RUNTIME_ERROR,
                 "can only start a process object created by current process");
    else if (c->flag)
        tr__fail(a, TR_RUNTIME_ERROR, "daemonic processes are not allowed to have children");
    if (a->message)
        return;
    p->state = STATE_STARTING;
    tr__hb(a, a->obj, TR__HB_RELEASE);
}

/* The registry entry is added here, under the monitor, so no join can reap it first. */
static void started_effect(tr__action *a)
{
    tr_process *p = (tr_process *)a->obj;
    const call *c = a->arg;
    p->pid = c->value;
    p->exit_fd = c->fd;
    p->state = STATE_STARTED;
    registry_add(p);
}

static void unstart_effect(tr__action *a) { ((tr_process *)a->obj)->state = STATE_NEW; }

static void stdin_to_devnull(void)
{
    int fd = open("/dev/null", O_RDONLY);
    if (fd > 0) {
        dup2(fd, 0);
        close(fd);
    }
}

/* In the child, right after fork (only the forking thread exists): Python's _bootstrap.
 * A fresh Process-N counter and no children; this object is the current process and, in
 * here, an unstarted one (the child never saw _popen set). Its monitor may have been held
 * by another parent thread at the fork: the object gets a fresh one (the old one leaks). */
static void child_reset(tr_process *p)
{
    atomic_store(&tr__names.process, 1);
    tr__threads_after_fork();
    pthread_mutex_init(&children.mu, NULL);
    inheritance *node = malloc(sizeof *node);
    if (node) {
        *node = (inheritance){inherited, children.head, p->obj.backend};
        inherited = node;
    }
    children.head = NULL;
    tr__object_init(&p->obj, &process_type, NULL);
    p->state = STATE_NEW;
    current = p;
    tr__misuse_process_named(p->name);
    stdin_to_devnull(); /* Python's util._close_stdin */
}

static _Noreturn void child_main(tr_process *p, tr__exit_watch *watch)
{
    tr__exit_watch_child(watch);
    child_reset(p);
    if (p->target)
        p->target(p->arg);
    tr_threading_shutdown(); /* Python's _bootstrap, then the atexit functions */
    exit_function();
    tr__misuse_log_flush(); /* _exit runs no atexit function */
    fflush(stdout);
    fflush(stderr);
    tr__process_exiting(0);
    _exit(0);
}

/* Forks; in the parent, records the pid and the exit descriptor (STARTED). */
static tr_status fork_child(tr_process *p, const tr__action *first)
{
    tr__exit_watch watch;
    call c = {0};
    int err = tr__exit_watch_open(&watch);
    if (err)
        goto failed;
    fflush(stdout); /* Python's _flush_std_streams: nothing buffered is written twice */
    fflush(stderr);
    pid_t pid = tr__fork_process(&p->obj, p->crash_handled);
    if (pid == 0)
        child_main(p, &watch);
    if (pid < 0) {
        err = errno;
        tr__exit_watch_cancel(&watch);
        goto failed;
    }
    c.value = pid;
    c.fd = tr__exit_watch_fd(&watch, pid);
    if (c.fd < 0) { /* no descriptor to wait on: the child was taken back; fail the start */
        err = errno;
        goto failed;
    }
    tr__action done = tr__action_next(first, &p->obj, TR__OP_PROCESS_START);
    done.arg = &c;
    done.effect = started_effect;
    tr__perform(&done);
    return TR_OK;
failed:;
    tr__action undo = tr__action_next(first, &p->obj, TR__OP_PROCESS_START);
    undo.effect = unstart_effect;
    tr__perform(&undo);
    return raise_errno(err, first->file, first->line);
}

static void poll_child_effect(tr__action *a)
{
    tr_process *p = (tr_process *)a->obj;
    if (p->state == STATE_STARTED)
        reap(p, a->arg, false);
}

/* Python's _cleanup(): reaps the children that have ended, even those already freed. */
static void reap_finished_children(void)
{
    size_t n;
    tr_process **all = registry_snapshot(&n);
    for (size_t i = 0; i < n; i++) {
        call c = {0};
        tr__action a = tr__action_next(&(tr__action){0}, &all[i]->obj, TR__OP_PROCESS_QUERY);
        a.arg = &c;
        a.effect = poll_child_effect;
        finish(all[i], &c, tr__perform(&a));
        process_unref(all[i]);
    }
    tr__held_free(all);
}

tr_status(tr_process_start)(tr_process *p)
{
    tr__action a = tr__action_make(&p->obj, TR__OP_PROCESS_START);
    call c = {.flag = current && (tr_process_daemon)(current)};
    a.arg = &c;
    a.effect = start_effect;
    if (tr__perform(&a) != TR_OK)
        return a.status;
    pthread_once(&setup_once, setup);
    reap_finished_children();
    return fork_child(p, &a);
}

/* ---- join ----------------------------------------------------------------------------- */

/* Join's first action: the exit descriptor to wait on, once a start under way is done. */
static bool fetch_guard(const tr__action *a)
{
    return ((const tr_process *)a->obj)->state != STATE_STARTING;
}

static void fetch_effect(tr__action *a) { ((call *)a->arg)->fd = ((tr_process *)a->obj)->exit_fd; }

static bool join_guard(const tr__action *a)
{
    const tr_process *p = (const tr_process *)a->obj;
    return p->closed || p->creator != getpid() || p->state != STATE_STARTED ||
           tr__exit_ready(p->exit_fd);
}

/* Python's join(): closed -> caller -> started. */
static void join_effect(tr__action *a)
{
    tr_process *p = (tr_process *)a->obj;
    if (p->closed)
        tr__fail(a, TR_VALUE_ERROR, "process object is closed");
    else if (p->creator != getpid())
        tr__fail(a, TR_RUNTIME_ERROR, "can only join a child process");
    else if (p->state == STATE_NEW || p->state == STATE_STARTING)
        tr__fail(a, TR_RUNTIME_ERROR, "can only join a started process");
    if (a->message)
        return;
    if (p->state == STATE_STARTED)
        reap(p, a->arg, true); /* it has exited: the wait is immediate */
    tr__hb(a, a->obj, TR__HB_ACQUIRE);
}

tr_status(tr_process_join)(tr_process *p, double timeout)
{
    tr__action a = tr__action_make(&p->obj, TR__OP_PROCESS_JOIN);
    call c = {.fd = -1};
    tr__action fetch = tr__action_next(&a, &p->obj, TR__OP_PROCESS_QUERY);
    fetch.arg = &c;
    fetch.guard = fetch_guard;
    fetch.effect = fetch_effect;
    tr__perform(&fetch);
    a.arg = &c;
    a.guard = join_guard;
    a.effect = join_effect;
    a.timeout = timeout == TR_FOREVER ? TR_FOREVER : timeout > 0 ? timeout : 0;
    a.wait_fd = c.fd;
    a.wait_events = POLLIN;
    tr_status s = tr__perform(&a);
    if (s == TR_TIMEOUT)
        tr__set_error(TR_TIMEOUT, "");
    return finish(p, &c, s);
}

/* ---- queries -------------------------------------------------------------------------- */

/* Python's is_alive(): closed -> is the current process -> caller -> poll. */
static void alive_effect(tr__action *a)
{
    tr_process *p = (tr_process *)a->obj;
    call *c = a->arg;
    if (p->closed)
        tr__fail(a, TR_VALUE_ERROR, "process object is closed");
    else if (p == current)
        c->flag = true;
    else if (p->creator != getpid())
        tr__fail(a, TR_RUNTIME_ERROR, "can only test a child process");
    else if (p->state == STATE_STARTED)
        c->flag = !reap(p, c, false);
}

bool(tr_process_is_alive)(tr_process *p)
{
    call c = {0};
    tr__action a = tr__action_make(&p->obj, TR__OP_PROCESS_QUERY);
    a.arg = &c;
    a.effect = alive_effect;
    finish(p, &c, tr__perform(&a));
    return c.flag;
}

static void exitcode_effect(tr__action *a)
{
    tr_process *p = (tr_process *)a->obj;
    call *c = a->arg;
    if (p->closed) {
        tr__fail(a, TR_VALUE_ERROR, "process object is closed");
        return;
    }
    if (p->state == STATE_STARTED)
        reap(p, c, false);
    if (p->state == STATE_ENDED)
        c->value = p->exitcode;
}

int(tr_process_exitcode)(const tr_process *cp)
{
    tr_process *p = (tr_process *)cp; /* polling may reap: Python's exitcode does */
    call c = {.value = TR_EXITCODE_NONE};
    tr__action a = tr__action_make(&p->obj, TR__OP_PROCESS_QUERY);
    a.arg = &c;
    a.effect = exitcode_effect;
    finish(p, &c, tr__perform(&a));
    return c.value;
}

static void pid_effect(tr__action *a)
{
    tr_process *p = (tr_process *)a->obj;
    call *c = a->arg;
    if (p->closed)
        tr__fail(a, TR_VALUE_ERROR, "process object is closed");
    else
        c->value = p == current ? (int)getpid() : (int)p->pid;
}

int(tr_process_pid)(const tr_process *p)
{
    call c = {0};
    tr__action a = tr__action_make((tr__object *)&p->obj, TR__OP_PROCESS_QUERY);
    a.arg = &c;
    a.effect = pid_effect;
    tr__perform(&a);
    return c.value;
}

static void daemon_effect(tr__action *a)
{
    ((call *)a->arg)->flag = ((const tr_process *)a->obj)->daemon;
}

bool(tr_process_daemon)(const tr_process *p)
{
    call c = {0};
    tr__action a = tr__action_make((tr__object *)&p->obj, TR__OP_PROCESS_QUERY);
    a.arg = &c;
    a.effect = daemon_effect;
    tr__perform(&a);
    return c.flag;
}

/* ---- changes -------------------------------------------------------------------------- */

/* Python's daemon setter asserts `_popen is None`: before start, or after close(). */
static void set_daemon_effect(tr__action *a)
{
    tr_process *p = (tr_process *)a->obj;
    if (!p->closed && p->state != STATE_NEW)
        tr__fail(a, TR_RUNTIME_ERROR, "process has already started");
    else
        p->daemon = ((const call *)a->arg)->flag;
}

tr_status(tr_process_set_daemon)(tr_process *p, bool daemon)
{
    call c = {.flag = daemon};
    tr__action a = tr__action_make(&p->obj, TR__OP_PROCESS_SIGNAL);
    a.arg = &c;
    a.effect = set_daemon_effect;
    return tr__perform(&a);
}

/* Python's terminate()/kill(): closed -> `_popen` is None (AttributeError) -> signal,
 * unless the child was already reaped. */
static void signal_effect(tr__action *a)
{
    tr_process *p = (tr_process *)a->obj;
    call *c = a->arg;
    if (p->closed)
        tr__fail(a, TR_VALUE_ERROR, "process object is closed");
    else if (p->state == STATE_NEW || p->state == STATE_STARTING)
        tr__fail(a, TR_RUNTIME_ERROR,
                 c->sig == SIGKILL ? "'NoneType' object has no attribute 'kill'"
                                   : "'NoneType' object has no attribute 'terminate'");
    else if (p->state == STATE_STARTED)
        c->unmodelled = !tr__signal_process(&p->obj, p->pid, c->sig);
}

static tr_status send_signal(tr_process *p, int sig)
{
    call c = {.sig = sig};
    tr__action a = tr__action_make(&p->obj, TR__OP_PROCESS_SIGNAL);
    a.arg = &c;
    a.effect = signal_effect;
    tr_status s = tr__perform(&a);
    if (c.unmodelled)
        tr__unmodelled(sig == SIGKILL ? "Process.kill()" : "Process.terminate()", a.file,
                       a.line);
    return s;
}

tr_status(tr_process_terminate)(tr_process *p) { return send_signal(p, SIGTERM); }
tr_status(tr_process_kill)(tr_process *p) { return send_signal(p, SIGKILL); }

/* Python's close(): a started process must have ended; idempotent afterwards. */
static void close_effect(tr__action *a)
{
    tr_process *p = (tr_process *)a->obj;
    call *c = a->arg;
    if (p->state == STATE_STARTING || (p->state == STATE_STARTED && !reap(p, c, false))) {
        tr__fail(a, TR_VALUE_ERROR,
                 "Cannot close a process while it is still running. You should first call "
                 "join() or terminate().");
        return;
    }
    if (p->exit_fd >= 0)
        close(p->exit_fd);
    p->exit_fd = -1;
    p->closed = true;
}

tr_status(tr_process_close)(tr_process *p)
{
    call c = {0};
    tr__action a = tr__action_make(&p->obj, TR__OP_PROCESS_SIGNAL);
    a.arg = &c;
    a.effect = close_effect;
    return finish(p, &c, tr__perform(&a));
}

/* ---- exit ----------------------------------------------------------------------------- */

/* Python's util._exit_function: SIGTERM to daemon children, then join every child. */
/* Python's util.Finalize with a negative exitpriority: run last, after the children were
 * joined (a multiprocessing.Queue joins its feeder thread there). */
enum { MAX_FINALIZERS = 4 };
static void (*finalizers[MAX_FINALIZERS])(void);
static atomic_int n_finalizers;

void tr__process_atexit(void (*fn)(void))
{
    pthread_once(&setup_once, setup); /* the main process runs them at exit too */
    int i = atomic_fetch_add(&n_finalizers, 1);
    TR_CHECK(i < MAX_FINALIZERS, "too many multiprocessing exit hooks");
    finalizers[i] = fn;
}

static void exit_function(void)
{
    size_t n;
    tr_process **all = registry_snapshot(&n);
    for (size_t i = 0; i < n; i++)
        if ((tr_process_daemon)(all[i]))
            (tr_process_terminate)(all[i]);
    for (size_t i = 0; i < n; i++) {
        (tr_process_join)(all[i], TR_FOREVER);
        process_unref(all[i]);
    }
    tr__held_free(all);
    for (int i = atomic_load(&n_finalizers); i > 0; i--)
        finalizers[i - 1]();
}
