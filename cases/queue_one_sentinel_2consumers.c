/* Pattern:  one sentinel (NULL) put for two consumers that each stop on it.
 * Expected: TR_DEADLOCK.
 * Trigger:  none needed: whichever consumer takes the sentinel stops, the other waits in
 *           get() for good, and the main thread waits in join() for it.
 * Twin:     queue_sentinel_per_consumer_2consumers.c (TR_PASS, one sentinel each). */
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

TR_CASE(queue_one_sentinel_2consumers, TR_DEADLOCK)
{
    tr_queue *q = tr_queue_new(0);
    tr_thread *c[CONSUMERS];
    for (int i = 0; i < CONSUMERS; i++) {
        c[i] = tr_thread_new(consume, q, NULL);
        tr_thread_start(c[i]);
    }
    tr_queue_put(q, (void *)(intptr_t)1, true, TR_FOREVER);
    tr_queue_put(q, NULL, true, TR_FOREVER); /* bug: one sentinel per consumer is needed */
    for (int i = 0; i < CONSUMERS; i++) {
        tr_thread_join(c[i], TR_FOREVER);
        tr_thread_free(c[i]);
    }
    tr_queue_free(q);
}
