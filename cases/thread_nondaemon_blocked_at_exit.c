/* Pattern:  the main thread returns without stopping a non-daemon worker blocked forever.
 * Expected: TR_DEADLOCK (interpreter exit waits for non-daemon threads).
 * Trigger:  every schedule: the worker waits for a Lock nobody releases; 0 preemptions.
 * Twin:     thread_daemon_abandoned_at_exit.c (TR_PASS, the same worker as a daemon). */
#include <trama/harness.h>

typedef struct service {
    tr_lock *stop; /* held by the main thread; released to stop the worker */
} service;

static void serve(void *arg)
{
    service *s = arg;
    tr_lock_acquire(s->stop, true, TR_FOREVER);
    tr_lock_release(s->stop);
}

TR_CASE(thread_nondaemon_blocked_at_exit, TR_DEADLOCK)
{
    service *s = tr_case_alloc(sizeof *s);
    s->stop = tr_lock_new();
    tr_lock_acquire(s->stop, true, TR_FOREVER);
    tr_thread *t = tr_thread_new(serve, s, &(tr_thread_opts){.name = "server"});
    tr_thread_start(t);
    /* bug: returns without releasing stop (and without joining) */
}
