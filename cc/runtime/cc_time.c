/* cc_time.c — what makes an execution repeatable besides the schedule: time and the C
 * library's random numbers, as the program sees them under an execution.
 *
 * Time is the execution's virtual time (it moves only when a timed wait times out, the
 * harness's model) from a fixed origin, the same for every clock, in every execution:
 * a timeout the program computes from clock_gettime is the same timeout each time. rand()
 * and random() restart from their seed 1 in every execution (as a program's first call
 * does), so a replayed schedule meets the same numbers. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

#include "cc_runtime.h"

enum { ORIGIN = 1000000000 }; /* seconds: 2001-09-09, any fixed instant would do */

double tr__cc_now(void) { return ORIGIN + tr__exec.vtime; }

double tr__cc_timeout_until(const struct timespec *deadline)
{
    double left = (double)deadline->tv_sec + deadline->tv_nsec / 1e9 - tr__cc_now();
    return left > 0 ? left : 0;
}

bool tr__cc_deadline_valid(const struct timespec *deadline)
{
    return deadline && deadline->tv_nsec >= 0 && deadline->tv_nsec < 1000000000;
}

TR_PUBLIC int __wrap_clock_gettime(clockid_t clock, struct timespec *ts);
TR_PUBLIC time_t __wrap_time(time_t *out);
TR_PUBLIC int __wrap_gettimeofday(struct timeval *tv, void *tz);

int __wrap_clock_gettime(clockid_t clock, struct timespec *ts)
{
    if (!tr__cc_controlled())
        return clock_gettime(clock, ts);
    double now = tr__cc_now();
    ts->tv_sec = (time_t)now;
    ts->tv_nsec = (long)((now - (double)ts->tv_sec) * 1e9);
    return 0;
}

time_t __wrap_time(time_t *out)
{
    if (!tr__cc_controlled())
        return time(out);
    time_t now = (time_t)tr__cc_now();
    if (out)
        *out = now;
    return now;
}

int __wrap_gettimeofday(struct timeval *tv, void *tz)
{
    if (!tr__cc_controlled())
        return gettimeofday(tv, tz);
    double now = tr__cc_now();
    tv->tv_sec = (time_t)now;
    tv->tv_usec = (suseconds_t)((now - (double)tv->tv_sec) * 1e6);
    return 0;
}

/* ---- rand and random ------------------------------------------------------------------ */

static unsigned long long seed = 1;

void tr__cc_random_reset(void) { seed = 1; }

static int next(void)
{
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return (int)(seed >> 33); /* 31 bits: 0..RAND_MAX */
}

TR_PUBLIC int __wrap_rand(void);
TR_PUBLIC void __wrap_srand(unsigned s);
TR_PUBLIC long __wrap_random(void);
TR_PUBLIC void __wrap_srandom(unsigned s);

int __wrap_rand(void) { return tr__cc_controlled() ? next() : rand(); }
long __wrap_random(void) { return tr__cc_controlled() ? next() : random(); }

void __wrap_srand(unsigned s)
{
    if (tr__cc_controlled())
        seed = s;
    else
        srand(s);
}

void __wrap_srandom(unsigned s)
{
    if (tr__cc_controlled())
        seed = s;
    else
        srandom(s);
}
