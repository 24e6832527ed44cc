/* Pattern:  producer and consumer of a bounded Queue (maxsize 1) take a Lock only around
 *           their counts, never across a put or a get.
 * Expected: TR_PASS.
 * Trigger:  none: neither side waits on the Queue while holding the Lock.
 * Twin:     queue_put_holding_lock_2threads.c (TR_DEADLOCK, puts under the Lock). */
#include <stdint.h>
#include <trama/harness.h>

enum { ITEMS = 3 };

typedef struct pipeline {
    tr_queue *q;
    tr_lock *stats;
    int produced, consumed;
} pipeline;

static void produce(void *arg)
{
    pipeline *p = arg;
    for (intptr_t i = 1; i <= ITEMS; i++) {
        tr_lock_acquire(p->stats, true, TR_FOREVER);
        TR_STORE(p->produced, TR_LOAD(p->produced) + 1);
        tr_lock_release(p->stats);
        tr_queue_put(p->q, (void *)i, true, TR_FOREVER);
    }
}

static void consume(void *arg)
{
    pipeline *p = arg;
    for (int i = 0; i < ITEMS; i++) {
        void *item;
        tr_queue_get(p->q, &item, true, TR_FOREVER);
        tr_lock_acquire(p->stats, true, TR_FOREVER);
        TR_STORE(p->consumed, TR_LOAD(p->consumed) + 1);
        tr_lock_release(p->stats);
    }
}

TR_CASE(queue_put_outside_lock_2threads, TR_PASS)
{
    pipeline *p = tr_case_alloc(sizeof *p);
    p->q = tr_queue_new(1);
    p->stats = tr_lock_new();
    tr_thread *pt = tr_thread_new(produce, p, &(tr_thread_opts){.name = "producer"});
    tr_thread *ct = tr_thread_new(consume, p, &(tr_thread_opts){.name = "consumer"});
    tr_thread_start(pt);
    tr_thread_start(ct);
    tr_thread_join(pt, TR_FOREVER);
    tr_thread_join(ct, TR_FOREVER);
    TR_ASSERT(TR_LOAD(p->consumed) == ITEMS);
    tr_thread_free(pt);
    tr_thread_free(ct);
    tr_lock_free(p->stats);
    tr_queue_free(p->q);
}
