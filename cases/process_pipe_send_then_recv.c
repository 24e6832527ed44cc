/* Pattern:  a parent and the child it starts share a duplex tr_pipe; each end sends its
 *           greeting, then receives the other's; the parent joins the child.
 * Expected: TR_PASS (both greetings fit in the pipe, whatever the order; the child exits
 *           with code 0).
 * Trigger:  none.
 * Twin:     process_pipe_both_recv_first.c (TR_DEADLOCK, each end receives first). */
#include <stdlib.h>
#include <trama/harness.h>

typedef struct shared {
    tr_connection *parent_end, *child_end;
} shared;

static void greet(tr_connection *c)
{
    TR_ASSERT(tr_connection_send(c, "hello", 5) == TR_OK);
    void *buf = NULL;
    size_t len = 0;
    TR_ASSERT(tr_connection_recv(c, &buf, &len) == TR_OK && len == 5);
    free(buf);
}

static void child(void *arg)
{
    shared *s = arg;
    greet(s->child_end);
}

TR_CASE(process_pipe_send_then_recv, TR_PASS)
{
    shared *s = tr_case_alloc(sizeof *s);
    TR_ASSERT(tr_pipe(true, &s->parent_end, &s->child_end) == TR_OK);
    tr_process *p = tr_process_new(child, s, NULL);
    TR_ASSERT(tr_process_start(p) == TR_OK);
    greet(s->parent_end);
    TR_ASSERT(tr_process_join(p, TR_FOREVER) == TR_OK);
    TR_ASSERT(tr_process_exitcode(p) == 0);
    tr_process_free(p);
}
