/* tsan.c — TSan's lock view: what ThreadSanitizer is told about each Lock and RLock as a
 * mutex (its holder, foreign releases as orphans the holder adopts), from the actions a
 * backend performs. See tsan.h for the scheme; the native backend calls these inside its
 * monitor. Empty outside TSan builds. */
#include "tsan.h"

#ifdef TR__TSAN
#include <pthread.h>
#include <sched.h>

/* Every tr__tsan_mutex field is guarded by this one spin lock: adoption walks the orphans
 * without their monitors, and a monitor's mutex may be held when it is taken, never the
 * other way round. A spin lock, not a pthread mutex: TSan's deadlock detector would see
 * every trama Lock announced under it (taken only inside ignored regions: no edge). */
static atomic_flag tsan_mu = ATOMIC_FLAG_INIT;

static void tsan_mu_lock(void)
{
    while (atomic_flag_test_and_set_explicit(&tsan_mu, memory_order_acquire))
        sched_yield();
}

static void tsan_mu_unlock(void) { atomic_flag_clear_explicit(&tsan_mu, memory_order_release); }

/* fork() copies only the calling thread: a spin lock another thread held stays set. */
static void tsan_mu_after_fork(void) { atomic_flag_clear(&tsan_mu); }
static pthread_once_t tsan_atfork_once = PTHREAD_ONCE_INIT;
static void tsan_register_atfork(void) { pthread_atfork(NULL, NULL, tsan_mu_after_fork); }

static tr__tsan_mutex *tsan_orphans; /* guarded by tsan_mu */
static atomic_int tsan_n_orphans;    /* a hint read without tsan_mu: 0 = nothing to adopt */

static void tsan_announce_unlock(tr__tsan_mutex *tm)
{
    __tsan_mutex_pre_unlock(tm->obj, 0);
    __tsan_mutex_post_unlock(tm->obj, 0);
    tm->holder = NULL;
}

static void tsan_orphan_unlink(tr__tsan_mutex *tm)
{
    for (tr__tsan_mutex **p = &tsan_orphans; *p; p = &(*p)->next_orphan) {
        if (*p == tm) {
            *p = tm->next_orphan;
            tm->next_orphan = NULL;
            tm->orphaned = false;
            atomic_fetch_sub(&tsan_n_orphans, 1);
            return;
        }
    }
}

void tr__tsan_mutex_init(tr__tsan_mutex *tm, tr__object *obj)
{
    tr__kind kind = obj->type->kind;
    pthread_once(&tsan_atfork_once, tsan_register_atfork);
    *tm = (tr__tsan_mutex){.obj = NULL};
    /* A shared lock's holder may be a thread of another process, which TSan (one per
     * process) cannot know: it is seen only through its edges. */
    if ((kind != TR__KIND_LOCK && kind != TR__KIND_RLOCK) || obj->shared)
        return;
    tm->obj = obj;
    __tsan_mutex_create(obj, kind == TR__KIND_RLOCK ? TR__TSAN_WRITE_REENTRANT : 0);
}

/* Freeing a held lock is legal (Python): announce the unlock when the holder frees it; a
 * lock another thread holds is left to free() (destroying it would be reported). */
void tr__tsan_mutex_fini(tr__tsan_mutex *tm)
{
    if (!tm->obj)
        return;
    tr_thread *self = tr__actor_self();
    tr__tsan_ignore_begin();
    tsan_mu_lock();
    if (tm->orphaned)
        tsan_orphan_unlink(tm);
    if (tm->holder && tm->holder == self)
        tsan_announce_unlock(tm);
    if (!tm->holder)
        __tsan_mutex_destroy(tm->obj, 0);
    tsan_mu_unlock();
    tr__tsan_ignore_end();
}

/* A hold TSan does not know of (unannotated) or a foreign release (orphaned) are the only
 * departures from plain annotation; anything else is announced as it is, so a broken
 * balance shows as TSan's own report (unlock of an unlocked mutex, double lock). */
static void tsan_released(tr__tsan_mutex *tm, tr_thread *actor)
{
    if (tm->unannotated) {
        tm->unannotated = false;
        return;
    }
    if (tm->holder && tm->holder != actor) {
        if (!tm->orphaned) { /* a foreign release: the holder announces it at its next action */
            tm->orphaned = true;
            tm->next_orphan = tsan_orphans;
            tsan_orphans = tm;
            atomic_fetch_add(&tsan_n_orphans, 1);
        }
        return;
    }
    tsan_announce_unlock(tm);
}

static void tsan_acquired(tr__tsan_mutex *tm, const tr__action *a)
{
    unsigned try_lock = a->timeout != TR_FOREVER ? TR__TSAN_TRY_LOCK : 0;
    if (tm->orphaned && tm->holder == a->actor) {
        /* Released for us by another thread while we waited to take it again (a Lock
         * used as a binary semaphore): TSan's hold simply goes on. */
        tsan_orphan_unlink(tm);
        return;
    }
    if (tm->orphaned) {
        /* Not yet adopted: TSan still sees the old holder. */
        tm->unannotated = true;
        return;
    }
    __tsan_mutex_pre_lock(tm->obj, try_lock);
    __tsan_mutex_post_lock(tm->obj, try_lock, 0);
    tm->holder = a->actor;
}

void tr__tsan_mutex_action(tr__tsan_mutex *tm, const tr__action *a)
{
    if (!tm->obj || (!a->mutex_acquired && !a->mutex_released && !a->timed_out))
        return;
    tsan_mu_lock();
    if (a->mutex_released == tm->obj)
        tsan_released(tm, a->actor);
    if (a->mutex_acquired == tm->obj)
        tsan_acquired(tm, a);
    else if (a->timed_out && (a->op == TR__OP_LOCK_ACQUIRE || a->op == TR__OP_RLOCK_ACQUIRE)) {
        __tsan_mutex_pre_lock(tm->obj, TR__TSAN_TRY_LOCK);
        __tsan_mutex_post_lock(tm->obj, TR__TSAN_TRY_LOCK | TR__TSAN_TRY_LOCK_FAILED, 0);
    }
    tsan_mu_unlock();
}

/* At the start of each of self's actions: the unlocks other threads did for it. */
void tr__tsan_orphans_adopt(tr_thread *self)
{
    if (atomic_load_explicit(&tsan_n_orphans, memory_order_relaxed) == 0)
        return;
    tsan_mu_lock();
    for (tr__tsan_mutex **p = &tsan_orphans; *p;) {
        tr__tsan_mutex *tm = *p;
        if (tm->holder != self) {
            p = &tm->next_orphan;
            continue;
        }
        *p = tm->next_orphan;
        tm->next_orphan = NULL;
        tm->orphaned = false;
        atomic_fetch_sub(&tsan_n_orphans, 1);
        tsan_announce_unlock(tm);
    }
    tsan_mu_unlock();
}
#else
typedef int tr__tsan_unused; /* ISO C wants a translation unit to declare something */
#endif
