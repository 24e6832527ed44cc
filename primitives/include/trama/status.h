/* trama/status.h — status codes, Python's error texts, misuse reporting.
 *
 * Every call that can fail returns a tr_status; the message Python would print is in
 * tr_last_error(). Misuse (RuntimeError / ValueError / OSError from wrong use) is also
 * delivered to one reporter hook. */
#ifndef TRAMA_STATUS_H
#define TRAMA_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TR_PUBLIC __attribute__((visibility("default")))

/* X-macro: one row per status, its enumerator and Python's exception name. */
#define TR_STATUS_MAP(X)                                                                          \
    X(TR_OK, "OK")                                                                                \
    X(TR_TIMEOUT, "TimeoutError")                                                                 \
    X(TR_RUNTIME_ERROR, "RuntimeError")                                                           \
    X(TR_VALUE_ERROR, "ValueError")                                                               \
    X(TR_EOF, "EOFError")                                                                         \
    X(TR_OS_ERROR, "OSError")                                                                     \
    X(TR_CANCELLED, "CancelledError")                                                             \
    X(TR_BROKEN, "BrokenExecutor")                                                                \
    X(TR_TASK_FAILED, "TaskFailed")                                                               \
    X(TR_NO_MEMORY, "MemoryError")                                                                \
    X(TR_BROKEN_BARRIER, "BrokenBarrierError")                                                    \
    X(TR_FULL, "Full")                                                                            \
    X(TR_EMPTY, "Empty")                                                                          \
    X(TR_SHUTDOWN, "ShutDown")                                                                    \
    X(TR_INDEX_ERROR, "IndexError")

typedef enum tr_status {
#define TR_STATUS_ENUM(name, text) name,
    TR_STATUS_MAP(TR_STATUS_ENUM)
#undef TR_STATUS_ENUM
} tr_status;

/* Timeout meaning "wait without limit": Python's -1 for Lock/RLock, None elsewhere. */
#define TR_FOREVER (-1.0)

/* "RuntimeError", "ValueError", ...; "OK" for TR_OK. Static storage. */
TR_PUBLIC const char *tr_status_name(tr_status);

/* This thread's last error message, Python's exact text ("" when Python's is empty).
 * Borrowed: valid until this thread's next trama call that fails. */
TR_PUBLIC const char *tr_last_error(void);

/* Misuse reporter: called for every RuntimeError / ValueError / OSError that a primitive
 * raises because of how it was called, after the state is consistent again (never under
 * a primitive's internal lock, so the hook may call trama). file/line: the user's call
 * site when known, else NULL/0. */
typedef void (*tr_misuse_hook)(tr_status status, const char *message, const char *file,
                               int line, void *ctx);

/* Installs a hook (NULL restores the default: count, and log to stderr when the
 * environment variable TRAMA_MISUSE_LOG is set to a non-empty value other than "0"). */
TR_PUBLIC void tr_set_misuse_hook(tr_misuse_hook hook, void *ctx);

/* Misuse raised in this process so far, whatever hook was installed. */
TR_PUBLIC unsigned long tr_misuse_count(void);

#ifdef __cplusplus
}
#endif
#endif
