/* lock.c — threading.Lock: no owner, any thread may release. */
#include <stdlib.h>

#include "lockish.h"

struct tr_lock {
    tr__object obj; /* first: conditions reach the lock through its object */
    bool locked;    /* guarded by the domain */
};

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

static bool acquire_guard(const tr__action *a) { return !((const tr_lock *)a->obj)->locked; }

static void acquire_effect(tr__action *a)
{
    ((tr_lock *)a->obj)->locked = true;
    tr__hb(a, a->obj, TR__HB_ACQUIRE);
    a->mutex_acquired = a->obj;
}

tr_status (tr_lock_acquire)(tr_lock *l, bool blocking, double timeout)
{
    tr__action a = tr__action_make(&l->obj, TR__OP_LOCK_ACQUIRE);
    tr_status s = tr__check_lock_timeout(blocking, timeout, a.file, a.line);
    if (s != TR_OK)
        return s;
    a.guard = acquire_guard;
    a.effect = acquire_effect;
    a.timeout = blocking ? timeout : 0;
    return tr__perform(&a);
}

static void release_effect(tr__action *a)
{
    tr_lock *l = (tr_lock *)a->obj;
    if (!l->locked) {
        tr__fail(a, TR_RUNTIME_ERROR, "release unlocked lock");
        return;
    }
    l->locked = false;
    tr__hb(a, a->obj, TR__HB_RELEASE);
    a->mutex_released = a->obj;
}

tr_status (tr_lock_release)(tr_lock *l)
{
    tr__action a = tr__action_make(&l->obj, TR__OP_LOCK_RELEASE);
    a.effect = release_effect;
    return tr__perform(&a);
}

static void locked_effect(tr__action *a) { *(bool *)a->arg = ((tr_lock *)a->obj)->locked; }

bool (tr_lock_locked)(const tr_lock *l)
{
    bool locked = false;
    tr__action a = tr__action_make((tr__object *)&l->obj, TR__OP_LOCK_QUERY);
    a.effect = locked_effect;
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
    return ((const tr_lock *)lock)->locked;
}

static long lockish_release_save(tr__object *lock)
{
    ((tr_lock *)lock)->locked = false;
    return 0;
}

static bool lockish_can_restore(const tr__object *lock, const tr_thread *actor)
{
    (void)actor;
    return !((const tr_lock *)lock)->locked;
}

static void lockish_restore(tr__object *lock, tr_thread *actor, long saved)
{
    (void)actor;
    (void)saved;
    ((tr_lock *)lock)->locked = true;
}

const tr__lockish tr__lock_lockish = {
    lockish_acquire,      lockish_release,     lockish_is_owned,
    lockish_release_save, lockish_can_restore, lockish_restore,
};
