/* Pattern:  publication through a C11 atomic flag: the writer stores the data, then
 *           stores the flag atomically (seq_cst); the reader spins on an atomic load of
 *           the flag, then loads the data. The store releases what the load acquires.
 * Expected: TR_PASS.
 * Trigger:  none.
 * Twin:     publication_plain_flag_2threads.c (TR_DATA_RACE, a plain flag),
 *           atomic_flag_set_too_early_2threads.c (TR_DATA_RACE, the flag before the data). */
#include <trama/harness.h>

typedef struct shared {
    int data;
    _Atomic int ready;
} shared;

static void writer(void *arg)
{
    shared *s = arg;
    TR_STORE(s->data, 42);
    TR_ATOMIC_STORE(s->ready, 1);
}

static void reader(void *arg)
{
    shared *s = arg;
    while (!TR_ATOMIC_LOAD(s->ready))
        tr_yield();
    TR_ASSERT(TR_LOAD(s->data) == 42);
}

TR_CASE(atomic_flag_publication_2threads, TR_PASS)
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
