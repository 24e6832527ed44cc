/* lockish.h — what a Condition needs of its Lock or RLock (Python's _is_owned,
 * _release_save, _acquire_restore). Never installed.
 *
 * is_owned, release_save, can_restore and restore touch the lock's state, so they are
 * called only from guards and effects of actions in the lock's domain (a Condition lives
 * there). acquire and release are the lock's public calls: they take the caller's site
 * from the slot, so a Condition forwards to them without taking it first. */
#ifndef TRAMA_LOCKISH_H
#define TRAMA_LOCKISH_H

#include "internal.h"

typedef struct tr__lockish {
    tr_status (*acquire)(tr__object *lock, bool blocking, double timeout);
    tr_status (*release)(tr__object *lock);
    /* Lock: held by anyone (Python's fallback: a non-blocking acquire fails).
     * RLock: owned by actor. */
    bool (*is_owned)(const tr__object *lock, const tr_thread *actor);
    /* Releases fully; returns what restore needs (an RLock's count). Precondition:
     * is_owned. */
    long (*release_save)(tr__object *lock);
    /* Whether restore may run now for actor (the lock is free). */
    bool (*can_restore)(const tr__object *lock, const tr_thread *actor);
    void (*restore)(tr__object *lock, tr_thread *actor, long saved);
} tr__lockish;

extern const tr__lockish tr__lock_lockish;
extern const tr__lockish tr__rlock_lockish;

/* RLock._release_save() and _acquire_restore() as actions of their own (Condition uses the
 * table above inside its actions; these exist for Python's test_release_save_unacquired).
 * release_save: TR_RUNTIME_ERROR "cannot release un-acquired lock" unless the caller owns
 * it; *saved receives the count. acquire_restore blocks until the lock is free. */
TR__HIDDEN tr_status tr__rlock_release_save(tr_rlock *r, long *saved);
TR__HIDDEN tr_status tr__rlock_acquire_restore(tr_rlock *r, long saved);

/* acquire()'s argument rules (Python's _thread checks), shared by Lock and RLock, so also
 * a Condition's acquire (lockish.c). */
TR__HIDDEN tr_status tr__check_lock_timeout_slow(bool blocking, double timeout,
                                                 const char *file, int line);
/* multiprocessing's SemLock.acquire(block, timeout) rules, for a shared Lock, RLock or
 * Semaphore, as the action's timeout: nothing is checked up front; non-blocking and a
 * negative timeout try once; TR_FOREVER is Python's None; a NaN or too large timeout
 * fails only when the call has to wait: OSError "[Errno 22] Invalid argument". */
TR__HIDDEN void tr__semlock_timeout(tr__action *a, bool blocking, double timeout);
/* The common call (no timeout) passes every check without a call. */
static inline tr_status tr__check_lock_timeout(bool blocking, double timeout, const char *file,
                                               int line)
{
    return timeout == TR_FOREVER ? TR_OK
                                 : tr__check_lock_timeout_slow(blocking, timeout, file, line);
}

/* acquire(blocking, timeout) as a's timeout: _thread's checks for a Lock or RLock (a
 * misuse is raised at a's site and its status returned), SemLock's rules for a shared
 * one (always TR_OK). */
static inline tr_status tr__lock_timeout(tr__action *a, bool blocking, double timeout)
{
    if (a->obj->shared) {
        tr__semlock_timeout(a, blocking, timeout);
        return TR_OK;
    }
    a->timeout = blocking ? timeout : 0;
    return tr__check_lock_timeout(blocking, timeout, a->file, a->line);
}

#endif
