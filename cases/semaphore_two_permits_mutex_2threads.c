/* Pattern:  a Semaphore(2) used as a mutex: both threads enter, an update is lost.
 * Expected: TR_ASSERTION.
 * Trigger:  both increments read before either writes; 1 preemption.
 * Twin:     semaphore_as_mutex_2threads.c (TR_PASS, Semaphore(1)). */
#include <trama/harness.h>

typedef struct counter {
    tr_semaphore *mutex;
    int x;
} counter;

static void increment(void *arg)
{
    counter *s = arg;
    tr_semaphore_acquire(s->mutex, true, TR_FOREVER);
    int seen = TR_LOAD(s->x);
    TR_STORE(s->x, seen + 1);
    tr_semaphore_release(s->mutex, 1);
}

TR_CASE(semaphore_two_permits_mutex_2threads, TR_ASSERTION)
{
    counter *s = tr_case_alloc(sizeof *s);
    s->mutex = tr_semaphore_new(2); /* bug: two permits admit both */
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
    tr_semaphore_free(s->mutex);
}
