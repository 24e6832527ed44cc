/* Pattern:  a child process runs a ThreadPoolExecutor with two workers; a task submitted
 *           to it submits a second task to the same pool and waits for its result.
 * Expected: TR_PASS (the second worker runs the inner task; the child exits with 0).
 * Trigger:  none.
 * Twin:     process_pool_task_waits_own_pool.c (TR_DEADLOCK, one worker). */
#include <trama/harness.h>

static int workers = 2;

static tr_status inner(void *arg, void **result)
{
    (void)arg;
    *result = NULL;
    return TR_OK;
}

static tr_status outer(void *arg, void **result)
{
    tr_executor *pool = arg;
    tr_future *f = tr_executor_submit(pool, inner, NULL);
    TR_ASSERT(f != NULL);
    void *r = NULL;
    tr_status s = tr_future_result(f, TR_FOREVER, &r);
    tr_future_free(f);
    *result = NULL;
    return s;
}

static void child(void *arg)
{
    (void)arg;
    tr_executor *pool = tr_thread_pool_new(&(tr_pool_opts){.max_workers = workers});
    tr_future *f = tr_executor_submit(pool, outer, pool);
    void *r = NULL;
    TR_ASSERT(tr_future_result(f, TR_FOREVER, &r) == TR_OK);
    tr_future_free(f);
    tr_executor_shutdown(pool, true, false);
    tr_executor_free(pool);
}

TR_CASE(process_pool_task_with_spare_worker, TR_PASS)
{
    tr_process *p = tr_process_new(child, NULL, NULL);
    TR_ASSERT(tr_process_start(p) == TR_OK);
    TR_ASSERT(tr_process_join(p, TR_FOREVER) == TR_OK);
    TR_ASSERT(tr_process_exitcode(p) == 0);
    tr_process_free(p);
}
