/* Pattern:  the main thread returns while a daemon worker is still blocked.
 * Expected: TR_PASS (interpreter exit abandons daemon threads).
 * Trigger:  none: the server may be blocked or not yet started; exit does not wait.
 * Twin:     thread_nondaemon_blocked_at_exit.c (TR_DEADLOCK). */
#include <trama/harness.h>

typedef struct service {
    tr_lock *stop; /* held by the main thread; never released */
} service;

static void serve(void *arg)
{
    service *s = arg;
    tr_lock_acquire(s->stop, true, TR_FOREVER);
    tr_lock_release(s->stop);
}

TR_CASE(thread_daemon_abandoned_at_exit, TR_PASS)
{
    service *s = tr_case_alloc(sizeof *s);
    s->stop = tr_lock_new();
    tr_lock_acquire(s->stop, true, TR_FOREVER);
    tr_thread *t = tr_thread_new(serve, s, &(tr_thread_opts){.name = "server", .daemon = true});
    tr_thread_start(t);
}
