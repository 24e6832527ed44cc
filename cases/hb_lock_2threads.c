/* Pattern:  happens-before lock release -> next acquire: a writer stores an int under a
 *           Lock, a reader loads it under the same Lock.
 * Expected: TR_PASS (no data race: whichever thread goes second acquires after the
 *           other's release).
 * Trigger:  none.
 * Twin:     hb_lock_missing_2threads.c (TR_DATA_RACE, each thread has its own Lock). */
#include <trama/harness.h>

typedef struct shared {
    tr_lock *writer_lock, *reader_lock; /* the same Lock here */
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

TR_CASE(hb_lock_2threads, TR_PASS)
{
    shared *s = tr_case_alloc(sizeof *s);
    s->writer_lock = s->reader_lock = tr_lock_new();
    tr_thread *w = tr_thread_new(writer, s, &(tr_thread_opts){.name = "writer"});
    tr_thread *r = tr_thread_new(reader, s, &(tr_thread_opts){.name = "reader"});
    tr_thread_start(w);
    tr_thread_start(r);
    tr_thread_join(w, TR_FOREVER);
    tr_thread_join(r, TR_FOREVER);
    tr_thread_free(w);
    tr_thread_free(r);
    tr_lock_free(s->writer_lock);
}
