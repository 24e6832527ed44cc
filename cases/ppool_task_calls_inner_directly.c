/* Pattern:  a task of a one-worker ProcessPoolExecutor needs another function's result
 *           and calls it in its own child instead of submitting it to its own pool.
 * Expected: TR_PASS.
 * Trigger:  none. Exhausted in 1,722 executions (about 20 s, a process forked in each):
 *           explored to a budget of 300, not exhausted.
 * Twin:     ppool_task_waits_own_pool.c (TR_DEADLOCK, submits and waits from the child). */
#include <trama/harness.h>

static tr_status inner(const tr_bytes *arg, tr_bytes *result)
{
    (void)arg, (void)result;
    return TR_OK;
}

static tr_status outer(const tr_bytes *arg, tr_bytes *result)
{
    return inner(arg, result);
}

TR_CASE_BOUNDED(ppool_task_calls_inner_directly, TR_PASS, 300)
{
    tr_executor *pool = tr_process_pool_new(&(tr_pool_opts){.max_workers = 1});
    tr_future *f = tr_executor_submit_bytes(pool, outer, NULL, 0);
    TR_ASSERT(tr_future_result_bytes(f, TR_FOREVER, NULL) == TR_OK);
    tr_future_free(f);
    tr_executor_free(pool);
}
