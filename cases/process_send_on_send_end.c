/* Pattern:  a parent makes a one-way tr_pipe (rx receives, tx sends) and starts a child
 *           that reports back on tx; the parent receives the report, then joins.
 * Expected: TR_PASS.
 * Trigger:  none.
 * Twin:     process_send_on_receive_end.c (TR_OS_ERROR_FOUND, the child sends on rx). */
#include <stdlib.h>
#include <string.h>
#include <trama/harness.h>

typedef struct shared {
    tr_connection *rx, *tx;
} shared;

static void child(void *arg)
{
    shared *s = arg;
    TR_ASSERT(tr_connection_send(s->tx, "done", 4) == TR_OK);
}

TR_CASE(process_send_on_send_end, TR_PASS)
{
    shared *s = tr_case_alloc(sizeof *s);
    TR_ASSERT(tr_pipe(false, &s->rx, &s->tx) == TR_OK);
    tr_process *p = tr_process_new(child, s, NULL);
    TR_ASSERT(tr_process_start(p) == TR_OK);
    void *buf = NULL;
    size_t len = 0;
    TR_ASSERT(tr_connection_recv(s->rx, &buf, &len) == TR_OK && len == 4);
    TR_ASSERT(memcmp(buf, "done", 4) == 0);
    free(buf);
    TR_ASSERT(tr_process_join(p, TR_FOREVER) == TR_OK);
    TR_ASSERT(tr_process_exitcode(p) == 0);
    tr_process_free(p);
}
