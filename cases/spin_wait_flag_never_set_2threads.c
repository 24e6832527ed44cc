/* Pattern:  spin-wait on a flag that the setter forgets to set on its error path.
 * Expected: TR_HANG.
 * Trigger:  every schedule: the publisher's input is bad, it returns early and the main
 *           thread, the spinner, yields forever (a livelock); 0 preemptions.
 * Twin:     spin_wait_yield_flag_2threads.c (TR_PASS). */
#include <trama/harness.h>

typedef struct handoff {
    int input;
    int data;
    int ready;
} handoff;

static void publish(void *arg)
{
    handoff *s = arg;
    if (TR_LOAD(s->input) < 0)
        return; /* bug: the error path never sets ready */
    TR_STORE(s->data, TR_LOAD(s->input));
    TR_STORE(s->ready, 1);
}

static void spin_then_read(handoff *s)
{
    while (!TR_LOAD(s->ready))
        tr_yield();
}

TR_CASE(spin_wait_flag_never_set_2threads, TR_HANG)
{
    handoff *s = tr_case_alloc(sizeof *s);
    s->input = -1;
    tr_thread *p = tr_thread_new(publish, s, &(tr_thread_opts){.name = "publisher"});
    tr_thread_start(p);
    spin_then_read(s); /* the main thread is the spinner */
    tr_thread_join(p, TR_FOREVER);
    tr_thread_free(p);
}
