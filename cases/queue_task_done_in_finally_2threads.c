/* Pattern:  a worker polls with get_nowait() and calls task_done() after every attempt,
 *           as a `finally:` would, the ones that raised Empty included.
 * Expected: TR_VALUE_ERROR_FOUND ("task_done() called too many times").
 * Trigger:  the worker polls before the main thread's put: Empty, then a task_done()
 *           with no task unfinished.
 * Twin:     queue_task_done_after_get_2threads.c (TR_PASS, task_done only for an item). */
#include <stdint.h>
#include <trama/harness.h>

typedef struct work {
    tr_queue *q;
    int processed;
} work;

static void poll_once_done(void *arg)
{
    work *w = arg;
    for (;;) {
        void *item = NULL;
        tr_status s = tr_queue_get_nowait(w->q, &item);
        if (s == TR_OK)
            TR_STORE(w->processed, TR_LOAD(w->processed) + 1);
        tr_queue_task_done(w->q); /* bug: also after Empty */
        if (s == TR_OK)
            return;
        tr_yield();
    }
}

TR_CASE(queue_task_done_in_finally_2threads, TR_VALUE_ERROR_FOUND)
{
    work *w = tr_case_alloc(sizeof *w);
    w->q = tr_queue_new(0);
    tr_thread *t = tr_thread_new(poll_once_done, w, &(tr_thread_opts){.name = "worker"});
    tr_thread_start(t);
    tr_queue_put(w->q, (void *)(intptr_t)1, true, TR_FOREVER);
    tr_queue_join(w->q);
    TR_ASSERT(TR_LOAD(w->processed) == 1);
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
    tr_queue_free(w->q);
}
