/* Pattern:  a child ignores SIGTERM, says so over a pipe and waits for a message; its
 *           parent, once told, terminates it, closes its end and joins it.
 * Expected: TR_UNMODELLED. Natively the child survives the signal, sees end of file and
 *           exits with code 0; the controlled scheduler models a signal only where it
 *           ends the process by its default action, so it names the call (the signal is
 *           not sent) instead of guessing what a handler or SIG_IGN would do.
 * Trigger:  the terminate() call, in every execution. */
#include <signal.h>
#include <stdlib.h>
#include <trama/harness.h>

typedef struct shared {
    tr_connection *parent, *child;
} shared;

static void child(void *arg)
{
    shared *s = arg;
    tr_connection_close(s->parent); /* so the parent's close is end of file here */
    signal(SIGTERM, SIG_IGN);
    TR_ASSERT(tr_connection_send(s->child, "ready", 5) == TR_OK);
    void *buf = NULL;
    size_t len = 0;
    tr_connection_recv(s->child, &buf, &len);
    free(buf);
}

TR_CASE(process_terminate_ignored_unmodelled, TR_UNMODELLED)
{
    shared *s = tr_case_alloc(sizeof *s);
    TR_ASSERT(tr_pipe(true, &s->parent, &s->child) == TR_OK);
    tr_process *p = tr_process_new(child, s, NULL);
    TR_ASSERT(tr_process_start(p) == TR_OK);
    tr_connection_close(s->child);
    void *buf = NULL;
    size_t len = 0;
    TR_ASSERT(tr_connection_recv(s->parent, &buf, &len) == TR_OK);
    free(buf);
    tr_process_terminate(p);
    tr_connection_close(s->parent);
    tr_process_join(p, TR_FOREVER);
    tr_process_free(p);
}
