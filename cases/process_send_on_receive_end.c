/* Pattern:  a parent makes a one-way tr_pipe (rx receives, tx sends) and starts a child
 *           to report back; the child sends on rx, its receive-only end.
 * Expected: TR_OS_ERROR_FOUND (Python's OSError "connection is read-only", raised in
 *           the child; the finding names the child's thread).
 * Trigger:  none: the child always sends on the wrong end.
 * Twin:     process_send_on_send_end.c (TR_PASS, the child sends on tx). */
#include <stdlib.h>
#include <trama/harness.h>

typedef struct shared {
    tr_connection *rx, *tx;
} shared;

static void child(void *arg)
{
    shared *s = arg;
    tr_connection_send(s->rx, "done", 4);
}

TR_CASE(process_send_on_receive_end, TR_OS_ERROR_FOUND)
{
    shared *s = tr_case_alloc(sizeof *s);
    TR_ASSERT(tr_pipe(false, &s->rx, &s->tx) == TR_OK);
    tr_process *p = tr_process_new(child, s, NULL);
    TR_ASSERT(tr_process_start(p) == TR_OK);
    TR_ASSERT(tr_process_join(p, TR_FOREVER) == TR_OK);
    tr_process_free(p);
}
