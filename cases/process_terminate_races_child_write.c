/* Pattern:  a child writes a shared Value; its parent terminates the child right after
 *           starting it and then expects the Value untouched.
 * Expected: TR_ASSERTION (the child may run its write before the signal comes); and a
 *           DEADLOCK: a signal that comes while the child holds the Value's lock leaves
 *           the lock held for good, as a killed process leaves a multiprocessing lock,
 *           and the parent's read waits on it forever.
 * Trigger:  the child's write runs before terminate(). DPOR's first order runs the
 *           parent first (the signal before the child's first step); the write before it
 *           is a reversal of the signal and the child's next step. */
#include <trama/harness.h>

static void child(void *arg) { TR_ASSERT(tr_shared_set(arg, 0, &(int){1}) == TR_OK); }

TR_CASE(process_terminate_races_child_write, TR_ASSERTION)
{
    tr_shared *v = tr_shared_value_new('i', true);
    TR_ASSERT(v);
    tr_process *p = tr_process_new(child, v, NULL);
    TR_ASSERT(tr_process_start(p) == TR_OK);
    TR_ASSERT(tr_process_terminate(p) == TR_OK);
    TR_ASSERT(tr_process_join(p, TR_FOREVER) == TR_OK);
    int seen = 0;
    TR_ASSERT(tr_shared_get(v, 0, &seen) == TR_OK);
    TR_ASSERT(seen == 0);
    tr_process_free(p);
    tr_shared_free(v);
}
