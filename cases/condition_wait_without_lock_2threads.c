/* Pattern:  Condition.wait called without holding the condition's lock.
 * Expected: TR_RUNTIME_ERROR_FOUND ("cannot wait on un-acquired lock").
 * Trigger:  every schedule: wait checks ownership first; 0 preemptions.
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

TR_CASE(condition_wait_without_lock_2threads, TR_RUNTIME_ERROR_FOUND)
{
    mailbox *s = tr_case_alloc(sizeof *s);
    s->cond = tr_condition_new();
    tr_thread *t = tr_thread_new(post, s, &(tr_thread_opts){.name = "poster"});
    tr_thread_start(t);
    while (!TR_LOAD(s->full))
        if (tr_condition_wait(s->cond, TR_FOREVER) != TR_OK) /* bug: lock not held */
            break;
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
    tr_condition_free(s->cond);
}
