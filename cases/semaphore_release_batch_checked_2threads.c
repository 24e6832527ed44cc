/* Pattern:  Semaphore.release(n) with n counted from queued work, skipped when n is 0.
 * Expected: TR_PASS.
 * Trigger:  none: an empty batch releases nothing.
 * Twin:     semaphore_release_batch_zero_2threads.c (TR_VALUE_ERROR_FOUND). */
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

TR_CASE(semaphore_release_batch_checked_2threads, TR_PASS)
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
    if (n > 0)
        tr_semaphore_release(s->ready, n);
    tr_thread_join(p, TR_FOREVER);
    tr_thread_free(p);
    tr_semaphore_free(s->ready);
    tr_lock_free(s->lock);
}
