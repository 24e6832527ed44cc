/* executor.c — concurrent.futures.ThreadPoolExecutor, and the public executor calls that
 * dispatch to a thread pool or a process pool.
 *
 * The pool is one object: the work queue, the worker slots, how many workers are free,
 * the shutdown and broken flags. Workers are tr_threads named "ThreadPoolExecutor-K_I"
 * (or "prefix_I"), started lazily by submit. A worker's loop is actions on the pool
 * (POOL_TAKE) and on the future it runs (FUTURE_RUN, FUTURE_SET). The pool is freed when
 * the user's handle and every worker have let go (refs). */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "futures.h"

typedef struct work {
    tr_future *f; /* the pool's reference */
    tr_task fn;
    void *arg;
    struct work *next;
} work;

typedef struct thread_pool {
    tr_executor base; /* first */
    atomic_int refs;  /* the user's handle + each worker that runs */
    int max_workers;
    char *prefix;
    void (*initializer)(void *);
    bool (*checked_initializer)(void *);
    void *initarg;
    /* guarded by the pool's domain */
    work *head, **tail;
    size_t queued;
    int n_threads;    /* worker slots taken (a thread started or being started) */
    int n_registered; /* slots whose thread is stored in threads[] */
    /* Workers that will take the next queued item without a new thread: a new worker
     * counts from its start, a worker from the end of its task until it takes the next.
     * Python's _idle_semaphore, counted exactly; and a worker counts as free before its
     * future is set, so a submitter that saw the result never starts a second thread. */
    int free_workers;
    bool shutdown;
    const char *broken; /* NULL, or the BrokenThreadPool text */
    tr_thread **threads;
    int threads_cap;
} thread_pool;

static const tr__executor_ops thread_pool_ops;

int tr__process_cpu_count(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* ---- lifetime ------------------------------------------------------------------------- */

static void pool_destroy(tr__object *obj)
{
    thread_pool *p = (thread_pool *)obj;
    for (int i = 0; i < p->n_registered; i++)
        tr_thread_free(p->threads[i]);
    while (p->head) {
        work *w = p->head;
        p->head = w->next;
        tr__future_unref(w->f);
        free(w);
    }
    free(p->threads);
    free(p->prefix);
    tr__object_fini(obj);
    free(p);
}

static const tr__type pool_type = {TR__KIND_EXECUTOR, pool_destroy};

static void pool_unref(thread_pool *p)
{
    if (atomic_fetch_sub(&p->refs, 1) == 1)
        pool_destroy(&p->base.obj);
}

/* The pool's queue is Python's SimpleQueue, its flags under _shutdown_lock: every action
 * on the pool is ordered with every other (submit -> the task's start among them). */
static void sync_both(tr__action *a)
{
    tr__hb(a, a->obj, TR__HB_ACQUIRE);
    tr__hb(a, a->obj, TR__HB_RELEASE);
}

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

tr_executor *(tr_thread_pool_new)(const tr_pool_opts *o)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    int max = o ? o->max_workers : 0;
    if (max == 0) {
        int cpus = tr__process_cpu_count();
        max = cpus + 4 < 32 ? cpus + 4 : 32;
    }
    if (max < 0) {
        tr__raise(TR_VALUE_ERROR, "max_workers must be greater than 0", file, line);
        return NULL;
    }
    thread_pool *p = calloc(1, sizeof *p);
    if (!p || tr__object_init(&p->base.obj, &pool_type, NULL) != TR_OK)
        goto fail;
    p->base.ops = &thread_pool_ops;
    atomic_init(&p->refs, 1);
    p->max_workers = max;
    p->tail = &p->head;
    if (o) {
        p->initializer = o->initializer;
        p->checked_initializer = o->checked_initializer;
        p->initarg = o->initarg;
    }
    p->prefix = default_prefix(o);
    if (!p->prefix) {
        pool_destroy(&p->base.obj);
        p = NULL;
        goto fail;
    }
    return &p->base;
fail:
    free(p);
    tr__set_error(TR_NO_MEMORY, "");
    return NULL;
}

/* ---- the worker ----------------------------------------------------------------------- */

static bool take_guard(const tr__action *a)
{
    const thread_pool *p = (const thread_pool *)a->obj;
    return p->head || p->shutdown;
}

static void take_effect(tr__action *a)
{
    thread_pool *p = (thread_pool *)a->obj;
    sync_both(a);
    p->free_workers--;
    a->arg = p->head;
    if (p->head) {
        p->head = p->head->next;
        if (!p->head)
            p->tail = &p->head;
        p->queued--;
    }
}

/* The next work item, or NULL once the pool is shut down and its queue is empty (Python's
 * worker drains the queue before it sees the None sentinel). */
static work *take(thread_pool *p)
{
    tr__action a = tr__action_next(&(tr__action){0}, &p->base.obj, TR__OP_POOL_TAKE);
    a.guard = take_guard;
    a.effect = take_effect;
    tr__perform(&a);
    return a.arg;
}

static void free_effect(tr__action *a)
{
    sync_both(a);
    ((thread_pool *)a->obj)->free_workers++;
}

static void mark_free(thread_pool *p)
{
    tr__action a = tr__action_next(&(tr__action){0}, &p->base.obj, TR__OP_POOL_WORKER);
    a.effect = free_effect;
    tr__perform(&a);
}

static void run_work(thread_pool *p, work *w)
{
    if (!tr__future_start(w->f)) { /* cancelled while queued */
        mark_free(p);
        goto out;
    }
    void *value = NULL;
    tr__set_error(TR_OK, ""); /* the failure text is what the task itself set */
    tr_status s = w->fn(w->arg, &value);
    char *message = s == TR_OK ? NULL : strdup(tr_last_error());
    mark_free(p);
    tr__future_finish(w->f, s, value, NULL, message ? message : "");
    free(message);
out:
    tr__future_unref(w->f);
    free(w);
}

static const char initializer_failed[] =
    "A thread initializer failed, the thread pool is not usable anymore";

static void broken_effect(tr__action *a)
{
    thread_pool *p = (thread_pool *)a->obj;
    sync_both(a);
    p->broken = initializer_failed;
    p->free_workers--; /* this worker leaves */
    a->arg = p->head;  /* Python drains the queue and fails every pending future */
    p->head = NULL;
    p->tail = &p->head;
    p->queued = 0;
}

static void break_pool(thread_pool *p)
{
    tr__action a = tr__action_next(&(tr__action){0}, &p->base.obj, TR__OP_POOL_WORKER);
    a.effect = broken_effect;
    tr__perform(&a);
    for (work *w = a.arg, *next; w; w = next) {
        next = w->next;
        tr__future_finish(w->f, TR_BROKEN, NULL, NULL, initializer_failed);
        tr__future_unref(w->f);
        free(w);
    }
}

static bool run_initializer(thread_pool *p)
{
    if (p->checked_initializer)
        return p->checked_initializer(p->initarg);
    if (p->initializer)
        p->initializer(p->initarg);
    return true;
}

static void worker_main(void *arg)
{
    thread_pool *p = arg;
    if (!run_initializer(p)) {
        break_pool(p);
    } else {
        work *w;
        while ((w = take(p)) != NULL)
            run_work(p, w);
    }
    pool_unref(p);
}

/* ---- submit --------------------------------------------------------------------------- */

typedef struct submit_args {
    work *w;
    int slot; /* a new worker's index, or -1 */
} submit_args;

static void submit_effect(tr__action *a)
{
    thread_pool *p = (thread_pool *)a->obj;
    submit_args *sa = a->arg;
    sync_both(a);
    if (p->broken) { /* checked before shutdown, as Python */
        tr__fail(a, TR_BROKEN, p->broken);
        return;
    }
    if (p->shutdown) {
        tr__fail(a, TR_RUNTIME_ERROR, "cannot schedule new futures after shutdown");
        return;
    }
    *p->tail = sa->w;
    p->tail = &sa->w->next;
    p->queued++;
    sa->w = NULL;
    if (p->queued > (size_t)(p->free_workers > 0 ? p->free_workers : 0) &&
        p->n_threads < p->max_workers) {
        sa->slot = p->n_threads++;
        p->free_workers++;
    }
}

static void register_effect(tr__action *a)
{
    thread_pool *p = (thread_pool *)a->obj;
    tr_thread *t = a->arg;
    sync_both(a);
    if (p->n_registered == p->threads_cap) {
        int cap = p->threads_cap ? 2 * p->threads_cap : 4;
        tr_thread **grown = realloc(p->threads, (size_t)cap * sizeof *grown);
        TR_CHECK(grown, "out of memory registering a pool worker");
        p->threads = grown;
        p->threads_cap = cap;
    }
    p->threads[p->n_registered++] = t;
    if (!t)
        p->free_workers--;
}

/* Python's _adjust_thread_count: a thread named prefix_I, started, then registered. */
static tr_status start_worker(thread_pool *p, int slot)
{
    char name[160];
    snprintf(name, sizeof name, "%s_%d", p->prefix, slot);
    tr_thread_opts opts = {name, tr_thread_daemon(tr_current_thread())};
    tr_thread *t = (tr_thread_new)(worker_main, p, &opts);
    if (t)
        tr__thread_object(t)->owner = &p->base.obj; /* pool_destroy frees it */
    atomic_fetch_add(&p->refs, 1);
    if (t && (tr_thread_start)(t) != TR_OK) {
        tr_thread_free(t);
        t = NULL;
    }
    if (!t)
        atomic_fetch_sub(&p->refs, 1);
    tr__action a = tr__action_next(&(tr__action){0}, &p->base.obj, TR__OP_POOL_WORKER);
    a.effect = register_effect;
    a.arg = t;
    tr__perform(&a);
    return t ? TR_OK : TR_RUNTIME_ERROR;
}

static tr_future *thread_submit(tr_executor *ex, tr_task fn, void *arg, const char *file,
                                int line)
{
    thread_pool *p = (thread_pool *)ex;
    tr__action a = tr__action_make(&ex->obj, TR__OP_POOL_SUBMIT);
    a.file = file;
    a.line = line;
    submit_args sa = {calloc(1, sizeof(work)), -1};
    tr_future *f = sa.w ? tr__future_new() : NULL;
    if (!f) {
        free(sa.w);
        tr__set_error(TR_NO_MEMORY, "");
        return NULL;
    }
    *sa.w = (work){f, fn, arg, NULL};
    tr__future_ref(f); /* the pool's, until the work is done or dropped */
    a.effect = submit_effect;
    a.arg = &sa;
    if (tr__perform(&a) != TR_OK) {
        free(sa.w);
        tr__future_unref(f);
        tr__future_unref(f);
        return NULL;
    }
    if (sa.slot >= 0 && start_worker(p, sa.slot) != TR_OK) {
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

/* ---- shutdown ------------------------------------------------------------------------- */

static void shutdown_effect(tr__action *a)
{
    thread_pool *p = (thread_pool *)a->obj;
    bool cancel = a->arg != NULL;
    sync_both(a);
    p->shutdown = true;
    a->arg = NULL;
    if (cancel) { /* exactly the queued, not yet started ones */
        a->arg = p->head;
        p->head = NULL;
        p->tail = &p->head;
        p->queued = 0;
    }
}

static bool registered_guard(const tr__action *a)
{
    const thread_pool *p = (const thread_pool *)a->obj;
    return p->n_registered == p->n_threads;
}

/* The workers to join: once every slot taken by a submit has its thread stored. */
static void threads_effect(tr__action *a)
{
    thread_pool *p = (thread_pool *)a->obj;
    sync_both(a);
    tr_thread **copy = malloc(((size_t)p->n_registered + 1) * sizeof *copy);
    TR_CHECK(copy, "out of memory joining a pool's workers");
    memcpy(copy, p->threads, (size_t)p->n_registered * sizeof *copy);
    copy[p->n_registered] = NULL;
    a->arg = copy;
}

static void join_workers(thread_pool *p)
{
    tr__action a = tr__action_next(&(tr__action){0}, &p->base.obj, TR__OP_POOL_QUERY);
    a.guard = registered_guard;
    a.effect = threads_effect;
    tr__perform(&a);
    tr_thread **threads = a.arg, *self = tr_current_thread();
    for (size_t i = 0; threads[i]; i++) {
        if (threads[i] != self) /* a worker shutting its own pool down */
            (tr_thread_join)(threads[i], TR_FOREVER);
    }
    free(threads);
}

static tr_status thread_shutdown(tr_executor *ex, bool wait, bool cancel_futures,
                                 const char *file, int line)
{
    thread_pool *p = (thread_pool *)ex;
    tr__action a = tr__action_make(&ex->obj, TR__OP_POOL_SHUTDOWN);
    a.file = file;
    a.line = line;
    a.effect = shutdown_effect;
    a.arg = cancel_futures ? (void *)p : NULL;
    tr__perform(&a);
    for (work *w = a.arg, *next; w; w = next) {
        next = w->next;
        tr_future_cancel(w->f);
        tr__future_unref(w->f);
        free(w);
    }
    if (wait)
        join_workers(p);
    return TR_OK;
}

static void thread_free(tr_executor *ex)
{
    thread_shutdown(ex, true, false, NULL, 0);
    pool_unref((thread_pool *)ex);
}

static const tr__executor_ops thread_pool_ops = {
    thread_submit,
    thread_submit_bytes,
    thread_shutdown,
    thread_free,
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
    sync_both(a);
    *(int *)a->arg = ((thread_pool *)a->obj)->n_threads;
}

int tr__thread_pool_workers(tr_executor *ex)
{
    int n = 0;
    tr__action a = tr__action_next(&(tr__action){0}, &ex->obj, TR__OP_POOL_QUERY);
    a.effect = workers_effect;
    a.arg = &n;
    tr__perform(&a);
    return n;
}
