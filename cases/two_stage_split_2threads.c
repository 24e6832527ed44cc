/* Pattern:  a two-stage update under two locks (SCTBench's twostage family): the writer
 *           sets stage one under lock A, then stage two (derived from it) under lock B; a
 *           reader that sees stage one expects stage two to match.
 * Expected: TR_ASSERTION.
 * Trigger:  the reader runs between the writer's two critical sections; 1 preemption.
 * Twin:     two_stage_held_2threads.c (TR_PASS). */
#include <trama/harness.h>

typedef struct stages {
    tr_lock *a, *b;
    int one, two;
} stages;

static void write_both(void *arg)
{
    stages *s = arg;
    tr_lock_acquire(s->a, true, TR_FOREVER);
    TR_STORE(s->one, 1);
    tr_lock_release(s->a);
    tr_lock_acquire(s->b, true, TR_FOREVER); /* stage one is visible, stage two not yet */
    TR_STORE(s->two, TR_LOAD(s->one) + 1);
    tr_lock_release(s->b);
}

static void read_both(void *arg)
{
    stages *s = arg;
    tr_lock_acquire(s->a, true, TR_FOREVER);
    int one = TR_LOAD(s->one);
    tr_lock_release(s->a);
    if (one == 0)
        return;
    tr_lock_acquire(s->b, true, TR_FOREVER);
    int two = TR_LOAD(s->two);
    tr_lock_release(s->b);
    TR_ASSERT(two == one + 1);
}

TR_CASE(two_stage_split_2threads, TR_ASSERTION)
{
    stages *s = tr_case_alloc(sizeof *s);
    s->a = tr_lock_new();
    s->b = tr_lock_new();
    tr_thread *w = tr_thread_new(write_both, s, &(tr_thread_opts){.name = "writer"});
    tr_thread *r = tr_thread_new(read_both, s, &(tr_thread_opts){.name = "reader"});
    tr_thread_start(w);
    tr_thread_start(r);
    tr_thread_join(w, TR_FOREVER);
    tr_thread_join(r, TR_FOREVER);
    tr_thread_free(w);
    tr_thread_free(r);
    tr_lock_free(s->a);
    tr_lock_free(s->b);
}
