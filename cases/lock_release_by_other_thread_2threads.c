/* Pattern:  hand-off by release: one thread takes a Lock, another releases it.
 * Expected: TR_PASS (any thread may release a Lock).
 * Trigger:  none: the main thread's second acquire waits for the finisher's release.
 * Twin:     rlock_release_by_non_owner_2threads.c (TR_RUNTIME_ERROR_FOUND). */
#include <trama/harness.h>

typedef struct baton {
    tr_lock *lock;
    int payload;
} baton;

static void finish(void *arg)
{
    baton *s = arg;
    TR_STORE(s->payload, TR_LOAD(s->payload) + 1);
    tr_lock_release(s->lock);
}

TR_CASE(lock_release_by_other_thread_2threads, TR_PASS)
{
    baton *s = tr_case_alloc(sizeof *s);
    s->lock = tr_lock_new();
    tr_lock_acquire(s->lock, true, TR_FOREVER);
    TR_STORE(s->payload, 1);
    tr_thread *t = tr_thread_new(finish, s, &(tr_thread_opts){.name = "finisher"});
    tr_thread_start(t);
    tr_lock_acquire(s->lock, true, TR_FOREVER); /* waits for the finisher's release */
    TR_ASSERT(TR_LOAD(s->payload) == 2);
    tr_lock_release(s->lock);
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
    tr_lock_free(s->lock);
}
