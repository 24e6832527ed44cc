/* rlock.c — threading.RLock: an owner and a count; only the owner may release.
 *
 * Invariant (guarded by the domain): owner == NULL <=> count == 0. Re-entry by the owner
 * is not a lock-order event and names no happens-before edge; the first acquire and the
 * final release do.
 *
 * The owner lives in the object's word, so acquire and release have fast forms: taking a
 * free lock is one CAS, re-entry and a non-final release touch only the count, the final
 * release is one CAS. count is written only by the owner (or by whoever just took the
 * word), and read only by a thread that finds itself in the word: so the fast forms may
 * touch it outside the monitor. */
#include <stdlib.h>

#include "lockish.h"

struct tr_rlock {
    tr__object obj; /* first: conditions reach the lock through its object; its word is
                       the owner (tr_thread *, 0 when free) */
    long count;
};

static tr_thread *owner_of(const tr_rlock *r) { return (tr_thread *)tr__word_get(&r->obj); }
static void set_owner(tr_rlock *r, tr_thread *t) { tr__word_set(&r->obj, (uintptr_t)t); }

static void rlock_destroy(tr__object *obj)
{
    tr__object_fini(obj);
    free(obj);
}

static const tr__type rlock_type = {TR__KIND_RLOCK, rlock_destroy};

tr_rlock *(tr_rlock_new)(void)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    tr_rlock *r = calloc(1, sizeof *r);
    if (!r || tr__object_init(&r->obj, &rlock_type, NULL) != TR_OK) {
        free(r);
        tr__set_error(TR_NO_MEMORY, "");
        return NULL;
    }
    return r;
}

void tr_rlock_free(tr_rlock *r)
{
    if (r)
        rlock_destroy(&r->obj);
}

/* ---- state changes shared with Condition ---------------------------------------------- */

static bool rlock_free_for(const tr_rlock *r, const tr_thread *actor)
{
    tr_thread *owner = owner_of(r);
    return owner == NULL || owner == actor;
}

static void take(tr__action *a, tr_rlock *r, long count)
{
    if (owner_of(r) == a->actor) {
        r->count += count;
        return;
    }
    set_owner(r, a->actor);
    r->count = count;
    tr__hb(a, &r->obj, TR__HB_ACQUIRE);
    a->mutex_acquired = &r->obj;
}

/* Releases `count` levels; at zero the lock is free. Precondition: the actor owns it. */
static void drop(tr__action *a, tr_rlock *r, long count)
{
    r->count -= count;
    if (r->count > 0)
        return;
    set_owner(r, NULL);
    r->count = 0;
    tr__hb(a, &r->obj, TR__HB_RELEASE);
    a->mutex_released = &r->obj;
}

/* ---- acquire / release ---------------------------------------------------------------- */

static bool acquire_guard(const tr__action *a)
{
    return rlock_free_for((const tr_rlock *)a->obj, a->actor);
}

static void acquire_effect(tr__action *a) { take(a, (tr_rlock *)a->obj, 1); }

/* Free: one CAS to us. Ours: one more level (no other thread reads count). */
static inline bool acquire_as(tr_rlock *r, uintptr_t self)
{
    uintptr_t owner;
    if (!tr__word_quiet(&r->obj, &owner))
        return false;
    if (owner == self) {
        r->count++;
        return true;
    }
    if (owner != 0 || !tr__word_cas(&r->obj, 0, self))
        return false;
    r->count = 1;
    return true;
}

static bool acquire_fast(tr__action *a)
{
    return acquire_as((tr_rlock *)a->obj, (uintptr_t)tr__thread_self());
}

static __attribute__((noinline)) tr_status acquire_slow(tr_rlock *r, bool blocking,
                                                        double timeout, const char *file, int line)
{
    tr__action a = tr__action_at(&r->obj, TR__OP_RLOCK_ACQUIRE, file, line);
    /* Checked before ownership: the owner's acquire(False, 5) is still a ValueError. */
    tr_status s = tr__check_lock_timeout(blocking, timeout, file, line);
    if (s != TR_OK)
        return s;
    a.guard = acquire_guard;
    a.effect = acquire_effect;
    a.timeout = blocking ? timeout : 0;
    a.fast = acquire_fast;
    return tr__perform(&a);
}

/* The common call (no timeout to check): acquire_fast without building the action, the
 * owner read from the thread-local tr__actor (NULL before this thread's first
 * action: the slow way, which binds it). */
tr_status tr__rlock_acquire_at(const char *file, int line, tr_rlock *r, bool blocking,
                               double timeout)
{
    tr_thread *self = tr__actor;
    if (timeout == TR_FOREVER && self &&
        atomic_load_explicit(&tr__fast_open, memory_order_relaxed) &&
        acquire_as(r, (uintptr_t)self))
        return TR_OK;
    return acquire_slow(r, blocking, timeout, file, line);
}

tr_status (tr_rlock_acquire)(tr_rlock *r, bool blocking, double timeout)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    return tr__rlock_acquire_at(file, line, r, blocking, timeout);
}

static bool owned_by(const tr_rlock *r, const tr_thread *actor)
{
    return owner_of(r) == actor && r->count > 0;
}

static void release_effect(tr__action *a)
{
    tr_rlock *r = (tr_rlock *)a->obj;
    if (!owned_by(r, a->actor)) {
        tr__fail(a, TR_RUNTIME_ERROR, "cannot release un-acquired lock");
        return;
    }
    drop(a, r, 1);
}

/* Ours above one level: one level less. Ours at one: count 0, then one CAS to free
 * (count first: the next owner sets its own after its CAS; put back if the CAS fails). */
static inline bool release_as(tr_rlock *r, uintptr_t self)
{
    uintptr_t owner;
    if (!tr__word_quiet(&r->obj, &owner) || owner != self || r->count < 1)
        return false;
    if (r->count > 1) {
        r->count--;
        return true;
    }
    r->count = 0;
    if (tr__word_cas(&r->obj, self, 0))
        return true;
    r->count = 1;
    return false;
}

static bool release_fast(tr__action *a)
{
    return release_as((tr_rlock *)a->obj, (uintptr_t)tr__thread_self());
}

static __attribute__((noinline)) tr_status release_slow(tr_rlock *r, const char *file, int line)
{
    tr__action a = tr__action_at(&r->obj, TR__OP_RLOCK_RELEASE, file, line);
    a.effect = release_effect;
    a.fast = release_fast;
    return tr__perform(&a);
}

tr_status tr__rlock_release_at(const char *file, int line, tr_rlock *r)
{
    tr_thread *self = tr__actor;
    if (self && atomic_load_explicit(&tr__fast_open, memory_order_relaxed) &&
        release_as(r, (uintptr_t)self))
        return TR_OK;
    return release_slow(r, file, line);
}

tr_status (tr_rlock_release)(tr_rlock *r)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    return tr__rlock_release_at(file, line, r);
}

/* ---- queries -------------------------------------------------------------------------- */

static void is_owned_effect(tr__action *a)
{
    *(bool *)a->arg = owned_by((const tr_rlock *)a->obj, a->actor);
}

bool tr_rlock_is_owned(const tr_rlock *r)
{
    bool owned = false;
    tr__action a = tr__action_make((tr__object *)&r->obj, TR__OP_RLOCK_QUERY);
    a.effect = is_owned_effect;
    a.arg = &owned;
    tr__perform(&a);
    return owned;
}

static void count_effect(tr__action *a)
{
    const tr_rlock *r = (const tr_rlock *)a->obj;
    *(long *)a->arg = owned_by(r, a->actor) ? r->count : 0;
}

long tr_rlock_recursion_count(const tr_rlock *r)
{
    long count = 0;
    tr__action a = tr__action_make((tr__object *)&r->obj, TR__OP_RLOCK_QUERY);
    a.effect = count_effect;
    a.arg = &count;
    tr__perform(&a);
    return count;
}

/* ---- _release_save / _acquire_restore ------------------------------------------------- */

static void release_save_effect(tr__action *a)
{
    tr_rlock *r = (tr_rlock *)a->obj;
    if (!owned_by(r, a->actor)) {
        tr__fail(a, TR_RUNTIME_ERROR, "cannot release un-acquired lock");
        return;
    }
    *(long *)a->arg = r->count;
    drop(a, r, r->count);
}

tr_status tr__rlock_release_save(tr_rlock *r, long *saved)
{
    tr__action a = tr__action_make(&r->obj, TR__OP_RLOCK_RELEASE);
    a.effect = release_save_effect;
    a.arg = saved;
    return tr__perform(&a);
}

static void acquire_restore_effect(tr__action *a)
{
    take(a, (tr_rlock *)a->obj, *(const long *)a->arg);
}

tr_status tr__rlock_acquire_restore(tr_rlock *r, long saved)
{
    tr__action a = tr__action_make(&r->obj, TR__OP_RLOCK_ACQUIRE);
    a.guard = acquire_guard;
    a.effect = acquire_restore_effect;
    a.arg = &saved;
    return tr__perform(&a);
}

/* ---- the Condition's view ------------------------------------------------------------- */

static tr_status lockish_acquire(tr__object *lock, bool blocking, double timeout)
{
    return (tr_rlock_acquire)((tr_rlock *)lock, blocking, timeout);
}

static tr_status lockish_release(tr__object *lock) { return (tr_rlock_release)((tr_rlock *)lock); }

static bool lockish_is_owned(const tr__object *lock, const tr_thread *actor)
{
    return owned_by((const tr_rlock *)lock, actor);
}

/* No action of its own here: the caller's action names the edges (it has the slots). */
static long lockish_release_save(tr__object *lock)
{
    tr_rlock *r = (tr_rlock *)lock;
    long saved = r->count;
    set_owner(r, NULL);
    r->count = 0;
    return saved;
}

static bool lockish_can_restore(const tr__object *lock, const tr_thread *actor)
{
    return rlock_free_for((const tr_rlock *)lock, actor);
}

static void lockish_restore(tr__object *lock, tr_thread *actor, long saved)
{
    tr_rlock *r = (tr_rlock *)lock;
    set_owner(r, actor);
    r->count = saved;
}

const tr__lockish tr__rlock_lockish = {
    lockish_acquire,      lockish_release,     lockish_is_owned,
    lockish_release_save, lockish_can_restore, lockish_restore,
};
