/* Pattern:  a worker process takes each task from a JoinableQueue, calls task_done() for
 *           each, the sentinel (an empty item) included; the parent waits in join().
 * Expected: TR_PASS.
 * Trigger:  none: two puts, two task_done() calls, in another process.
 * Twin:     mpqueue_task_not_done.c (TR_DEADLOCK, none for the sentinel). */
#include <stdlib.h>
#include <trama/harness.h>

static void worker(void *arg)
{
    tr_mpqueue *q = arg;
    for (;;) {
        tr_bytes task;
        TR_ASSERT(tr_mpqueue_get(q, &task, true, TR_FOREVER) == TR_OK);
        free(task.data);
        tr_mpqueue_task_done(q);
        if (task.len == 0)
            return;
    }
}

TR_CASE(mpqueue_task_done_for_sentinel, TR_PASS)
{
    tr_mpqueue *q = tr_joinable_queue_new(0);
    tr_process *p = tr_process_new(worker, q, NULL);
    TR_ASSERT(tr_process_start(p) == TR_OK);
    TR_ASSERT(tr_mpqueue_put(q, "job", 3, true, TR_FOREVER) == TR_OK);
    TR_ASSERT(tr_mpqueue_put(q, "", 0, true, TR_FOREVER) == TR_OK);
    TR_ASSERT(tr_mpqueue_join(q) == TR_OK);
    TR_ASSERT(tr_process_join(p, TR_FOREVER) == TR_OK);
    tr_process_free(p);
    tr_mpqueue_free(q);
}
