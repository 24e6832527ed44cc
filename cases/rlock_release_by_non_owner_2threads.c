/* Pattern:  hand-off by release: one thread takes an RLock, another releases it.
 * Expected: TR_RUNTIME_ERROR_FOUND ("cannot release un-acquired lock").
 * Trigger:  every schedule: an RLock belongs to its owner; 0 preemptions.
 * Twin:     lock_release_by_other_thread_2threads.c (TR_PASS: a Lock allows it). */
#include <trama/harness.h>

typedef struct baton {
    tr_rlock *lock;
    int payload;
} baton;

static void finish(void *arg)
{
    baton *s = arg;
    TR_STORE(s->payload, TR_LOAD(s->payload) + 1);
    tr_rlock_release(s->lock); /* not the owner: RuntimeError */
}

TR_CASE(rlock_release_by_non_owner_2threads, TR_RUNTIME_ERROR_FOUND)
{
    baton *s = tr_case_alloc(sizeof *s);
    s->lock = tr_rlock_new();
    tr_rlock_acquire(s->lock, true, TR_FOREVER);
    TR_STORE(s->payload, 1);
    tr_thread *t = tr_thread_new(finish, s, &(tr_thread_opts){.name = "finisher"});
    tr_thread_start(t);
    tr_thread_join(t, TR_FOREVER);
    tr_rlock_acquire(s->lock, true, TR_FOREVER); /* "wait for the finisher's release" */
    tr_rlock_release(s->lock);
    tr_thread_free(t);
    tr_rlock_free(s->lock);
}
