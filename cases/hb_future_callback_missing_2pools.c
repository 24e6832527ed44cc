/* Pattern:  task -> callback edge missing: as hb_future_callback_2pools.c, but the
 *           callback is added to the future of p2's empty task, whose end carries nothing
 *           of p1's store: it runs in p2's worker or in the main thread, unordered with it.
 * Expected: TR_DATA_RACE (TR_ASSERTION also found: the callback can see 0).
 * Trigger:  none for the race (0 preemptions); p2's task ending before p1's task runs
 *           shows the 0.
 * Twin:     hb_future_callback_2pools.c (TR_PASS, callback on p1's future). */
#include <trama/harness.h>

static tr_status produce(void *arg, void **result)
{
    int *data = arg;
    TR_STORE(*data, 42);
    *result = NULL;
    return TR_OK;
}

static tr_status nothing(void *arg, void **result)
{
    (void)arg;
    *result = NULL;
    return TR_OK;
}

static void check(tr_future *f, void *arg)
{
    (void)f;
    int *data = arg;
    TR_ASSERT(TR_LOAD(*data) == 42);
}

TR_CASE(hb_future_callback_missing_2pools, TR_DATA_RACE)
{
    int *data = tr_case_alloc(sizeof *data);
    tr_executor *p1 = tr_thread_pool_new(&(tr_pool_opts){.max_workers = 1, .thread_name_prefix = "p1"});
    tr_executor *p2 = tr_thread_pool_new(&(tr_pool_opts){.max_workers = 1, .thread_name_prefix = "p2"});
    tr_future *f1 = tr_executor_submit(p1, produce, data);
    tr_future *f2 = tr_executor_submit(p2, nothing, NULL);
    tr_future_add_done_callback(f2, check, data);
    tr_future_free(f1);
    tr_future_free(f2);
    tr_executor_free(p1);
    tr_executor_free(p2);
}
