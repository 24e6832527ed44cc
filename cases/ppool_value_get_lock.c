/* Pattern:  two tasks of a two-worker ProcessPoolExecutor each do `v.value += 1` on a
 *           multiprocessing.Value('i') the children inherited, under `with v.get_lock()`.
 * Expected: TR_PASS (the get and the set are one step for the other child: 2 at the end).
 * Trigger:  none. Two children, two pipes: explored to a budget of 200 executions
 *           (every pipe's steps are dependent), not exhausted.
 * Twin:     ppool_value_lost_update.c (TR_ASSERTION, without get_lock()). */
#include <string.h>
#include <trama/harness.h>

static tr_status increment(const tr_bytes *arg, tr_bytes *result)
{
    tr_shared *v;
    memcpy(&v, arg->data, sizeof v); /* the fork copied the parent's memory: same address */
    (void)result;
    tr_rlock *l = tr_shared_get_lock(v);
    int x = 0;
    tr_rlock_acquire(l, true, TR_FOREVER);
    tr_shared_get(v, 0, &x); /* an RLock: taking it again inside is fine */
    x++;
    tr_shared_set(v, 0, &x);
    tr_rlock_release(l);
    return TR_OK;
}

TR_CASE_BOUNDED(ppool_value_get_lock, TR_PASS, 200)
{
    tr_shared *v = tr_shared_value_new('i', true);
    tr_executor *pool = tr_process_pool_new(&(tr_pool_opts){.max_workers = 2});
    tr_future *a = tr_executor_submit_bytes(pool, increment, &v, sizeof v);
    tr_future *b = tr_executor_submit_bytes(pool, increment, &v, sizeof v);
    TR_ASSERT(tr_executor_shutdown(pool, true, false) == TR_OK);
    TR_ASSERT(tr_future_result_bytes(a, 0, NULL) == TR_OK);
    TR_ASSERT(tr_future_result_bytes(b, 0, NULL) == TR_OK);
    int x = 0;
    tr_shared_get(v, 0, &x);
    TR_ASSERT(x == 2);
    tr_future_free(a);
    tr_future_free(b);
    tr_executor_free(pool);
    tr_shared_free(v);
}
