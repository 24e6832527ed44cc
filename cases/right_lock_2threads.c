/* Pattern:  a counter guarded by one lock that both threads take.
 * Expected: TR_PASS.
 * Trigger:  none: the load and the store of each thread are one critical section.
 * Twin:     wrong_lock_2threads.c (TR_ASSERTION). */
#include <trama/harness.h>

typedef struct guarded {
    tr_lock *lock;
    _Atomic int *count;
} guarded;

static void add_one(void *arg)
{
    guarded *g = arg;
    tr_lock_acquire(g->lock, true, TR_FOREVER);
    int seen = TR_ATOMIC_LOAD(*g->count);
    TR_ATOMIC_STORE(*g->count, seen + 1);
    tr_lock_release(g->lock);
}

TR_CASE(right_lock_2threads, TR_PASS)
{
    _Atomic int *count = tr_case_alloc(sizeof *count);
    guarded *a = tr_case_alloc(sizeof *a), *b = tr_case_alloc(sizeof *b);
    *a = (guarded){tr_lock_new(), count};
    *b = (guarded){a->lock, count};
    tr_thread *x = tr_thread_new(add_one, a, &(tr_thread_opts){.name = "x"});
    tr_thread *y = tr_thread_new(add_one, b, &(tr_thread_opts){.name = "y"});
    tr_thread_start(x);
    tr_thread_start(y);
    tr_thread_join(x, TR_FOREVER);
    tr_thread_join(y, TR_FOREVER);
    TR_ASSERT(TR_ATOMIC_LOAD(*count) == 2);
    tr_thread_free(x);
    tr_thread_free(y);
    tr_lock_free(a->lock);
}
