/* Pattern:  a child waits for a message that never comes; its parent terminates it, joins
 *           it, and reads its exit code.
 * Expected: TR_UNMODELLED. Natively the program is correct (terminate() sends SIGTERM,
 *           join returns once the child is gone, its exitcode is -15, as Python's; the
 *           primitives' test_process checks it). The controlled scheduler does not model
 *           a signal that ends a running process, so it says so at the call, by name,
 *           instead of taking the child's death for a crash.
 * Trigger:  the terminate() call, in every execution. */
#include <signal.h>
#include <trama/harness.h>

typedef struct shared {
    tr_connection *rx, *tx;
} shared;

static void child(void *arg)
{
    shared *s = arg;
    void *buf = NULL;
    size_t len = 0;
    tr_connection_recv(s->rx, &buf, &len);
    TR_ASSERT(!"a message nobody sent arrived");
}

TR_CASE(process_terminate_unmodelled, TR_UNMODELLED)
{
    shared *s = tr_case_alloc(sizeof *s);
    TR_ASSERT(tr_pipe(false, &s->rx, &s->tx) == TR_OK);
    tr_process *p = tr_process_new(child, s, NULL);
    TR_ASSERT(tr_process_start(p) == TR_OK);
    TR_ASSERT(tr_process_terminate(p) == TR_OK);
    TR_ASSERT(tr_process_join(p, TR_FOREVER) == TR_OK);
    TR_ASSERT(tr_process_exitcode(p) == -SIGTERM);
    tr_process_free(p);
    tr_connection_close(s->tx);
    tr_connection_close(s->rx);
}
