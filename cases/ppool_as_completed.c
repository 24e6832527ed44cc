/* Pattern:  two tasks of a two-worker ProcessPoolExecutor; the parent reads their results
 *           with as_completed and sums them, in whatever order they finish.
 * Expected: TR_PASS (as_completed yields each future once; the sum does not depend on the
 *           order).
 * Trigger:  none. Two children, two pipes: explored to a budget of 200 executions
 *           (every pipe's steps are dependent), not exhausted.
 * Twin:     ppool_as_completed_assumes_order.c (TR_ASSERTION, the first yielded is taken
 *           for the first submitted). */
#include <stdlib.h>
#include <string.h>
#include <trama/harness.h>

static tr_status echo(const tr_bytes *arg, tr_bytes *result)
{
    int *out = malloc(sizeof *out);
    if (!out)
        return TR_NO_MEMORY;
    memcpy(out, arg->data, sizeof *out);
    *result = (tr_bytes){out, sizeof *out};
    return TR_OK;
}

TR_CASE_BOUNDED(ppool_as_completed, TR_PASS, 200)
{
    tr_executor *pool = tr_process_pool_new(&(tr_pool_opts){.max_workers = 2});
    int one = 1, two = 2, sum = 0, n = 0;
    tr_future *fs[2] = {tr_executor_submit_bytes(pool, echo, &one, sizeof one),
                        tr_executor_submit_bytes(pool, echo, &two, sizeof two)};
    tr_as_completed *it = tr_as_completed_new(fs, 2, TR_FOREVER);
    tr_future *f;
    while (tr_as_completed_next(it, &f) == TR_OK) {
        tr_bytes r = {NULL, 0};
        TR_ASSERT(tr_future_result_bytes(f, 0, &r) == TR_OK);
        sum += *(int *)r.data;
        n++;
        free(r.data);
    }
    TR_ASSERT(n == 2 && sum == 3);
    tr_as_completed_free(it);
    tr_future_free(fs[0]);
    tr_future_free(fs[1]);
    tr_executor_free(pool);
}
