/* Pattern:  publication without a lock: a writer stores the data, then sets a plain
 *           "ready" flag; a reader spins on the flag, then loads the data. Sequentially
 *           consistent schedules always show 42, but neither the flag nor the data is
 *           ordered by happens-before (in C11 the compiler or CPU may reorder them).
 * Expected: TR_DATA_RACE.
 * Trigger:  none (0 preemptions): flag and data are unordered in every schedule.
 * Twin:     hb_semaphore_2threads.c (TR_PASS, published through a Semaphore). */
#include <trama/harness.h>

typedef struct shared {
    int data;
    int ready;
} shared;

static void writer(void *arg)
{
    shared *s = arg;
    TR_STORE(s->data, 42);
    TR_STORE(s->ready, 1);
}

static void reader(void *arg)
{
    shared *s = arg;
    while (!TR_LOAD(s->ready))
        tr_yield();
    TR_ASSERT(TR_LOAD(s->data) == 42);
}

TR_CASE(publication_plain_flag_2threads, TR_DATA_RACE)
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
