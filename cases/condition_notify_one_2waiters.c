/* Pattern:  a state change that concerns every waiter announced with notify(1).
 * Expected: TR_DEADLOCK.
 * Trigger:  both waiters are waiting when the flag is set; only one is woken and the
 *           other waits forever; 1 preemption (the waiters run before the main thread).
 * Twin:     condition_notify_all_2waiters.c (TR_PASS). */
#include <trama/harness.h>

typedef struct gate {
    tr_condition *cond;
    int open;
} gate;

static void wait_open(void *arg)
{
    gate *s = arg;
    tr_condition_acquire(s->cond, true, TR_FOREVER);
    while (!TR_LOAD(s->open))
        tr_condition_wait(s->cond, TR_FOREVER);
    tr_condition_release(s->cond);
}

TR_CASE(condition_notify_one_2waiters, TR_DEADLOCK)
{
    gate *s = tr_case_alloc(sizeof *s);
    s->cond = tr_condition_new();
    tr_thread *w1 = tr_thread_new(wait_open, s, &(tr_thread_opts){.name = "waiter1"});
    tr_thread *w2 = tr_thread_new(wait_open, s, &(tr_thread_opts){.name = "waiter2"});
    tr_thread_start(w1);
    tr_thread_start(w2);
    tr_condition_acquire(s->cond, true, TR_FOREVER);
    TR_STORE(s->open, 1);
    tr_condition_notify(s->cond, 1); /* bug: both waiters need to see the change */
    tr_condition_release(s->cond);
    tr_thread_join(w1, TR_FOREVER);
    tr_thread_join(w2, TR_FOREVER);
    tr_thread_free(w1);
    tr_thread_free(w2);
    tr_condition_free(s->cond);
}
