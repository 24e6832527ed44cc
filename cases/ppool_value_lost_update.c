/* Pattern:  lost update in a process pool: two tasks, each in a child of a two-worker
 *           ProcessPoolExecutor, do `v.value += 1` on a multiprocessing.Value('i') the
 *           children inherited, without get_lock(): a get and a set, each locked alone.
 * Expected: TR_ASSERTION (the parent finds 1 after shutdown(wait)).
 * Trigger:  both children get 0 before either sets 1; the tasks must run in two children.
 * Twin:     ppool_value_get_lock.c (TR_PASS, each increment under get_lock()). */
#include <string.h>
#include <trama/harness.h>

static tr_status increment(const tr_bytes *arg, tr_bytes *result)
{
    tr_shared *v;
    memcpy(&v, arg->data, sizeof v); /* the fork copied the parent's memory: same address */
    (void)result;
    int x = 0;
    tr_shared_get(v, 0, &x);
    x++;
    tr_shared_set(v, 0, &x);
    return TR_OK;
}

TR_CASE_BOUNDED(ppool_value_lost_update, TR_ASSERTION, 900)
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
