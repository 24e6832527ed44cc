/* Pattern:  a parent sends one message on a one-way tr_pipe and a second child process
 *           sends another on the same pipe; a child process receives the first and
 *           indexes a table with it, assuming the "low" message always comes first.
 * Expected: TR_CRASH (when "high" arrives first the child writes through a NULL pointer
 *           and dies of SIGSEGV; the parent sees exit code -11).
 * Trigger:  the second child's send before the parent's.
 * Twin:     process_crash_handled_order.c (TR_PASS, the child accepts either order). */
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
    static int slot;
    int *table[2] = {&slot, NULL}; /* only the low slot was ever filled in */
    void *buf = NULL;
    size_t len = 0;
    TR_ASSERT(tr_connection_recv(s->rx, &buf, &len) == TR_OK);
    int first = len == 4; /* "high" */
    free(buf);
    *(volatile int *)table[first] = 1;
}

TR_CASE(process_crash_in_one_order, TR_CRASH)
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
    tr_process_free(p);
    tr_process_free(high);
}
