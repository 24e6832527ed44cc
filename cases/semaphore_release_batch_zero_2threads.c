/* Pattern:  Semaphore.release(n) with n counted from work that may not have arrived yet.
 * Expected: TR_VALUE_ERROR_FOUND ("n must be one or more").
 * Trigger:  the main thread counts before the producer queued anything, so n is 0;
 *           0 preemptions (the main thread simply runs on).
 * Twin:     semaphore_release_batch_checked_2threads.c (TR_PASS). */
#include <trama/harness.h>

typedef struct batch {
    tr_lock *lock;
    tr_semaphore *ready;
    int queued;
} batch;

static void produce(void *arg)
{
    batch *s = arg;
    tr_lock_acquire(s->lock, true, TR_FOREVER);
    TR_STORE(s->queued, TR_LOAD(s->queued) + 1);
    tr_lock_release(s->lock);
}

TR_CASE(semaphore_release_batch_zero_2threads, TR_VALUE_ERROR_FOUND)
{
    batch *s = tr_case_alloc(sizeof *s);
    s->lock = tr_lock_new();
    s->ready = tr_semaphore_new(0);
    tr_thread *p = tr_thread_new(produce, s, &(tr_thread_opts){.name = "producer"});
    tr_thread_start(p);
    tr_lock_acquire(s->lock, true, TR_FOREVER);
    int n = TR_LOAD(s->queued);
    TR_STORE(s->queued, 0);
    tr_lock_release(s->lock);
    tr_semaphore_release(s->ready, n); /* bug: n may be 0 */
    tr_thread_join(p, TR_FOREVER);
    tr_thread_free(p);
    tr_semaphore_free(s->ready);
    tr_lock_free(s->lock);
}
