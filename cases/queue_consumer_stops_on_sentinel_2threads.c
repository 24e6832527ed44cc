/* Pattern:  a consumer takes items until the producer's sentinel (NULL).
 * Expected: TR_PASS.
 * Trigger:  none: get() waits for each item, and only the producer says when it is done.
 * Twin:     queue_consumer_stops_on_empty_2threads.c (TR_ASSERTION, stops on empty()). */
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
    tr_queue_put(w->q, NULL, true, TR_FOREVER);
}

static void consume(void *arg)
{
    work *w = arg;
    for (;;) {
        void *item;
        tr_queue_get(w->q, &item, true, TR_FOREVER);
        if (!item)
            return;
        TR_STORE(w->processed, TR_LOAD(w->processed) + 1);
    }
}

TR_CASE(queue_consumer_stops_on_sentinel_2threads, TR_PASS)
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
