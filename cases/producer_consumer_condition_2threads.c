/* Pattern:  producer/consumer over a one-slot buffer guarded by a Condition.
 * Expected: TR_PASS.
 * Trigger:  none: each side waits in a while loop for its state and notifies the other.
 * Twin:     condition_if_wait_2consumers.c (TR_ASSERTION, `if` around the wait). */
#include <trama/harness.h>

enum { ITEMS = 2 };

typedef struct slot {
    tr_condition *cond;
    int full, value;
} slot;

static void produce(void *arg)
{
    slot *s = arg;
    for (int i = 1; i <= ITEMS; i++) {
        tr_condition_acquire(s->cond, true, TR_FOREVER);
        while (TR_LOAD(s->full))
            tr_condition_wait(s->cond, TR_FOREVER);
        TR_STORE(s->value, i);
        TR_STORE(s->full, 1);
        tr_condition_notify(s->cond, 1);
        tr_condition_release(s->cond);
    }
}

TR_CASE(producer_consumer_condition_2threads, TR_PASS)
{
    slot *s = tr_case_alloc(sizeof *s);
    s->cond = tr_condition_new();
    tr_thread *p = tr_thread_new(produce, s, &(tr_thread_opts){.name = "producer"});
    tr_thread_start(p);
    for (int i = 1; i <= ITEMS; i++) { /* the main thread consumes */
        tr_condition_acquire(s->cond, true, TR_FOREVER);
        while (!TR_LOAD(s->full))
            tr_condition_wait(s->cond, TR_FOREVER);
        TR_ASSERT(TR_LOAD(s->value) == i);
        TR_STORE(s->full, 0);
        tr_condition_notify(s->cond, 1);
        tr_condition_release(s->cond);
    }
    tr_thread_join(p, TR_FOREVER);
    tr_thread_free(p);
    tr_condition_free(s->cond);
}
