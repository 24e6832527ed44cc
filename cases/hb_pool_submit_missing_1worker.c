/* Pattern:  submit -> task edge missing: the main thread submits the task first and
 *           stores the int the task loads after, so the submit carries nothing of it.
 * Expected: TR_DATA_RACE (TR_ASSERTION also found: the task can see 0).
 * Trigger:  none for the race (0 preemptions); the task running before the store
 *           shows the 0.
 * Twin:     hb_pool_submit_1worker.c (TR_PASS, the store before submit). */
#include <trama/harness.h>

static tr_status check(void *arg, void **result)
{
    int *data = arg;
    TR_ASSERT(TR_LOAD(*data) == 42);
    *result = NULL;
    return TR_OK;
}

TR_CASE(hb_pool_submit_missing_1worker, TR_DATA_RACE)
{
    int *data = tr_case_alloc(sizeof *data);
    tr_executor *pool =
        tr_thread_pool_new(&(tr_pool_opts){.max_workers = 1, .thread_name_prefix = "worker"});
    tr_future *f = tr_executor_submit(pool, check, data);
    TR_STORE(*data, 42);
    void *r;
    TR_ASSERT(tr_future_result(f, TR_FOREVER, &r) == TR_OK);
    tr_future_free(f);
    tr_executor_free(pool);
}
