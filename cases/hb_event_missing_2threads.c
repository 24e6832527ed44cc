/* Pattern:  event set -> wait edge missing: the writer stores an int and sets an Event;
 *           the reader waits with a zero timeout and loads the int whatever the wait
 *           returned: a wait that returned false carries no set() of the writer's.
 * Expected: TR_DATA_RACE (TR_ASSERTION also found: the reader can see 0).
 * Trigger:  the reader polls before the writer sets; 1 preemption.
 * Twin:     hb_event_2threads.c (TR_PASS, the reader waits without a timeout). */
#include <trama/harness.h>

typedef struct shared {
    tr_event *ready;
    int data;
} shared;

static void writer(void *arg)
{
    shared *s = arg;
    TR_STORE(s->data, 42);
    tr_event_set(s->ready);
}

static void reader(void *arg)
{
    shared *s = arg;
    tr_event_wait(s->ready, 0); /* bug: the result (false: not set yet) is ignored */
    TR_ASSERT(TR_LOAD(s->data) == 42);
}

TR_CASE(hb_event_missing_2threads, TR_DATA_RACE)
{
    shared *s = tr_case_alloc(sizeof *s);
    s->ready = tr_event_new();
    tr_thread *w = tr_thread_new(writer, s, &(tr_thread_opts){.name = "writer"});
    tr_thread *r = tr_thread_new(reader, s, &(tr_thread_opts){.name = "reader"});
    tr_thread_start(w);
    tr_thread_start(r);
    tr_thread_join(w, TR_FOREVER);
    tr_thread_join(r, TR_FOREVER);
    tr_thread_free(w);
    tr_thread_free(r);
    tr_event_free(s->ready);
}
