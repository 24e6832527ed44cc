/* Pattern:  a task of a one-worker ProcessPoolExecutor submits to the pool it runs in and
 *           waits for that future, from inside its child (the pool reached through the
 *           memory the fork copied, as a global would be in Python).
 * Expected: TR_DEADLOCK (the child's copy of the pool has no workers: the inner future is
 *           never run; the child waits in result(), its worker in recv, the parent in
 *           result(). Python 3.11 with fork hangs the same way).
 * Trigger:  none.
 * Twin:     ppool_task_calls_inner_directly.c (TR_PASS, the task calls the function). */
#include <string.h>
#include <trama/harness.h>

static tr_status inner(const tr_bytes *arg, tr_bytes *result)
{
    (void)arg, (void)result;
    return TR_OK;
}

static tr_status outer(const tr_bytes *arg, tr_bytes *result)
{
    tr_executor *pool;
    memcpy(&pool, arg->data, sizeof pool);
    tr_future *f = tr_executor_submit_bytes(pool, inner, NULL, 0);
    tr_status s = f ? tr_future_result_bytes(f, TR_FOREVER, result) : TR_RUNTIME_ERROR;
    tr_future_free(f);
    return s;
}

TR_CASE_BOUNDED(ppool_task_waits_own_pool, TR_DEADLOCK, 50)
{
    tr_executor *pool = tr_process_pool_new(&(tr_pool_opts){.max_workers = 1});
    tr_future *f = tr_executor_submit_bytes(pool, outer, &pool, sizeof pool);
    TR_ASSERT(tr_future_result_bytes(f, TR_FOREVER, NULL) == TR_OK);
    tr_future_free(f);
    tr_executor_free(pool);
}
