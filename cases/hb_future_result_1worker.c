/* Pattern:  happens-before task end -> result: a task (one-worker thread pool) stores an
 *           int; the main thread takes the future's result, then loads the int.
 * Expected: TR_PASS (no data race; the main thread always sees 42).
 * Trigger:  none.
 * Twin:     hb_future_result_missing_1worker.c (TR_DATA_RACE, the load before result). */
#include <trama/harness.h>

static tr_status produce(void *arg, void **result)
{
    int *data = arg;
    TR_STORE(*data, 42);
    *result = NULL;
    return TR_OK;
}

TR_CASE(hb_future_result_1worker, TR_PASS)
{
    int *data = tr_case_alloc(sizeof *data);
    tr_executor *pool =
        tr_thread_pool_new(&(tr_pool_opts){.max_workers = 1, .thread_name_prefix = "worker"});
    tr_future *f = tr_executor_submit(pool, produce, data);
    void *r;
    TR_ASSERT(tr_future_result(f, TR_FOREVER, &r) == TR_OK);
    int v = TR_LOAD(*data);
    TR_ASSERT(v == 42);
    tr_future_free(f);
    tr_executor_free(pool);
}
