/* lock.c — threading.Lock: no owner, any thread may release; and its shared sibling,
 * multiprocessing.Lock (tr__lock_new_shared), one lock for every process forked after it
 * was made, with SemLock's argument rules and texts.
 *
 * The state is one bit of the object's word (1 = locked), so acquire, release and locked
 * also have a fast form: one compare-and-swap (or load) that a backend may use when the
 * domain is quiet. */
#include <stdlib.h>

#include "lockish.h"

struct tr_lock {
    tr__object obj; /* first: conditions reach the lock through its object; its word is
                       the locked flag (guarded by the domain) */
};

static bool is_locked(const tr__object *obj) { return tr__word_get(obj) != 0; }
static void set_locked(tr__object *obj, bool locked) { tr__word_set(obj, locked); }

static void lock_destroy(tr__object *obj)
{
    tr__object_fini(obj);
    tr__object_dealloc(obj);
}

static const tr__type lock_type = {TR__KIND_LOCK, lock_destroy};

static tr_lock *lock_make(bool shared)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    tr_lock *l = tr__object_alloc(sizeof *l, shared);
    if (!l || (shared ? tr__object_init_shared(&l->obj, &lock_type, NULL)
                      : tr__object_init(&l->obj, &lock_type, NULL)) != TR_OK) {
        tr__object_dealloc(l ? &l->obj : NULL);
        tr__set_error(TR_NO_MEMORY, "");
        return NULL;
    }
    return l;
}

tr_lock *(tr_lock_new)(void) { return lock_make(false); }

tr_lock *tr__lock_new_shared(void) { return lock_make(true); }

void tr_lock_free(tr_lock *l)
{
    if (l)
        lock_destroy(&l->obj);
}

static bool acquire_guard(const tr__action *a) { return !is_locked(a->obj); }

static void acquire_effect(tr__action *a)
{
    set_locked(a->obj, true);
    tr__hb(a, a->obj, TR__HB_ACQUIRE);
    a->mutex_acquired = a->obj;
}

/* Free -> locked; a held lock (or a busy domain) takes the backend's way. */
static bool acquire_fast(tr__action *a) { return tr__word_cas(a->obj, 0, 1); }

/* Out of line: the fast path in tr__lock_acquire_at stays a leaf that stores nothing. */
static __attribute__((noinline)) tr_status acquire_slow(tr_lock *l, bool blocking, double timeout,
                                                        const char *file, int line)
{
    tr__action a = tr__action_at(&l->obj, TR__OP_LOCK_ACQUIRE, file, line);
    tr_status s = tr__lock_timeout(&a, blocking, timeout);
    if (s != TR_OK)
        return s;
    a.guard = acquire_guard;
    a.effect = acquire_effect;
    a.fast = acquire_fast;
    return tr__perform(&a);
}

/* The common call (no timeout, so no argument to check) on a free lock is one CAS. */
tr_status tr__lock_acquire_at(const char *file, int line, tr_lock *l, bool blocking,
                              double timeout)
{
    if (timeout == TR_FOREVER && tr__fast_cas(&l->obj, 0, 1))
        return TR_OK;
    return acquire_slow(l, blocking, timeout, file, line);
}

tr_status (tr_lock_acquire)(tr_lock *l, bool blocking, double timeout)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    return tr__lock_acquire_at(file, line, l, blocking, timeout);
}

static void release_effect(tr__action *a)
{
    if (!is_locked(a->obj)) {
        if (a->obj->shared)
            tr__fail(a, TR_VALUE_ERROR, "semaphore or lock released too many times");
        else
            tr__fail(a, TR_RUNTIME_ERROR, "release unlocked lock");
        return;
    }
    set_locked(a->obj, false);
    tr__hb(a, a->obj, TR__HB_RELEASE);
    a->mutex_released = a->obj;
}

static __attribute__((noinline)) tr_status release_slow(tr_lock *l, const char *file, int line)
{
    tr__action a = tr__action_at(&l->obj, TR__OP_LOCK_RELEASE, file, line);
    a.effect = release_effect;
    return tr__perform(&a);
}

/* Locked -> free is one CAS; the misuse (and a busy domain) takes the backend's way. */
tr_status tr__lock_release_at(const char *file, int line, tr_lock *l)
{
    if (tr__fast_cas(&l->obj, 1, 0))
        return TR_OK;
    return release_slow(l, file, line);
}

tr_status (tr_lock_release)(tr_lock *l)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    return tr__lock_release_at(file, line, l);
}

static void locked_effect(tr__action *a) { *(bool *)a->arg = is_locked(a->obj); }

static bool locked_fast(tr__action *a)
{
    uintptr_t state;
    if (!tr__word_quiet(a->obj, &state))
        return false;
    *(bool *)a->arg = state != 0;
    return true;
}

bool (tr_lock_locked)(const tr_lock *l)
{
    bool locked = false;
    tr__action a = tr__action_make((tr__object *)&l->obj, TR__OP_LOCK_QUERY);
    a.effect = locked_effect;
    a.fast = locked_fast;
    a.arg = &locked;
    tr__perform(&a);
    return locked;
}

/* ---- the Condition's view ------------------------------------------------------------- */

static tr_status lockish_acquire(tr__object *lock, bool blocking, double timeout)
{
    return (tr_lock_acquire)((tr_lock *)lock, blocking, timeout);
}

static tr_status lockish_release(tr__object *lock) { return (tr_lock_release)((tr_lock *)lock); }

/* A Lock has no owner: Python's Condition falls back to "a non-blocking acquire fails",
 * so a thread may wait or notify while *another* thread holds the lock (§3 decision). */
static bool lockish_is_owned(const tr__object *lock, const tr_thread *actor)
{
    (void)actor;
    return is_locked(lock);
}

static long lockish_release_save(tr__object *lock)
{
    set_locked(lock, false);
    return 0;
}

static bool lockish_can_restore(const tr__object *lock, const tr_thread *actor)
{
    (void)actor;
    return !is_locked(lock);
}

static void lockish_restore(tr__object *lock, tr_thread *actor, long saved)
{
    (void)actor;
    (void)saved;
    set_locked(lock, true);
}

const tr__lockish tr__lock_lockish = {
    lockish_acquire,      lockish_release,     lockish_is_owned,
    lockish_release_save, lockish_can_restore, lockish_restore,
};
