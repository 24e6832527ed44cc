/* Pattern:  lost wake-up: `if` instead of `while` around Condition.wait, two consumers.
 * Expected: TR_ASSERTION.
 * Trigger:  a waiting consumer is notified, but the other consumer takes the item before
 *           the woken one gets the lock back; 2 preemptions (consumer1 waits before the
 *           first item; consumer2 runs right after the first notify).
 * Twin:     condition_while_wait_2consumers.c (TR_PASS). */
#include <trama/harness.h>

typedef struct queue {
    tr_condition *cond;
    int items;
} queue;

static void consume(void *arg)
{
    queue *s = arg;
    tr_condition_acquire(s->cond, true, TR_FOREVER);
    int items = TR_LOAD(s->items);
    if (items == 0) { /* bug: must loop */
        tr_condition_wait(s->cond, TR_FOREVER);
        items = TR_LOAD(s->items);
    }
    TR_ASSERT(items > 0);
    TR_STORE(s->items, items - 1);
    tr_condition_release(s->cond);
}

TR_CASE(condition_if_wait_2consumers, TR_ASSERTION)
{
    queue *s = tr_case_alloc(sizeof *s);
    s->cond = tr_condition_new();
    tr_thread *c1 = tr_thread_new(consume, s, &(tr_thread_opts){.name = "consumer1"});
    tr_thread *c2 = tr_thread_new(consume, s, &(tr_thread_opts){.name = "consumer2"});
    tr_thread_start(c1);
    tr_thread_start(c2);
    for (int i = 0; i < 2; i++) { /* the main thread produces two items */
        tr_condition_acquire(s->cond, true, TR_FOREVER);
        TR_STORE(s->items, TR_LOAD(s->items) + 1);
        tr_condition_notify(s->cond, 1);
        tr_condition_release(s->cond);
    }
    /* No join: exit waits for the (non-daemon) consumers, which may still use the
     * condition, so it is left to the harness to reclaim (as to Python's GC). */
    tr_thread_free(c1);
    tr_thread_free(c2);
}
