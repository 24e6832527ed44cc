/* Pattern:  a ProcessPoolExecutor with one worker runs one task in its child; the parent
 *           shuts the pool down (wait) and only then reads the future's result.
 * Expected: TR_PASS (shutdown(wait) joins the worker, whose future finished before; the
 *           result bytes stay in the future after the pool is gone).
 * Trigger:  none. The pool's pipe and its closes make 13,284 executions (at about 80 a
 *           second, a process forked in each): explored to a budget of 300, not exhausted.
 * Twin:     none (no bug: the pattern Python documents for reading results late). */
#include <stdlib.h>
#include <string.h>
#include <trama/harness.h>

static tr_status twice(const tr_bytes *arg, tr_bytes *result)
{
    int x;
    memcpy(&x, arg->data, sizeof x);
    int *out = malloc(sizeof *out);
    if (!out)
        return TR_NO_MEMORY;
    *out = 2 * x;
    *result = (tr_bytes){out, sizeof *out};
    return TR_OK;
}

TR_CASE_BOUNDED(ppool_result_after_shutdown, TR_PASS, 300)
{
    tr_executor *pool = tr_process_pool_new(&(tr_pool_opts){.max_workers = 1});
    int x = 21;
    tr_future *f = tr_executor_submit_bytes(pool, twice, &x, sizeof x);
    TR_ASSERT(f != NULL);
    TR_ASSERT(tr_executor_shutdown(pool, true, false) == TR_OK);
    TR_ASSERT(tr_future_done(f));
    tr_bytes r = {NULL, 0};
    TR_ASSERT(tr_future_result_bytes(f, 0, &r) == TR_OK);
    TR_ASSERT(r.len == sizeof(int) && *(int *)r.data == 42);
    free(r.data);
    tr_future_free(f);
    tr_executor_free(pool);
}
