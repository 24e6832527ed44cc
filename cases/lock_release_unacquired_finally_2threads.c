/* Pattern:  a "finally" path releases a Lock that a failed non-blocking acquire never took.
 * Expected: TR_RUNTIME_ERROR_FOUND ("release unlocked lock").
 * Trigger:  one thread holds the lock when the other tries it; the loser releases the
 *           winner's lock, so one of the two releases finds it unlocked; 1 preemption.
 * Twin:     lock_release_if_acquired_2threads.c (TR_PASS). */
#include <trama/harness.h>

typedef struct job {
    tr_lock *lock;
    int done;
} job;

static void try_work(void *arg)
{
    job *s = arg;
    tr_status got = tr_lock_acquire(s->lock, false, TR_FOREVER);
    if (got == TR_OK)
        TR_STORE(s->done, TR_LOAD(s->done) + 1);
    /* finally: */
    tr_lock_release(s->lock); /* bug: runs even when got == TR_TIMEOUT */
}

TR_CASE(lock_release_unacquired_finally_2threads, TR_RUNTIME_ERROR_FOUND)
{
    job *s = tr_case_alloc(sizeof *s);
    s->lock = tr_lock_new();
    tr_thread *t1 = tr_thread_new(try_work, s, &(tr_thread_opts){.name = "worker1"});
    tr_thread *t2 = tr_thread_new(try_work, s, &(tr_thread_opts){.name = "worker2"});
    tr_thread_start(t1);
    tr_thread_start(t2);
    tr_thread_join(t1, TR_FOREVER);
    tr_thread_join(t2, TR_FOREVER);
    tr_thread_free(t1);
    tr_thread_free(t2);
    tr_lock_free(s->lock);
}
