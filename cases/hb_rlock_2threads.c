/* Pattern:  happens-before RLock release -> next acquire: a writer stores an int while
 *           holding an RLock twice (re-entered), a reader loads it under the same RLock.
 * Expected: TR_PASS (no data race: the last release of the writer publishes the store
 *           to the next acquire, whichever order the two threads run in).
 * Trigger:  none.
 * Twin:     hb_rlock_missing_2threads.c (TR_DATA_RACE, each thread has its own RLock). */
#include <trama/harness.h>

typedef struct shared {
    tr_rlock *writer_lock, *reader_lock; /* the same RLock here */
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

TR_CASE(hb_rlock_2threads, TR_PASS)
{
    shared *s = tr_case_alloc(sizeof *s);
    s->writer_lock = s->reader_lock = tr_rlock_new();
    tr_thread *w = tr_thread_new(writer, s, &(tr_thread_opts){.name = "writer"});
    tr_thread *r = tr_thread_new(reader, s, &(tr_thread_opts){.name = "reader"});
    tr_thread_start(w);
    tr_thread_start(r);
    tr_thread_join(w, TR_FOREVER);
    tr_thread_join(r, TR_FOREVER);
    tr_thread_free(w);
    tr_thread_free(r);
    tr_rlock_free(s->writer_lock);
}
