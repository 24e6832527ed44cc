/* Pattern:  semaphore release -> acquire edge missing: the writer stores an int and
 *           releases a Semaphore(1); the reader acquires one permit, then loads the int:
 *           it may take the initial permit, which no release of the writer's carries.
 * Expected: TR_DATA_RACE (TR_ASSERTION also found: the reader can see 0).
 * Trigger:  the reader acquires before the writer releases; 0 preemptions.
 * Twin:     hb_semaphore_2threads.c (TR_PASS, Semaphore(0)). */
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

TR_CASE(hb_semaphore_missing_2threads, TR_DATA_RACE)
{
    shared *s = tr_case_alloc(sizeof *s);
    s->sem = tr_semaphore_new(1);
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
