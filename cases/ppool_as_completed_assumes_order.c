/* Pattern:  two tasks of a two-worker ProcessPoolExecutor; the parent reads their results
 *           with as_completed and takes the first one yielded for the first submitted.
 * Expected: TR_ASSERTION (the second task's child can answer first: as_completed yields
 *           in completion order).
 * Trigger:  the second child's answer received before the first's.
 * Twin:     ppool_as_completed.c (TR_PASS, the results are summed). */
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

TR_CASE_BOUNDED(ppool_as_completed_assumes_order, TR_ASSERTION, 50)
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
        TR_ASSERT(*(int *)r.data == n + 1); /* 1 first, then 2 */
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
