/* Pattern:  a child sends a 1 MiB message on a one-way tr_pipe; its parent receives the
 *           whole message, then joins the child.
 * Expected: TR_PASS (the parent's reads make room for the child's writes; the child
 *           exits with code 0).
 * Trigger:  none.
 * Twin:     process_join_before_large_recv.c (TR_DEADLOCK, join first). */
#include <stdlib.h>
#include <string.h>
#include <trama/harness.h>

enum { BIG = 1 << 20 };

typedef struct shared {
    tr_connection *rx, *tx;
} shared;

static void child(void *arg)
{
    shared *s = arg;
    char *big = calloc(1, BIG);
    TR_ASSERT(big && tr_connection_send(s->tx, big, BIG) == TR_OK);
    free(big);
}

TR_CASE(process_recv_before_join, TR_PASS)
{
    shared *s = tr_case_alloc(sizeof *s);
    TR_ASSERT(tr_pipe(false, &s->rx, &s->tx) == TR_OK);
    tr_process *p = tr_process_new(child, s, NULL);
    TR_ASSERT(tr_process_start(p) == TR_OK);
    void *buf = NULL;
    size_t len = 0;
    TR_ASSERT(tr_connection_recv(s->rx, &buf, &len) == TR_OK && len == BIG);
    free(buf);
    TR_ASSERT(tr_process_join(p, TR_FOREVER) == TR_OK);
    TR_ASSERT(tr_process_exitcode(p) == 0);
    tr_process_free(p);
}
