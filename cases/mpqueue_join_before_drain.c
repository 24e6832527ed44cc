/* Pattern:  a child puts a 1 MiB item on a multiprocessing.Queue; its parent joins the
 *           child, then gets the item (the multiprocessing guidelines' "joining processes
 *           that use queues").
 * Expected: TR_DEADLOCK (the parent waits in join; the child's exit waits for its feeder
 *           thread, which waits for room in the pipe no one reads).
 * Trigger:  none: the item never fits in the pipe, in any interleaving.
 * Twin:     mpqueue_drain_before_join.c (TR_PASS, get first, then join). */
#include <stdlib.h>
#include <trama/harness.h>

enum { BIG = 1 << 20 };

static void child(void *arg)
{
    char *big = calloc(1, BIG);
    TR_ASSERT(big && tr_mpqueue_put(arg, big, BIG, true, TR_FOREVER) == TR_OK);
    free(big);
}

TR_CASE(mpqueue_join_before_drain, TR_DEADLOCK)
{
    tr_mpqueue *q = tr_mpqueue_new(0);
    tr_process *p = tr_process_new(child, q, NULL);
    TR_ASSERT(tr_process_start(p) == TR_OK);
    TR_ASSERT(tr_process_join(p, TR_FOREVER) == TR_OK); /* bug: the item is not read yet */
    tr_bytes item;
    TR_ASSERT(tr_mpqueue_get(q, &item, true, TR_FOREVER) == TR_OK && item.len == BIG);
    free(item.data);
    tr_process_free(p);
    tr_mpqueue_free(q);
}
