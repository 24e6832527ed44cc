/* futures.h — what future.c, executor.c, process_pool.c and futures_wait.c share. Never
 * installed. Kept apart from internal.h so the futures' internals stay in one place.
 *
 * A future, a pool and a waiter are each their own domain: an action touches one of them
 * only, so work that spans them (a worker finishing a task, wait() watching n futures)
 * is a sequence of actions, as Python's Future._condition, the pool's queue and
 * _Waiter's lock are separate locks. */
#ifndef TRAMA_FUTURES_H
#define TRAMA_FUTURES_H

#include "internal.h"

/* ---- executors ------------------------------------------------------------------------ */

/* What differs between a thread pool and a process pool; the public calls dispatch. */
typedef struct tr__executor_ops {
    tr_future *(*submit)(tr_executor *ex, tr_task fn, void *arg, const char *file, int line);
    tr_future *(*submit_bytes)(tr_executor *ex, tr_bytes_task fn, const void *arg, size_t len,
                               const char *file, int line);
    tr_status (*shutdown)(tr_executor *ex, bool wait, bool cancel_futures, const char *file,
                          int line);
    /* shuts down (wait) if needed and lets go of the user's handle */
    void (*free)(tr_executor *ex);
} tr__executor_ops;

struct tr_executor {
    tr__object obj; /* first: the pool's state is guarded by its own domain */
    const tr__executor_ops *ops;
};

/* The number of worker threads a thread pool has started (Python's len(ex._threads)). */
TR__HIDDEN int tr__thread_pool_workers(tr_executor *ex);

/* os.process_cpu_count(): the CPUs this process may run on (at least 1). */
TR__HIDDEN int tr__process_cpu_count(void);

/* ---- futures -------------------------------------------------------------------------- */

typedef struct tr__waiter tr__waiter;

/* What a completing future does to each waiter watching it: the observer's side of the
 * watch list (Python's _Waiter.add_result and friends). futures_wait.c hands it over with
 * each watch, so future.c calls into futures_wait.c only through it. */
typedef struct tr__watcher_ops {
    /* Inside the completing action: keeps w alive until signal. */
    void (*ref)(tr__waiter *w);
    /* Outside any monitor: f completed (failed: with a failure); a WAITER_SIGNAL action,
     * then drops the reference ref took. */
    void (*signal)(tr__waiter *w, tr_future *f, bool failed);
} tr__watcher_ops;

/* A waiter's place in one future's watch list (Python: the _Waiter in f._waiters). Owned
 * by the waiting call; linked and unlinked only by actions on that future. */
typedef struct tr__watch {
    tr__waiter *waiter;
    const tr__watcher_ops *ops;
    struct tr__watch *prev, *next;
    bool attached;
} tr__watch;

/* Whether a future counts as done for wait()/as_completed(), as seen by watch/unwatch. */
typedef enum tr__doneness { TR__NOT_DONE, TR__DONE, TR__DONE_FAILED } tr__doneness;

/* A new PENDING future with one reference (the submitter's). NULL when out of memory. */
TR__HIDDEN tr_future *tr__future_new(void);
TR__HIDDEN void tr__future_ref(tr_future *f);
TR__HIDDEN void tr__future_unref(tr_future *f);

/* set_running_or_notify_cancel(): PENDING -> RUNNING (true), or CANCELLED ->
 * CANCELLED_AND_NOTIFIED with its waiters signalled (false). */
TR__HIDDEN bool tr__future_start(tr_future *f);

/* set_result / set_exception: -> FINISHED with the task's status (TR_OK or a failure),
 * its value, and for a failure its text (copied). Waiters are signalled, then the done
 * callbacks run here, in the order added. False when the future was already done
 * (Python's InvalidStateError; a cancelled future stays cancelled). bytes: process
 * pools' result (copied: the caller keeps its own), or NULL. */
TR__HIDDEN bool tr__future_finish(tr_future *f, tr_status status, void *value,
                                  const tr_bytes *bytes, const char *message);

/* Installs w in f's watch list unless f is done already (then the node stays unlinked).
 * Returns the doneness at that moment. */
TR__HIDDEN tr__doneness tr__future_watch(tr_future *f, tr__watch *node, tr__waiter *w,
                                        const tr__watcher_ops *ops);
/* Unlinks node if still linked; returns f's doneness at that moment. */
TR__HIDDEN tr__doneness tr__future_unwatch(tr_future *f, tr__watch *node);

#endif
