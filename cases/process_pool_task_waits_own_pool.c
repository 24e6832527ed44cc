/* Pattern:  a child process runs a ThreadPoolExecutor with one worker; a task submitted
 *           to it submits a second task to the same pool and waits for its result (the
 *           concurrent.futures documentation's deadlock, inside a child process).
 * Expected: TR_DEADLOCK (the only worker waits in result() for a task only it could run;
 *           the child waits in shutdown, the parent in join).
 * Trigger:  none: the pool is always saturated by the first task.
 * Twin:     process_pool_task_with_spare_worker.c (TR_PASS, two workers). */
#include <trama/harness.h>

static int workers = 1;

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

TR_CASE(process_pool_task_waits_own_pool, TR_DEADLOCK)
{
    tr_process *p = tr_process_new(child, NULL, NULL);
    TR_ASSERT(tr_process_start(p) == TR_OK);
    TR_ASSERT(tr_process_join(p, TR_FOREVER) == TR_OK);
    TR_ASSERT(tr_process_exitcode(p) == 0);
    tr_process_free(p);
}
