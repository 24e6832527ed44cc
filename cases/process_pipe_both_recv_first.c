/* Pattern:  a parent and the child it starts share a duplex tr_pipe; each end waits to
 *           receive the other's greeting before it sends its own.
 * Expected: TR_DEADLOCK (in every interleaving: the parent waits in recv, the child too;
 *           nothing else can run).
 * Trigger:  none: the order is wrong in all of them.
 * Twin:     process_pipe_send_then_recv.c (TR_PASS, each end sends first). */
#include <stdlib.h>
#include <trama/harness.h>

typedef struct shared {
    tr_connection *parent_end, *child_end;
} shared;

static void greet_back(tr_connection *c)
{
    void *buf = NULL;
    size_t len = 0;
    TR_ASSERT(tr_connection_recv(c, &buf, &len) == TR_OK && len == 5);
    free(buf);
    TR_ASSERT(tr_connection_send(c, "hello", 5) == TR_OK);
}

static void child(void *arg)
{
    shared *s = arg;
    greet_back(s->child_end);
}

TR_CASE(process_pipe_both_recv_first, TR_DEADLOCK)
{
    shared *s = tr_case_alloc(sizeof *s);
    TR_ASSERT(tr_pipe(true, &s->parent_end, &s->child_end) == TR_OK);
    tr_process *p = tr_process_new(child, s, NULL);
    TR_ASSERT(tr_process_start(p) == TR_OK);
    greet_back(s->parent_end);
    TR_ASSERT(tr_process_join(p, TR_FOREVER) == TR_OK);
    TR_ASSERT(tr_process_exitcode(p) == 0);
    tr_process_free(p);
}
