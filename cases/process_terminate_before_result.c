/* Pattern:  a parent starts a child that sends one result on a pipe, then terminates the
 *           child as if its work were done, then reads the result.
 * Expected: TR_ASSERTION (when the signal comes before the child's send, the child is
 *           gone with nothing sent: the read finds end of file).
 * Trigger:  terminate() runs before the child's send.
 * Twin:     process_terminate_after_result.c (TR_PASS, reads first). */
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

TR_CASE(process_terminate_before_result, TR_ASSERTION)
{
    shared *s = tr_case_alloc(sizeof *s);
    TR_ASSERT(tr_pipe(false, &s->rx, &s->tx) == TR_OK);
    tr_process *p = tr_process_new(child, s, NULL);
    TR_ASSERT(tr_process_start(p) == TR_OK);
    tr_connection_close(s->tx); /* the child's copy is the only writer left */
    TR_ASSERT(tr_process_terminate(p) == TR_OK);
    void *buf = NULL;
    size_t len = 0;
    tr_status got = tr_connection_recv(s->rx, &buf, &len);
    free(buf);
    TR_ASSERT(got == TR_OK && len == sizeof(int));
    TR_ASSERT(tr_process_join(p, TR_FOREVER) == TR_OK);
    tr_process_free(p);
    tr_connection_close(s->rx);
}
