/* Pattern:  the same counter guarded by two different locks (SCTBench's wronglock
 *           family): each thread takes its own lock, so neither excludes the other.
 * Expected: TR_ASSERTION (atomic accesses: no data race, an update is still lost).
 * Trigger:  both load the counter before either stores; 1 preemption.
 * Twin:     right_lock_2threads.c (TR_PASS). */
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

TR_CASE(wrong_lock_2threads, TR_ASSERTION)
{
    _Atomic int *count = tr_case_alloc(sizeof *count);
    guarded *a = tr_case_alloc(sizeof *a), *b = tr_case_alloc(sizeof *b);
    *a = (guarded){tr_lock_new(), count};
    *b = (guarded){tr_lock_new(), count};
    tr_thread *x = tr_thread_new(add_one, a, &(tr_thread_opts){.name = "x"});
    tr_thread *y = tr_thread_new(add_one, b, &(tr_thread_opts){.name = "y"});
    tr_thread_start(x);
    tr_thread_start(y);
    tr_thread_join(x, TR_FOREVER);
    tr_thread_join(y, TR_FOREVER);
    TR_ASSERT(TR_ATOMIC_LOAD(*count) == 2);
    tr_thread_free(x);
    tr_thread_free(y);
    tr_lock_free(b->lock);
    tr_lock_free(a->lock);
}
