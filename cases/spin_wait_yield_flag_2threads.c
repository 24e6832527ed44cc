/* Pattern:  spin-wait with tr_yield on a flag that another thread sets.
 * Expected: TR_PASS.
 * Trigger:  none: fairness keeps the spinner from starving the setter, so the spin ends.
 * Twin:     spin_wait_flag_never_set_2threads.c (TR_HANG). */
#include <trama/harness.h>

typedef struct handoff {
    int data;
    int ready;
} handoff;

static void publish(void *arg)
{
    handoff *s = arg;
    TR_STORE(s->data, 7);
    TR_STORE(s->ready, 1);
}

static void spin_then_read(handoff *s)
{
    while (!TR_LOAD(s->ready))
        tr_yield();
    TR_ASSERT(TR_LOAD(s->data) == 7);
}

TR_CASE(spin_wait_yield_flag_2threads, TR_PASS)
{
    handoff *s = tr_case_alloc(sizeof *s);
    tr_thread *p = tr_thread_new(publish, s, &(tr_thread_opts){.name = "publisher"});
    tr_thread_start(p);
    spin_then_read(s); /* the main thread is the spinner */
    tr_thread_join(p, TR_FOREVER);
    tr_thread_free(p);
}
