/* Pattern:  happens-before every worker's last step -> shutdown(wait=true) returning:
 *           two tasks in a two-worker thread pool each store an int; the main thread
 *           takes no result, shuts the pool down with wait=true, then loads both ints.
 * Expected: TR_PASS (no data race; main always sees 42 twice).
 * Trigger:  none.
 * Twin:     hb_pool_shutdown_missing_2workers.c (TR_DATA_RACE, shutdown(wait=false)). */
#include <trama/harness.h>

static tr_status produce(void *arg, void **result)
{
    int *data = arg;
    TR_STORE(*data, 42);
    *result = NULL;
    return TR_OK;
}

TR_CASE(hb_pool_shutdown_2workers, TR_PASS)
{
    int *data = tr_case_alloc(2 * sizeof *data);
    tr_executor *pool =
        tr_thread_pool_new(&(tr_pool_opts){.max_workers = 2, .thread_name_prefix = "worker"});
    tr_future_free(tr_executor_submit(pool, produce, &data[0]));
    tr_future_free(tr_executor_submit(pool, produce, &data[1]));
    tr_executor_shutdown(pool, true, false);
    int v0 = TR_LOAD(data[0]);
    int v1 = TR_LOAD(data[1]);
    TR_ASSERT(v0 == 42 && v1 == 42);
    tr_executor_free(pool);
}
