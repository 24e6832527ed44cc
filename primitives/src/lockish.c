/* lockish.c — acquire()'s blocking/timeout argument rules (Python's _thread checks),
 * beside the primitives that take them: Lock and RLock, so also a Condition (lockish.h). */
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
