/* Pattern:  a three-process pipeline: a producer process sends two items on pipe A, a
 *           middle process forwards them on pipe B until EOF on A, then closes its write
 *           end; the parent reads B until EOF.
 * Expected: TR_PASS (the parent reads both items, then EOF).
 * Trigger:  none.
 * Twin:     process_pipeline_closes_early.c (TR_ASSERTION, the middle stops at an empty
 *           poll).
 * Bounded:  1,000 executions by default: DPOR takes every step on a pipe's ends as
 *           dependent (a close of one copy of an end too), and three processes' steps on
 *           two pipes are more orderings than a test run exhausts (over 20,000). */
#include <stdlib.h>
#include <trama/harness.h>

typedef struct pipes {
    tr_connection *a_rx, *a_tx, *b_rx, *b_tx;
} pipes;

static void producer(void *arg)
{
    pipes *s = arg;
    tr_connection_close(s->a_rx); /* every process closes the ends it does not use */
    TR_ASSERT(tr_connection_send(s->a_tx, "1", 1) == TR_OK);
    TR_ASSERT(tr_connection_send(s->a_tx, "2", 1) == TR_OK);
    tr_connection_close(s->a_tx);
}

static void middle(void *arg)
{
    pipes *s = arg;
    tr_connection_close(s->a_tx);
    tr_connection_close(s->b_rx);
    for (;;) {
        void *item = NULL;
        size_t len = 0;
        if (tr_connection_recv(s->a_rx, &item, &len) != TR_OK)
            break;
        TR_ASSERT(tr_connection_send(s->b_tx, item, len) == TR_OK);
        free(item);
    }
    tr_connection_close(s->b_tx);
}

TR_CASE_BOUNDED(process_pipeline_reads_to_eof, TR_PASS, 1000)
{
    pipes *s = tr_case_alloc(sizeof *s);
    TR_ASSERT(tr_pipe(false, &s->a_rx, &s->a_tx) == TR_OK);
    tr_process *first = tr_process_new(producer, s, NULL);
    TR_ASSERT(tr_process_start(first) == TR_OK); /* before pipe B: it never has B's ends */
    TR_ASSERT(tr_pipe(false, &s->b_rx, &s->b_tx) == TR_OK);
    tr_process *second = tr_process_new(middle, s, NULL);
    TR_ASSERT(tr_process_start(second) == TR_OK);
    tr_connection_close(s->a_rx);
    tr_connection_close(s->a_tx);
    tr_connection_close(s->b_tx);
    int items = 0;
    for (;;) {
        void *item = NULL;
        size_t len = 0;
        if (tr_connection_recv(s->b_rx, &item, &len) != TR_OK)
            break; /* EOF: every write end of B is closed */
        free(item);
        items++;
    }
    TR_ASSERT(items == 2);
    TR_ASSERT(tr_process_join(first, TR_FOREVER) == TR_OK);
    TR_ASSERT(tr_process_join(second, TR_FOREVER) == TR_OK);
    tr_process_free(first);
    tr_process_free(second);
}
