/* Pattern:  happens-before task end -> done callbacks: a task in pool "p1" stores an
 *           int; the main thread adds a done callback to that task's future which loads
 *           it. The callback runs in p1's worker after the task (program order) or, when
 *           added after the task ended, at once in the main thread: there only the
 *           edge orders the store before the load. Pool "p2" runs an empty task.
 * Expected: TR_PASS (no data race; the callback always sees 42).
 * Trigger:  none; the edge matters once the task ends before add_done_callback.
 * Twin:     hb_future_callback_missing_2pools.c (TR_DATA_RACE, callback on p2's future). */
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

TR_CASE(hb_future_callback_2pools, TR_PASS)
{
    int *data = tr_case_alloc(sizeof *data);
    tr_executor *p1 = tr_thread_pool_new(&(tr_pool_opts){.max_workers = 1, .thread_name_prefix = "p1"});
    tr_executor *p2 = tr_thread_pool_new(&(tr_pool_opts){.max_workers = 1, .thread_name_prefix = "p2"});
    tr_future *f1 = tr_executor_submit(p1, produce, data);
    tr_future *f2 = tr_executor_submit(p2, nothing, NULL);
    tr_future_add_done_callback(f1, check, data);
    tr_future_free(f1);
    tr_future_free(f2);
    tr_executor_free(p1);
    tr_executor_free(p2);
}
