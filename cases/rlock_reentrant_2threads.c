/* Pattern:  RLock re-entry: a helper takes the RLock its caller already holds.
 * Expected: TR_PASS.
 * Trigger:  none: the owner re-enters (count 2) and the other thread waits for count 0.
 * Twin:     lock_self_deadlock_1thread.c (TR_DEADLOCK, the same shape with a Lock). */
#include <trama/harness.h>

typedef struct registry {
    tr_rlock *lock;
    int entries;
} registry;

static void add_entry(registry *s)
{
    tr_rlock_acquire(s->lock, true, TR_FOREVER); /* re-entry: already held by refresh() */
    TR_STORE(s->entries, TR_LOAD(s->entries) + 1);
    tr_rlock_release(s->lock);
}

static void refresh(void *arg)
{
    registry *s = arg;
    tr_rlock_acquire(s->lock, true, TR_FOREVER);
    add_entry(s);
    tr_rlock_release(s->lock);
}

TR_CASE(rlock_reentrant_2threads, TR_PASS)
{
    registry *s = tr_case_alloc(sizeof *s);
    s->lock = tr_rlock_new();
    tr_thread *t1 = tr_thread_new(refresh, s, &(tr_thread_opts){.name = "refresh1"});
    tr_thread *t2 = tr_thread_new(refresh, s, &(tr_thread_opts){.name = "refresh2"});
    tr_thread_start(t1);
    tr_thread_start(t2);
    tr_thread_join(t1, TR_FOREVER);
    tr_thread_join(t2, TR_FOREVER);
    int entries = TR_LOAD(s->entries);
    TR_ASSERT(entries == 2);
    tr_thread_free(t1);
    tr_thread_free(t2);
    tr_rlock_free(s->lock);
}
