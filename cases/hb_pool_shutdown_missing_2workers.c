/* Pattern:  workers -> shutdown edge missing: as hb_pool_shutdown_2workers.c, but
 *           shutdown(wait=false) returns without joining the workers, so the loads
 *           after it are unordered with the tasks' stores.
 * Expected: TR_DATA_RACE (TR_ASSERTION also found: main can see 0).
 * Trigger:  the race: a worker takes its task before main's loads (after its shutdown)
 *           and stores after them, 1 preemption; main loading before the tasks run
 *           (0 preemptions) shows the 0.
 * Twin:     hb_pool_shutdown_2workers.c (TR_PASS, shutdown(wait=true)). */
#include <trama/harness.h>

static tr_status produce(void *arg, void **result)
{
    int *data = arg;
    TR_STORE(*data, 42);
    *result = NULL;
    return TR_OK;
}

TR_CASE(hb_pool_shutdown_missing_2workers, TR_DATA_RACE)
{
    int *data = tr_case_alloc(2 * sizeof *data);
    tr_executor *pool =
        tr_thread_pool_new(&(tr_pool_opts){.max_workers = 2, .thread_name_prefix = "worker"});
    tr_future_free(tr_executor_submit(pool, produce, &data[0]));
    tr_future_free(tr_executor_submit(pool, produce, &data[1]));
    tr_executor_shutdown(pool, false, false);
    int v0 = TR_LOAD(data[0]);
    int v1 = TR_LOAD(data[1]);
    TR_ASSERT(v0 == 42 && v1 == 42);
    tr_executor_free(pool);
}
