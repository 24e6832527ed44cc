/* Pattern:  a one-shot barrier from a Lock, a counter and a turnstile Semaphore.
 * Expected: TR_PASS.
 * Trigger:  none: the last arriver releases one permit per party, itself included.
 * Twin:     semaphore_barrier_miscount_3threads.c (TR_DEADLOCK). */
#include <trama/harness.h>

enum { N = 3 }; /* parties: the main thread and two workers */

typedef struct barrier {
    tr_lock *mutex;
    tr_semaphore *turnstile;
    int arrived;
} barrier;

static void arrive_and_wait(barrier *b)
{
    tr_lock_acquire(b->mutex, true, TR_FOREVER);
    int arrived = TR_LOAD(b->arrived) + 1;
    TR_STORE(b->arrived, arrived);
    if (arrived == N)
        tr_semaphore_release(b->turnstile, N); /* one permit per party, itself included */
    tr_lock_release(b->mutex);
    tr_semaphore_acquire(b->turnstile, true, TR_FOREVER);
}

static void worker(void *arg) { arrive_and_wait(arg); }

TR_CASE(semaphore_barrier_3threads, TR_PASS)
{
    barrier *b = tr_case_alloc(sizeof *b);
    b->mutex = tr_lock_new();
    b->turnstile = tr_semaphore_new(0);
    tr_thread *t1 = tr_thread_new(worker, b, &(tr_thread_opts){.name = "worker1"});
    tr_thread *t2 = tr_thread_new(worker, b, &(tr_thread_opts){.name = "worker2"});
    tr_thread_start(t1);
    tr_thread_start(t2);
    arrive_and_wait(b);
    tr_thread_join(t1, TR_FOREVER);
    tr_thread_join(t2, TR_FOREVER);
    tr_thread_free(t1);
    tr_thread_free(t2);
    tr_semaphore_free(b->turnstile);
    tr_lock_free(b->mutex);
}
