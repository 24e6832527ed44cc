/* trama/executor.h — concurrent.futures: ThreadPoolExecutor, ProcessPoolExecutor, Future,
 * wait() and as_completed(). */
#ifndef TRAMA_EXECUTOR_H
#define TRAMA_EXECUTOR_H

#include <trama/site.h>
#include <trama/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tr_executor tr_executor;
typedef struct tr_future tr_future;
/* Thread pools: pointers in, pointer out. Return TR_OK, or any other status to mark the
 * task failed (Future.exception() set; result() returns TR_TASK_FAILED). */
typedef tr_status (*tr_task)(void *arg, void **result);
typedef struct tr_bytes {
    void *data;
    size_t len;
} tr_bytes;
/* Process pools: bytes in, bytes out (result->data malloc'd by the task). */
typedef tr_status (*tr_bytes_task)(const tr_bytes *arg, tr_bytes *result);

typedef struct tr_pool_opts {
    int max_workers;                /* 0 = Python's default (None); < 0: ValueError */
    const char *thread_name_prefix; /* thread pools */
    void (*initializer)(void *);
    void *initarg;
    /* Used instead of initializer when set: returning false is the initializer raising,
     * which breaks the pool (TR_BROKEN). */
    bool (*checked_initializer)(void *);
} tr_pool_opts;

/* ThreadPoolExecutor(max_workers, thread_name_prefix, initializer, initargs). NULL opts =
 * defaults: min(32, CPUs this process may use + 4) workers, named
 * "ThreadPoolExecutor-K_I" ("prefix_I" with a non-empty prefix), started on submit only
 * when no worker is free. NULL + TR_VALUE_ERROR "max_workers must be greater than 0". */
TR_PUBLIC tr_executor *tr_thread_pool_new(const tr_pool_opts *);
/* ProcessPoolExecutor with the fork start method: max_workers (default: the CPU count)
 * children (tr_process) forked at the first submit, each talking to its worker thread
 * over a duplex tr_pipe; tasks are tr_bytes_task functions. Each child closes its copies
 * of the pool's other pipes. A child that dies breaks the pool (TR_BROKEN); the other
 * children are let go by closing their pipes (a busy one first finishes its task). */
TR_PUBLIC tr_executor *tr_process_pool_new(const tr_pool_opts *);
/* submit(fn, arg): a new future, the caller's to free (before or after it completes).
 * NULL + TR_RUNTIME_ERROR "cannot schedule new futures after shutdown", or TR_BROKEN with
 * the pool's text (checked first); TR_VALUE_ERROR for a process pool. */
TR_PUBLIC tr_future *tr_executor_submit(tr_executor *, tr_task, void *arg);
/* Process pools: arg is copied; the task runs in a child. TR_VALUE_ERROR for a thread pool. */
TR_PUBLIC tr_future *tr_executor_submit_bytes(tr_executor *, tr_bytes_task, const void *arg,
                                              size_t len);
/* shutdown(wait=True, cancel_futures=False): idempotent; cancel_futures cancels the queued,
 * not started futures; wait joins every worker. TR_OK. */
TR_PUBLIC tr_status tr_executor_shutdown(tr_executor *, bool wait, bool cancel_futures);
/* Shuts down (wait) if needed, then frees. Futures stay valid. NULL: no-op. */
TR_PUBLIC void tr_executor_free(tr_executor *);

/* Future.result(timeout): TR_OK and the task's value (result may be NULL); TR_TIMEOUT
 * (timeout <= 0 polls once, TR_FOREVER waits), TR_CANCELLED, TR_TASK_FAILED (the task
 * returned another status; tr_last_error() is the text the task left) or TR_BROKEN. A
 * process pool's future gives value NULL: use tr_future_result_bytes. */
TR_PUBLIC tr_status tr_future_result(tr_future *, double timeout, void **result);
/* The same for process pools: result->data is malloc'd and handed over once (a second
 * call gets {NULL, 0}); the caller frees it. result may be NULL (the bytes are freed). */
TR_PUBLIC tr_status tr_future_result_bytes(tr_future *, double timeout, tr_bytes *result);
/* Future.exception(timeout): waits as tr_future_result does. TR_OK once the future
 * finished: *failure is TR_OK when the task succeeded (Python's None, *message NULL),
 * else how it failed, TR_TASK_FAILED or TR_BROKEN, with its text in *message (malloc'd,
 * the caller frees it). TR_CANCELLED (CancelledError) or TR_TIMEOUT (TimeoutError), with
 * empty text, leave both untouched. failure and message may be NULL. TR_NO_MEMORY. */
TR_PUBLIC tr_status tr_future_exception(tr_future *, double timeout, tr_status *failure,
                                        char **message);
/* Future.cancel(): true while PENDING (runs the done callbacks) or already cancelled;
 * false while RUNNING or FINISHED. */
TR_PUBLIC bool tr_future_cancel(tr_future *);
TR_PUBLIC bool tr_future_cancelled(const tr_future *);
TR_PUBLIC bool tr_future_running(const tr_future *);
/* True once cancelled or finished. */
TR_PUBLIC bool tr_future_done(const tr_future *);
/* add_done_callback(fn): fn(f, arg) at once in the caller when done, else later in the
 * completing thread (or the cancelling one), in the order added. TR_NO_MEMORY. */
TR_PUBLIC tr_status tr_future_add_done_callback(tr_future *, void (*fn)(tr_future *, void *),
                                                void *arg);
/* Lets go of the submitter's handle; the pool keeps what it needs. NULL: no-op. */
TR_PUBLIC void tr_future_free(tr_future *);

typedef enum tr_return_when { TR_FIRST_COMPLETED, TR_FIRST_EXCEPTION, TR_ALL_COMPLETED } tr_return_when;
/* concurrent.futures.wait(fs, timeout, return_when): reorders fs so the done ones come
 * first (each group in its order) and counts them in *n_done. Done means FINISHED or
 * CANCELLED_AND_NOTIFIED (a cancelled future counts once a worker has seen it). A timeout
 * is no error: TR_OK. TR_VALUE_ERROR "Invalid return condition: N" when it would have to
 * wait with an unknown return_when. Each slot of fs counts on its own. */
TR_PUBLIC tr_status tr_wait(tr_future **fs, size_t n, double timeout, tr_return_when,
                            size_t *n_done);
typedef struct tr_as_completed tr_as_completed;
/* as_completed(fs, timeout): the deadline starts now (monotonic clock); a future listed
 * twice is yielded once. The iterator holds a reference on each future until freed. */
TR_PUBLIC tr_as_completed *tr_as_completed_new(tr_future **fs, size_t n, double timeout);
/* The next future: the ones already done first, then in completion order. TR_EOF once
 * all were yielded; TR_TIMEOUT "%d (of %d) futures unfinished" past the deadline. The
 * future is borrowed from the caller's list. */
TR_PUBLIC tr_status tr_as_completed_next(tr_as_completed *, tr_future **next);
TR_PUBLIC void tr_as_completed_free(tr_as_completed *);

#define tr_thread_pool_new(...) (TR__SITE(), tr_thread_pool_new(__VA_ARGS__))
#define tr_process_pool_new(...) (TR__SITE(), tr_process_pool_new(__VA_ARGS__))
#define tr_executor_submit(...) (TR__SITE(), tr_executor_submit(__VA_ARGS__))
#define tr_executor_submit_bytes(...) (TR__SITE(), tr_executor_submit_bytes(__VA_ARGS__))
#define tr_executor_shutdown(...) (TR__SITE(), tr_executor_shutdown(__VA_ARGS__))
#define tr_future_result(...) (TR__SITE(), tr_future_result(__VA_ARGS__))
#define tr_future_result_bytes(...) (TR__SITE(), tr_future_result_bytes(__VA_ARGS__))
#define tr_future_exception(...) (TR__SITE(), tr_future_exception(__VA_ARGS__))
#define tr_wait(...) (TR__SITE(), tr_wait(__VA_ARGS__))

#ifdef __cplusplus
}
#endif
#endif
