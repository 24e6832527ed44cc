/* Pattern:  happens-before event set -> wait: a writer stores an int and sets an Event;
 *           a reader waits for the event, then loads the int.
 * Expected: TR_PASS (no data race; the reader always sees 42).
 * Trigger:  none.
 * Twin:     hb_event_missing_2threads.c (TR_DATA_RACE, the reader polls with a zero
 *           timeout and ignores the result). */
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
    tr_event_wait(s->ready, TR_FOREVER);
    TR_ASSERT(TR_LOAD(s->data) == 42);
}

TR_CASE(hb_event_2threads, TR_PASS)
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
