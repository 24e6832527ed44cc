/* Pattern:  a parent starts a child that sends one result on a pipe, reads the result,
 *           then terminates the child and joins it.
 * Expected: TR_PASS (the result is read whatever the order; the child has either exited
 *           by itself, exitcode 0, or is ended by SIGTERM, exitcode -15, as Python's).
 * Trigger:  none.
 * Twin:     process_terminate_before_result.c (TR_ASSERTION, terminates first). */
#include <signal.h>
#include <stdlib.h>
#include <trama/harness.h>

typedef struct shared {
    tr_connection *rx, *tx;
} shared;

static void child(void *arg)
{
    shared *s = arg;
    int answer = 42;
    TR_ASSERT(tr_connection_send(s->tx, &answer, sizeof answer) == TR_OK);
}

TR_CASE(process_terminate_after_result, TR_PASS)
{
    shared *s = tr_case_alloc(sizeof *s);
    TR_ASSERT(tr_pipe(false, &s->rx, &s->tx) == TR_OK);
    tr_process *p = tr_process_new(child, s, NULL);
    TR_ASSERT(tr_process_start(p) == TR_OK);
    tr_connection_close(s->tx);
    void *buf = NULL;
    size_t len = 0;
    tr_status got = tr_connection_recv(s->rx, &buf, &len);
    TR_ASSERT(got == TR_OK && len == sizeof(int) && *(int *)buf == 42);
    free(buf);
    TR_ASSERT(tr_process_terminate(p) == TR_OK);
    TR_ASSERT(tr_process_join(p, TR_FOREVER) == TR_OK);
    int code = tr_process_exitcode(p);
    TR_ASSERT(code == 0 || code == -SIGTERM);
    tr_process_free(p);
    tr_connection_close(s->rx);
}
