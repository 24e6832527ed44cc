/* lock.c — threading.Lock: no owner, any thread may release.
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
    free(obj);
}

static const tr__type lock_type = {TR__KIND_LOCK, lock_destroy};

tr_lock *(tr_lock_new)(void)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    tr_lock *l = calloc(1, sizeof *l);
    if (!l || tr__object_init(&l->obj, &lock_type, NULL) != TR_OK) {
        free(l);
        tr__set_error(TR_NO_MEMORY, "");
        return NULL;
    }
    return l;
}

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

tr_status (tr_lock_acquire)(tr_lock *l, bool blocking, double timeout)
{
    tr__action a = tr__action_make(&l->obj, TR__OP_LOCK_ACQUIRE);
    tr_status s = tr__check_lock_timeout(blocking, timeout, a.file, a.line);
    if (s != TR_OK)
        return s;
    a.guard = acquire_guard;
    a.effect = acquire_effect;
    a.timeout = blocking ? timeout : 0;
    a.fast = acquire_fast;
    return tr__perform(&a);
}

static void release_effect(tr__action *a)
{
    if (!is_locked(a->obj)) {
        tr__fail(a, TR_RUNTIME_ERROR, "release unlocked lock");
        return;
    }
    set_locked(a->obj, false);
    tr__hb(a, a->obj, TR__HB_RELEASE);
    a->mutex_released = a->obj;
}

/* Locked -> free; the misuse (and a busy domain) takes the backend's way. */
static bool release_fast(tr__action *a) { return tr__word_cas(a->obj, 1, 0); }

tr_status (tr_lock_release)(tr_lock *l)
{
    tr__action a = tr__action_make(&l->obj, TR__OP_LOCK_RELEASE);
    a.effect = release_effect;
    a.fast = release_fast;
    return tr__perform(&a);
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
