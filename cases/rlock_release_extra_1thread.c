/* Pattern:  an RLock released once more than it was acquired (an unbalanced helper).
 * Expected: TR_RUNTIME_ERROR_FOUND ("cannot release un-acquired lock").
 * Trigger:  every schedule: the third release finds the count at 0; 0 preemptions.
 * Twin:     rlock_reentrant_2threads.c (TR_PASS, balanced acquire/release). */
#include <trama/harness.h>

typedef struct registry {
    tr_rlock *lock;
    int entries;
} registry;

static void add_entry(registry *s)
{
    tr_rlock_acquire(s->lock, true, TR_FOREVER);
    TR_STORE(s->entries, TR_LOAD(s->entries) + 1);
    tr_rlock_release(s->lock);
    tr_rlock_release(s->lock); /* bug: pasted twice */
}

static void refresh(void *arg)
{
    registry *s = arg;
    tr_rlock_acquire(s->lock, true, TR_FOREVER);
    add_entry(s);
    tr_rlock_release(s->lock);
}

TR_CASE(rlock_release_extra_1thread, TR_RUNTIME_ERROR_FOUND)
{
    registry *s = tr_case_alloc(sizeof *s);
    s->lock = tr_rlock_new();
    tr_thread *t = tr_thread_new(refresh, s, &(tr_thread_opts){.name = "refresher"});
    tr_thread_start(t);
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
    tr_rlock_free(s->lock);
}
