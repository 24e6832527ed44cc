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

#include "pool.h"

typedef struct job {
    tr__pool_item core; /* first */
    tr_bytes_task fn;
    tr_bytes arg; /* a copy */
} job;

typedef struct proc_pool {
    tr__pool core; /* first */
    /* Guarded by the pool's domain. Per slot: the live child, 0 once its thread let it go. */
    pid_t *pids;
} proc_pool;

static const char pool_broken[] =
    "A child process terminated abruptly, the process pool is not usable anymore";
static const char future_broken[] = "A process in the process pool was terminated abruptly "
                                    "while the future was running or pending.";

static const tr__pool_kind proc_pool_kind;

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
    if (!tr__pool_initialize(&p->core))
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

static bool proc_pool_init(tr__pool *core, const tr_pool_opts *o)
{
    (void)o;
    proc_pool *p = (proc_pool *)core;
    p->pids = calloc((size_t)core->max_workers, sizeof *p->pids);
    return p->pids != NULL;
}

static void proc_pool_fini(tr__pool *core)
{
    free(((proc_pool *)core)->pids);
}

tr_executor *(tr_process_pool_new)(const tr_pool_opts *o)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    /* its workers fork, read and reap outside any action: no scheduler sees them */
    tr__unmodelled("ProcessPoolExecutor (tr_process_pool_new)", file, line);
    return tr__pool_new(&proc_pool_kind, o, tr__process_cpu_count(), true, file, line);
}

static void job_free(tr__pool_item *it)
{
    free(((job *)it)->arg.data);
    tr__held_free(it);
}

/* ---- parent-side worker: pool actions ------------------------------------------------- */

static bool take_guard(const tr__action *a)
{
    const tr__pool *p = (const tr__pool *)a->obj;
    return p->head || p->shutdown || p->broken;
}

static void take_effect(tr__action *a)
{
    tr__pool *p = (tr__pool *)a->obj;
    tr__hb_locked(a);
    a->arg = p->broken ? NULL : tr__pool_pop(p);
}

static job *take(proc_pool *p)
{
    return tr__pool_act(&p->core, TR__OP_POOL_TAKE, take_guard, take_effect, NULL);
}

typedef struct pid_args {
    int slot;
    pid_t pid;
} pid_args;

static void set_pid_effect(tr__action *a)
{
    proc_pool *p = (proc_pool *)a->obj;
    const pid_args *pa = a->arg;
    tr__hb_locked(a);
    p->pids[pa->slot] = pa->pid;
}

static void set_pid(proc_pool *p, int slot, pid_t pid)
{
    pid_args pa = {slot, pid};
    tr__pool_act(&p->core, TR__OP_POOL_WORKER, NULL, set_pid_effect, &pa);
}

/* Python's _terminate_broken: the pool is unusable, the pending futures fail, the other
 * children are killed (their threads then fail their running futures). The kill is sent
 * inside the action: a worker clears its slot (set_pid, an action on the same domain)
 * before it reaps its child, so a pid seen here is not reaped yet and cannot have been
 * reused by another process, which a kill after the action could hit. */
static void break_effect(tr__action *a)
{
    proc_pool *p = (proc_pool *)a->obj;
    tr__hb_locked(a);
    a->arg = tr__pool_break(&p->core, pool_broken);
    for (int i = 0; i < p->core.max_workers; i++)
        if (p->pids[i] > 0)
            kill(p->pids[i], SIGKILL);
}

static void break_pool(proc_pool *p)
{
    tr__pool_item *drained = tr__pool_act(&p->core, TR__OP_POOL_WORKER, NULL, break_effect, NULL);
    tr__pool_fail(&p->core, drained, future_broken);
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
    tr__action a = tr__action_next(&(tr__action){0}, &p->core.base.obj, TR__OP_POOL_WORKER);
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
    tr__future_finish(j->core.f, s, NULL, s == TR_OK ? &res : NULL, text);
    if (s != TR_OK)
        free(res.data);
    return true;
}

/* Runs one job on the child; false when the child is gone (the job's future is failed). */
static bool run_job(proc_pool *p, int fd, job *j)
{
    bool alive = true;
    if (tr__future_start(j->core.f)) {
        uint64_t fn = (uint64_t)(uintptr_t)j->fn;
        alive = send_frame(fd, fn, &j->arg) && receive(p, fd, j);
        if (!alive) {
            break_pool(p);
            tr__future_finish(j->core.f, TR_BROKEN, NULL, NULL, future_broken);
        }
    }
    tr__pool_item_done(&p->core, &j->core);
    return alive;
}

static void worker_main(tr__pool *core, int slot)
{
    proc_pool *p = (proc_pool *)core;
    int sv[2] = {-1, -1};
    pid_t pid = -1;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0 && (pid = fork()) == 0)
        child_main(p, sv[1]);
    if (sv[1] >= 0)
        close(sv[1]);
    if (pid < 0) {
        break_pool(p); /* could not start a process: the pool cannot do its work */
    } else {
        set_pid(p, slot, pid);
        job *j;
        while ((j = take(p)) != NULL && run_job(p, sv[0], j))
            ;
        send_frame(sv[0], 0, NULL); /* exit; a dead child just makes this fail */
        set_pid(p, slot, 0);        /* before the reap: break_pool never kills a reused pid */
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    if (sv[0] >= 0)
        close(sv[0]);
}

/* ---- submit --------------------------------------------------------------------------- */

/* In submit's effect: the first submit takes every slot (fork: Python launches every
 * worker at once). */
static void claim_all(tr__pool *p)
{
    if (p->n_threads == 0)
        p->n_threads = p->max_workers;
}

static tr_future *proc_submit_bytes(tr_executor *ex, tr_bytes_task fn, const void *arg,
                                    size_t len, const char *file, int line)
{
    proc_pool *p = (proc_pool *)ex;
    void *copy = malloc(len ? len : 1);
    job *j = copy ? tr__pool_item_new(sizeof *j) : NULL;
    if (!j) {
        free(copy);
        tr__set_error(TR_NO_MEMORY, "");
        return NULL;
    }
    if (len)
        memcpy(copy, arg, len);
    j->fn = fn;
    j->arg = (tr_bytes){copy, len};
    tr_future *f = j->core.f;
    int first, end;
    if (tr__pool_submit(&p->core, &j->core, file, line, &first, &end) != TR_OK)
        return NULL;
    for (int slot = first; slot < end; slot++) {
        char name[64];
        snprintf(name, sizeof name, "ProcessPoolExecutor-worker_%d", slot);
        if (tr__pool_start_worker(&p->core, slot, name) != TR_OK)
            break_pool(p); /* the slot stays empty: shutdown joins the others */
    }
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

static const tr__pool_kind proc_pool_kind = {
    .ops = {proc_submit, proc_submit_bytes, tr__pool_shutdown, tr__pool_free},
    .size = sizeof(proc_pool),
    .init = proc_pool_init,
    .worker = worker_main,
    .claim = claim_all,
    .start_failed = NULL,
    .item_free = job_free,
    .fini = proc_pool_fini,
};
