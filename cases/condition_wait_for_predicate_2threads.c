/* Pattern:  Condition.wait_for with a predicate, state changed and notified under the lock.
 * Expected: TR_PASS.
 * Trigger:  none: wait_for checks the predicate before waiting, so an early notify is
 *           not lost, and re-checks it after every wake-up.
 * Twin:     condition_notify_before_wait_2threads.c (TR_DEADLOCK, a bare wait). */
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
    tr_condition_notify(s->cond, 1);
    tr_condition_release(s->cond);
}

TR_CASE(condition_wait_for_predicate_2threads, TR_PASS)
{
    mailbox *s = tr_case_alloc(sizeof *s);
    s->cond = tr_condition_new();
    tr_thread *t = tr_thread_new(post, s, &(tr_thread_opts){.name = "poster"});
    tr_thread_start(t);
    tr_condition_acquire(s->cond, true, TR_FOREVER);
    tr_status st = tr_condition_wait_for(s->cond, is_full, s, TR_FOREVER);
    TR_ASSERT(st == TR_OK);
    tr_condition_release(s->cond);
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
    tr_condition_free(s->cond);
}
