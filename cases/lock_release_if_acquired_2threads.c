/* Pattern:  a non-blocking acquire whose "finally" releases only what it took.
 * Expected: TR_PASS.
 * Trigger:  none: the loser of the race skips both the work and the release.
 * Twin:     lock_release_unacquired_finally_2threads.c (TR_RUNTIME_ERROR_FOUND). */
#include <trama/harness.h>

typedef struct job {
    tr_lock *lock;
    int done;
} job;

static void try_work(void *arg)
{
    job *s = arg;
    tr_status got = tr_lock_acquire(s->lock, false, TR_FOREVER);
    if (got != TR_OK)
        return;
    TR_STORE(s->done, TR_LOAD(s->done) + 1);
    tr_lock_release(s->lock);
}

TR_CASE(lock_release_if_acquired_2threads, TR_PASS)
{
    job *s = tr_case_alloc(sizeof *s);
    s->lock = tr_lock_new();
    tr_thread *t1 = tr_thread_new(try_work, s, &(tr_thread_opts){.name = "worker1"});
    tr_thread *t2 = tr_thread_new(try_work, s, &(tr_thread_opts){.name = "worker2"});
    tr_thread_start(t1);
    tr_thread_start(t2);
    tr_thread_join(t1, TR_FOREVER);
    tr_thread_join(t2, TR_FOREVER);
    int done = TR_LOAD(s->done);
    TR_ASSERT(done >= 1 && done <= 2);
    tr_thread_free(t1);
    tr_thread_free(t2);
    tr_lock_free(s->lock);
}
