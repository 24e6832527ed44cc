/* clock.c — the harness's one wall clock: monotonic seconds, for budgets and watchdogs.
 *
 * Never read inside an execution (time there is virtual): only between executions
 * (--time-budget), for a result's duration, and by a parent watching a child. */
#include <time.h>

#include "harness_internal.h"

double tr__monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
