/* Pattern:  a three-process pipeline: a producer process sends two items on pipe A, a
 *           middle process forwards them on pipe B, the parent reads B until EOF. The
 *           middle stage stops when poll(0) finds nothing waiting and closes its write
 *           end, taking "nothing yet" for "nothing more".
 * Expected: TR_ASSERTION (the parent reads one item, then EOF).
 * Trigger:  the middle's poll before the producer's second send.
 * Twin:     process_pipeline_reads_to_eof.c (TR_PASS, the middle forwards until EOF).
 * Bounded:  1,000 executions by default (as its twin); DPOR finds it in the first few
 *           hundred. */
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
        tr_connection_send(s->b_tx, item, len);
        free(item);
        if (tr_connection_poll(s->a_rx, 0) != TR_OK)
            break; /* the bug: nothing waiting now is not the end of the stream */
    }
    tr_connection_close(s->b_tx);
}

TR_CASE_BOUNDED(process_pipeline_closes_early, TR_ASSERTION, 1000)
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
