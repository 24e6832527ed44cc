/* trama/thread.h — threading.Thread. */
#ifndef TRAMA_THREAD_H
#define TRAMA_THREAD_H

#include <trama/site.h>
#include <trama/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tr_thread tr_thread;
typedef void (*tr_target)(void *arg);
/* NULL opts = defaults: name "Thread-N (target)", daemon inherited from the creator
 * (Python's daemon=None). With opts, daemon is taken as given. */
typedef struct tr_thread_opts {
    const char *name; /* copied; NULL = default name */
    bool daemon;
} tr_thread_opts;

/* threading.Thread(target=, args=(arg,), name=, daemon=). Not started. */
TR_PUBLIC tr_thread *tr_thread_new(tr_target target, void *arg, const tr_thread_opts *opts);
/* Thread.start(): TR_RUNTIME_ERROR "threads can only be started once". */
TR_PUBLIC tr_status tr_thread_start(tr_thread *);
/* Thread.join(timeout=None): TR_OK finished, TR_TIMEOUT still alive (negative acts as 0).
 * TR_RUNTIME_ERROR "cannot join thread before it is started" / "cannot join current
 * thread". */
TR_PUBLIC tr_status tr_thread_join(tr_thread *, double timeout);
/* True from just before the target runs until just after it returns. */
TR_PUBLIC bool tr_thread_is_alive(const tr_thread *);
/* Borrowed; valid until the name changes or the thread object is freed. */
TR_PUBLIC const char *tr_thread_name(const tr_thread *);
TR_PUBLIC tr_status tr_thread_set_name(tr_thread *, const char *);
TR_PUBLIC bool tr_thread_daemon(const tr_thread *);
/* TR_RUNTIME_ERROR "cannot set daemon status of active thread" once started. */
TR_PUBLIC tr_status tr_thread_set_daemon(tr_thread *, bool);
/* threading.current_thread(): a trama thread, "MainThread", or a "Dummy-N" for threads
 * trama did not start. Borrowed: owned by trama for threads it did not create. */
TR_PUBLIC tr_thread *tr_current_thread(void);
/* Python's ident: unique among live threads; 0 before start. */
TR_PUBLIC unsigned long tr_thread_ident(const tr_thread *);
/* What Python's interpreter exit does first (threading._shutdown): waits for every
 * started non-daemon thread other than the caller, including threads started meanwhile.
 * A C program's exit does not wait for threads: call this at the end of main for Python's
 * behaviour. A Process child calls it itself after its target, as Python's does. */
TR_PUBLIC tr_status tr_threading_shutdown(void);
/* Frees the object; a running thread is detached and finishes on its own. NULL: no-op. */
TR_PUBLIC void tr_thread_free(tr_thread *);

#define tr_thread_new(fn, ...) (TR__SITE(), tr__site.target = #fn, tr_thread_new(fn, __VA_ARGS__))
#define tr_thread_start(...) (TR__SITE(), tr_thread_start(__VA_ARGS__))
#define tr_thread_join(...) (TR__SITE(), tr_thread_join(__VA_ARGS__))
#define tr_thread_is_alive(...) (TR__SITE(), tr_thread_is_alive(__VA_ARGS__))

#ifdef __cplusplus
}
#endif
#endif
