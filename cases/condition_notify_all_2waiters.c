/* Pattern:  a state change that concerns every waiter announced with notify_all.
 * Expected: TR_PASS.
 * Trigger:  none: every waiter is woken and re-checks the flag.
 * Twin:     condition_notify_one_2waiters.c (TR_DEADLOCK). */
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

TR_CASE(condition_notify_all_2waiters, TR_PASS)
{
    gate *s = tr_case_alloc(sizeof *s);
    s->cond = tr_condition_new();
    tr_thread *w1 = tr_thread_new(wait_open, s, &(tr_thread_opts){.name = "waiter1"});
    tr_thread *w2 = tr_thread_new(wait_open, s, &(tr_thread_opts){.name = "waiter2"});
    tr_thread_start(w1);
    tr_thread_start(w2);
    tr_condition_acquire(s->cond, true, TR_FOREVER);
    TR_STORE(s->open, 1);
    tr_condition_notify_all(s->cond);
    tr_condition_release(s->cond);
    tr_thread_join(w1, TR_FOREVER);
    tr_thread_join(w2, TR_FOREVER);
    tr_thread_free(w1);
    tr_thread_free(w2);
    tr_condition_free(s->cond);
}
