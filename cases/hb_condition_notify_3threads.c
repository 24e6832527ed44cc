/* Pattern:  happens-before notify -> the woken wait's return, with the lock edge cut: the
 *           waiter (main) waits on a Condition(Lock); a holder takes the Lock and keeps
 *           it until the notifier has exited (is_alive: no edge), then releases it; the
 *           notifier stores an int and notifies while the holder has the Lock (a plain
 *           Lock has no owner). No release of the Lock carries the store: only notify does.
 * Expected: TR_PASS (no data race; the waiter always sees 42).
 * Trigger:  none.
 * Twin:     hb_condition_notify_missing_3threads.c (TR_DATA_RACE, store after notify). */
#include <trama/harness.h>

typedef struct shared {
    tr_lock *lock;
    tr_condition *cond;   /* Condition(lock) */
    tr_semaphore *held;   /* holder -> notifier: the Lock is mine, the waiter waits */
    tr_thread *notifier;
    int data;
} shared;

static void notifier(void *arg)
{
    shared *s = arg;
    tr_semaphore_acquire(s->held, true, TR_FOREVER);
    TR_STORE(s->data, 42);
    tr_condition_notify(s->cond, 1);
}

static void holder(void *arg)
{
    shared *s = arg;
    tr_condition_acquire(s->cond, true, TR_FOREVER); /* free only once main waits */
    tr_semaphore_release(s->held, 1);
    while (tr_thread_is_alive(s->notifier))
        tr_yield();
    tr_condition_release(s->cond);
}

TR_CASE(hb_condition_notify_3threads, TR_PASS)
{
    shared *s = tr_case_alloc(sizeof *s);
    s->lock = tr_lock_new();
    s->cond = tr_condition_new_lock(s->lock);
    s->held = tr_semaphore_new(0);
    s->notifier = tr_thread_new(notifier, s, &(tr_thread_opts){.name = "notifier"});
    tr_thread *h = tr_thread_new(holder, s, &(tr_thread_opts){.name = "holder"});
    tr_condition_acquire(s->cond, true, TR_FOREVER);
    tr_thread_start(s->notifier);
    tr_thread_start(h);
    tr_condition_wait(s->cond, TR_FOREVER);
    int v = TR_LOAD(s->data);
    tr_condition_release(s->cond);
    TR_ASSERT(v == 42);
    tr_thread_join(s->notifier, TR_FOREVER);
    tr_thread_join(h, TR_FOREVER);
    tr_thread_free(s->notifier);
    tr_thread_free(h);
    tr_semaphore_free(s->held);
    tr_condition_free(s->cond);
    tr_lock_free(s->lock);
}
