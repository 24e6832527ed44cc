/* Pattern:  Condition.notify called without holding the condition's lock.
 * Expected: TR_RUNTIME_ERROR_FOUND ("cannot notify on un-acquired lock").
 * Trigger:  every schedule: notify checks ownership first; 0 preemptions. The waiter's
 *           1 s timeout (virtual) hides the lost notification, as it often does in tests.
 * Twin:     condition_wait_for_predicate_2threads.c (TR_PASS). */
#include <trama/harness.h>

typedef struct mailbox {
    tr_condition *cond;
    int full;
} mailbox;

static bool is_full(void *arg)
{
    mailbox *s = arg;
    return TR_LOAD(s->full) != 0;
}

static void post(void *arg)
{
    mailbox *s = arg;
    tr_condition_acquire(s->cond, true, TR_FOREVER);
    TR_STORE(s->full, 1);
    tr_condition_release(s->cond);
    tr_condition_notify(s->cond, 1); /* bug: after the release */
}

TR_CASE(condition_notify_without_lock_2threads, TR_RUNTIME_ERROR_FOUND)
{
    mailbox *s = tr_case_alloc(sizeof *s);
    s->cond = tr_condition_new();
    tr_thread *t = tr_thread_new(post, s, &(tr_thread_opts){.name = "poster"});
    tr_thread_start(t);
    tr_condition_acquire(s->cond, true, TR_FOREVER);
    tr_condition_wait_for(s->cond, is_full, s, 1.0);
    tr_condition_release(s->cond);
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
    tr_condition_free(s->cond);
}
