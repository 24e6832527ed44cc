/* Pattern:  spin-wait with tr_yield on a flag that another thread sets under a Lock.
 * Expected: TR_PASS.
 * Trigger:  none: fairness keeps the spinner from starving the setter, so the spin ends;
 *           the Lock orders the data before the flag (a plain flag would be a data race:
 *           C11 atomics are not modelled, see publication_without_lock cases).
 * Twin:     spin_wait_flag_never_set_2threads.c (TR_HANG). */
#include <trama/harness.h>

typedef struct handoff {
    tr_lock *lock;
    int data;
    int ready;
} handoff;

static void publish(void *arg)
{
    handoff *s = arg;
    tr_lock_acquire(s->lock, true, TR_FOREVER);
    TR_STORE(s->data, 7);
    TR_STORE(s->ready, 1);
    tr_lock_release(s->lock);
}

static bool is_ready(handoff *s)
{
    tr_lock_acquire(s->lock, true, TR_FOREVER);
    bool ready = TR_LOAD(s->ready);
    tr_lock_release(s->lock);
    return ready;
}

static void spin_then_read(handoff *s)
{
    while (!is_ready(s))
        tr_yield();
    tr_lock_acquire(s->lock, true, TR_FOREVER);
    TR_ASSERT(TR_LOAD(s->data) == 7);
    tr_lock_release(s->lock);
}

TR_CASE(spin_wait_yield_flag_2threads, TR_PASS)
{
    handoff *s = tr_case_alloc(sizeof *s);
    s->lock = tr_lock_new();
    tr_thread *p = tr_thread_new(publish, s, &(tr_thread_opts){.name = "publisher"});
    tr_thread_start(p);
    spin_then_read(s); /* the main thread is the spinner */
    tr_thread_join(p, TR_FOREVER);
    tr_thread_free(p);
    tr_lock_free(s->lock);
}
