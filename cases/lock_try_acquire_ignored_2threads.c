/* Pattern:  a non-blocking acquire whose failure is ignored: the loser goes in anyway.
 * Expected: TR_ASSERTION (two threads in the critical section at once).
 * Trigger:  one worker's try comes while the other holds the lock; 1 preemption (inside
 *           the holder's critical section).
 * Twin:     lock_try_acquire_checked_2threads.c (TR_PASS). */
#include <trama/harness.h>

typedef struct room {
    tr_lock *lock;
    _Atomic int inside;
} room;

static void enter(void *arg)
{
    room *r = arg;
    tr_status got = tr_lock_acquire(r->lock, false, TR_FOREVER);
    (void)got; /* "it is free almost always": the failure goes unnoticed */
    int before = TR_ATOMIC_FETCH_ADD(r->inside, 1);
    TR_ASSERT(before == 0);
    TR_ATOMIC_FETCH_SUB(r->inside, 1);
    if (got == TR_OK)
        tr_lock_release(r->lock);
}

TR_CASE(lock_try_acquire_ignored_2threads, TR_ASSERTION)
{
    room *r = tr_case_alloc(sizeof *r);
    r->lock = tr_lock_new();
    tr_thread *a = tr_thread_new(enter, r, &(tr_thread_opts){.name = "a"});
    tr_thread *b = tr_thread_new(enter, r, &(tr_thread_opts){.name = "b"});
    tr_thread_start(a);
    tr_thread_start(b);
    tr_thread_join(a, TR_FOREVER);
    tr_thread_join(b, TR_FOREVER);
    tr_thread_free(a);
    tr_thread_free(b);
    tr_lock_free(r->lock);
}
