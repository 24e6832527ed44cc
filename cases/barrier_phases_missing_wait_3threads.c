/* Pattern:  phases split by a Barrier, with one party reading too early: worker2 reads
 *           the other slots before its wait instead of after it.
 * Expected: TR_DATA_RACE (worker2's reads are unordered with the others' writes; a read
 *           of 0 also fails the assertion).
 * Trigger:  worker2 reads before main or worker1 wrote, or after without a wait between;
 *           0 preemptions.
 * Twin:     barrier_phases_3threads.c (TR_PASS). */
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

static void read_others(phases *p, int me)
{
    for (int other = 0; other < N; other++)
        if (other != me)
            TR_ASSERT(TR_LOAD(p->slot[other]) == other + 1);
}

static void write_wait_read(phases *p, int me)
{
    TR_STORE(p->slot[me], me + 1);
    if (me == 2)
        read_others(p, me); /* bug: the wait below should come first */
    tr_barrier_wait(p->barrier, TR_FOREVER, NULL);
    if (me != 2)
        read_others(p, me);
}

static void worker(void *arg)
{
    party *w = arg;
    write_wait_read(w->p, w->me);
}

TR_CASE(barrier_phases_missing_wait_3threads, TR_DATA_RACE)
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
