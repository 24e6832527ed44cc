/* Pattern:  two threads each join the other (join cycle).
 * Expected: TR_DEADLOCK.
 * Trigger:  every schedule: each join waits for the other's end; 0 preemptions.
 *           A gate Lock held by the main thread keeps both joins after both starts.
 * Twin:     none (joining from one side only is simply correct). */
#include <trama/harness.h>

typedef struct pair {
    tr_lock *gate;
    tr_thread *a, *b;
} pair;

static void join_b(void *arg)
{
    pair *s = arg;
    tr_lock_acquire(s->gate, true, TR_FOREVER);
    tr_lock_release(s->gate);
    tr_thread_join(s->b, TR_FOREVER);
}

static void join_a(void *arg)
{
    pair *s = arg;
    tr_lock_acquire(s->gate, true, TR_FOREVER);
    tr_lock_release(s->gate);
    tr_thread_join(s->a, TR_FOREVER);
}

TR_CASE(thread_join_cycle_2threads, TR_DEADLOCK)
{
    pair *s = tr_case_alloc(sizeof *s);
    s->gate = tr_lock_new();
    s->a = tr_thread_new(join_b, s, &(tr_thread_opts){.name = "a"});
    s->b = tr_thread_new(join_a, s, &(tr_thread_opts){.name = "b"});
    tr_lock_acquire(s->gate, true, TR_FOREVER);
    tr_thread_start(s->a);
    tr_thread_start(s->b);
    tr_lock_release(s->gate);
    tr_thread_join(s->a, TR_FOREVER);
    tr_thread_join(s->b, TR_FOREVER);
    tr_thread_free(s->a);
    tr_thread_free(s->b);
    tr_lock_free(s->gate);
}
