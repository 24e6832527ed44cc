/* Pattern:  a two-stage update under two locks, the writer holding lock A until stage two
 *           is set under lock B too; a reader that sees stage one expects stage two to match.
 * Expected: TR_PASS (and no deadlock: both take A before B).
 * Trigger:  none: the reader cannot see stage one before stage two is set.
 * Twin:     two_stage_split_2threads.c (TR_ASSERTION). */
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
    tr_lock_acquire(s->b, true, TR_FOREVER);
    TR_STORE(s->two, TR_LOAD(s->one) + 1);
    tr_lock_release(s->b);
    tr_lock_release(s->a);
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

TR_CASE(two_stage_held_2threads, TR_PASS)
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
