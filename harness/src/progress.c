/* progress.c — this process's step counter, which a watching parent reads.
 *
 * Below every other harness file: backend_controlled.c counts each step here, the wire's
 * watchdog (wire.c) reads a child's counter in memory shared with it. In a process that
 * nobody watches the counter is plain process memory and counting costs one add. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness_internal.h"

static tr__progress_counter counted_here; /* in-process exploration: nobody watches */
/* Documented per-process state: where this process counts (a child's shared counter after
 * tr__progress_count_into, right after its fork). */
static tr__progress_counter *counter = &counted_here;

/* relaxed: the counter only tells the watchdog that something moves */
void tr__progress_step(void)
{
    atomic_fetch_add_explicit(&counter->steps, 1, memory_order_relaxed);
}

/* The calling thread's tid, asked of the kernel once per thread; a forked child's one
 * thread has its parent's copy, forgotten at the fork. */
static _Thread_local pid_t my_tid;

static void forget_tid(void) { my_tid = 0; }

static void watch_forks(void) { pthread_atfork(NULL, NULL, forget_tid); }

void tr__progress_running(void)
{
    if (my_tid == 0) {
        static pthread_once_t once = PTHREAD_ONCE_INIT;
        pthread_once(&once, watch_forks);
        my_tid = gettid();
    }
    atomic_store_explicit(&counter->runner, my_tid, memory_order_relaxed);
}

void tr__progress_exploring(bool on) { atomic_store(&counter->exploring, on); }

tr__progress_counter *tr__progress_shared_new(void)
{
    tr__progress_counter *c = mmap(NULL, sizeof *c, PROT_READ | PROT_WRITE,
                                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return c == MAP_FAILED ? NULL : c; /* zero-filled: no steps, not exploring */
}

void tr__progress_shared_free(tr__progress_counter *c)
{
    if (c)
        munmap(c, sizeof *c);
}

void tr__progress_count_into(tr__progress_counter *c) { counter = c; }

bool tr__progress_run_queue_wait(pid_t tid, unsigned long long *ns)
{
    char path[48];
    snprintf(path, sizeof path, "/proc/%d/schedstat", (int)tid);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    unsigned long long on_cpu;
    bool read = fscanf(f, "%llu %llu", &on_cpu, ns) == 2;
    fclose(f);
    return read;
}
