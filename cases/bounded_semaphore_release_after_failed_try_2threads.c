/* Pattern:  a BoundedSemaphore(1) released in "finally" even when the try to take it
 *           failed: an over-release that only a failed try makes.
 * Expected: TR_VALUE_ERROR_FOUND ("Semaphore released too many times").
 * Trigger:  one worker tries while the other holds the slot; 1 preemption (inside the
 *           holder's section). The error surfaces in the holder's own, correct release.
 * Twin:     bounded_semaphore_release_if_taken_2threads.c (TR_PASS). */
#include <trama/harness.h>

typedef struct slot {
    tr_semaphore *free;
    int uses;
} slot;

static void use(void *arg)
{
    slot *s = arg;
    if (tr_semaphore_acquire(s->free, false, TR_FOREVER) == TR_OK)
        TR_STORE(s->uses, TR_LOAD(s->uses) + 1);
    tr_semaphore_release(s->free, 1); /* finally: whether or not it was taken */
}

TR_CASE(bounded_semaphore_release_after_failed_try_2threads, TR_VALUE_ERROR_FOUND)
{
    slot *s = tr_case_alloc(sizeof *s);
    s->free = tr_bounded_semaphore_new(1);
    tr_thread *a = tr_thread_new(use, s, &(tr_thread_opts){.name = "a"});
    tr_thread *b = tr_thread_new(use, s, &(tr_thread_opts){.name = "b"});
    tr_thread_start(a);
    tr_thread_start(b);
    tr_thread_join(a, TR_FOREVER);
    tr_thread_join(b, TR_FOREVER);
    tr_thread_free(a);
    tr_thread_free(b);
    tr_semaphore_free(s->free);
}
