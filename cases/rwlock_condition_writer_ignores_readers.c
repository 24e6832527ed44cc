/* Pattern:  readers-writer lock from a Condition whose writer ignores the readers inside.
 * Expected: TR_ASSERTION.
 * Trigger:  the reader enters, the writer writes a but not yet b, the reader reads the
 *           torn pair; 3 preemptions (reader in first, writer next, reader mid-write).
 * Twin:     rwlock_condition_reader_writer.c (TR_PASS). */
#include <trama/harness.h>

typedef struct rw {
    tr_condition *cond;
    int readers, writing;
    int a, b; /* invariant: a == b outside the writer */
} rw;

static void reader(void *arg)
{
    rw *s = arg;
    tr_condition_acquire(s->cond, true, TR_FOREVER);
    while (TR_LOAD(s->writing))
        tr_condition_wait(s->cond, TR_FOREVER);
    TR_STORE(s->readers, TR_LOAD(s->readers) + 1);
    tr_condition_release(s->cond);
    TR_ASSERT(TR_LOAD(s->a) == TR_LOAD(s->b)); /* the read, outside the lock */
    tr_condition_acquire(s->cond, true, TR_FOREVER);
    TR_STORE(s->readers, TR_LOAD(s->readers) - 1);
    tr_condition_notify_all(s->cond);
    tr_condition_release(s->cond);
}

TR_CASE(rwlock_condition_writer_ignores_readers, TR_ASSERTION)
{
    rw *s = tr_case_alloc(sizeof *s);
    s->cond = tr_condition_new();
    tr_thread *r = tr_thread_new(reader, s, &(tr_thread_opts){.name = "reader"});
    tr_thread_start(r);
    tr_condition_acquire(s->cond, true, TR_FOREVER); /* the main thread writes */
    TR_STORE(s->writing, 1); /* bug: does not wait for the readers inside */
    tr_condition_release(s->cond);
    TR_STORE(s->a, 1); /* the write, outside the lock */
    TR_STORE(s->b, 1);
    tr_condition_acquire(s->cond, true, TR_FOREVER);
    TR_STORE(s->writing, 0);
    tr_condition_notify_all(s->cond);
    tr_condition_release(s->cond);
    tr_thread_join(r, TR_FOREVER);
    tr_thread_free(r);
    tr_condition_free(s->cond);
}
