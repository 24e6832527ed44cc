/* Pattern:  a worker thread takes a Lock to update a counter; the main thread joins it,
 *           then starts a child process that takes the same Lock (its copy) to read the
 *           counter.
 * Expected: TR_PASS (the Lock is free at the fork; the child reads 1).
 * Trigger:  none.
 * Twin:     process_fork_while_lock_held.c (TR_DEADLOCK, fork while the worker runs). */
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
    TR_ASSERT(s->counter == 1);
    tr_lock_release(s->lock);
}

TR_CASE(process_fork_after_join, TR_PASS)
{
    shared *s = tr_case_alloc(sizeof *s);
    s->lock = tr_lock_new();
    tr_thread *t = tr_thread_new(worker, s, NULL);
    tr_thread_start(t);
    tr_thread_join(t, TR_FOREVER);
    tr_process *p = tr_process_new(child, s, NULL);
    TR_ASSERT(tr_process_start(p) == TR_OK);
    TR_ASSERT(tr_process_join(p, TR_FOREVER) == TR_OK);
    TR_ASSERT(tr_process_exitcode(p) == 0);
    tr_process_free(p);
    tr_thread_free(t);
    tr_lock_free(s->lock);
}
