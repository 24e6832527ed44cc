/* Pattern:  lock release -> acquire edge missing: the writer stores an int under one
 *           Lock, the reader loads it under another.
 * Expected: TR_DATA_RACE.
 * Trigger:  none: no release of the reader's Lock carries the write (0 preemptions).
 * Twin:     hb_lock_2threads.c (TR_PASS, one Lock). */
#include <trama/harness.h>

typedef struct shared {
    tr_lock *writer_lock, *reader_lock; /* two different Locks */
    int data;
} shared;

static void writer(void *arg)
{
    shared *s = arg;
    tr_lock_acquire(s->writer_lock, true, TR_FOREVER);
    TR_STORE(s->data, 42);
    tr_lock_release(s->writer_lock);
}

static void reader(void *arg)
{
    shared *s = arg;
    tr_lock_acquire(s->reader_lock, true, TR_FOREVER);
    int v = TR_LOAD(s->data);
    tr_lock_release(s->reader_lock);
    TR_ASSERT(v == 0 || v == 42);
}

TR_CASE(hb_lock_missing_2threads, TR_DATA_RACE)
{
    shared *s = tr_case_alloc(sizeof *s);
    s->writer_lock = tr_lock_new();
    s->reader_lock = tr_lock_new();
    tr_thread *w = tr_thread_new(writer, s, &(tr_thread_opts){.name = "writer"});
    tr_thread *r = tr_thread_new(reader, s, &(tr_thread_opts){.name = "reader"});
    tr_thread_start(w);
    tr_thread_start(r);
    tr_thread_join(w, TR_FOREVER);
    tr_thread_join(r, TR_FOREVER);
    tr_thread_free(w);
    tr_thread_free(r);
    tr_lock_free(s->writer_lock);
    tr_lock_free(s->reader_lock);
}
