/* Pattern:  a parent sends one message on a one-way tr_pipe and a second child process
 *           sends another on the same pipe; a child process receives the first and looks
 *           it up in a table that has both messages.
 * Expected: TR_PASS (either order is handled; the child exits with code 0).
 * Trigger:  none.
 * Twin:     process_crash_in_one_order.c (TR_CRASH, only "low" first is handled). */
#include <stdlib.h>
#include <string.h>
#include <trama/harness.h>

typedef struct shared {
    tr_connection *rx, *tx;
} shared;

static void send_high(void *arg)
{
    TR_ASSERT(tr_connection_send(((shared *)arg)->tx, "high", 4) == TR_OK);
}

static void child(void *arg)
{
    shared *s = arg;
    static int slots[2];
    int *table[2] = {&slots[0], &slots[1]};
    void *buf = NULL;
    size_t len = 0;
    TR_ASSERT(tr_connection_recv(s->rx, &buf, &len) == TR_OK);
    int first = len == 4; /* "high" */
    free(buf);
    *(volatile int *)table[first] = 1;
}

TR_CASE(process_crash_handled_order, TR_PASS)
{
    shared *s = tr_case_alloc(sizeof *s);
    TR_ASSERT(tr_pipe(false, &s->rx, &s->tx) == TR_OK);
    tr_process *p = tr_process_new(child, s, NULL);
    tr_process *high = tr_process_new(send_high, s, NULL);
    TR_ASSERT(tr_process_start(p) == TR_OK);
    TR_ASSERT(tr_process_start(high) == TR_OK);
    TR_ASSERT(tr_connection_send(s->tx, "low", 3) == TR_OK);
    TR_ASSERT(tr_process_join(high, TR_FOREVER) == TR_OK);
    TR_ASSERT(tr_process_join(p, TR_FOREVER) == TR_OK);
    TR_ASSERT(tr_process_exitcode(p) == 0);
    tr_process_free(p);
    tr_process_free(high);
}
