/* Pattern:  an atomic flag set before the data it announces: the writer stores the flag
 *           (seq_cst), then the data; a reader that sees the flag loads data that no
 *           release ordered before its acquire.
 * Expected: TR_DATA_RACE (TR_ASSERTION also found: the reader can see 0).
 * Trigger:  the reader runs between the writer's two stores for the assertion; the race
 *           is there in every schedule where the reader gets past the flag.
 * Twin:     atomic_flag_publication_2threads.c (TR_PASS). */
#include <trama/harness.h>

typedef struct shared {
    int data;
    _Atomic int ready;
} shared;

static void writer(void *arg)
{
    shared *s = arg;
    TR_ATOMIC_STORE(s->ready, 1); /* bug: announces before it writes */
    TR_STORE(s->data, 42);
}

static void reader(void *arg)
{
    shared *s = arg;
    while (!TR_ATOMIC_LOAD(s->ready))
        tr_yield();
    TR_ASSERT(TR_LOAD(s->data) == 42);
}

TR_CASE(atomic_flag_set_too_early_2threads, TR_DATA_RACE)
{
    shared *s = tr_case_alloc(sizeof *s);
    tr_thread *w = tr_thread_new(writer, s, &(tr_thread_opts){.name = "writer"});
    tr_thread *r = tr_thread_new(reader, s, &(tr_thread_opts){.name = "reader"});
    tr_thread_start(w);
    tr_thread_start(r);
    tr_thread_join(w, TR_FOREVER);
    tr_thread_join(r, TR_FOREVER);
    tr_thread_free(w);
    tr_thread_free(r);
}
