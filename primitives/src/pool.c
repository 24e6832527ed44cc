/* pool.c — the executor core both pools share (pool.h): the pool's lifetime, its queue,
 * submit's checks, starting and registering workers, shutdown and free.
 *
 * The pool is freed when the user's handle and every worker thread have let go (refs).
 * Workers are registered in the order their threads were started; shutdown(wait) joins
 * them once every slot a submit took has its thread stored. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool.h"

int tr__process_cpu_count(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* ---- interpreter exit ----------------------------------------------------------------- */

/* Python's _python_exit (both executors), run by tr_threading_shutdown before it waits
 * for the non-daemon threads, pool workers among them: from then on a submit fails with
 * "...after interpreter shutdown", and every pool that has workers is shut down without
 * waiting (they finish the queued work, then leave, and the shutdown joins them). In
 * Python the workers then mark their executor shut down: a later submit to it gets
 * "...after shutdown", as here. */
static atomic_bool interpreter_exiting;
static tr__live_list live_pools = TR__LIVE_LIST_INIT;
static pthread_once_t at_exit_once = PTHREAD_ONCE_INIT;

/* The live pools, each with a reference (a pool whose last one is being let go is
 * skipped: it is leaving the list). NULL-terminated; the caller frees it. */
static tr__pool **live_snapshot(void)
{
    tr__live_lock(&live_pools);
    size_t n = 0;
    for (tr__live_node *node = live_pools.head; node; node = node->next)
        n++;
    tr__pool **all = malloc((n + 1) * sizeof *all);
    size_t k = 0;
    for (tr__live_node *node = live_pools.head; all && node; node = node->next) {
        tr__pool *p = TR__LIVE_OF(node, tr__pool, live);
        int refs = atomic_load(&p->refs);
        while (refs > 0 && !atomic_compare_exchange_weak(&p->refs, &refs, refs + 1))
            ;
        if (refs > 0)
            all[k++] = p;
    }
    if (all)
        all[k] = NULL;
    tr__live_unlock(&live_pools);
    for (size_t i = 0; all && all[i]; i++)
        tr__live_found(&all[i]->live);
    return all;
}

static void exit_effect(tr__action *a)
{
    tr__pool *p = (tr__pool *)a->obj;
    tr__hb_locked(a);
    if (p->n_threads > 0)
        p->shutdown = true;
}

static void pools_at_exit(void)
{
    atomic_store(&interpreter_exiting, true);
    tr__pool **all = live_snapshot();
    TR_CHECK(all, "out of memory at interpreter exit");
    for (size_t i = 0; all[i]; i++) {
        tr__pool_act(all[i], TR__OP_POOL_SHUTDOWN, NULL, exit_effect, NULL);
        tr__pool_unref(all[i]);
    }
    free(all);
}

/* fork() copied the parent's pools, not their workers: none of them is the child's to
 * shut down at its exit (Python clears _threads_queues in the child). */
static void pools_after_fork_in_child(void) { tr__live_forget_all(&live_pools); }

static void register_at_exit(void)
{
    tr__threading_atexit(pools_at_exit);
    pthread_atfork(NULL, NULL, pools_after_fork_in_child);
}

/* ---- lifetime ------------------------------------------------------------------------- */

static void pool_destroy(tr__object *obj)
{
    tr__pool *p = (tr__pool *)obj;
    tr__live_remove(&live_pools, &p->live);
    for (int i = 0; i < p->n_registered; i++)
        tr_thread_free(p->threads[i]);
    while (p->head)
        tr__pool_item_done(p, tr__pool_pop(p));
    free(p->threads);
    p->kind->fini(p);
    tr__object_fini(obj);
    free(p);
}

static const tr__type pool_type = {TR__KIND_EXECUTOR, pool_destroy};

void tr__pool_unref(tr__pool *p)
{
    if (atomic_fetch_sub(&p->refs, 1) == 1)
        pool_destroy(&p->base.obj);
}

tr_executor *tr__pool_new(const tr__pool_kind *kind, const tr_pool_opts *o, int default_max,
                          bool reserve_all, const char *file, int line)
{
    int max = o && o->max_workers ? o->max_workers : default_max;
    if (max < 0) {
        tr__raise(TR_VALUE_ERROR, "max_workers must be greater than 0", file, line);
        return NULL;
    }
    tr__pool *p = calloc(1, kind->size);
    if (!p || tr__object_init(&p->base.obj, &pool_type, NULL) != TR_OK) {
        free(p);
        tr__set_error(TR_NO_MEMORY, "");
        return NULL;
    }
    p->base.ops = &kind->ops;
    p->kind = kind;
    atomic_init(&p->refs, 1);
    p->max_workers = max;
    p->tail = &p->head;
    if (o) {
        p->initializer = o->initializer;
        p->checked_initializer = o->checked_initializer;
        p->initarg = o->initarg;
    }
    p->threads_cap = reserve_all ? max : 0;
    if ((reserve_all && !(p->threads = calloc((size_t)max, sizeof *p->threads))) ||
        !kind->init(p, o)) {
        pool_destroy(&p->base.obj);
        tr__set_error(TR_NO_MEMORY, "");
        return NULL;
    }
    pthread_once(&at_exit_once, register_at_exit);
    tr__live_add(&live_pools, &p->live);
    return &p->base;
}

void *tr__pool_act(tr__pool *p, tr__op op, tr__guard_fn guard, tr__effect_fn effect, void *arg)
{
    tr__action a = tr__action_next(&(tr__action){0}, &p->base.obj, op);
    a.guard = guard;
    a.effect = effect;
    a.arg = arg;
    tr__perform(&a);
    return a.arg;
}

/* ---- the queue ------------------------------------------------------------------------ */

void *tr__pool_item_new(size_t size)
{
    tr__pool_item *it = tr__held_alloc(size);
    tr_future *f = it ? tr__future_new() : NULL;
    if (!f) {
        tr__held_free(it);
        tr__set_error(TR_NO_MEMORY, "");
        return NULL;
    }
    it->f = f;
    return it;
}

void tr__pool_item_done(tr__pool *p, tr__pool_item *it)
{
    tr__future_unref(it->f);
    p->kind->item_free(it);
}

tr__pool_item *tr__pool_pop(tr__pool *p)
{
    tr__pool_item *it = p->head;
    if (it) {
        p->head = it->next;
        if (!p->head)
            p->tail = &p->head;
        p->queued--;
    }
    return it;
}

/* In an effect: the whole queue, unlinked. */
static tr__pool_item *drain(tr__pool *p)
{
    tr__pool_item *list = p->head;
    p->head = NULL;
    p->tail = &p->head;
    p->queued = 0;
    return list;
}

tr__pool_item *tr__pool_break(tr__pool *p, const char *text)
{
    p->broken = text;
    return drain(p);
}

void tr__pool_fail(tr__pool *p, tr__pool_item *list, const char *text)
{
    for (tr__pool_item *it = list, *next; it; it = next) {
        next = it->next;
        tr__future_finish(it->f, TR_BROKEN, NULL, NULL, text);
        tr__pool_item_done(p, it);
    }
}

/* ---- submit --------------------------------------------------------------------------- */

typedef struct submit_args {
    tr__pool_item *it;
    int first, end; /* the worker slots this submit took */
} submit_args;

static void submit_effect(tr__action *a)
{
    tr__pool *p = (tr__pool *)a->obj;
    submit_args *sa = a->arg;
    tr__hb_locked(a);
    if (p->broken) { /* checked before shutdown, as Python */
        tr__fail(a, TR_BROKEN, p->broken);
        return;
    }
    if (p->shutdown) {
        tr__fail(a, TR_RUNTIME_ERROR, "cannot schedule new futures after shutdown");
        return;
    }
    if (atomic_load(&interpreter_exiting)) {
        tr__fail(a, TR_RUNTIME_ERROR, "cannot schedule new futures after interpreter shutdown");
        return;
    }
    *p->tail = sa->it;
    p->tail = &sa->it->next;
    p->queued++;
    sa->first = p->n_threads;
    p->kind->claim(p);
    sa->end = p->n_threads;
}

tr_status tr__pool_submit(tr__pool *p, tr__pool_item *it, const char *file, int line,
                          int *first, int *end)
{
    tr__action a = tr__action_make(&p->base.obj, TR__OP_POOL_SUBMIT);
    a.file = file;
    a.line = line;
    submit_args sa = {it, 0, 0};
    tr_future *f = it->f;
    tr__future_ref(f); /* the pool's, until the work is done or dropped */
    a.effect = submit_effect;
    a.arg = &sa;
    if (tr__perform(&a) != TR_OK) {
        p->kind->item_free(it);
        tr__future_unref(f);
        tr__future_unref(f);
        return a.status;
    }
    *first = sa.first;
    *end = sa.end;
    return TR_OK;
}

/* ---- workers -------------------------------------------------------------------------- */

typedef struct worker_args {
    tr__pool *p;
    int slot;
} worker_args;

static void worker_main(void *arg)
{
    worker_args wa = *(worker_args *)arg;
    tr__held_free(arg);
    wa.p->kind->worker(wa.p, wa.slot);
    tr__pool_unref(wa.p);
}

static void register_effect(tr__action *a)
{
    tr__pool *p = (tr__pool *)a->obj;
    tr_thread *t = a->arg;
    tr__hb_locked(a);
    if (p->n_registered == p->threads_cap) {
        int cap = p->threads_cap ? 2 * p->threads_cap : 4;
        tr_thread **grown = realloc(p->threads, (size_t)cap * sizeof *grown);
        TR_CHECK(grown, "out of memory registering a pool worker");
        p->threads = grown;
        p->threads_cap = cap;
    }
    p->threads[p->n_registered++] = t;
    if (!t && p->kind->start_failed)
        p->kind->start_failed(p);
}

tr_status tr__pool_start_worker(tr__pool *p, int slot, const char *name)
{
    tr_thread_opts opts = {name, tr_thread_daemon(tr_current_thread())};
    worker_args *wa = tr__held_alloc(sizeof *wa);
    tr_thread *t = NULL;
    if (wa) {
        *wa = (worker_args){p, slot};
        t = (tr_thread_new)(worker_main, wa, &opts);
    }
    if (t)
        tr__thread_object(t)->owner = &p->base.obj; /* pool_destroy frees it */
    atomic_fetch_add(&p->refs, 1); /* the worker's, taken before it can run */
    if (t && (tr_thread_start)(t) != TR_OK) {
        tr_thread_free(t);
        t = NULL;
    }
    if (!t) {
        tr__held_free(wa);
        atomic_fetch_sub(&p->refs, 1);
    }
    tr__pool_act(p, TR__OP_POOL_WORKER, NULL, register_effect, t);
    return t ? TR_OK : TR_RUNTIME_ERROR;
}

bool tr__pool_initialize(const tr__pool *p)
{
    if (p->checked_initializer)
        return p->checked_initializer(p->initarg);
    if (p->initializer)
        p->initializer(p->initarg);
    return true;
}

/* ---- shutdown ------------------------------------------------------------------------- */

static void shutdown_effect(tr__action *a)
{
    tr__pool *p = (tr__pool *)a->obj;
    bool cancel = a->arg != NULL;
    tr__hb_locked(a);
    p->shutdown = true;
    a->arg = cancel ? drain(p) : NULL; /* exactly the queued, not yet started ones */
}

static bool registered_guard(const tr__action *a)
{
    const tr__pool *p = (const tr__pool *)a->obj;
    return p->n_registered == p->n_threads;
}

/* The workers to join, NULL-terminated: once every slot taken by a submit has its thread
 * stored (a slot whose thread did not start has none to join). */
static void threads_effect(tr__action *a)
{
    tr__pool *p = (tr__pool *)a->obj;
    tr__hb_locked(a);
    tr_thread **copy = tr__held_alloc(((size_t)p->n_registered + 1) * sizeof *copy);
    TR_CHECK(copy, "out of memory joining a pool's workers");
    size_t n = 0;
    for (int i = 0; i < p->n_registered; i++)
        if (p->threads[i])
            copy[n++] = p->threads[i];
    copy[n] = NULL;
    a->arg = copy;
}

/* Joins the workers; false when the caller is one of them (a done callback shutting its
 * own pool down), which it cannot join. */
static bool join_workers(tr__pool *p)
{
    tr_thread **threads =
        tr__pool_act(p, TR__OP_POOL_QUERY, registered_guard, threads_effect, NULL);
    tr_thread *self = tr_current_thread();
    bool joined_all = true;
    for (size_t i = 0; threads[i]; i++) {
        if (threads[i] != self)
            (tr_thread_join)(threads[i], TR_FOREVER);
        else
            joined_all = false;
    }
    tr__held_free(threads);
    return joined_all;
}

static void shutdown_pool(tr_executor *ex, bool wait, bool cancel_futures, const char *file,
                          int line, bool *joined_all)
{
    tr__pool *p = (tr__pool *)ex;
    tr__action a = tr__action_make(&ex->obj, TR__OP_POOL_SHUTDOWN);
    a.file = file;
    a.line = line;
    a.effect = shutdown_effect;
    a.arg = cancel_futures ? (void *)p : NULL;
    tr__perform(&a);
    for (tr__pool_item *it = a.arg, *next; it; it = next) {
        next = it->next;
        tr_future_cancel(it->f);
        tr__pool_item_done(p, it);
    }
    *joined_all = !wait || join_workers(p);
}

/* From one of the pool's own threads, wait=true fails as Python's does: its join of the
 * current thread raises "cannot join current thread" (Python reaches itself somewhere in
 * its set of threads; trama joins all the others first). The shutdown itself took effect. */
tr_status tr__pool_shutdown(tr_executor *ex, bool wait, bool cancel_futures, const char *file,
                            int line)
{
    bool joined_all;
    shutdown_pool(ex, wait, cancel_futures, file, line, &joined_all);
    if (!joined_all)
        return tr__raise(TR_RUNTIME_ERROR, "cannot join current thread", file, line);
    return TR_OK;
}

void tr__pool_free(tr_executor *ex)
{
    bool joined_all; /* freed from a worker: it cannot wait for itself, and need not */
    shutdown_pool(ex, true, false, NULL, 0, &joined_all);
    tr__pool_unref((tr__pool *)ex);
}
