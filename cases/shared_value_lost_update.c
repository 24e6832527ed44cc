/* Pattern:  lost update across processes: two processes each do `v.value += 1` on a
 *           multiprocessing.Value('i') made with its lock, without get_lock(): a get and
 *           a set, each locked on its own, so another process's get and set fit between.
 * Expected: TR_ASSERTION (the parent finds 1 after joining both; no data race: the
 *           Value's lock orders every access).
 * Trigger:  P1 gets 0, P2 gets 0 and sets 1, P1 sets 1.
 * Twin:     shared_value_get_lock.c (TR_PASS, each increment under get_lock()). */
#include <trama/harness.h>

static void increment(void *arg)
{
    tr_shared *v = arg;
    int x = 0;
    tr_shared_get(v, 0, &x);
    x++;
    tr_shared_set(v, 0, &x);
}

TR_CASE(shared_value_lost_update, TR_ASSERTION)
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
