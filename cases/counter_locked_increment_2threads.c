/* Pattern:  two threads increment a counter by read-then-write under one Lock.
 * Expected: TR_PASS.
 * Trigger:  none: the read and the write are in one critical section.
 * Twin:     counter_unlocked_increment_2threads.c (TR_ASSERTION). */
#include <trama/harness.h>

typedef struct counter {
    tr_lock *lock;
    int x;
} counter;

static void increment(void *arg)
{
    counter *s = arg;
    tr_lock_acquire(s->lock, true, TR_FOREVER);
    int seen = TR_LOAD(s->x);
    TR_STORE(s->x, seen + 1);
    tr_lock_release(s->lock);
}

TR_CASE(counter_locked_increment_2threads, TR_PASS)
{
    counter *s = tr_case_alloc(sizeof *s);
    s->lock = tr_lock_new();
    tr_thread *t1 = tr_thread_new(increment, s, &(tr_thread_opts){.name = "inc1"});
    tr_thread *t2 = tr_thread_new(increment, s, &(tr_thread_opts){.name = "inc2"});
    tr_thread_start(t1);
    tr_thread_start(t2);
    tr_thread_join(t1, TR_FOREVER);
    tr_thread_join(t2, TR_FOREVER);
    int x = TR_LOAD(s->x);
    TR_ASSERT(x == 2);
    tr_thread_free(t1);
    tr_thread_free(t2);
    tr_lock_free(s->lock);
}
