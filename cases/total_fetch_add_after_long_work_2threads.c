/* Pattern:  each thread does 60 steps of its own work, then adds its result to a shared
 *           total with one atomic fetch_add.
 * Expected: TR_PASS.
 * Trigger:  none: the addition is one step.
 * Twin:     lost_update_after_long_work_2threads.c (TR_ASSERTION). */
#include <trama/harness.h>

enum { WORK = 60 };

typedef struct tally {
    _Atomic int progress[2];
    _Atomic int total;
} tally;

typedef struct worker {
    tally *t;
    int id;
} worker;

static void run(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < WORK; i++)
        TR_ATOMIC_FETCH_ADD(w->t->progress[w->id], 1);
    TR_ATOMIC_FETCH_ADD(w->t->total, TR_ATOMIC_LOAD(w->t->progress[w->id]));
}

TR_CASE(total_fetch_add_after_long_work_2threads, TR_PASS)
{
    tally *t = tr_case_alloc(sizeof *t);
    worker *w = tr_case_alloc(2 * sizeof *w);
    tr_thread *th[2];
    for (int i = 0; i < 2; i++) {
        w[i] = (worker){t, i};
        th[i] = tr_thread_new(run, &w[i], &(tr_thread_opts){.name = i ? "b" : "a"});
        tr_thread_start(th[i]);
    }
    for (int i = 0; i < 2; i++) {
        tr_thread_join(th[i], TR_FOREVER);
        tr_thread_free(th[i]);
    }
    TR_ASSERT(TR_ATOMIC_LOAD(t->total) == 2 * WORK);
}
