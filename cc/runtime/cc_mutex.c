/* cc_mutex.c — the program's mutexes and condition variables under an execution (outside
 * one, the C library's own functions do the work).
 *
 *   mutex, default     a Lock: relocking it is the self-deadlock; unlocking one the caller
 *                      does not hold is a finding (EPERM)
 *   mutex, errorcheck  a Lock: relock EDEADLK, foreign unlock EPERM, as POSIX says
 *   mutex, recursive   an RLock
 *   condition variable a Condition over a lock of its own: wait takes that lock, releases
 *                      the mutex, waits, and takes the mutex back; signal and broadcast
 *                      notify under it (so signalling without the mutex is allowed, as in
 *                      POSIX). Waiters wake in FIFO order; spurious wake-ups only when
 *                      asked for (see there).
 * Timed forms wait on the virtual clock (cc_time.c). Each object is made at its first use
 * in an execution and found again through its handle (cc_handle.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cc_runtime.h"

/* ---- mutexes -------------------------------------------------------------------------- */

typedef struct cc_mutex {
    int type; /* PTHREAD_MUTEX_NORMAL, _ERRORCHECK, _RECURSIVE */
    tr_lock *lock;   /* normal and errorcheck */
    tr_rlock *rlock; /* recursive */
    int owner;       /* the holder's case thread id, -1: free */
    int depth;       /* the holder's locks (above 1: recursive only) */
} cc_mutex;

static cc_mutex *mutex_make(pthread_mutex_t *m, int type)
{
    cc_mutex *x = tr_case_alloc(sizeof *x);
    x->type = type == PTHREAD_MUTEX_RECURSIVE || type == PTHREAD_MUTEX_ERRORCHECK
                  ? type
                  : PTHREAD_MUTEX_NORMAL;
    x->owner = -1;
    if (x->type == PTHREAD_MUTEX_RECURSIVE)
        x->rlock = (tr_rlock_new)();
    else
        x->lock = (tr_lock_new)();
    tr__cc_handle_set(m, sizeof *m, x);
    return x;
}

/* The mutex's object, made at its first use from what its initializer left in glibc's
 * kind field (PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP and the others). */
static cc_mutex *mutex_of(pthread_mutex_t *m)
{
    cc_mutex *x = tr__cc_handle_get(m, sizeof *m);
    return x ? x : mutex_make(m, m->__data.__kind & 3);
}

static bool mutex_held(const cc_mutex *x)
{
    return x->owner == tr__self->id;
}

/* timeout: TR_FOREVER, or the seconds a timed lock may wait (then ETIMEDOUT). */
static int mutex_lock(cc_mutex *x, bool blocking, double timeout, const void *ra)
{
    if (x->type == PTHREAD_MUTEX_ERRORCHECK && x->owner == tr__self->id)
        return blocking ? EDEADLK : EBUSY;
    int failed = !blocking ? EBUSY : ETIMEDOUT;
    tr__cc_site(ra);
    tr_status got = x->rlock ? (tr_rlock_acquire)(x->rlock, blocking, timeout)
                             : (tr_lock_acquire)(x->lock, blocking, timeout);
    if (got != TR_OK)
        return failed;
    x->owner = tr__self->id;
    x->depth++;
    return 0;
}

static int mutex_unlock(cc_mutex *x, const void *ra)
{
    if (!mutex_held(x)) {
        if (x->type != PTHREAD_MUTEX_ERRORCHECK)
            tr__cc_finding(TR_RUNTIME_ERROR_FOUND, false, ra,
                           "pthread_mutex_unlock: the calling thread does not hold the mutex "
                           "(EPERM)");
        return EPERM;
    }
    if (--x->depth == 0)
        x->owner = -1;
    tr__cc_site(ra);
    tr_status released = x->rlock ? (tr_rlock_release)(x->rlock) : (tr_lock_release)(x->lock);
    return released == TR_OK ? 0 : EPERM;
}

TR_PUBLIC int __wrap_pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr);
TR_PUBLIC int __wrap_pthread_mutex_destroy(pthread_mutex_t *m);
TR_PUBLIC int __wrap_pthread_mutex_lock(pthread_mutex_t *m);
TR_PUBLIC int __wrap_pthread_mutex_trylock(pthread_mutex_t *m);
TR_PUBLIC int __wrap_pthread_mutex_unlock(pthread_mutex_t *m);
TR_PUBLIC int __wrap_pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *deadline);

int __wrap_pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr)
{
    if (!tr__cc_controlled())
        return pthread_mutex_init(m, attr);
    int type = PTHREAD_MUTEX_DEFAULT;
    if (attr)
        pthread_mutexattr_gettype(attr, &type);
    memset(m, 0, sizeof *m);
    mutex_make(m, type);
    return 0;
}

int __wrap_pthread_mutex_destroy(pthread_mutex_t *m)
{
    if (!tr__cc_controlled())
        return pthread_mutex_destroy(m);
    cc_mutex *x = tr__cc_handle_get(m, sizeof *m);
    if (x && x->owner >= 0) {
        tr__cc_finding(TR_RUNTIME_ERROR_FOUND, false, RA,
                       "pthread_mutex_destroy: the mutex is locked (EBUSY)");
        return EBUSY;
    }
    tr__cc_handle_set(m, sizeof *m, NULL);
    return 0;
}

int __wrap_pthread_mutex_lock(pthread_mutex_t *m)
{
    if (!tr__cc_controlled())
        return pthread_mutex_lock(m);
    return mutex_lock(mutex_of(m), true, TR_FOREVER, RA);
}

int __wrap_pthread_mutex_trylock(pthread_mutex_t *m)
{
    if (!tr__cc_controlled())
        return pthread_mutex_trylock(m);
    return mutex_lock(mutex_of(m), false, TR_FOREVER, RA);
}

int __wrap_pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *deadline)
{
    if (!tr__cc_controlled())
        return pthread_mutex_timedlock(m, deadline);
    if (!tr__cc_deadline_valid(deadline))
        return EINVAL;
    return mutex_lock(mutex_of(m), true, tr__cc_timeout_until(deadline), RA);
}

int __wrap_pthread_mutex_unlock(pthread_mutex_t *m)
{
    if (!tr__cc_controlled())
        return pthread_mutex_unlock(m);
    return mutex_unlock(mutex_of(m), RA);
}

/* ---- condition variables -------------------------------------------------------------- */

typedef struct cc_cond {
    tr_condition *cond;
    cc_mutex *mutex; /* the waiters' mutex, NULL while none waits */
    int waiters;
} cc_cond;

static cc_cond *cond_of(pthread_cond_t *c)
{
    cc_cond *x = tr__cc_handle_get(c, sizeof *c);
    if (x)
        return x;
    x = tr_case_alloc(sizeof *x);
    x->cond = (tr_condition_new)();
    tr__cc_handle_set(c, sizeof *c, x);
    return x;
}

TR_PUBLIC int __wrap_pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *attr);
TR_PUBLIC int __wrap_pthread_cond_destroy(pthread_cond_t *c);
TR_PUBLIC int __wrap_pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
TR_PUBLIC int __wrap_pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                                            const struct timespec *deadline);
TR_PUBLIC int __wrap_pthread_cond_signal(pthread_cond_t *c);
TR_PUBLIC int __wrap_pthread_cond_broadcast(pthread_cond_t *c);

int __wrap_pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *attr)
{
    if (!tr__cc_controlled())
        return pthread_cond_init(c, attr);
    memset(c, 0, sizeof *c);
    cond_of(c);
    return 0;
}

int __wrap_pthread_cond_destroy(pthread_cond_t *c)
{
    if (!tr__cc_controlled())
        return pthread_cond_destroy(c);
    cc_cond *x = tr__cc_handle_get(c, sizeof *c);
    if (x && x->waiters > 0) {
        tr__cc_finding(TR_RUNTIME_ERROR_FOUND, false, RA,
                       "pthread_cond_destroy: threads wait on the condition variable (EBUSY)");
        return EBUSY;
    }
    tr__cc_handle_set(c, sizeof *c, NULL);
    return 0;
}

/* Spurious wake-ups, as POSIX allows them: --spurious-wakeups N lets up to N untimed waits
 * of an execution return without a signal. Such a wait is a timed one that returns 0 when
 * it times out; where the explorer lets it time out is --timeouts' choice (lazy: only
 * when nothing else can run; any: anywhere). N bounds the space a wait loop would
 * otherwise make endless. Both options are the harness's, so a finding's schedule names
 * them and replays with them. */
static long spurious_left;

void tr__cc_spurious_reset(void) { spurious_left = tr__exec_mode().spurious_wakeups; }

enum { SPURIOUS_AFTER = 1 }; /* virtual seconds: the clock moves little when one happens */

/* timeout: TR_FOREVER, or the seconds a timed wait may wait (then ETIMEDOUT, the mutex
 * taken back all the same). */
static int cond_wait(pthread_cond_t *c, pthread_mutex_t *m, double timeout, const void *ra)
{
    cc_cond *x = cond_of(c);
    cc_mutex *mx = mutex_of(m);
    /* Both end the execution: a wait loop around a call that fails at once would spin
     * to the step budget in every execution. */
    if (!mutex_held(mx)) {
        tr__cc_finding(TR_RUNTIME_ERROR_FOUND, true, ra,
                       "pthread_cond_wait: the calling thread does not hold the mutex (EPERM)");
        return EPERM;
    }
    if (x->mutex && x->mutex != mx) {
        tr__cc_finding(TR_RUNTIME_ERROR_FOUND, true, ra,
                       "pthread_cond_wait: threads wait on the condition variable with two "
                       "different mutexes (EINVAL)");
        return EINVAL;
    }
    tr__cc_site(ra);
    (tr_condition_acquire)(x->cond, true, TR_FOREVER);
    x->mutex = mx;
    x->waiters++;
    mutex_unlock(mx, ra);
    tr__cc_site(ra);
    bool may_wake_spuriously = timeout == TR_FOREVER && spurious_left > 0;
    tr_status woken = (tr_condition_wait)(x->cond, may_wake_spuriously ? SPURIOUS_AFTER : timeout);
    if (may_wake_spuriously && woken == TR_TIMEOUT) {
        spurious_left--;
        woken = TR_OK;
    }
    if (--x->waiters == 0)
        x->mutex = NULL;
    tr__cc_site(ra);
    (tr_condition_release)(x->cond);
    int locked = mutex_lock(mx, true, TR_FOREVER, ra);
    return locked ? locked : woken == TR_OK ? 0 : ETIMEDOUT;
}

int __wrap_pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    if (!tr__cc_controlled())
        return pthread_cond_wait(c, m);
    return cond_wait(c, m, TR_FOREVER, RA);
}

int __wrap_pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                                  const struct timespec *deadline)
{
    if (!tr__cc_controlled())
        return pthread_cond_timedwait(c, m, deadline);
    if (!tr__cc_deadline_valid(deadline))
        return EINVAL;
    return cond_wait(c, m, tr__cc_timeout_until(deadline), RA);
}

static int notify(pthread_cond_t *c, bool all, const void *ra)
{
    cc_cond *x = cond_of(c);
    tr__cc_site(ra);
    (tr_condition_acquire)(x->cond, true, TR_FOREVER);
    tr__cc_site(ra);
    if (all)
        (tr_condition_notify_all)(x->cond);
    else
        (tr_condition_notify)(x->cond, 1);
    tr__cc_site(ra);
    (tr_condition_release)(x->cond);
    return 0;
}

int __wrap_pthread_cond_signal(pthread_cond_t *c)
{
    if (!tr__cc_controlled())
        return pthread_cond_signal(c);
    return notify(c, false, RA);
}

int __wrap_pthread_cond_broadcast(pthread_cond_t *c)
{
    if (!tr__cc_controlled())
        return pthread_cond_broadcast(c);
    return notify(c, true, RA);
}
