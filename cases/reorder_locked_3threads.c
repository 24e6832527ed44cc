/* Pattern:  two writes a reader takes as one, made one by a lock: 2 setters each store
 *           a = 1 then b = -1 holding it, a checker reads a then b holding it.
 * Expected: TR_PASS.
 * Trigger:  none: the checker sees both stores of a setter or neither.
 * Twin:     reorder_3threads.c (TR_ASSERTION). */
#include <trama/harness.h>

enum { SETTERS = 2 };

typedef struct pair {
    tr_lock *lock;
    _Atomic int a, b;
} pair;

static void set(void *arg)
{
    pair *p = arg;
    tr_lock_acquire(p->lock, true, TR_FOREVER);
    TR_ATOMIC_STORE(p->a, 1);
    TR_ATOMIC_STORE(p->b, -1);
    tr_lock_release(p->lock);
}

static void check(void *arg)
{
    pair *p = arg;
    tr_lock_acquire(p->lock, true, TR_FOREVER);
    int a = TR_ATOMIC_LOAD(p->a);
    int b = TR_ATOMIC_LOAD(p->b);
    tr_lock_release(p->lock);
    TR_ASSERT((a == 0 && b == 0) || (a == 1 && b == -1));
}

TR_CASE(reorder_locked_3threads, TR_PASS)
{
    pair *p = tr_case_alloc(sizeof *p);
    p->lock = tr_lock_new();
    tr_thread *t[SETTERS + 1];
    for (int i = 0; i < SETTERS; i++)
        t[i] = tr_thread_new(set, p, &(tr_thread_opts){.name = "setter"});
    t[SETTERS] = tr_thread_new(check, p, &(tr_thread_opts){.name = "checker"});
    for (int i = 0; i <= SETTERS; i++)
        tr_thread_start(t[i]);
    for (int i = 0; i <= SETTERS; i++) {
        tr_thread_join(t[i], TR_FOREVER);
        tr_thread_free(t[i]);
    }
    tr_lock_free(p->lock);
}
