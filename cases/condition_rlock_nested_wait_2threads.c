/* Pattern:  Condition over an RLock held twice (nested helpers) when it waits.
 * Expected: TR_PASS.
 * Trigger:  none: wait releases the RLock fully, so the notifier can get in, and the
 *           recursion count (2) is restored when wait returns.
 * Twin:     lock_self_deadlock_1thread.c (TR_DEADLOCK, nesting a plain Lock). */
#include <trama/harness.h>

typedef struct job {
    tr_rlock *lock;
    tr_condition *cond;
    int done;
} job;

static void finish(void *arg)
{
    job *s = arg;
    tr_condition_acquire(s->cond, true, TR_FOREVER);
    TR_STORE(s->done, 1);
    tr_condition_notify(s->cond, 1);
    tr_condition_release(s->cond);
}

static void wait_done(job *s) /* called with the lock already held once */
{
    tr_rlock_acquire(s->lock, true, TR_FOREVER);
    while (!TR_LOAD(s->done))
        tr_condition_wait(s->cond, TR_FOREVER);
    tr_rlock_release(s->lock);
}

TR_CASE(condition_rlock_nested_wait_2threads, TR_PASS)
{
    job *s = tr_case_alloc(sizeof *s);
    s->lock = tr_rlock_new();
    s->cond = tr_condition_new_rlock(s->lock);
    tr_thread *t = tr_thread_new(finish, s, &(tr_thread_opts){.name = "finisher"});
    tr_thread_start(t);
    tr_rlock_acquire(s->lock, true, TR_FOREVER);
    wait_done(s);
    TR_ASSERT(tr_rlock_recursion_count(s->lock) == 1);
    tr_rlock_release(s->lock);
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
    tr_condition_free(s->cond);
    tr_rlock_free(s->lock);
}
