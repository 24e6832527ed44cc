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

/* Installs a hook (NULL restores the default: count, and log when the environment
 * variable TRAMA_MISUSE_LOG asks for it: "1" or "stderr", one line of text on stderr per
 * misuse; any other non-empty value but "0", a file of JSON Lines records, one per misuse;
 * see docs/reports.md). */
TR_PUBLIC void tr_set_misuse_hook(tr_misuse_hook hook, void *ctx);

/* One misuse, as a reporter receives it and as one TRAMA_MISUSE_LOG record writes it
 * (docs/reports.md, "Misuse logs"). Every pointer is borrowed for the reporter's call
 * only; copy what you keep. */
typedef struct tr_misuse_frame {
    const char *function; /* "worker"; NULL when the symbol is unknown */
    const char *file;     /* its source file from the build's debug info, else NULL */
    int line;             /* 0 when unknown */
    const char *module;   /* the executable or shared object holding it, else NULL */
    unsigned long offset; /* the address within module (addr2line -e MODULE OFFSET) */
} tr_misuse_frame;

typedef struct tr_misuse {
    tr_status status;      /* TR_RUNTIME_ERROR, TR_VALUE_ERROR or TR_OS_ERROR */
    const char *kind;      /* "runtime_error", "value_error", "os_error" (a finding's kind) */
    const char *exception; /* Python's exception: "RuntimeError" */
    const char *message;   /* Python's text: "release unlocked lock" */
    const char *file;      /* the user's call site, NULL/0 when unknown */
    int line;
    /* "lock.release"; NULL for a misuse found in the arguments, before the call's action
     * (a bad timeout, a constructor's argument) */
    const char *operation;
    /* The object misused, NULL with the operation:
     * its kind ("lock") and per-process id ("L3": the kind's letter in traces, then its
     * number among the objects of that kind this process created, from 1). */
    const char *object_kind;
    const char *object_id;
    const char *object_label; /* a thread's name; NULL for other objects */
    unsigned long thread_ident; /* tr_thread_ident of the calling thread */
    long thread_native_id;      /* the kernel's thread id (gettid) */
    const char *thread_name;    /* "MainThread", "Thread-1 (worker)", "Dummy-2" */
    int pid;
    const char *process_name; /* "MainProcess", or the tr_process this process runs */
    const char *program;      /* the program's short name (argv[0] without its folder) */
    double monotonic;         /* seconds on CLOCK_MONOTONIC */
    double time;              /* seconds since the Unix epoch (CLOCK_REALTIME) */
    /* The call chain from the user's call inward out: stack[0] is the function that called
     * trama, then its callers (trama's own frames and the thread start below the user's
     * code are left out). symbolizer: "libdw" (function, file, line) or "backtrace"
     * (module and offset; function only for exported symbols). */
    const tr_misuse_frame *stack;
    int stack_depth;
    const char *symbolizer;
} tr_misuse;

/* A reporter receives every misuse in full, after the state is consistent again (not under
 * a primitive's internal lock: it may call trama). Python's logging handler for misuse. */
typedef void (*tr_misuse_reporter)(const tr_misuse *misuse, void *ctx);

/* Installs a reporter beside any tr_misuse_hook (both are called); NULL removes it. While a
 * reporter or a hook is installed, the default TRAMA_MISUSE_LOG output is not written.
 * Building the record costs what a logged one does (bench_primitives: the stack and its
 * symbols), on the misuse path only. */
TR_PUBLIC void tr_set_misuse_reporter(tr_misuse_reporter reporter, void *ctx);

/* Misuse raised in this process so far, whatever hook was installed. */
TR_PUBLIC unsigned long tr_misuse_count(void);

#ifdef __cplusplus
}
#endif
#endif
