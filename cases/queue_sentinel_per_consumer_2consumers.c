/* Pattern:  one sentinel (NULL) per consumer; each consumer stops on the first it takes.
 * Expected: TR_PASS.
 * Trigger:  none: every consumer gets a sentinel, whatever the order of the gets.
 * Twin:     queue_one_sentinel_2consumers.c (TR_DEADLOCK, one sentinel for two). */
#include <stdint.h>
#include <trama/harness.h>

enum { CONSUMERS = 2 };

static void consume(void *arg)
{
    tr_queue *q = arg;
    for (;;) {
        void *item;
        tr_queue_get(q, &item, true, TR_FOREVER);
        if (!item)
            return;
    }
}

TR_CASE(queue_sentinel_per_consumer_2consumers, TR_PASS)
{
    tr_queue *q = tr_queue_new(0);
    tr_thread *c[CONSUMERS];
    for (int i = 0; i < CONSUMERS; i++) {
        c[i] = tr_thread_new(consume, q, NULL);
        tr_thread_start(c[i]);
    }
    tr_queue_put(q, (void *)(intptr_t)1, true, TR_FOREVER);
    for (int i = 0; i < CONSUMERS; i++)
        tr_queue_put(q, NULL, true, TR_FOREVER);
    for (int i = 0; i < CONSUMERS; i++) {
        tr_thread_join(c[i], TR_FOREVER);
        tr_thread_free(c[i]);
    }
    tr_queue_free(q);
}
