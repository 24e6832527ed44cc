/* trama/process.h — multiprocessing.Process (fork start method). */
#ifndef TRAMA_PROCESS_H
#define TRAMA_PROCESS_H

#include <limits.h>
#include <trama/thread.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tr_process tr_process;
/* NULL opts: name "Process-N", daemon inherited (false in the main process). */
typedef struct tr_process_opts {
    const char *name;
    bool daemon;
} tr_process_opts;

#define TR_EXITCODE_NONE INT_MIN /* Python's None: not started, or still running */

/* Process(target, args=(arg,), name, daemon). Not started. Python's AssertionErrors are
 * TR_RUNTIME_ERROR with Python's text; "process object is closed" is TR_VALUE_ERROR. */
TR_PUBLIC tr_process *tr_process_new(tr_target target, void *arg, const tr_process_opts *opts);
/* Process.start(): forks; the child runs target(arg) and exits 0 (or the status it
 * passes to exit(); -signal if a signal ends it). Checks, in Python's order: closed ->
 * "cannot start a process twice" -> "can only start a process object created by current
 * process" -> "daemonic processes are not allowed to have children". TR_OS_ERROR
 * "[Errno N] ..." when fork fails. In the child, the forking thread is the only one, this
 * object is the current process (is_alive true, pid = getpid()), names restart at
 * "Process-<identity>:1", stdin is /dev/null, and the target must not return into code
 * of the parent's (cmocka): it ends with _exit after the target returns. */
TR_PUBLIC tr_status tr_process_start(tr_process *);
/* Process.join(timeout=None): TR_OK ended, TR_TIMEOUT still running (negative acts as 0).
 * closed -> "can only join a child process" (also the child itself) -> "can only join a
 * started process". */
TR_PUBLIC tr_status tr_process_join(tr_process *, double timeout);
/* closed -> true in the process itself -> "can only test a child process" -> running?
 * A misuse returns false with the error set. */
TR_PUBLIC bool tr_process_is_alive(tr_process *);
/* SIGTERM / SIGKILL; nothing once ended. Before start TR_RUNTIME_ERROR "'NoneType' object
 * has no attribute 'terminate'" ('kill'), as Python's AttributeError (proposal). */
TR_PUBLIC tr_status tr_process_terminate(tr_process *);
TR_PUBLIC tr_status tr_process_kill(tr_process *);
/* 0 before start; getpid() in the process itself. Closed: 0 + "process object is closed". */
TR_PUBLIC int tr_process_pid(const tr_process *);
/* 0, the exit status, or -signal; TR_EXITCODE_NONE before start and while running (it
 * reaps an ended child, as Python's). Closed: TR_EXITCODE_NONE + the closed error. */
TR_PUBLIC int tr_process_exitcode(const tr_process *);
/* Borrowed; valid until the object is freed. */
TR_PUBLIC const char *tr_process_name(const tr_process *);
TR_PUBLIC bool tr_process_daemon(const tr_process *);
/* TR_RUNTIME_ERROR "process has already started" once started (allowed again after
 * close(), as Python's). */
TR_PUBLIC tr_status tr_process_set_daemon(tr_process *, bool);
/* Process.close(): TR_VALUE_ERROR "Cannot close a process while it is still running. You
 * should first call join() or terminate()." while running; idempotent; afterwards pid,
 * exitcode, is_alive, join, start, terminate, kill are TR_VALUE_ERROR "process object is
 * closed". */
TR_PUBLIC tr_status tr_process_close(tr_process *);
/* Frees the object. A child still running is detached, not leaked: it is reaped at the
 * next start or at exit. NULL: no-op.
 * At exit (atexit), daemon children get SIGTERM and every child is joined, as Python. */
TR_PUBLIC void tr_process_free(tr_process *);

#define tr_process_new(...) (TR__SITE(), tr_process_new(__VA_ARGS__))
#define tr_process_start(...) (TR__SITE(), tr_process_start(__VA_ARGS__))
#define tr_process_join(...) (TR__SITE(), tr_process_join(__VA_ARGS__))
#define tr_process_is_alive(...) (TR__SITE(), tr_process_is_alive(__VA_ARGS__))
#define tr_process_terminate(...) (TR__SITE(), tr_process_terminate(__VA_ARGS__))
#define tr_process_kill(...) (TR__SITE(), tr_process_kill(__VA_ARGS__))
#define tr_process_pid(...) (TR__SITE(), tr_process_pid(__VA_ARGS__))
#define tr_process_exitcode(...) (TR__SITE(), tr_process_exitcode(__VA_ARGS__))
#define tr_process_daemon(...) (TR__SITE(), tr_process_daemon(__VA_ARGS__))
#define tr_process_set_daemon(...) (TR__SITE(), tr_process_set_daemon(__VA_ARGS__))
#define tr_process_close(...) (TR__SITE(), tr_process_close(__VA_ARGS__))

#ifdef __cplusplus
}
#endif
#endif
