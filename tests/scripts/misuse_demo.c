/* misuse_demo — a program that misuses trama natively from several threads of two
 * processes at once, for the misuse log's tests (test_misuse_log.py).
 *
 *   misuse_demo THREADS ROUNDS
 *
 * The main process starts a child (tr_process); each process starts THREADS threads, and
 * each thread makes ROUNDS rounds over SITES misuse sites (one source line each: a Lock
 * released unlocked, a BoundedSemaphore released once too often, a Condition waited on
 * without its lock, notified without it). The threads of a process are let go together
 * (a Barrier), and the child's threads run while the parent's do, so both processes
 * write the log at once. Prints "misuse_demo: PID made N misuses" per process on stdout: what the
 * log must account for, record by record plus repeats. */
#include <stdio.h>
#include <stdlib.h>
#include <trama/trama.h>
#include <unistd.h>

enum { SITES = 12 };

typedef struct shared {
    tr_lock *lock;
    tr_semaphore *bounded;
    tr_condition *cond;
    tr_barrier *start;
    long rounds;
} shared;

/* noinline, and work after the call: the misuse's stack names this function (a tail call
 * would leave it out). */
__attribute__((noinline)) static int misuse_at(shared *s, int site)
{
    int r = 0;
    switch (site) {
    case 0: r = tr_lock_release(s->lock); break;
    case 1: r = tr_lock_release(s->lock); break;
    case 2: r = tr_lock_release(s->lock); break;
    case 3: r = tr_lock_release(s->lock); break;
    case 4: r = tr_semaphore_release(s->bounded, 1); break;
    case 5: r = tr_semaphore_release(s->bounded, 1); break;
    case 6: r = tr_semaphore_release(s->bounded, 1); break;
    case 7: r = tr_semaphore_release(s->bounded, 1); break;
    case 8: r = tr_condition_wait(s->cond, 0); break;
    case 9: r = tr_condition_wait(s->cond, 0); break;
    case 10: r = tr_condition_notify(s->cond, 1); break;
    default: r = tr_condition_notify(s->cond, 1); break;
    }
    __asm__ volatile("" ::: "memory");
    return r;
}

__attribute__((noinline)) static void worker_main(void *arg)
{
    shared *s = arg;
    tr_barrier_wait(s->start, TR_FOREVER, NULL);
    for (long i = 0; i < s->rounds; i++)
        for (int site = 0; site < SITES; site++)
            misuse_at(s, site);
    __asm__ volatile("" ::: "memory");
}

static void run_threads(shared *s, int threads)
{
    tr_thread *t[64];
    for (int i = 0; i < threads; i++) {
        t[i] = tr_thread_new(worker_main, s, NULL);
        tr_thread_start(t[i]);
    }
    for (int i = 0; i < threads; i++) {
        tr_thread_join(t[i], TR_FOREVER);
        tr_thread_free(t[i]);
    }
    printf("misuse_demo: %d made %ld misuses\n", (int)getpid(), threads * s->rounds * SITES);
    fflush(stdout);
}

static int threads;
static shared *child_state;

static void child_main(void *arg)
{
    (void)arg;
    run_threads(child_state, threads);
}

static shared *shared_new(int parties, long rounds)
{
    shared *s = malloc(sizeof *s);
    s->lock = tr_lock_new();
    s->bounded = tr_bounded_semaphore_new(1);
    s->cond = tr_condition_new();
    s->start = tr_barrier_new(parties, NULL, NULL, TR_FOREVER);
    s->rounds = rounds;
    return s;
}

int main(int argc, char **argv)
{
    threads = argc > 1 ? atoi(argv[1]) : 4;
    long rounds = argc > 2 ? atol(argv[2]) : 10;
    if (threads < 1 || threads > 64 || rounds < 0)
        return 2;
    /* Each process has its own copies; the child's barrier waits for its own threads. */
    child_state = shared_new(threads, rounds);
    shared *mine = shared_new(threads, rounds);
    tr_process *child = tr_process_new(child_main, NULL, &(tr_process_opts){.name = "demo-child"});
    if (tr_process_start(child) != TR_OK)
        return 1;
    run_threads(mine, threads);
    tr_process_join(child, TR_FOREVER);
    int code = tr_process_exitcode(child);
    tr_process_free(child);
    return code;
}
