/* Pattern:  notify before wait: a bare Condition.wait with no predicate to re-check.
 * Expected: TR_DEADLOCK.
 * Trigger:  the poster notifies before the main thread waits; the notification is lost
 *           and the wait never returns; 1 preemption (the poster runs first).
 * Twin:     condition_wait_for_predicate_2threads.c (TR_PASS). */
#include <trama/harness.h>

typedef struct mailbox {
    tr_condition *cond;
    int full;
} mailbox;

static void post(void *arg)
{
    mailbox *s = arg;
    tr_condition_acquire(s->cond, true, TR_FOREVER);
    TR_STORE(s->full, 1);
    tr_condition_notify(s->cond, 1);
    tr_condition_release(s->cond);
}

TR_CASE(condition_notify_before_wait_2threads, TR_DEADLOCK)
{
    mailbox *s = tr_case_alloc(sizeof *s);
    s->cond = tr_condition_new();
    tr_thread *t = tr_thread_new(post, s, &(tr_thread_opts){.name = "poster"});
    tr_thread_start(t);
    tr_condition_acquire(s->cond, true, TR_FOREVER);
    tr_condition_wait(s->cond, TR_FOREVER); /* bug: no predicate, no loop */
    TR_ASSERT(TR_LOAD(s->full) == 1);
    tr_condition_release(s->cond);
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
    tr_condition_free(s->cond);
}
