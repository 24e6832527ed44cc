/* Pattern:  a worker calls task_done() for every item it takes, the sentinel (NULL)
 *           included; the main thread waits in Queue.join().
 * Expected: TR_PASS.
 * Trigger:  none: two puts, two task_done() calls.
 * Twin:     queue_join_sentinel_not_done_2threads.c (TR_DEADLOCK, none for the sentinel). */
#include <stdint.h>
#include <trama/harness.h>

static void work(void *arg)
{
    tr_queue *q = arg;
    for (;;) {
        void *item;
        tr_queue_get(q, &item, true, TR_FOREVER);
        tr_queue_task_done(q);
        if (!item)
            return;
    }
}

TR_CASE(queue_join_sentinel_done_2threads, TR_PASS)
{
    tr_queue *q = tr_queue_new(0);
    tr_thread *t = tr_thread_new(work, q, &(tr_thread_opts){.name = "worker"});
    tr_thread_start(t);
    tr_queue_put(q, (void *)(intptr_t)1, true, TR_FOREVER);
    tr_queue_put(q, NULL, true, TR_FOREVER);
    tr_queue_join(q);
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
    tr_queue_free(q);
}
