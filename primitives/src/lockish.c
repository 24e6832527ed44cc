/* lockish.c — acquire()'s blocking/timeout argument rules, beside the primitives that take
 * them: Python's _thread checks for Lock and RLock (so also a Condition), and
 * multiprocessing's SemLock rules for their shared siblings and a shared Semaphore
 * (lockish.h). */
#include <math.h>

#include "lockish.h"

/* _thread's lock_acquire_parse_args then _PyTime conversion, in Python's order. */
tr_status tr__check_lock_timeout_slow(bool blocking, double timeout, const char *file, int line)
{
    /* PyTime_t nanoseconds must fit in int64: |timeout| * 1e9 < 2^63. */
    static const double overflow_seconds = 9223372036.854775808;
    if (timeout == TR_FOREVER) /* the common call passes every check: skip them */
        return TR_OK;
    if (isnan(timeout))
        return tr__raise(TR_VALUE_ERROR, "Invalid value NaN (not a number)", file, line);
    if (timeout >= overflow_seconds || timeout <= -overflow_seconds)
        return tr__raise(TR_VALUE_ERROR, "timestamp out of range for platform time_t", file,
                         line);
    if (!blocking && timeout != TR_FOREVER)
        return tr__raise(TR_VALUE_ERROR, "can't specify a timeout for a non-blocking call", file,
                         line);
    if (blocking && timeout < 0 && timeout != TR_FOREVER)
        return tr__raise(TR_VALUE_ERROR, "timeout value must be a non-negative number", file,
                         line);
    return TR_OK;
}

/* SemLock's OSError for a deadline sem_timedwait refuses, once the wait is due. */
static void invalid_deadline(tr__action *a) { tr__fail(a, TR_OS_ERROR, "[Errno 22] Invalid argument"); }

void tr__semlock_timeout(tr__action *a, bool blocking, double timeout)
{
    /* (long)timeout must fit, and the deadline's seconds with it (sem_timedwait: EINVAL) */
    static const double invalid_seconds = 9.2e18;
    if (!blocking) {
        a->timeout = 0;
    } else if (timeout == TR_FOREVER) {
        a->timeout = TR_FOREVER;
    } else if (isnan(timeout) || timeout >= invalid_seconds) {
        a->timeout = 0; /* SemLock tries at once first: only a wait fails */
        a->on_timeout = invalid_deadline;
    } else {
        a->timeout = timeout > 0 ? timeout : 0;
    }
}
