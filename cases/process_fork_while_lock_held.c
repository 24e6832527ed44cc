/* Pattern:  a worker thread takes a Lock to update a counter while the main thread starts
 *           a child process; the child takes the same Lock (its copy) to read the counter
 *           (CPython issue 6721: fork while another thread holds a lock).
 * Expected: TR_DEADLOCK (when the fork falls inside the worker's critical section the
 *           child's copy of the Lock is held by a thread that does not exist there: the
 *           child waits for ever, its parent in join).
 * Trigger:  the fork between the worker's acquire and release.
 * Twin:     process_fork_after_join.c (TR_PASS, the worker is joined before the fork). */
#include <trama/harness.h>

typedef struct shared {
    tr_lock *lock;
    int counter;
} shared;

static void worker(void *arg)
{
    shared *s = arg;
    tr_lock_acquire(s->lock, true, TR_FOREVER);
    s->counter++;
    tr_lock_release(s->lock);
}

static void child(void *arg)
{
    shared *s = arg;
    tr_lock_acquire(s->lock, true, TR_FOREVER);
    TR_ASSERT(s->counter <= 1);
    tr_lock_release(s->lock);
}

TR_CASE(process_fork_while_lock_held, TR_DEADLOCK)
{
    shared *s = tr_case_alloc(sizeof *s);
    s->lock = tr_lock_new();
    tr_thread *t = tr_thread_new(worker, s, NULL);
    tr_thread_start(t);
    tr_process *p = tr_process_new(child, s, NULL);
    TR_ASSERT(tr_process_start(p) == TR_OK);
    TR_ASSERT(tr_process_join(p, TR_FOREVER) == TR_OK);
    tr_thread_join(t, TR_FOREVER);
    tr_process_free(p);
    tr_thread_free(t);
    tr_lock_free(s->lock);
}
