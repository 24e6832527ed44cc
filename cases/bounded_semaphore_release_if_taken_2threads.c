/* Pattern:  a BoundedSemaphore(1) released only by a worker whose try took it.
 * Expected: TR_PASS.
 * Trigger:  none: a failed try skips both the work and the release.
 * Twin:     bounded_semaphore_release_after_failed_try_2threads.c (TR_VALUE_ERROR_FOUND). */
#include <trama/harness.h>

typedef struct slot {
    tr_semaphore *free;
    int uses;
} slot;

static void use(void *arg)
{
    slot *s = arg;
    if (tr_semaphore_acquire(s->free, false, TR_FOREVER) != TR_OK)
        return;
    TR_STORE(s->uses, TR_LOAD(s->uses) + 1);
    tr_semaphore_release(s->free, 1);
}

TR_CASE(bounded_semaphore_release_if_taken_2threads, TR_PASS)
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
