/* Pattern:  phases split by a Barrier: each party writes its own slot, waits at the
 *           barrier, then reads the other parties' slots.
 * Expected: TR_PASS (no data race; every read sees the other party's write).
 * Trigger:  none: every write happens before the wait that releases the readers.
 * Twin:     barrier_phases_missing_wait_3threads.c (TR_DATA_RACE). */
#include <trama/harness.h>

enum { N = 3 }; /* parties: the main thread and two workers */

typedef struct phases {
    tr_barrier *barrier;
    int slot[N];
} phases;

typedef struct party {
    phases *p;
    int me;
} party;

static void write_wait_read(phases *p, int me)
{
    TR_STORE(p->slot[me], me + 1);
    tr_barrier_wait(p->barrier, TR_FOREVER, NULL);
    for (int other = 0; other < N; other++)
        if (other != me)
            TR_ASSERT(TR_LOAD(p->slot[other]) == other + 1);
}

static void worker(void *arg)
{
    party *w = arg;
    write_wait_read(w->p, w->me);
}

TR_CASE(barrier_phases_3threads, TR_PASS)
{
    phases *p = tr_case_alloc(sizeof *p);
    party *w = tr_case_alloc(2 * sizeof *w);
    p->barrier = tr_barrier_new(N, NULL, NULL, TR_FOREVER);
    w[0] = (party){p, 1};
    w[1] = (party){p, 2};
    tr_thread *t1 = tr_thread_new(worker, &w[0], &(tr_thread_opts){.name = "worker1"});
    tr_thread *t2 = tr_thread_new(worker, &w[1], &(tr_thread_opts){.name = "worker2"});
    tr_thread_start(t1);
    tr_thread_start(t2);
    write_wait_read(p, 0);
    tr_thread_join(t1, TR_FOREVER);
    tr_thread_join(t2, TR_FOREVER);
    tr_thread_free(t1);
    tr_thread_free(t2);
    tr_barrier_free(p->barrier);
}
