/* Pattern:  a child puts a 1 MiB item on a multiprocessing.Queue; its parent gets the
 *           item, then joins the child.
 * Expected: TR_PASS.
 * Trigger:  none: the get reads the pipe while the child's feeder writes it, so the
 *           child's exit finds its feeder done.
 * Twin:     mpqueue_join_before_drain.c (TR_DEADLOCK, join first). */
#include <stdlib.h>
#include <trama/harness.h>

enum { BIG = 1 << 20 };

static void child(void *arg)
{
    char *big = calloc(1, BIG);
    TR_ASSERT(big && tr_mpqueue_put(arg, big, BIG, true, TR_FOREVER) == TR_OK);
    free(big);
}

TR_CASE(mpqueue_drain_before_join, TR_PASS)
{
    tr_mpqueue *q = tr_mpqueue_new(0);
    tr_process *p = tr_process_new(child, q, NULL);
    TR_ASSERT(tr_process_start(p) == TR_OK);
    tr_bytes item;
    TR_ASSERT(tr_mpqueue_get(q, &item, true, TR_FOREVER) == TR_OK && item.len == BIG);
    free(item.data);
    TR_ASSERT(tr_process_join(p, TR_FOREVER) == TR_OK);
    TR_ASSERT(tr_process_exitcode(p) == 0);
    tr_process_free(p);
    tr_mpqueue_free(q);
}
