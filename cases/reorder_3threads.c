/* Pattern:  two writes a reader takes as one (SCTBench's reorder family): 2 setters each
 *           store a = 1 then b = -1, a checker reads a then b and expects (0, 0) or (1, -1).
 * Expected: TR_ASSERTION (atomics: no data race, the pair is still torn).
 * Trigger:  the checker reads between one setter's two stores; 1 preemption. More setters
 *           make more threads to choose among, not a deeper bug.
 * Twin:     reorder_locked_3threads.c (TR_PASS). */
#include <trama/harness.h>

enum { SETTERS = 2 };

typedef struct pair {
    _Atomic int a, b;
} pair;

static void set(void *arg)
{
    pair *p = arg;
    TR_ATOMIC_STORE(p->a, 1);
    TR_ATOMIC_STORE(p->b, -1);
}

static void check(void *arg)
{
    pair *p = arg;
    int a = TR_ATOMIC_LOAD(p->a);
    int b = TR_ATOMIC_LOAD(p->b);
    TR_ASSERT((a == 0 && b == 0) || (a == 1 && b == -1));
}

TR_CASE(reorder_3threads, TR_ASSERTION)
{
    pair *p = tr_case_alloc(sizeof *p);
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
}
