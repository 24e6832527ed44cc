/* Pattern:  a task aborts its child process (SIGABRT) in a one-worker ProcessPoolExecutor;
 *           the parent takes for granted that the task queued behind it still runs.
 * Expected: TR_ASSERTION (the second future fails with TR_BROKEN: Python's
 *           BrokenProcessPool; no crash finding, the pool handles its child's death).
 * Trigger:  none: the one worker always meets the crash first.
 * Twin:     ppool_child_abort_checked.c (TR_PASS, both futures checked for TR_BROKEN). */
#include <stdlib.h>
#include <trama/harness.h>

static tr_status crash(const tr_bytes *arg, tr_bytes *result)
{
    (void)arg, (void)result;
    abort();
}

static tr_status nothing(const tr_bytes *arg, tr_bytes *result)
{
    (void)arg, (void)result;
    return TR_OK;
}

TR_CASE_BOUNDED(ppool_child_abort_unchecked, TR_ASSERTION, 50)
{
    tr_executor *pool = tr_process_pool_new(&(tr_pool_opts){.max_workers = 1});
    tr_future *a = tr_executor_submit_bytes(pool, crash, NULL, 0);
    tr_future *b = tr_executor_submit_bytes(pool, nothing, NULL, 0);
    TR_ASSERT(b != NULL && tr_future_result_bytes(b, TR_FOREVER, NULL) == TR_OK);
    tr_executor_shutdown(pool, true, false);
    tr_future_free(a);
    tr_future_free(b);
    tr_executor_free(pool);
}
