/* Pattern:  happens-before submit -> task start: the main thread stores an int, then
 *           submits a task (one-worker thread pool) that loads it.
 * Expected: TR_PASS (no data race; the task always sees 42).
 * Trigger:  none.
 * Twin:     hb_pool_submit_missing_1worker.c (TR_DATA_RACE, the store after submit). */
#include <trama/harness.h>

static tr_status check(void *arg, void **result)
{
    int *data = arg;
    TR_ASSERT(TR_LOAD(*data) == 42);
    *result = NULL;
    return TR_OK;
}

TR_CASE(hb_pool_submit_1worker, TR_PASS)
{
    int *data = tr_case_alloc(sizeof *data);
    tr_executor *pool =
        tr_thread_pool_new(&(tr_pool_opts){.max_workers = 1, .thread_name_prefix = "worker"});
    TR_STORE(*data, 42);
    tr_future *f = tr_executor_submit(pool, check, data);
    void *r;
    TR_ASSERT(tr_future_result(f, TR_FOREVER, &r) == TR_OK);
    tr_future_free(f);
    tr_executor_free(pool);
}
