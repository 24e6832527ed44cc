/* Pattern:  a worker process takes each task from a JoinableQueue and stops on a sentinel
 *           (an empty item) without calling task_done() for it; the parent waits in join().
 * Expected: TR_DEADLOCK.
 * Trigger:  none needed: the sentinel was put, so join() waits for its task_done(), which
 *           never comes; the worker has ended.
 * Twin:     mpqueue_task_done_for_sentinel.c (TR_PASS). */
#include <stdlib.h>
#include <trama/harness.h>

static void worker(void *arg)
{
    tr_mpqueue *q = arg;
    for (;;) {
        tr_bytes task;
        TR_ASSERT(tr_mpqueue_get(q, &task, true, TR_FOREVER) == TR_OK);
        free(task.data);
        if (task.len == 0)
            return; /* bug: the sentinel is a task too */
        tr_mpqueue_task_done(q);
    }
}

TR_CASE(mpqueue_task_not_done, TR_DEADLOCK)
{
    tr_mpqueue *q = tr_joinable_queue_new(0);
    tr_process *p = tr_process_new(worker, q, NULL);
    TR_ASSERT(tr_process_start(p) == TR_OK);
    TR_ASSERT(tr_mpqueue_put(q, "job", 3, true, TR_FOREVER) == TR_OK);
    TR_ASSERT(tr_mpqueue_put(q, "", 0, true, TR_FOREVER) == TR_OK);
    tr_mpqueue_join(q);
    tr_process_join(p, TR_FOREVER);
    tr_process_free(p);
    tr_mpqueue_free(q);
}
