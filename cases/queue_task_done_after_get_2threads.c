/* Pattern:  a worker polls with get_nowait() and calls task_done() once it has an item.
 * Expected: TR_PASS.
 * Trigger:  none: one put, one task_done, so join() returns after the item is processed.
 * Twin:     queue_task_done_in_finally_2threads.c (TR_VALUE_ERROR_FOUND, task_done after
 *           Empty too). */
#include <stdint.h>
#include <trama/harness.h>

typedef struct work {
    tr_queue *q;
    int processed;
} work;

static void poll_until_item(void *arg)
{
    work *w = arg;
    for (;;) {
        void *item = NULL;
        if (tr_queue_get_nowait(w->q, &item) == TR_OK) {
            TR_STORE(w->processed, TR_LOAD(w->processed) + 1);
            tr_queue_task_done(w->q);
            return;
        }
        tr_yield();
    }
}

TR_CASE(queue_task_done_after_get_2threads, TR_PASS)
{
    work *w = tr_case_alloc(sizeof *w);
    w->q = tr_queue_new(0);
    tr_thread *t = tr_thread_new(poll_until_item, w, &(tr_thread_opts){.name = "worker"});
    tr_thread_start(t);
    tr_queue_put(w->q, (void *)(intptr_t)1, true, TR_FOREVER);
    tr_queue_join(w->q);
    TR_ASSERT(TR_LOAD(w->processed) == 1); /* join() ordered after the task_done */
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
    tr_queue_free(w->q);
}
