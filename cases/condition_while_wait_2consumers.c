/* Pattern:  two consumers wait on a Condition in a `while` loop re-checking the state.
 * Expected: TR_PASS.
 * Trigger:  none: a consumer whose item was taken by the other one waits again.
 * Twin:     condition_if_wait_2consumers.c (TR_ASSERTION). */
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
    while (items == 0) {
        tr_condition_wait(s->cond, TR_FOREVER);
        items = TR_LOAD(s->items);
    }
    TR_ASSERT(items > 0);
    TR_STORE(s->items, items - 1);
    tr_condition_release(s->cond);
}

TR_CASE(condition_while_wait_2consumers, TR_PASS)
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
