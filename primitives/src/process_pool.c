/* process_pool.c — concurrent.futures.ProcessPoolExecutor with the fork start method.
 *
 * At the first submit the pool starts all max_workers workers, as Python does under fork.
 * Each worker is a parent-side tr_thread that owns one forked child and one socketpair
 * to it: it takes work from the pool's queue (POOL_TAKE), sends the task (a function
 * pointer, valid in the forked child, and the argument bytes), waits in an action until
 * the socket is readable (the native backend polls it), reads the result (status, bytes,
 * failure text) and finishes the future. A child that dies shows as end-of-file: the pool
 * breaks, the other children are killed, and every pending or running future fails with
 * TR_BROKEN. Each parent-side thread reaps its own child (no zombies).
 *
 * Frames (our own, host byte order, both ends are one binary):
 *   task   u64 function (0 = exit), u64 length, bytes
 *   result i32 status, u64 length, bytes, u32 text length, text */
#define _GNU_SOURCE /* close_range */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "futures.h"

typedef struct job {
    tr_future *f; /* the pool's reference */
    tr_bytes_task fn;
    tr_bytes arg; /* a copy */
    struct job *next;
} job;

typedef struct proc_pool {
    tr_executor base; /* first */
    atomic_int refs;  /* the user's handle + each parent-side worker thread */
    int max_workers;
    void (*initializer)(void *);
    bool (*checked_initializer)(void *);
    void *initarg;
    /* guarded by the pool's domain */
    job *head, **tail;
    bool started; /* the workers were launched (first submit) */
    int n_registered;
    bool shutdown;
    const char *broken;
    tr_thread **threads; /* max_workers slots, n_registered stored */
    pid_t *pids;         /* per slot: the live child, 0 once its thread let it go */
} proc_pool;

static const char pool_broken[] =
    "A child process terminated abruptly, the process pool is not usable anymore";
static const char future_broken[] = "A process in the process pool was terminated abruptly "
                                    "while the future was running or pending.";

static const tr__executor_ops proc_pool_ops;

/* ---- framing -------------------------------------------------------------------------- */

static bool write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL); /* a dead peer: EPIPE, never SIGPIPE */
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static bool read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false; /* end of file: the peer is gone */
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static bool send_frame(int fd, uint64_t head, const tr_bytes *b)
{
    uint64_t hdr[2] = {head, b ? b->len : 0};
    return write_all(fd, hdr, sizeof hdr) && (!b || !b->len || write_all(fd, b->data, b->len));
}

/* Reads u64 length + bytes into a malloc'd buffer. */
static bool read_bytes(int fd, tr_bytes *b)
{
    uint64_t len;
    *b = (tr_bytes){NULL, 0};
    if (!read_all(fd, &len, sizeof len))
        return false;
    b->data = malloc(len ? len : 1);
    b->len = len;
    if (!b->data || !read_all(fd, b->data, len)) {
        free(b->data);
        *b = (tr_bytes){NULL, 0};
        return false;
    }
    return true;
}

/* ---- the child ------------------------------------------------------------------------ */

static bool send_result(int fd, tr_status s, const tr_bytes *res)
{
    int32_t status = (int32_t)s;
    const char *text = s == TR_OK ? "" : tr_last_error();
    uint32_t text_len = (uint32_t)strlen(text);
    uint64_t len = res->data ? res->len : 0;
    return write_all(fd, &status, sizeof status) && write_all(fd, &len, sizeof len) &&
           (!len || write_all(fd, res->data, len)) &&
           write_all(fd, &text_len, sizeof text_len) && write_all(fd, text, text_len);
}

static _Noreturn void child_main(proc_pool *p, int fd)
{
    /* Only this worker's socket stays open: a sibling's copy of another worker's socket
     * would hide that worker's death (no end-of-file). */
    if (fd > 3)
        close_range(3, (unsigned)fd - 1, 0);
    close_range((unsigned)fd + 1, ~0U, 0);
    if (p->checked_initializer ? !p->checked_initializer(p->initarg)
                               : (p->initializer && (p->initializer(p->initarg), false)))
        _exit(1); /* Python's worker returns: the pool sees a dead child and breaks */
    for (;;) {
        uint64_t fn;
        tr_bytes arg, res = {NULL, 0};
        if (!read_all(fd, &fn, sizeof fn) || fn == 0 || !read_bytes(fd, &arg))
            _exit(0);
        tr__set_error(TR_OK, "");
        tr_status s = ((tr_bytes_task)(uintptr_t)fn)(&arg, &res);
        bool sent = send_result(fd, s, &res);
        free(arg.data);
        free(res.data);
        if (!sent)
            _exit(0);
    }
}

/* ---- pool lifetime -------------------------------------------------------------------- */

static void pool_destroy(tr__object *obj)
{
    proc_pool *p = (proc_pool *)obj;
    for (int i = 0; i < p->n_registered; i++)
        tr_thread_free(p->threads[i]);
    while (p->head) {
        job *j = p->head;
        p->head = j->next;
        tr__future_unref(j->f);
        free(j->arg.data);
        free(j);
    }
    free(p->threads);
    free(p->pids);
    tr__object_fini(obj);
    free(p);
}

static const tr__type pool_type = {TR__KIND_EXECUTOR, pool_destroy};

static void pool_unref(proc_pool *p)
{
    if (atomic_fetch_sub(&p->refs, 1) == 1)
        pool_destroy(&p->base.obj);
}

static void sync_both(tr__action *a)
{
    tr__hb(a, a->obj, TR__HB_ACQUIRE);
    tr__hb(a, a->obj, TR__HB_RELEASE);
}

tr_executor *(tr_process_pool_new)(const tr_pool_opts *o)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    int max = o && o->max_workers ? o->max_workers : tr__process_cpu_count();
    if (max < 0) {
        tr__raise(TR_VALUE_ERROR, "max_workers must be greater than 0", file, line);
        return NULL;
    }
    proc_pool *p = calloc(1, sizeof *p);
    if (!p || !(p->threads = calloc((size_t)max, sizeof *p->threads)) ||
        !(p->pids = calloc((size_t)max, sizeof *p->pids)) ||
        tr__object_init(&p->base.obj, &pool_type, NULL) != TR_OK) {
        if (p) {
            free(p->threads);
            free(p->pids);
        }
        free(p);
        tr__set_error(TR_NO_MEMORY, "");
        return NULL;
    }
    p->base.ops = &proc_pool_ops;
    atomic_init(&p->refs, 1);
    p->max_workers = max;
    p->tail = &p->head;
    if (o) {
        p->initializer = o->initializer;
        p->checked_initializer = o->checked_initializer;
        p->initarg = o->initarg;
    }
    return &p->base;
}

/* ---- parent-side worker: pool actions ------------------------------------------------- */

static bool take_guard(const tr__action *a)
{
    const proc_pool *p = (const proc_pool *)a->obj;
    return p->head || p->shutdown || p->broken;
}

static void take_effect(tr__action *a)
{
    proc_pool *p = (proc_pool *)a->obj;
    sync_both(a);
    a->arg = NULL;
    if (p->head && !p->broken) {
        a->arg = p->head;
        p->head = p->head->next;
        if (!p->head)
            p->tail = &p->head;
    }
}

static job *take(proc_pool *p)
{
    tr__action a = tr__action_next(&(tr__action){0}, &p->base.obj, TR__OP_POOL_TAKE);
    a.guard = take_guard;
    a.effect = take_effect;
    tr__perform(&a);
    return a.arg;
}

typedef struct pid_args {
    int slot;
    pid_t pid;
} pid_args;

static void set_pid_effect(tr__action *a)
{
    proc_pool *p = (proc_pool *)a->obj;
    const pid_args *pa = a->arg;
    sync_both(a);
    p->pids[pa->slot] = pa->pid;
}

static void set_pid(proc_pool *p, int slot, pid_t pid)
{
    pid_args pa = {slot, pid};
    tr__action a = tr__action_next(&(tr__action){0}, &p->base.obj, TR__OP_POOL_WORKER);
    a.effect = set_pid_effect;
    a.arg = &pa;
    tr__perform(&a);
}

typedef struct break_args {
    job *drained;
    pid_t *kill; /* the children still registered, 0-terminated */
} break_args;

static void break_effect(tr__action *a)
{
    proc_pool *p = (proc_pool *)a->obj;
    break_args *ba = a->arg;
    sync_both(a);
    p->broken = pool_broken;
    ba->drained = p->head;
    p->head = NULL;
    p->tail = &p->head;
    int k = 0;
    for (int i = 0; i < p->max_workers; i++)
        if (p->pids[i] > 0)
            ba->kill[k++] = p->pids[i];
    ba->kill[k] = 0;
}

/* Python's _terminate_broken: the pool is unusable, the pending futures fail, the other
 * children are killed (their threads then fail their running futures). */
static void break_pool(proc_pool *p)
{
    break_args ba = {NULL, calloc((size_t)p->max_workers + 1, sizeof(pid_t))};
    TR_CHECK(ba.kill, "out of memory breaking a process pool");
    tr__action a = tr__action_next(&(tr__action){0}, &p->base.obj, TR__OP_POOL_WORKER);
    a.effect = break_effect;
    a.arg = &ba;
    tr__perform(&a);
    for (int i = 0; ba.kill[i]; i++)
        kill(ba.kill[i], SIGKILL);
    free(ba.kill);
    for (job *j = ba.drained, *next; j; j = next) {
        next = j->next;
        tr__future_finish(j->f, TR_BROKEN, NULL, NULL, future_broken);
        tr__future_unref(j->f);
        free(j->arg.data);
        free(j);
    }
}

/* ---- parent-side worker: one task ----------------------------------------------------- */

static bool readable_guard(const tr__action *a)
{
    struct pollfd pfd = {.fd = a->wait_fd, .events = POLLIN};
    return poll(&pfd, 1, 0) > 0;
}

/* Blocks (through the seam) until the child's answer or its death can be read. */
static void wait_readable(proc_pool *p, int fd)
{
    tr__action a = tr__action_next(&(tr__action){0}, &p->base.obj, TR__OP_POOL_WORKER);
    a.guard = readable_guard;
    a.wait_fd = fd;
    a.wait_events = POLLIN;
    tr__perform(&a);
}

static bool receive(proc_pool *p, int fd, job *j)
{
    int32_t status;
    uint32_t text_len;
    tr_bytes res = {NULL, 0};
    char text[256] = "";
    wait_readable(p, fd);
    if (!read_all(fd, &status, sizeof status) || !read_bytes(fd, &res))
        return false;
    if (!read_all(fd, &text_len, sizeof text_len)) {
        free(res.data);
        return false;
    }
    for (uint32_t got = 0; got < text_len; got++) { /* keep what fits, drain the rest */
        char c;
        if (!read_all(fd, &c, 1)) {
            free(res.data);
            return false;
        }
        if (got < sizeof text - 1)
            text[got] = c;
    }
    tr_status s = (tr_status)status;
    tr__future_finish(j->f, s, NULL, s == TR_OK ? &res : NULL, text);
    if (s != TR_OK)
        free(res.data);
    return true;
}

/* Runs one job on the child; false when the child is gone (the job's future is failed). */
static bool run_job(proc_pool *p, int fd, job *j)
{
    bool alive = true;
    if (tr__future_start(j->f)) {
        uint64_t fn = (uint64_t)(uintptr_t)j->fn;
        alive = send_frame(fd, fn, &j->arg) && receive(p, fd, j);
        if (!alive) {
            break_pool(p);
            tr__future_finish(j->f, TR_BROKEN, NULL, NULL, future_broken);
        }
    }
    tr__future_unref(j->f);
    free(j->arg.data);
    free(j);
    return alive;
}

typedef struct worker_args {
    proc_pool *p;
    int slot;
} worker_args;

static void worker_main(void *arg)
{
    worker_args wa = *(worker_args *)arg;
    proc_pool *p = wa.p;
    free(arg);
    int sv[2] = {-1, -1};
    pid_t pid = -1;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0 && (pid = fork()) == 0)
        child_main(p, sv[1]);
    if (sv[1] >= 0)
        close(sv[1]);
    if (pid < 0) {
        break_pool(p); /* could not start a process: the pool cannot do its work */
    } else {
        set_pid(p, wa.slot, pid);
        job *j;
        while ((j = take(p)) != NULL && run_job(p, sv[0], j))
            ;
        send_frame(sv[0], 0, NULL); /* exit; a dead child just makes this fail */
        set_pid(p, wa.slot, 0);     /* before the reap: break_pool never kills a reused pid */
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    if (sv[0] >= 0)
        close(sv[0]);
    pool_unref(p);
}

/* ---- submit, shutdown, free ----------------------------------------------------------- */

typedef struct submit_args {
    job *j;
    bool launch;
} submit_args;

static void submit_effect(tr__action *a)
{
    proc_pool *p = (proc_pool *)a->obj;
    submit_args *sa = a->arg;
    sync_both(a);
    if (p->broken) {
        tr__fail(a, TR_BROKEN, p->broken);
        return;
    }
    if (p->shutdown) {
        tr__fail(a, TR_RUNTIME_ERROR, "cannot schedule new futures after shutdown");
        return;
    }
    *p->tail = sa->j;
    p->tail = &sa->j->next;
    sa->j = NULL;
    sa->launch = !p->started; /* fork: Python launches every worker at once */
    p->started = true;
}

static void register_effect(tr__action *a)
{
    proc_pool *p = (proc_pool *)a->obj;
    sync_both(a);
    p->threads[p->n_registered++] = a->arg;
}

static void launch_workers(proc_pool *p)
{
    for (int i = 0; i < p->max_workers; i++) {
        char name[64];
        snprintf(name, sizeof name, "ProcessPoolExecutor-worker_%d", i);
        tr_thread_opts opts = {name, tr_thread_daemon(tr_current_thread())};
        worker_args *wa = malloc(sizeof *wa);
        tr_thread *t = wa ? (tr_thread_new)(worker_main, wa, &opts) : NULL;
        if (wa)
            *wa = (worker_args){p, i};
        atomic_fetch_add(&p->refs, 1);
        if (!t || (tr_thread_start)(t) != TR_OK) {
            tr_thread_free(t);
            free(wa);
            atomic_fetch_sub(&p->refs, 1);
            break_pool(p);
            t = NULL; /* the slot stays empty: shutdown joins the others */
        }
        tr__action a = tr__action_next(&(tr__action){0}, &p->base.obj, TR__OP_POOL_WORKER);
        a.effect = register_effect;
        a.arg = t;
        tr__perform(&a);
    }
}

static tr_future *proc_submit_bytes(tr_executor *ex, tr_bytes_task fn, const void *arg,
                                    size_t len, const char *file, int line)
{
    proc_pool *p = (proc_pool *)ex;
    tr__action a = tr__action_make(&ex->obj, TR__OP_POOL_SUBMIT);
    a.file = file;
    a.line = line;
    submit_args sa = {calloc(1, sizeof(job)), false};
    tr_future *f = sa.j ? tr__future_new() : NULL;
    void *copy = f ? malloc(len ? len : 1) : NULL;
    if (!copy) {
        free(sa.j);
        tr_future_free(f);
        tr__set_error(TR_NO_MEMORY, "");
        return NULL;
    }
    if (len)
        memcpy(copy, arg, len);
    *sa.j = (job){f, fn, {copy, len}, NULL};
    tr__future_ref(f); /* the pool's */
    a.effect = submit_effect;
    a.arg = &sa;
    if (tr__perform(&a) != TR_OK) {
        free(copy);
        free(sa.j);
        tr__future_unref(f);
        tr__future_unref(f);
        return NULL;
    }
    if (sa.launch)
        launch_workers(p);
    return f;
}

static tr_future *proc_submit(tr_executor *ex, tr_task fn, void *arg, const char *file,
                              int line)
{
    (void)ex, (void)fn, (void)arg;
    tr__raise(TR_VALUE_ERROR,
              "a process pool runs tr_bytes_task functions: use tr_executor_submit_bytes", file,
              line);
    return NULL;
}

static void shutdown_effect(tr__action *a)
{
    proc_pool *p = (proc_pool *)a->obj;
    bool cancel = a->arg != NULL;
    sync_both(a);
    p->shutdown = true;
    a->arg = NULL;
    if (cancel) {
        a->arg = p->head;
        p->head = NULL;
        p->tail = &p->head;
    }
}

static bool all_registered_guard(const tr__action *a)
{
    const proc_pool *p = (const proc_pool *)a->obj;
    return !p->started || p->n_registered == p->max_workers;
}

static void count_effect(tr__action *a)
{
    sync_both(a);
    *(int *)a->arg = ((proc_pool *)a->obj)->n_registered;
}

static tr_status proc_shutdown(tr_executor *ex, bool wait, bool cancel_futures,
                               const char *file, int line)
{
    proc_pool *p = (proc_pool *)ex;
    tr__action a = tr__action_make(&ex->obj, TR__OP_POOL_SHUTDOWN);
    a.file = file;
    a.line = line;
    a.effect = shutdown_effect;
    a.arg = cancel_futures ? (void *)p : NULL;
    tr__perform(&a);
    for (job *j = a.arg, *next; j; j = next) {
        next = j->next;
        tr_future_cancel(j->f);
        tr__future_unref(j->f);
        free(j->arg.data);
        free(j);
    }
    if (!wait)
        return TR_OK;
    int n = 0;
    tr__action q = tr__action_next(&a, &ex->obj, TR__OP_POOL_QUERY);
    q.guard = all_registered_guard;
    q.effect = count_effect;
    q.arg = &n;
    tr__perform(&q);
    /* threads[0..n) are written once and never moved: safe to read after the action */
    for (int i = 0; i < n; i++)
        if (p->threads[i])
            (tr_thread_join)(p->threads[i], TR_FOREVER);
    return TR_OK;
}

static void proc_free(tr_executor *ex)
{
    proc_shutdown(ex, true, false, NULL, 0);
    pool_unref((proc_pool *)ex);
}

static const tr__executor_ops proc_pool_ops = {
    proc_submit,
    proc_submit_bytes,
    proc_shutdown,
    proc_free,
};
