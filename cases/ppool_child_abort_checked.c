/* Pattern:  a task aborts its child process (SIGABRT) in a one-worker ProcessPoolExecutor;
 *           a second task is queued behind it. The parent checks both futures.
 * Expected: TR_PASS (Python's BrokenProcessPool: the pool's worker reads end of file,
 *           both futures fail with TR_BROKEN and the pool refuses new work; the crash is
 *           the pool's outcome, not the program's).
 * Trigger:  none.
 * Twin:     ppool_child_abort_unchecked.c (TR_ASSERTION, assumes the second task ran). */
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

TR_CASE(ppool_child_abort_checked, TR_PASS)
{
    tr_executor *pool = tr_process_pool_new(&(tr_pool_opts){.max_workers = 1});
    tr_future *a = tr_executor_submit_bytes(pool, crash, NULL, 0);
    tr_future *b = tr_executor_submit_bytes(pool, nothing, NULL, 0);
    TR_ASSERT(tr_future_result_bytes(a, TR_FOREVER, NULL) == TR_BROKEN);
    /* b was queued before the pool broke (failed with it), or submit saw it broken */
    TR_ASSERT(!b || tr_future_result_bytes(b, TR_FOREVER, NULL) == TR_BROKEN);
    TR_ASSERT(tr_executor_submit_bytes(pool, nothing, NULL, 0) == NULL);
    TR_ASSERT(tr_executor_shutdown(pool, true, false) == TR_OK);
    tr_future_free(a);
    tr_future_free(b);
    tr_executor_free(pool);
}
