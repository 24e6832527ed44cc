/* Pattern:  happens-before semaphore release -> acquire: a writer stores an int and
 *           releases a Semaphore(0); a reader acquires it, then loads the int.
 * Expected: TR_PASS (no data race; the reader always sees 42).
 * Trigger:  none.
 * Twin:     hb_semaphore_missing_2threads.c (TR_DATA_RACE, Semaphore(1): the reader may
 *           take the initial permit instead of the writer's). */
#include <trama/harness.h>

typedef struct shared {
    tr_semaphore *sem;
    int data;
} shared;

static void writer(void *arg)
{
    shared *s = arg;
    TR_STORE(s->data, 42);
    tr_semaphore_release(s->sem, 1);
}

static void reader(void *arg)
{
    shared *s = arg;
    tr_semaphore_acquire(s->sem, true, TR_FOREVER);
    TR_ASSERT(TR_LOAD(s->data) == 42);
}

TR_CASE(hb_semaphore_2threads, TR_PASS)
{
    shared *s = tr_case_alloc(sizeof *s);
    s->sem = tr_semaphore_new(0);
    tr_thread *w = tr_thread_new(writer, s, &(tr_thread_opts){.name = "writer"});
    tr_thread *r = tr_thread_new(reader, s, &(tr_thread_opts){.name = "reader"});
    tr_thread_start(w);
    tr_thread_start(r);
    tr_thread_join(w, TR_FOREVER);
    tr_thread_join(r, TR_FOREVER);
    tr_thread_free(w);
    tr_thread_free(r);
    tr_semaphore_free(s->sem);
}
