/* pool.h — what ThreadPoolExecutor (executor.c) and ProcessPoolExecutor (process_pool.c)
 * share: the pool object and its lifetime, the work queue, the worker slots and their
 * threads, submit's checks, shutdown. Never installed.
 *
 * A kind of pool embeds tr__pool first and describes itself in a tr__pool_kind: how its
 * items are freed, when a submit takes new worker slots, what a worker thread does. Every
 * action on a pool orders with every other (tr__hb_locked: the queue is Python's
 * SimpleQueue, the flags are under its _shutdown_lock; submit -> the task's start among
 * them), so the core and a kind's own actions publish and take the same edges. */
#ifndef TRAMA_POOL_H
#define TRAMA_POOL_H

#include "futures.h"
#include "live.h"

/* One submitted call, queued until a worker takes it. A kind embeds it first and adds
 * the function and its argument. */
typedef struct tr__pool_item {
    tr_future *f; /* the pool's reference */
    struct tr__pool_item *next;
} tr__pool_item;

typedef struct tr__pool tr__pool;

typedef struct tr__pool_kind {
    tr__executor_ops ops; /* the public calls' dispatch */
    size_t size;          /* the kind's pool struct */
    /* Sets up what the kind adds to a new pool; false when out of memory (the pool is then
     * freed, through fini). */
    bool (*init)(tr__pool *p, const tr_pool_opts *o);
    /* A worker thread's body, from its start until the pool no longer needs it; slot is
     * the index submit took for it. The core holds the worker's reference to the pool
     * meanwhile and drops it after. */
    void (*worker)(tr__pool *p, int slot);
    /* In submit's effect, once the item is queued: takes the worker slots this submit
     * must start by raising p->n_threads (or takes none). */
    void (*claim)(tr__pool *p);
    /* In the effect that registers a slot whose thread could not start (NULL: nothing to
     * undo). */
    void (*start_failed)(tr__pool *p);
    /* Frees an item the pool is done with and what it holds, not its future. */
    void (*item_free)(tr__pool_item *it);
    /* Frees what the kind added to the pool (its fields may still be zero). */
    void (*fini)(tr__pool *p);
} tr__pool_kind;

struct tr__pool {
    tr_executor base; /* first: the pool's state is guarded by its own domain */
    const tr__pool_kind *kind;
    atomic_int refs; /* the user's handle + each worker thread that runs */
    int max_workers;
    void (*initializer)(void *);
    bool (*checked_initializer)(void *);
    void *initarg;
    /* guarded by the pool's domain */
    tr__pool_item *head, **tail;
    size_t queued;
    int n_threads;    /* worker slots taken (a thread started or being started) */
    int n_registered; /* slots whose thread is stored in threads[] (NULL: did not start) */
    bool shutdown;
    const char *broken; /* NULL, or the text submit fails with (BrokenThreadPool, ...) */
    tr_thread **threads;
    int threads_cap;
    tr__live_node live; /* in pool.c's list of live pools */
};

/* A pool of the kind with one reference (the user's handle), as its executor. max_workers
 * is o's, or default_max when o gives 0; a negative one is Python's ValueError.
 * reserve_all: the threads[] for every slot are allocated here, for a kind that starts
 * all its workers at once (registering them then never needs memory). NULL on failure
 * (the error is set). */
TR__HIDDEN tr_executor *tr__pool_new(const tr__pool_kind *kind, const tr_pool_opts *o,
                                     int default_max, bool reserve_all, const char *file,
                                     int line);
/* Drops a reference; the last one frees the pool, its unstarted items and its threads. */
TR__HIDDEN void tr__pool_unref(tr__pool *p);

/* One step of a worker or of the pool's own bookkeeping (no user site): performs an
 * action on the pool and returns what its effect left in a->arg. */
TR__HIDDEN void *tr__pool_act(tr__pool *p, tr__op op, tr__guard_fn guard, tr__effect_fn effect,
                              void *arg);

/* An item of size bytes (the kind's struct) with a new PENDING future that holds the
 * submitter's reference. NULL when out of memory (TR_NO_MEMORY set). */
TR__HIDDEN void *tr__pool_item_new(size_t size);
/* Lets go of an item the pool is done with: the pool's reference to its future, then the
 * item (kind->item_free). */
TR__HIDDEN void tr__pool_item_done(tr__pool *p, tr__pool_item *it);
/* In an effect: the first queued item, unlinked, or NULL when the queue is empty. */
TR__HIDDEN tr__pool_item *tr__pool_pop(tr__pool *p);
/* In an effect: the pool breaks with text (submit fails with it from now on); returns the
 * queued items, unlinked (Python drains the queue and fails every pending future). */
TR__HIDDEN tr__pool_item *tr__pool_break(tr__pool *p, const char *text);
/* Fails every item of a drained list with TR_BROKEN and text, and lets go of them. */
TR__HIDDEN void tr__pool_fail(tr__pool *p, tr__pool_item *list, const char *text);

/* Submit's action: queues it unless the pool is broken or shut down (Python's checks, in
 * its order), taking the pool's reference to its future, then lets kind->claim take
 * worker slots; the slots [*first, *end) are the caller's to start. On failure the item
 * and both references to its future are let go, and the status is returned. */
TR__HIDDEN tr_status tr__pool_submit(tr__pool *p, tr__pool_item *it, const char *file, int line,
                                     int *first, int *end);
/* Starts the worker for slot as a thread named name (daemon as its starter), then
 * registers it (NULL when it did not start, for kind->start_failed). TR_OK, or
 * TR_RUNTIME_ERROR when the thread did not start (no error is set). */
TR__HIDDEN tr_status tr__pool_start_worker(tr__pool *p, int slot, const char *name);

/* Runs the user's initializer in a worker; false when a checked initializer failed. */
TR__HIDDEN bool tr__pool_initialize(const tr__pool *p);

/* tr__executor_ops.shutdown and .free for every pool. */
TR__HIDDEN tr_status tr__pool_shutdown(tr_executor *ex, bool wait, bool cancel_futures,
                                       const char *file, int line);
TR__HIDDEN void tr__pool_free(tr_executor *ex);

#endif
