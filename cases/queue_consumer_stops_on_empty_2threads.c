/* Pattern:  a consumer drains a Queue while empty() is false, before the producer is done.
 * Expected: TR_ASSERTION.
 * Trigger:  the consumer checks empty() before the producer's first put (or between two
 *           puts) and stops; the items left behind are never processed.
 * Twin:     queue_consumer_stops_on_sentinel_2threads.c (TR_PASS). */
#include <stdint.h>
#include <trama/harness.h>

enum { ITEMS = 2 };

typedef struct work {
    tr_queue *q;
    int processed;
} work;

static void produce(void *arg)
{
    work *w = arg;
    for (intptr_t i = 1; i <= ITEMS; i++)
        tr_queue_put(w->q, (void *)i, true, TR_FOREVER);
}

static void consume(void *arg)
{
    work *w = arg;
    while (!tr_queue_empty(w->q)) { /* bug: empty() says nothing of items still to come */
        void *item;
        tr_queue_get(w->q, &item, true, TR_FOREVER);
        TR_STORE(w->processed, TR_LOAD(w->processed) + 1);
    }
}

TR_CASE(queue_consumer_stops_on_empty_2threads, TR_ASSERTION)
{
    work *w = tr_case_alloc(sizeof *w);
    w->q = tr_queue_new(0);
    tr_thread *p = tr_thread_new(produce, w, &(tr_thread_opts){.name = "producer"});
    tr_thread *c = tr_thread_new(consume, w, &(tr_thread_opts){.name = "consumer"});
    tr_thread_start(p);
    tr_thread_start(c);
    tr_thread_join(p, TR_FOREVER);
    tr_thread_join(c, TR_FOREVER);
    TR_ASSERT_MSG(TR_LOAD(w->processed) == ITEMS, "%d of %d items processed",
                  TR_LOAD(w->processed), ITEMS);
    tr_thread_free(p);
    tr_thread_free(c);
    tr_queue_free(w->q);
}
