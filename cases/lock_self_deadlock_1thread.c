/* Pattern:  self-deadlock: a helper takes a plain Lock its caller already holds.
 * Expected: TR_DEADLOCK.
 * Trigger:  every schedule: Lock is not re-entrant; 0 preemptions.
 * Twin:     rlock_reentrant_2threads.c (TR_PASS, the same shape with an RLock). */
#include <trama/harness.h>

typedef struct registry {
    tr_lock *lock;
    int entries;
} registry;

static void add_entry(registry *s)
{
    tr_lock_acquire(s->lock, true, TR_FOREVER); /* already held by refresh() */
    TR_STORE(s->entries, TR_LOAD(s->entries) + 1);
    tr_lock_release(s->lock);
}

static void refresh(void *arg)
{
    registry *s = arg;
    tr_lock_acquire(s->lock, true, TR_FOREVER);
    TR_STORE(s->entries, 0);
    add_entry(s);
    tr_lock_release(s->lock);
}

TR_CASE(lock_self_deadlock_1thread, TR_DEADLOCK)
{
    registry *s = tr_case_alloc(sizeof *s);
    s->lock = tr_lock_new();
    tr_thread *t = tr_thread_new(refresh, s, &(tr_thread_opts){.name = "refresher"});
    tr_thread_start(t);
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
    tr_lock_free(s->lock);
}
