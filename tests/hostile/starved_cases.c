/* starved_cases.c — cases for the watchdog on a machine too busy to run them: a step that
 * needs a known amount of CPU time, and a spin that never ends. test_starved.py pins the
 * run to one CPU beside busy loops, so the case waits for that CPU most of the time: the
 * first must pass however long the wait (its step runs far longer in wall time than the
 * watchdog's timeout), the second must still be a HANG. */
#define _GNU_SOURCE
#include <time.h>

#include <trama/harness.h>

/* CPU seconds the step spins for; test_starved.py sets the watchdog's timeout above it. */
static const double STEP_CPU_SECONDS = 0.5;

static double thread_cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Between taking the lock and letting it go (two steps), the thread computes for
 * STEP_CPU_SECONDS of its own CPU time. */
TR_CASE(starved_long_step, TR_PASS)
{
    tr_lock *l = tr_lock_new();
    tr_lock_acquire(l, true, TR_FOREVER);
    double start = thread_cpu_seconds();
    while (thread_cpu_seconds() - start < STEP_CPU_SECONDS)
        ;
    tr_lock_release(l);
    tr_lock_free(l);
}

/* Takes the lock, then spins on plain memory for ever. */
TR_CASE(starved_spin, TR_HANG)
{
    tr_lock *l = tr_lock_new();
    tr_lock_acquire(l, true, TR_FOREVER);
    for (volatile int spinning = 1; spinning;)
        ;
}
