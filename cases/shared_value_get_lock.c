/* Pattern:  two processes each do `with v.get_lock(): v.value += 1` on a
 *           multiprocessing.Value('i'): the get and the set re-enter the held RLock.
 * Expected: TR_PASS (the parent finds 2 after joining both).
 * Trigger:  none.
 * Twin:     shared_value_lost_update.c (TR_ASSERTION, no get_lock()). */
#include <trama/harness.h>

static void increment(void *arg)
{
    tr_shared *v = arg;
    tr_rlock *lock = tr_shared_get_lock(v);
    int x = 0;
    tr_rlock_acquire(lock, true, TR_FOREVER);
    tr_shared_get(v, 0, &x);
    x++;
    tr_shared_set(v, 0, &x);
    tr_rlock_release(lock);
}

TR_CASE(shared_value_get_lock, TR_PASS)
{
    tr_shared *v = tr_shared_value_new('i', true);
    tr_process *p1 = tr_process_new(increment, v, NULL);
    tr_process *p2 = tr_process_new(increment, v, NULL);
    TR_ASSERT(tr_process_start(p1) == TR_OK);
    TR_ASSERT(tr_process_start(p2) == TR_OK);
    tr_process_join(p1, TR_FOREVER);
    tr_process_join(p2, TR_FOREVER);
    int x = 0;
    tr_shared_get(v, 0, &x);
    TR_ASSERT(x == 2);
    tr_process_free(p1);
    tr_process_free(p2);
    tr_shared_free(v);
}
