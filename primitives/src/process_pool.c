/* process_pool.c — concurrent.futures.ProcessPoolExecutor with the fork start method.
 *
 * At the first submit the pool starts all max_workers workers, as Python does under fork.
 * Each worker is a parent-side tr_thread that starts one child as a tr_process and talks
 * to it over one duplex tr_pipe, so every step of both sides is an action a scheduler
 * sees: it takes work from the pool's queue (POOL_TAKE), sends the task (a function
 * pointer, valid in the forked child, and the argument bytes), receives the result
 * (status, failure text, bytes) and finishes the future. A child that dies shows as end
 * of file on that receive: the pool breaks and every pending or running future fails
 * with TR_BROKEN. The other children are not signalled: their workers leave the loop at
 * the break (an idle one at once, a busy one once its task's answer came) and close their
 * end, the child's receive gets end of file and it exits 0. Each worker joins its own
 * process; a pool's process is marked so that its crash is the pool's outcome (the
 * futures), not a crash of the program (tr__process_crash_is_handled).
 *
 * End of file needs every copy of the peer's end closed. All the pool's pipes are made
 * with the pool, before any fork; every child closes its copies of every end but its own,
 * and a worker closes the parent's copy of its child's end only once every worker has
 * forked (forks_done), so no child can inherit an end while it is being closed.
 *
 * Messages (our own, host byte order, both ends are one binary):
 *   task   u64 function, then the argument's bytes
 *   result i32 status, u32 text length, text, then the result's bytes */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

typedef struct job {
    tr__pool_item core; /* first */
    tr_bytes_task fn;
    size_t arg_len;
    unsigned char arg[]; /* a copy of the argument: one held block with the job */
} job;

typedef struct proc_pool {
    tr__pool core; /* first */
    /* Per slot, made at the pool's creation: ends[2 * slot] is the worker's, ends[2 * slot
     * + 1] its child's. Each end is closed by whoever holds the copy, freed with the pool. */
    tr_connection **ends;
    /* Guarded by the pool's domain: slots whose fork is over (done, failed, or the slot's
     * thread never started). */
    int forks_done;
} proc_pool;

/* What a child's target needs; on the forking worker's stack, which the child has too. */
typedef struct child_args {
    proc_pool *pool;
    int slot;
} child_args;

static const char pool_broken[] =
    "A child process terminated abruptly, the process pool is not usable anymore";
static const char future_broken[] = "A process in the process pool was terminated abruptly "
                                    "while the future was running or pending.";

enum { TASK_HEAD = sizeof(uint64_t), RESULT_HEAD = sizeof(int32_t) + sizeof(uint32_t) };

static const tr__pool_kind proc_pool_kind;

/* ---- the child ------------------------------------------------------------------------ */

/* Runs the task in message m (TASK_HEAD bytes and the argument) and sends its result.
 * False when the pool let go of this child (the send failed). */
static bool serve_one(tr_connection *c, unsigned char *m, size_t len)
{
    uint64_t fn;
    memcpy(&fn, m, sizeof fn);
    tr_bytes arg = {len > TASK_HEAD ? m + TASK_HEAD : NULL, len - TASK_HEAD};
    tr_bytes res = {NULL, 0};
    tr__set_error(TR_OK, "");
    int32_t status = (int32_t)((tr_bytes_task)(uintptr_t)fn)(&arg, &res);
    const char *text = status == TR_OK ? "" : tr_last_error();
    uint32_t text_len = (uint32_t)strlen(text);
    size_t res_len = status == TR_OK && res.data ? res.len : 0;
    size_t out_len = RESULT_HEAD + text_len + res_len;
    unsigned char *out = malloc(out_len);
    bool sent = false;
    if (out) {
        memcpy(out, &status, sizeof status);
        memcpy(out + sizeof status, &text_len, sizeof text_len);
        memcpy(out + RESULT_HEAD, text, text_len);
        if (res_len)
            memcpy(out + RESULT_HEAD + text_len, res.data, res_len);
        sent = (tr_connection_send_bytes)(c, out, out_len, 0, TR_SIZE_NONE) == TR_OK;
    }
    free(out);
    free(res.data);
    return sent;
}

/* The child's target: its copies of the other ends go first (a sibling's copy of a
 * worker's end would hide that end's close or this child's death), then tasks until end
 * of file. Returning ends the child with code 0; a failed initializer too, and the pool
 * sees the end of file (Python's worker returns and the pool breaks). */
static void child_main(void *arg)
{
    const child_args *a = arg;
    proc_pool *p = a->pool;
    tr_connection *c = p->ends[2 * a->slot + 1];
    for (int i = 0; i < 2 * p->core.max_workers; i++)
        if (p->ends[i] != c)
            (tr_connection_close)(p->ends[i]);
    if (!tr__pool_initialize(&p->core))
        return;
    for (;;) {
        void *m = NULL;
        size_t len = 0;
        if ((tr_connection_recv_bytes)(c, TR_SIZE_NONE, &m, &len) != TR_OK)
            break;
        bool served = len >= TASK_HEAD && serve_one(c, m, len);
        free(m);
        if (!served)
            break;
    }
    (tr_connection_close)(c);
}

/* ---- pool lifetime -------------------------------------------------------------------- */

static bool proc_pool_init(tr__pool *core, const tr_pool_opts *o)
{
    (void)o;
    proc_pool *p = (proc_pool *)core;
    p->ends = calloc(2 * (size_t)core->max_workers, sizeof *p->ends);
    if (!p->ends)
        return false;
    for (int slot = 0; slot < core->max_workers; slot++) {
        if ((tr_pipe)(true, &p->ends[2 * slot], &p->ends[2 * slot + 1]) != TR_OK)
            return false;
        for (int i = 2 * slot; i < 2 * slot + 2; i++) /* the pool's destroy frees them */
            ((tr__object *)p->ends[i])->owner = &core->base.obj;
    }
    return true;
}

/* Without an action: a harness reclaims an unfreed pool after its execution ended. */
static void proc_pool_fini(tr__pool *core)
{
    proc_pool *p = (proc_pool *)core;
    for (int i = 0; p->ends && i < 2 * core->max_workers; i++) {
        tr__object *end = (tr__object *)p->ends[i]; /* a tr_connection starts with its object */
        if (end)
            end->type->destroy(end);
    }
    free(p->ends);
}

tr_executor *(tr_process_pool_new)(const tr_pool_opts *o)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    return tr__pool_new(&proc_pool_kind, o, tr__process_cpu_count(), true, file, line);
}

static void job_free(tr__pool_item *it) { tr__held_free(it); }

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

static void fork_done_effect(tr__action *a)
{
    tr__hb_locked(a);
    ((proc_pool *)a->obj)->forks_done++;
}

/* The start_failed hook: a slot whose thread never ran forks nothing. */
static void count_unstarted(tr__pool *core) { ((proc_pool *)core)->forks_done++; }

static bool all_forked_guard(const tr__action *a)
{
    const proc_pool *p = (const proc_pool *)a->obj;
    return p->forks_done == p->core.n_threads;
}

static void no_effect(tr__action *a) { tr__hb_locked(a); }

/* Python's _terminate_broken: the pool is unusable and the pending futures fail. */
static void break_effect(tr__action *a)
{
    tr__pool *p = (tr__pool *)a->obj;
    tr__hb_locked(a);
    a->arg = tr__pool_break(p, pool_broken);
}

static void break_pool(proc_pool *p)
{
    tr__pool_item *drained = tr__pool_act(&p->core, TR__OP_POOL_WORKER, NULL, break_effect, NULL);
    tr__pool_fail(&p->core, drained, future_broken);
}

static void broken_effect(tr__action *a)
{
    tr__pool *p = (tr__pool *)a->obj;
    tr__hb_locked(a);
    a->arg = p->broken ? (void *)p : NULL;
}

static bool is_broken(proc_pool *p)
{
    return tr__pool_act(&p->core, TR__OP_POOL_WORKER, NULL, broken_effect, NULL) != NULL;
}

/* ---- parent-side worker: one task ----------------------------------------------------- */

/* Receives the child's answer to j and finishes j's future; false when the child is gone
 * (end of file) or what came does not fit. A pool that broke meanwhile fails the running
 * future as Python's does (its answer is dropped). */
static bool receive(proc_pool *p, tr_connection *c, job *j)
{
    unsigned char *m = NULL;
    size_t len = 0;
    int32_t status;
    uint32_t text_len;
    if ((tr_connection_recv_bytes)(c, TR_SIZE_NONE, (void **)&m, &len) != TR_OK)
        return false;
    if (len >= RESULT_HEAD) {
        memcpy(&status, m, sizeof status);
        memcpy(&text_len, m + sizeof status, sizeof text_len);
    }
    if (len < RESULT_HEAD || text_len > len - RESULT_HEAD) {
        free(m);
        return false;
    }
    char text[256];
    size_t kept = text_len < sizeof text ? text_len : sizeof text - 1;
    memcpy(text, m + RESULT_HEAD, kept);
    text[kept] = '\0';
    bool broken = is_broken(p);
    tr_bytes res = {NULL, len - RESULT_HEAD - text_len};
    /* held across the finishing step, which may be where an execution ends */
    if (!broken && status == TR_OK && (res.data = tr__held_alloc(res.len ? res.len : 1)) != NULL)
        memcpy(res.data, m + RESULT_HEAD + text_len, res.len);
    free(m);
    if (broken)
        tr__future_finish(j->core.f, TR_BROKEN, NULL, NULL, future_broken);
    else if (status != TR_OK)
        tr__future_finish(j->core.f, (tr_status)status, NULL, NULL, text);
    else if (res.data)
        tr__future_finish(j->core.f, TR_OK, NULL, &res, ""); /* copies res */
    else
        tr__future_finish(j->core.f, TR_NO_MEMORY, NULL, NULL, "");
    tr__held_free(res.data);
    return true;
}

/* Runs one job on the child; false when the child is gone (the job's future is failed). */
static bool run_job(proc_pool *p, tr_connection *c, job *j)
{
    bool alive = true;
    if (tr__future_start(j->core.f)) {
        size_t len = TASK_HEAD + j->arg_len;
        unsigned char *m = tr__held_alloc(len); /* held: the send below may park */
        uint64_t fn = (uint64_t)(uintptr_t)j->fn;
        if (m) {
            memcpy(m, &fn, sizeof fn);
            if (j->arg_len)
                memcpy(m + TASK_HEAD, j->arg, j->arg_len);
        }
        alive = m && (tr_connection_send_bytes)(c, m, len, 0, TR_SIZE_NONE) == TR_OK &&
                receive(p, c, j);
        tr__held_free(m);
        if (!alive) {
            break_pool(p);
            tr__future_finish(j->core.f, TR_BROKEN, NULL, NULL, future_broken);
        }
    }
    tr__pool_item_done(&p->core, &j->core);
    return alive;
}

/* Starts the slot's child; NULL when it could not (the pool then breaks). */
static tr_process *start_child(proc_pool *p, child_args *args)
{
    tr_process *child = (tr_process_new)(child_main, args, NULL);
    if (child) {
        tr__process_crash_is_handled(child);
        if ((tr_process_start)(child) != TR_OK) {
            tr_process_free(child);
            child = NULL;
        }
    }
    tr__pool_act(&p->core, TR__OP_POOL_WORKER, NULL, fork_done_effect, NULL);
    return child;
}

static void worker_main(tr__pool *core, int slot)
{
    proc_pool *p = (proc_pool *)core;
    tr_connection *mine = p->ends[2 * slot];
    child_args args = {p, slot};
    tr_process *child = start_child(p, &args);
    tr__pool_act(core, TR__OP_POOL_WORKER, all_forked_guard, no_effect, NULL);
    (tr_connection_close)(p->ends[2 * slot + 1]);
    if (!child) {
        break_pool(p); /* could not start a process: the pool cannot do its work */
    } else {
        job *j;
        while ((j = take(p)) != NULL && run_job(p, mine, j))
            ;
    }
    (tr_connection_close)(mine); /* the child's receive: end of file, it exits */
    if (child) {
        (tr_process_join)(child, TR_FOREVER);
        tr_process_free(child);
    }
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
    job *j = len <= SIZE_MAX - sizeof *j ? tr__pool_item_new(sizeof *j + len) : NULL;
    if (!j) {
        tr__set_error(TR_NO_MEMORY, "");
        return NULL;
    }
    if (len)
        memcpy(j->arg, arg, len);
    j->fn = fn;
    j->arg_len = len;
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
    .start_failed = count_unstarted,
    .item_free = job_free,
    .fini = proc_pool_fini,
};
