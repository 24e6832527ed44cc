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

TR_PUBLIC tr_executor *tr_thread_pool_new(const tr_pool_opts *);
TR_PUBLIC tr_executor *tr_process_pool_new(const tr_pool_opts *);
/* NULL + TR_RUNTIME_ERROR "cannot schedule new futures after shutdown", or TR_BROKEN. */
TR_PUBLIC tr_future *tr_executor_submit(tr_executor *, tr_task, void *arg);
TR_PUBLIC tr_future *tr_executor_submit_bytes(tr_executor *, tr_bytes_task, const void *arg,
                                              size_t len);
TR_PUBLIC tr_status tr_executor_shutdown(tr_executor *, bool wait, bool cancel_futures);
TR_PUBLIC void tr_executor_free(tr_executor *);

TR_PUBLIC tr_status tr_future_result(tr_future *, double timeout, void **result);
TR_PUBLIC tr_status tr_future_result_bytes(tr_future *, double timeout, tr_bytes *result);
TR_PUBLIC bool tr_future_cancel(tr_future *);
TR_PUBLIC bool tr_future_cancelled(const tr_future *);
TR_PUBLIC bool tr_future_running(const tr_future *);
TR_PUBLIC bool tr_future_done(const tr_future *);
TR_PUBLIC tr_status tr_future_add_done_callback(tr_future *, void (*fn)(tr_future *, void *),
                                                void *arg);
TR_PUBLIC void tr_future_free(tr_future *);

typedef enum tr_return_when { TR_FIRST_COMPLETED, TR_FIRST_EXCEPTION, TR_ALL_COMPLETED } tr_return_when;
TR_PUBLIC tr_status tr_wait(tr_future **fs, size_t n, double timeout, tr_return_when,
                            size_t *n_done);
typedef struct tr_as_completed tr_as_completed;
TR_PUBLIC tr_as_completed *tr_as_completed_new(tr_future **fs, size_t n, double timeout);
TR_PUBLIC tr_status tr_as_completed_next(tr_as_completed *, tr_future **next);
TR_PUBLIC void tr_as_completed_free(tr_as_completed *);

#define tr_executor_submit(...) (TR__SITE(), tr_executor_submit(__VA_ARGS__))
#define tr_executor_submit_bytes(...) (TR__SITE(), tr_executor_submit_bytes(__VA_ARGS__))
#define tr_executor_shutdown(...) (TR__SITE(), tr_executor_shutdown(__VA_ARGS__))
#define tr_future_result(...) (TR__SITE(), tr_future_result(__VA_ARGS__))
#define tr_future_result_bytes(...) (TR__SITE(), tr_future_result_bytes(__VA_ARGS__))
#define tr_wait(...) (TR__SITE(), tr_wait(__VA_ARGS__))

#ifdef __cplusplus
}
#endif
#endif
