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

TR_PUBLIC tr_process *tr_process_new(tr_target target, void *arg, const tr_process_opts *opts);
/* Process.start(): forks; the child runs target(arg) and exits 0 (or the status it
 * passes to exit()). TR_RUNTIME_ERROR "cannot start a process twice", ... */
TR_PUBLIC tr_status tr_process_start(tr_process *);
/* Process.join(timeout=None): TR_OK ended, TR_TIMEOUT still running. */
TR_PUBLIC tr_status tr_process_join(tr_process *, double timeout);
TR_PUBLIC bool tr_process_is_alive(tr_process *);
TR_PUBLIC tr_status tr_process_terminate(tr_process *); /* SIGTERM; nothing once ended */
TR_PUBLIC tr_status tr_process_kill(tr_process *);      /* SIGKILL; nothing once ended */
TR_PUBLIC int tr_process_pid(const tr_process *);       /* 0 before start */
/* 0, the exit status, or -signal; TR_EXITCODE_NONE before start and while running. */
TR_PUBLIC int tr_process_exitcode(const tr_process *);
TR_PUBLIC const char *tr_process_name(const tr_process *);
TR_PUBLIC bool tr_process_daemon(const tr_process *);
/* TR_RUNTIME_ERROR "process has already started" once started. */
TR_PUBLIC tr_status tr_process_set_daemon(tr_process *, bool);
/* Process.close(): TR_VALUE_ERROR while running; afterwards most calls are
 * TR_VALUE_ERROR "process object is closed". */
TR_PUBLIC tr_status tr_process_close(tr_process *);
TR_PUBLIC void tr_process_free(tr_process *);

#define tr_process_start(...) (TR__SITE(), tr_process_start(__VA_ARGS__))
#define tr_process_join(...) (TR__SITE(), tr_process_join(__VA_ARGS__))

#ifdef __cplusplus
}
#endif
#endif
