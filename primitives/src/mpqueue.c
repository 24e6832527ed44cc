/* mpqueue.c — multiprocessing.Queue and JoinableQueue, built as Python builds them.
 *
 * Shared by every process forked after the queue was made: a one-way Pipe, a Lock for
 * readers (a get holds it across its wait and its read, so messages never interleave), a
 * Lock for writers, a BoundedSemaphore(maxsize) counting free slots, and for a
 * JoinableQueue a count of unfinished tasks (one shared object of this file). Private to
 * each process (Python's _reset after fork): the closed flag, a buffer and the feeder
 * thread that moves the buffer into the pipe. put() only takes a slot and appends to the
 * buffer; the bytes reach the pipe when the feeder runs. A process's exit joins its feeder
 * (tr__process_atexit), so it ends only once everything it put is in the pipe.
 *
 * The buffer is a tr_queue of copies; a NULL item tells the feeder to close its ends of
 * the pipe and end (Python's sentinel). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* multiprocessing's SEM_VALUE_MAX on Linux: the slots of an unbounded queue. */
enum { SLOTS_MAX = 2147483647 };

typedef struct item {
    size_t len;
    unsigned char data[];
} item;

/* The JoinableQueue's unfinished tasks, one object for every process. */
typedef struct tasks {
    tr__object obj;
    long unfinished;
} tasks;

/* What Python's Queue._reset makes anew in each process. */
typedef struct local {
    pid_t pid;         /* the process these fields belong to */
    tr_lock *starting; /* held while the feeder is started */
    tr_queue *buffer;
    tr_thread *feeder;
    bool closed, join_cancelled, registered;
} local;

struct tr_mpqueue {
    /* Not acted on: registered so that the controlled backend, which reclaims what an
     * execution left, takes it off this process's list of fed queues (its parts are
     * objects of their own, reclaimed on their own). */
    tr__object obj;
    long maxsize;
    tr_connection *reader, *writer;
    tr_lock *rlock, *wlock;
    tr_semaphore *slots;
    tasks *tasks; /* NULL: a plain Queue */
    local local;
    struct tr_mpqueue *next_live; /* this process's queues with a feeder */
};

/* The next trama call reports the user's line (the public macros would say this file's). */
static void at_site(const char *file, int line)
{
    tr__site.file = file;
    tr__site.line = line;
}

/* ---- the unfinished tasks ------------------------------------------------------------- */

static void tasks_destroy(tr__object *obj)
{
    tr__object_fini(obj);
    tr__object_dealloc(obj);
}

static const tr__type tasks_type = {TR__KIND_QUEUE, tasks_destroy};

static tasks *tasks_new(void)
{
    tasks *t = tr__object_alloc(sizeof *t, true);
    if (!t || tr__object_init_shared(&t->obj, &tasks_type, NULL) != TR_OK) {
        tr__object_dealloc(t ? &t->obj : NULL);
        return NULL;
    }
    return t;
}

static void task_added(tr__action *a)
{
    tr__hb_locked(a);
    ((tasks *)a->obj)->unfinished++;
}

static void task_done_effect(tr__action *a)
{
    tasks *t = (tasks *)a->obj;
    tr__hb_locked(a);
    if (t->unfinished <= 0)
        tr__fail(a, TR_VALUE_ERROR, "task_done() called too many times");
    else
        t->unfinished--;
}

static bool no_task_left(const tr__action *a) { return ((const tasks *)a->obj)->unfinished == 0; }

static void joined(tr__action *a) { tr__hb_locked(a); }

/* ---- this process's part -------------------------------------------------------------- */

static pthread_mutex_t live_mu = PTHREAD_MUTEX_INITIALIZER;
static tr_mpqueue *live; /* queues whose feeder this process started */
static pid_t live_pid;

/* Python's Queue._after_fork: a forked child starts with no buffer, no feeder, not
 * closed. The parent's objects seen through the copy are the parent's: left alone. */
static local *local_of(tr_mpqueue *q)
{
    pid_t pid = getpid();
    pthread_mutex_lock(&live_mu);
    if (q->local.pid != pid) {
        q->local = (local){.pid = pid};
        q->local.starting = (tr_lock_new)();
        q->local.buffer = (tr_queue_new)(0);
    }
    pthread_mutex_unlock(&live_mu);
    return &q->local;
}

static void feed(void *arg)
{
    tr_mpqueue *q = arg;
    for (;;) {
        void *p;
        if ((tr_queue_get)(q->local.buffer, &p, true, TR_FOREVER) != TR_OK)
            return;
        if (!p) { /* the sentinel */
            (tr_connection_close)(q->reader);
            (tr_connection_close)(q->writer);
            return;
        }
        item *it = p;
        (tr_lock_acquire)(q->wlock, true, TR_FOREVER);
        tr_status s = (tr_connection_send)(q->writer, it->data, it->len);
        (tr_lock_release)(q->wlock);
        if (s != TR_OK) /* not sent (reported as the send's misuse): the slot comes back */
            (tr_semaphore_release)(q->slots, 1);
        free(it);
    }
}

/* Python's _finalize_close and _finalize_join for every queue this process fed. */
static void feeders_at_exit(void)
{
    pthread_mutex_lock(&live_mu);
    tr_mpqueue *all = live_pid == getpid() ? live : NULL;
    live = NULL;
    pthread_mutex_unlock(&live_mu);
    for (tr_mpqueue *q = all; q; q = q->next_live) {
        if (!q->local.closed) {
            q->local.closed = true;
            (tr_queue_put)(q->local.buffer, NULL, true, TR_FOREVER);
        }
        if (!q->local.join_cancelled)
            (tr_thread_join)(q->local.feeder, TR_FOREVER);
    }
}

static tr_status start_feeder(tr_mpqueue *q, local *l)
{
    (tr_lock_acquire)(l->starting, true, TR_FOREVER);
    tr_status s = TR_OK;
    if (!l->feeder) {
        l->feeder = (tr_thread_new)(feed, q,
                                  &(tr_thread_opts){.name = "QueueFeederThread", .daemon = true});
        s = l->feeder ? (tr_thread_start)(l->feeder) : TR_NO_MEMORY;
        if (s == TR_OK) {
            static atomic_bool hooked;
            if (!atomic_exchange(&hooked, true))
                tr__process_atexit(feeders_at_exit);
            pthread_mutex_lock(&live_mu);
            if (live_pid != l->pid) { /* the list copied at fork is the parent's */
                live = NULL;
                live_pid = l->pid;
            }
            q->next_live = live;
            live = q;
            pthread_mutex_unlock(&live_mu);
        }
    }
    (tr_lock_release)(l->starting);
    return s;
}

/* ---- making and freeing --------------------------------------------------------------- */

static void live_remove(tr_mpqueue *q)
{
    pthread_mutex_lock(&live_mu);
    for (tr_mpqueue **at = &live; *at; at = &(*at)->next_live)
        if (*at == q) {
            *at = q->next_live;
            break;
        }
    pthread_mutex_unlock(&live_mu);
}

/* An execution ended with the queue still made: its parts are reclaimed as objects. */
static void mpqueue_reclaim(tr__object *obj)
{
    tr_mpqueue *q = (tr_mpqueue *)obj;
    live_remove(q);
    tr__object_fini(obj);
    free(q);
}

static const tr__type mpqueue_type = {TR__KIND_QUEUE, mpqueue_reclaim};

static tr_mpqueue *mpqueue_make(long maxsize, bool joinable)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    tr_mpqueue *q = calloc(1, sizeof *q);
    if (!q || tr__object_init(&q->obj, &mpqueue_type, NULL) != TR_OK) {
        free(q);
        tr__set_error(TR_NO_MEMORY, "");
        return NULL;
    }
    q->maxsize = maxsize > 0 && maxsize < SLOTS_MAX ? maxsize : SLOTS_MAX;
    tr__site.file = file; /* a failing pipe is reported at the caller's line */
    tr__site.line = line;
    if ((tr_pipe)(false, &q->reader, &q->writer) != TR_OK) {
        mpqueue_reclaim(&q->obj);
        return NULL;
    }
    q->rlock = tr__lock_new_shared();
    q->wlock = tr__lock_new_shared();
    q->slots = tr__semaphore_new_shared(q->maxsize, true);
    q->tasks = joinable ? tasks_new() : NULL;
    if (!q->rlock || !q->wlock || !q->slots || (joinable && !q->tasks)) {
        tr_mpqueue_free(q);
        tr__set_error(TR_NO_MEMORY, "");
        return NULL;
    }
    local_of(q);
    return q;
}

tr_mpqueue *(tr_mpqueue_new)(long maxsize) { return mpqueue_make(maxsize, false); }

tr_mpqueue *(tr_joinable_queue_new)(long maxsize) { return mpqueue_make(maxsize, true); }

void tr_mpqueue_free(tr_mpqueue *q)
{
    if (!q)
        return;
    live_remove(q);
    if (q->local.pid == getpid()) {
        if (q->local.feeder) { /* the feeder ends once it has written the buffer */
            if (!q->local.closed)
                (tr_queue_put)(q->local.buffer, NULL, true, TR_FOREVER);
            (tr_thread_join)(q->local.feeder, TR_FOREVER);
            (tr_thread_free)(q->local.feeder);
        }
        (tr_queue_free)(q->local.buffer);
        (tr_lock_free)(q->local.starting);
    }
    (tr_connection_free)(q->reader);
    (tr_connection_free)(q->writer);
    (tr_lock_free)(q->rlock);
    (tr_lock_free)(q->wlock);
    (tr_semaphore_free)(q->slots);
    if (q->tasks)
        tasks_destroy(&q->tasks->obj);
    tr__object_fini(&q->obj);
    free(q);
}

/* ---- put and get ---------------------------------------------------------------------- */

static tr_status closed_error(const tr_mpqueue *q, const char *file, int line)
{
    return tr__raisef(TR_VALUE_ERROR, file, line, "Queue <multiprocessing.queues.%s object at %p> is closed",
                      q->tasks ? "JoinableQueue" : "Queue", (const void *)q);
}

/* SemLock's rule, which every wait of this queue follows: a negative timeout is 0. */
static double wait_limit(bool block, double timeout)
{
    if (!block || timeout == TR_FOREVER)
        return TR_FOREVER; /* the blocking flag says it all */
    return timeout > 0 ? timeout : 0;
}

tr_status (tr_mpqueue_put)(tr_mpqueue *q, const void *data, size_t len, bool block, double timeout)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    local *l = local_of(q);
    if (l->closed)
        return closed_error(q, file, line);
    at_site(file, line);
    tr_status s = (tr_semaphore_acquire)(q->slots, block, wait_limit(block, timeout));
    if (s == TR_TIMEOUT)
        return tr__set_error(TR_FULL, "");
    if (s != TR_OK)
        return s;
    item *it = malloc(sizeof *it + len);
    if (!it) {
        (tr_semaphore_release)(q->slots, 1);
        return tr__set_error(TR_NO_MEMORY, "");
    }
    it->len = len;
    if (len)
        memcpy(it->data, data, len);
    if ((s = start_feeder(q, l)) != TR_OK) {
        free(it);
        (tr_semaphore_release)(q->slots, 1);
        return s;
    }
    if (q->tasks) {
        tr__action a = tr__action_at(&q->tasks->obj, TR__OP_QUEUE_PUT, file, line);
        a.effect = task_added;
        tr__perform(&a);
    }
    at_site(file, line);
    return (tr_queue_put)(l->buffer, it, true, TR_FOREVER);
}

tr_status (tr_mpqueue_get)(tr_mpqueue *q, tr_bytes *out, bool block, double timeout)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    out->data = NULL;
    out->len = 0;
    if (local_of(q)->closed)
        return closed_error(q, file, line);
    double limit = wait_limit(block, timeout);
    double deadline = limit == TR_FOREVER ? 0 : tr__now() + limit;
    at_site(file, line);
    tr_status s = (tr_lock_acquire)(q->rlock, block, limit);
    if (s == TR_TIMEOUT)
        return tr__set_error(TR_EMPTY, "");
    if (s != TR_OK)
        return s;
    if (!block || limit != TR_FOREVER) { /* wait for a message only as long as is left */
        double left = block ? deadline - tr__now() : 0;
        at_site(file, line);
        s = (tr_connection_poll)(q->reader, left > 0 ? left : 0);
        if (s == TR_TIMEOUT)
            s = tr__set_error(TR_EMPTY, "");
    }
    if (s == TR_OK) {
        at_site(file, line);
        s = (tr_connection_recv)(q->reader, &out->data, &out->len);
        if (s == TR_OK)
            (tr_semaphore_release)(q->slots, 1);
    }
    (tr_lock_release)(q->rlock);
    return s;
}

/* ---- the rest ------------------------------------------------------------------------- */

long (tr_mpqueue_qsize)(tr_mpqueue *q) { return q->maxsize - (tr_semaphore_value)(q->slots); }

bool (tr_mpqueue_empty)(tr_mpqueue *q) { return (tr_connection_poll)(q->reader, 0) != TR_OK; }

bool (tr_mpqueue_full)(tr_mpqueue *q) { return (tr_semaphore_value)(q->slots) == 0; }

tr_status (tr_mpqueue_close)(tr_mpqueue *q)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    local *l = local_of(q);
    if (l->closed)
        return TR_OK;
    l->closed = true;
    if (l->feeder) /* the sentinel: what is buffered goes out first */
        return (tr_queue_put)(l->buffer, NULL, true, TR_FOREVER);
    return TR_OK;
}

tr_status (tr_mpqueue_join_thread)(tr_mpqueue *q)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    local *l = local_of(q);
    if (!l->closed)
        return tr__raisef(TR_RUNTIME_ERROR, file, line,
                          "Queue <multiprocessing.queues.%s object at %p> not closed",
                          q->tasks ? "JoinableQueue" : "Queue", (const void *)q);
    if (!l->feeder || l->join_cancelled)
        return TR_OK;
    return (tr_thread_join)(l->feeder, TR_FOREVER);
}

void tr_mpqueue_cancel_join_thread(tr_mpqueue *q) { local_of(q)->join_cancelled = true; }

tr_status (tr_mpqueue_task_done)(tr_mpqueue *q)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    if (!q->tasks)
        return tr__raise(TR_RUNTIME_ERROR, "'Queue' object has no attribute 'task_done'", file,
                         line);
    tr__action a = tr__action_at(&q->tasks->obj, TR__OP_QUEUE_TASK_DONE, file, line);
    a.effect = task_done_effect;
    return tr__perform(&a);
}

tr_status (tr_mpqueue_join)(tr_mpqueue *q)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    if (!q->tasks)
        return tr__raise(TR_RUNTIME_ERROR, "'Queue' object has no attribute 'join'", file, line);
    tr__action a = tr__action_at(&q->tasks->obj, TR__OP_QUEUE_JOIN, file, line);
    a.guard = no_task_left;
    a.effect = joined;
    return tr__perform(&a);
}
