/* Pattern:  a Barrier(3) shared by only two threads: the third party never arrives.
 * Expected: TR_DEADLOCK.
 * Trigger:  every schedule: both threads wait at the barrier, with no timeout, for a
 *           party that does not exist; 0 preemptions.
 * Twin:     barrier_phases_3threads.c (TR_PASS: three parties, three threads). */
#include <trama/harness.h>

static void worker(void *arg) { tr_barrier_wait(arg, TR_FOREVER, NULL); }

TR_CASE(barrier_too_few_parties_2threads, TR_DEADLOCK)
{
    tr_barrier *b = tr_barrier_new(3, NULL, NULL, TR_FOREVER); /* bug: 2 threads wait */
    tr_thread *t = tr_thread_new(worker, b, &(tr_thread_opts){.name = "worker"});
    tr_thread_start(t);
    tr_barrier_wait(b, TR_FOREVER, NULL);
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
    tr_barrier_free(b);
}
