/* rlock.c — threading.RLock: an owner and a count; only the owner may release. Its shared
 * sibling is multiprocessing.RLock (tr__rlock_new_shared): one lock for every process
 * forked after it was made, with SemLock's argument rules and texts; its owner is named by
 * tr__thread_gid, since a forked child's threads may sit at the parent's addresses.
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
                       the owner's identity (owner_id), 0 when free */
    long count;
};

/* A thread as the owner the word holds: its tr_thread * (never shared with another
 * process), or for a shared RLock its identity across processes. */
static uintptr_t owner_id(const tr_rlock *r, const tr_thread *t)
{
    return r->obj.shared ? tr__thread_gid(t) : (uintptr_t)t;
}
static uintptr_t owner_of(const tr_rlock *r) { return tr__word_get(&r->obj); }
static void set_owner(tr_rlock *r, uintptr_t owner) { tr__word_set(&r->obj, owner); }

static void rlock_destroy(tr__object *obj)
{
    tr__object_fini(obj);
    tr__object_dealloc(obj);
}

static const tr__type rlock_type = {TR__KIND_RLOCK, rlock_destroy};

static tr_rlock *rlock_make(bool shared)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    tr_rlock *r = tr__object_alloc(sizeof *r, shared);
    if (!r || (shared ? tr__object_init_shared(&r->obj, &rlock_type, NULL)
                      : tr__object_init(&r->obj, &rlock_type, NULL)) != TR_OK) {
        tr__object_dealloc(r ? &r->obj : NULL);
        tr__set_error(TR_NO_MEMORY, "");
        return NULL;
    }
    return r;
}

tr_rlock *(tr_rlock_new)(void) { return rlock_make(false); }

tr_rlock *tr__rlock_new_shared(void) { return rlock_make(true); }

void tr_rlock_free(tr_rlock *r)
{
    if (r)
        rlock_destroy(&r->obj);
}

/* ---- state changes shared with Condition ---------------------------------------------- */

static bool rlock_free_for(const tr_rlock *r, const tr_thread *actor)
{
    uintptr_t owner = owner_of(r);
    return owner == 0 || owner == owner_id(r, actor);
}

static void take(tr__action *a, tr_rlock *r, long count)
{
    uintptr_t self = owner_id(r, a->actor);
    if (owner_of(r) == self) {
        r->count += count;
        return;
    }
    set_owner(r, self);
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
    set_owner(r, 0);
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
    tr_rlock *r = (tr_rlock *)a->obj;
    return acquire_as(r, owner_id(r, tr__thread_self()));
}

static __attribute__((noinline)) tr_status acquire_slow(tr_rlock *r, bool blocking,
                                                        double timeout, const char *file, int line)
{
    tr__action a = tr__action_at(&r->obj, TR__OP_RLOCK_ACQUIRE, file, line);
    /* Checked before ownership: the owner's acquire(False, 5) is still a ValueError. */
    tr_status s = tr__lock_timeout(&a, blocking, timeout);
    if (s != TR_OK)
        return s;
    a.guard = acquire_guard;
    a.effect = acquire_effect;
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
        acquire_as(r, owner_id(r, self)))
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
    return owner_of(r) == owner_id(r, actor) && r->count > 0;
}

/* SemLock's is an AssertionError, which has no status of its own here. */
static void not_owned(tr__action *a)
{
    tr__fail(a, TR_RUNTIME_ERROR,
             a->obj->shared ? "attempt to release recursive lock not owned by thread"
                            : "cannot release un-acquired lock");
}

static void release_effect(tr__action *a)
{
    tr_rlock *r = (tr_rlock *)a->obj;
    if (!owned_by(r, a->actor)) {
        not_owned(a);
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
    tr_rlock *r = (tr_rlock *)a->obj;
    return release_as(r, owner_id(r, tr__thread_self()));
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
        release_as(r, owner_id(r, self)))
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
        not_owned(a);
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
    set_owner(r, 0);
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
    set_owner(r, owner_id(r, actor));
    r->count = saved;
}

const tr__lockish tr__rlock_lockish = {
    lockish_acquire,      lockish_release,     lockish_is_owned,
    lockish_release_save, lockish_can_restore, lockish_restore,
};
