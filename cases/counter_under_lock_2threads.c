/* Pattern:  a shared counter incremented under one Lock by two threads.
 * Expected: TR_PASS (and no data race: release -> acquire orders the accesses).
 * Trigger:  none.
 * Twin:     unsynchronized_counter_2threads.c (TR_DATA_RACE). */
#include <trama/harness.h>

typedef struct counter {
    tr_lock *lock;
    int value;
} counter;

static void increment(void *arg)
{
    counter *c = arg;
    tr_lock_acquire(c->lock, true, TR_FOREVER);
    TR_STORE(c->value, TR_LOAD(c->value) + 1);
    tr_lock_release(c->lock);
}

TR_CASE(counter_under_lock_2threads, TR_PASS)
{
    counter *c = tr_case_alloc(sizeof *c);
    c->lock = tr_lock_new();
    tr_thread *a = tr_thread_new(increment, c, &(tr_thread_opts){.name = "a"});
    tr_thread *b = tr_thread_new(increment, c, &(tr_thread_opts){.name = "b"});
    tr_thread_start(a);
    tr_thread_start(b);
    tr_thread_join(a, TR_FOREVER);
    tr_thread_join(b, TR_FOREVER);
    TR_ASSERT(TR_LOAD(c->value) == 2);
    tr_thread_free(a);
    tr_thread_free(b);
    tr_lock_free(c->lock);
}
