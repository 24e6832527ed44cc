/* executor.c — concurrent.futures.ThreadPoolExecutor, and the public executor calls that
 * dispatch to a thread pool or a process pool.
 *
 * The pool (pool.h) adds to the shared core its thread-name prefix and how many workers
 * are free. Workers are tr_threads named "ThreadPoolExecutor-K_I" (or "prefix_I"), started
 * lazily by submit. A worker's loop is actions on the pool (POOL_TAKE) and on the future
 * it runs (FUTURE_RUN, FUTURE_SET). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

typedef struct work {
    tr__pool_item core; /* first */
    tr_task fn;
    void *arg;
} work;

typedef struct thread_pool {
    tr__pool core; /* first */
    char *prefix;
    /* Guarded by the pool's domain. Workers that will take the next queued item without a
     * new thread: a new worker counts from its start, a worker from the end of its task
     * until it takes the next. Python's _idle_semaphore, counted exactly; and a worker
     * counts as free before its future is set, so a submitter that saw the result never
     * starts a second thread. */
    int free_workers;
} thread_pool;

static const tr__pool_kind thread_pool_kind;

static char *default_prefix(const tr_pool_opts *o)
{
    char name[64];
    /* Python: thread_name_prefix or ("ThreadPoolExecutor-%d" % counter()): an empty or
     * absent prefix takes the next K, a given one does not. */
    if (o && o->thread_name_prefix && o->thread_name_prefix[0])
        return strdup(o->thread_name_prefix);
    snprintf(name, sizeof name, "ThreadPoolExecutor-%ld", atomic_fetch_add(&tr__names.pool, 1));
    return strdup(name);
}

static bool thread_pool_init(tr__pool *core, const tr_pool_opts *o)
{
    thread_pool *p = (thread_pool *)core;
    p->prefix = default_prefix(o);
    return p->prefix != NULL;
}

static void thread_pool_fini(tr__pool *core)
{
    free(((thread_pool *)core)->prefix);
}

tr_executor *(tr_thread_pool_new)(const tr_pool_opts *o)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    int cpus = tr__process_cpu_count(); /* Python: min(32, os.process_cpu_count() + 4) */
    return tr__pool_new(&thread_pool_kind, o, cpus + 4 < 32 ? cpus + 4 : 32, false, file, line);
}

static void work_free(tr__pool_item *it)
{
    tr__held_free(it);
}

/* ---- the worker ----------------------------------------------------------------------- */

static bool take_guard(const tr__action *a)
{
    const tr__pool *p = (const tr__pool *)a->obj;
    return p->head || p->shutdown;
}

static void take_effect(tr__action *a)
{
    tr__hb_locked(a);
    ((thread_pool *)a->obj)->free_workers--;
    a->arg = tr__pool_pop((tr__pool *)a->obj);
}

/* The next work item, or NULL once the pool is shut down and its queue is empty (Python's
 * worker drains the queue before it sees the None sentinel). */
static work *take(thread_pool *p)
{
    return tr__pool_act(&p->core, TR__OP_POOL_TAKE, take_guard, take_effect, NULL);
}

static void free_effect(tr__action *a)
{
    tr__hb_locked(a);
    ((thread_pool *)a->obj)->free_workers++;
}

static void mark_free(thread_pool *p)
{
    tr__pool_act(&p->core, TR__OP_POOL_WORKER, NULL, free_effect, NULL);
}

static void run_work(thread_pool *p, work *w)
{
    if (!tr__future_start(w->core.f)) { /* cancelled while queued */
        mark_free(p);
        goto out;
    }
    void *value = NULL;
    tr__set_error(TR_OK, ""); /* the failure text is what the task itself set */
    tr_status s = w->fn(w->arg, &value);
    char *message = s == TR_OK ? NULL : strdup(tr_last_error());
    mark_free(p);
    tr__future_finish(w->core.f, s, value, NULL, message ? message : "");
    free(message);
out:
    tr__pool_item_done(&p->core, &w->core);
}

static const char initializer_failed[] =
    "A thread initializer failed, the thread pool is not usable anymore";

static void broken_effect(tr__action *a)
{
    tr__hb_locked(a);
    ((thread_pool *)a->obj)->free_workers--; /* this worker leaves */
    a->arg = tr__pool_break((tr__pool *)a->obj, initializer_failed);
}

static void break_pool(thread_pool *p)
{
    tr__pool_item *drained = tr__pool_act(&p->core, TR__OP_POOL_WORKER, NULL, broken_effect, NULL);
    tr__pool_fail(&p->core, drained, initializer_failed);
}

static void worker_main(tr__pool *core, int slot)
{
    thread_pool *p = (thread_pool *)core;
    (void)slot;
    if (!tr__pool_initialize(core)) {
        break_pool(p);
        return;
    }
    work *w;
    while ((w = take(p)) != NULL)
        run_work(p, w);
}

/* ---- submit --------------------------------------------------------------------------- */

/* In submit's effect, Python's _adjust_thread_count: a new worker when the queue holds
 * more than the free workers will take, up to max_workers. */
static void claim_worker(tr__pool *core)
{
    thread_pool *p = (thread_pool *)core;
    if (core->queued > (size_t)(p->free_workers > 0 ? p->free_workers : 0) &&
        core->n_threads < core->max_workers) {
        core->n_threads++;
        p->free_workers++;
    }
}

/* In the effect registering a claimed worker whose thread did not start: it will never
 * take an item. */
static void unclaim_worker(tr__pool *core)
{
    ((thread_pool *)core)->free_workers--;
}

/* A thread named prefix_I. */
static tr_status start_worker(thread_pool *p, int slot)
{
    char name[160];
    snprintf(name, sizeof name, "%s_%d", p->prefix, slot);
    return tr__pool_start_worker(&p->core, slot, name);
}

static tr_future *thread_submit(tr_executor *ex, tr_task fn, void *arg, const char *file,
                                int line)
{
    thread_pool *p = (thread_pool *)ex;
    work *w = tr__pool_item_new(sizeof *w);
    if (!w)
        return NULL;
    w->fn = fn;
    w->arg = arg;
    tr_future *f = w->core.f;
    int first, end;
    if (tr__pool_submit(&p->core, &w->core, file, line, &first, &end) != TR_OK)
        return NULL;
    if (first < end && start_worker(p, first) != TR_OK) {
        /* Python: the work stays queued and submit raises. */
        tr__future_unref(f);
        tr__raise(TR_RUNTIME_ERROR, "can't start new thread", file, line);
        return NULL;
    }
    return f;
}

static tr_future *thread_submit_bytes(tr_executor *ex, tr_bytes_task fn, const void *arg,
                                      size_t len, const char *file, int line)
{
    (void)ex, (void)fn, (void)arg, (void)len;
    tr__raise(TR_VALUE_ERROR, "a thread pool runs tr_task functions: use tr_executor_submit",
              file, line);
    return NULL;
}

static const tr__pool_kind thread_pool_kind = {
    .ops = {thread_submit, thread_submit_bytes, tr__pool_shutdown, tr__pool_free},
    .size = sizeof(thread_pool),
    .init = thread_pool_init,
    .worker = worker_main,
    .claim = claim_worker,
    .start_failed = unclaim_worker,
    .item_free = work_free,
    .fini = thread_pool_fini,
};

/* ---- the public calls ----------------------------------------------------------------- */

tr_future *(tr_executor_submit)(tr_executor *ex, tr_task fn, void *arg)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    return ex->ops->submit(ex, fn, arg, file, line);
}

tr_future *(tr_executor_submit_bytes)(tr_executor *ex, tr_bytes_task fn, const void *arg,
                                      size_t len)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    return ex->ops->submit_bytes(ex, fn, arg, len, file, line);
}

tr_status (tr_executor_shutdown)(tr_executor *ex, bool wait, bool cancel_futures)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    return ex->ops->shutdown(ex, wait, cancel_futures, file, line);
}

void tr_executor_free(tr_executor *ex)
{
    if (ex)
        ex->ops->free(ex);
}

static void workers_effect(tr__action *a)
{
    tr__hb_locked(a);
    *(int *)a->arg = ((tr__pool *)a->obj)->n_threads;
}

int tr__thread_pool_workers(tr_executor *ex)
{
    int n = 0;
    tr__pool_act((tr__pool *)ex, TR__OP_POOL_QUERY, NULL, workers_effect, &n);
    return n;
}
