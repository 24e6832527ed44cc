/* Pattern:  task -> result edge missing: the main thread loads the int the task stores
 *           before taking the future's result (the result's edge comes too late).
 * Expected: TR_DATA_RACE (TR_ASSERTION also found: the load can see 0).
 * Trigger:  none for the race (0 preemptions); main loading before the task runs shows
 *           the 0.
 * Twin:     hb_future_result_1worker.c (TR_PASS, the load after result). */
#include <trama/harness.h>

static tr_status produce(void *arg, void **result)
{
    int *data = arg;
    TR_STORE(*data, 42);
    *result = NULL;
    return TR_OK;
}

TR_CASE(hb_future_result_missing_1worker, TR_DATA_RACE)
{
    int *data = tr_case_alloc(sizeof *data);
    tr_executor *pool =
        tr_thread_pool_new(&(tr_pool_opts){.max_workers = 1, .thread_name_prefix = "worker"});
    tr_future *f = tr_executor_submit(pool, produce, data);
    void *r;
    int v = TR_LOAD(*data);
    TR_ASSERT(tr_future_result(f, TR_FOREVER, &r) == TR_OK);
    TR_ASSERT(v == 42);
    tr_future_free(f);
    tr_executor_free(pool);
}
