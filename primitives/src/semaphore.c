/* semaphore.c — threading.Semaphore and threading.BoundedSemaphore.
 *
 * One counter guarded by the semaphore's own domain. acquire is one action (guard:
 * value > 0) with Python's overall deadline; release adds n and wakes waiters, which
 * re-check the counter, so the order is not FIFO (as Python: a newcomer may win).
 * release -> acquire is a happens-before edge through the semaphore.
 *
 * The shared sibling (tr__semaphore_new_shared) is multiprocessing.Semaphore and
 * BoundedSemaphore: one counter for every process forked after it was made, with SemLock's
 * argument rules and texts. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "lockish.h"

struct tr_semaphore {
    tr__object obj;
    long value;   /* >= 0; guarded by the domain */
    long initial; /* BoundedSemaphore's ceiling */
    bool bounded;
};

static void semaphore_destroy(tr__object *obj)
{
    tr__object_fini(obj);
    tr__object_dealloc(obj);
}

static const tr__type semaphore_type = {TR__KIND_SEMAPHORE, semaphore_destroy};

static tr_semaphore *semaphore_make(long value, bool bounded, bool shared)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    if (value < 0) {
        if (shared) /* sem_open's EINVAL */
            tr__raise(TR_OS_ERROR, "[Errno 22] Invalid argument", file, line);
        else
            tr__raise(TR_VALUE_ERROR, "semaphore initial value must be >= 0", file, line);
        return NULL;
    }
    tr_semaphore *s = tr__object_alloc(sizeof *s, shared);
    if (!s || (shared ? tr__object_init_shared(&s->obj, &semaphore_type, NULL)
                      : tr__object_init(&s->obj, &semaphore_type, NULL)) != TR_OK) {
        tr__object_dealloc(s ? &s->obj : NULL);
        tr__set_error(TR_NO_MEMORY, "");
        return NULL;
    }
    s->value = value;
    s->initial = value;
    s->bounded = bounded;
    return s;
}

tr_semaphore *(tr_semaphore_new)(long value) { return semaphore_make(value, false, false); }

tr_semaphore *(tr_bounded_semaphore_new)(long value) { return semaphore_make(value, true, false); }

tr_semaphore *tr__semaphore_new_shared(long value, bool bounded)
{
    return semaphore_make(value, bounded, true);
}

void tr_semaphore_free(tr_semaphore *s)
{
    if (s)
        semaphore_destroy(&s->obj);
}

/* ---- acquire -------------------------------------------------------------------------- */

static bool acquire_guard(const tr__action *a) { return ((const tr_semaphore *)a->obj)->value > 0; }

static void acquire_effect(tr__action *a)
{
    ((tr_semaphore *)a->obj)->value--;
    tr__hb(a, a->obj, TR__HB_ACQUIRE);
}


tr_status (tr_semaphore_acquire)(tr_semaphore *s, bool blocking, double timeout)
{
    tr__action a = tr__action_make(&s->obj, TR__OP_SEM_ACQUIRE);
    a.guard = acquire_guard;
    a.effect = acquire_effect;
    if (s->obj.shared) {
        tr__semlock_timeout(&a, blocking, timeout);
        return tr__perform(&a);
    }
    if (!blocking && timeout != TR_FOREVER)
        return tr__raise(TR_VALUE_ERROR, "can't specify timeout for non-blocking acquire",
                         a.file, a.line);
    if (!blocking)
        a.timeout = 0;
    else if (timeout == TR_FOREVER || isnan(timeout))
        /* NaN: Python's loop polls forever (NaN <= 0 never ends it) until a release;
         * trama blocks until then instead (same outcome, no busy loop). */
        a.timeout = TR_FOREVER;
    else if (tr__timeout_overflows(timeout)) {
        a.timeout = 0; /* poll once, then Python's OverflowError */
        a.on_timeout = tr__overflow_timeout; /* Semaphore(1).acquire(True, 1e100) is True */
    } else
        a.timeout = timeout > 0 ? timeout : 0; /* negative acts as 0 */
    return tr__perform(&a);
}

/* ---- release -------------------------------------------------------------------------- */

static void release_effect(tr__action *a)
{
    tr_semaphore *s = (tr_semaphore *)a->obj;
    long n = *(const long *)a->arg;
    if (s->bounded && n > s->initial - s->value) {
        tr__fail(a, TR_VALUE_ERROR, s->obj.shared ? "semaphore or lock released too many times"
                                                  : "Semaphore released too many times");
        return;
    }
    if (n > LONG_MAX - s->value) {
        /* (proposal) Python's int cannot overflow; a C long can. Value unchanged. */
        tr__fail(a, TR_VALUE_ERROR, "Python int too large to convert to C long");
        return;
    }
    a->opened = s->value == 0;
    s->value += n;
    tr__hb(a, a->obj, TR__HB_RELEASE);
}

tr_status (tr_semaphore_release)(tr_semaphore *s, long n)
{
    tr__action a = tr__action_make(&s->obj, TR__OP_SEM_RELEASE);
    if (n < 1)
        return tr__raise(TR_VALUE_ERROR, "n must be one or more", a.file, a.line);
    a.effect = release_effect;
    a.arg = &n;
    return tr__perform(&a);
}

/* ---- value ---------------------------------------------------------------------------- */

static void value_effect(tr__action *a) { *(long *)a->arg = ((const tr_semaphore *)a->obj)->value; }

long tr_semaphore_value(const tr_semaphore *s)
{
    long value = 0;
    tr__action a = tr__action_make((tr__object *)&s->obj, TR__OP_SEM_QUERY);
    a.effect = value_effect;
    a.arg = &value;
    tr__perform(&a);
    return value;
}
