/* Pattern:  producer/consumer over a one-slot buffer with two Semaphores (empty, full).
 * Expected: TR_PASS.
 * Trigger:  none: empty (1) and full (0) alternate the two sides strictly.
 * Twin:     producer_consumer_condition_2threads.c (TR_PASS, the same with a Condition). */
#include <trama/harness.h>

enum { ITEMS = 2 };

typedef struct slot {
    tr_semaphore *empty, *full;
    int value;
} slot;

static void produce(void *arg)
{
    slot *s = arg;
    for (int i = 1; i <= ITEMS; i++) {
        tr_semaphore_acquire(s->empty, true, TR_FOREVER);
        TR_STORE(s->value, i);
        tr_semaphore_release(s->full, 1);
    }
}

static void consume(void *arg)
{
    slot *s = arg;
    for (int i = 1; i <= ITEMS; i++) {
        tr_semaphore_acquire(s->full, true, TR_FOREVER);
        TR_ASSERT(TR_LOAD(s->value) == i);
        tr_semaphore_release(s->empty, 1);
    }
}

TR_CASE(producer_consumer_semaphores_2threads, TR_PASS)
{
    slot *s = tr_case_alloc(sizeof *s);
    s->empty = tr_semaphore_new(1);
    s->full = tr_semaphore_new(0);
    tr_thread *p = tr_thread_new(produce, s, &(tr_thread_opts){.name = "producer"});
    tr_thread *c = tr_thread_new(consume, s, &(tr_thread_opts){.name = "consumer"});
    tr_thread_start(p);
    tr_thread_start(c);
    tr_thread_join(p, TR_FOREVER);
    tr_thread_join(c, TR_FOREVER);
    tr_thread_free(p);
    tr_thread_free(c);
    tr_semaphore_free(s->empty);
    tr_semaphore_free(s->full);
}
