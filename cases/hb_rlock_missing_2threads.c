/* Pattern:  RLock release -> acquire edge missing: the writer stores an int while
 *           holding its RLock twice, the reader loads it under another RLock.
 * Expected: TR_DATA_RACE.
 * Trigger:  none: no release of the reader's RLock carries the write (0 preemptions).
 * Twin:     hb_rlock_2threads.c (TR_PASS, one RLock). */
#include <trama/harness.h>

typedef struct shared {
    tr_rlock *writer_lock, *reader_lock; /* two different RLocks */
    int data;
} shared;

static void writer(void *arg)
{
    shared *s = arg;
    tr_rlock_acquire(s->writer_lock, true, TR_FOREVER);
    tr_rlock_acquire(s->writer_lock, true, TR_FOREVER); /* re-entry */
    TR_STORE(s->data, 42);
    tr_rlock_release(s->writer_lock); /* still held: publishes nothing yet */
    tr_rlock_release(s->writer_lock);
}

static void reader(void *arg)
{
    shared *s = arg;
    tr_rlock_acquire(s->reader_lock, true, TR_FOREVER);
    int v = TR_LOAD(s->data);
    tr_rlock_release(s->reader_lock);
    TR_ASSERT(v == 0 || v == 42);
}

TR_CASE(hb_rlock_missing_2threads, TR_DATA_RACE)
{
    shared *s = tr_case_alloc(sizeof *s);
    s->writer_lock = tr_rlock_new();
    s->reader_lock = tr_rlock_new();
    tr_thread *w = tr_thread_new(writer, s, &(tr_thread_opts){.name = "writer"});
    tr_thread *r = tr_thread_new(reader, s, &(tr_thread_opts){.name = "reader"});
    tr_thread_start(w);
    tr_thread_start(r);
    tr_thread_join(w, TR_FOREVER);
    tr_thread_join(r, TR_FOREVER);
    tr_thread_free(w);
    tr_thread_free(r);
    tr_rlock_free(s->writer_lock);
    tr_rlock_free(s->reader_lock);
}
