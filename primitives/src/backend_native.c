/* backend_native.c — the native backend: a monitor (pthread mutex + condvar) per domain.
 *
 * perform = lock the domain's monitor, wait on its condvar until the guard holds or the
 * CLOCK_MONOTONIC deadline passes, run the effect, broadcast if anyone waits, unlock.
 * (Noise for stress runs is a table that wraps this one: backend_noise.c.)
 *
 * Fast path. While any thread is inside a domain's monitor (running an action or waiting
 * in one), TR__WORD_BUSY is set in the domain object's word. This table accepts fast
 * actions (fast_actions), so tr__perform first tries an action's fast form
 * (tr__action.fast) before calling perform: a compare-and-swap that expects BUSY clear,
 * so it succeeds only when nothing else runs or waits in the domain, and then it is the
 * whole action (no waiter can need a wake-up, none exists). Otherwise (the guard is false, a
 * misuse, contention) the action takes the monitor, which sets BUSY and so keeps every
 * fast action out until the last thread leaves. An uncontended Lock acquire+release is
 * then two compare-and-swaps, as a raw pthread mutex pair.
 *
 * Shared objects (tr__object_init_shared). A shared domain's monitor lives in shared
 * memory beside it, its mutex and condvar process-shared, so threads of every process
 * that has the object wait and wake on the same monitor. It is never re-made after fork
 * (the other processes are using it), and its mutex is robust: a process that dies inside
 * an action (a few instructions under the mutex) leaves it to the next one to enter,
 * which marks it consistent. A process that dies while it waits in the monitor leaves
 * `inside` counted: the fast path stays shut for that domain, which stays correct. */
#define _GNU_SOURCE /* RTLD_NEXT, for TSan builds (below) */
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "tsan.h"

typedef struct monitor {
    atomic_uint generation; /* fork_generation when mu and cv were set up (not shared) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int waiters; /* threads in wait_for_guard; guarded by mu */
    int inside;  /* threads between enter and leave (waiters too); guarded by mu. BUSY is
                    set in the domain's word exactly while inside > 0 */
#ifdef TR__TSAN
    tr__tsan_mutex tsan; /* the domain as a TSan mutex, when it is a Lock or an RLock */
#endif
} monitor;

/* ---- the monitor's pthread calls ------------------------------------------------------- */

#ifdef TR__TSAN
/* Under TSan the monitor's mutex and condvar go straight to libc, past TSan's
 * interceptors: TSan must not see the monitor at all. Ignoring its sync is not enough:
 * the deadlock detector would still see a thread holding a trama Lock enter another
 * domain's monitor, and the Lock announced inside that monitor, and report cycles through
 * monitors that never deadlock (they are never nested). */
static struct {
    int (*lock)(pthread_mutex_t *);
    int (*unlock)(pthread_mutex_t *);
    int (*wait)(pthread_cond_t *, pthread_mutex_t *);
    int (*timedwait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
    int (*broadcast)(pthread_cond_t *);
} real;
static pthread_once_t real_once = PTHREAD_ONCE_INIT;

static void real_find(void *fn, const char *name)
{
    void *p = dlsym(RTLD_NEXT, name);
    TR_CHECK(p != NULL, "libc's pthread functions, past TSan's interceptors");
    memcpy(fn, &p, sizeof p); /* object pointer to function pointer, as POSIX allows */
}

static void real_init(void)
{
    real_find(&real.lock, "pthread_mutex_lock");
    real_find(&real.unlock, "pthread_mutex_unlock");
    real_find(&real.wait, "pthread_cond_wait");
    real_find(&real.timedwait, "pthread_cond_timedwait");
    real_find(&real.broadcast, "pthread_cond_broadcast");
}
#define MON(fn, ...) real.fn(__VA_ARGS__) /* found at the first object's init */
#else
#define MON_lock pthread_mutex_lock
#define MON_unlock pthread_mutex_unlock
#define MON_wait pthread_cond_wait
#define MON_timedwait pthread_cond_timedwait
#define MON_broadcast pthread_cond_broadcast
#define MON(fn, ...) MON_##fn(__VA_ARGS__)
#endif

/* The TSan view of a monitor's domain (NULL outside TSan builds). */
static tr__tsan_mutex *tsan_of(monitor *m)
{
#ifdef TR__TSAN
    return &m->tsan;
#else
    (void)m;
    return NULL;
#endif
}

/* ---- fork ----------------------------------------------------------------------------- */

/* fork() copies only the calling thread. A monitor another thread was inside (running an
 * action, or waiting for a guard) stays locked and counted in the child, where that
 * thread does not exist: the child's first action on it would hang. Python's own
 * internal locks never get copied mid-operation; ours are set up afresh instead, at their
 * first use in the child (fork_generation tells a monitor it predates the fork). The
 * objects' Python-level state is untouched: a Lock some parent thread held is still held,
 * as in Python. */
static atomic_uint fork_generation;
static pthread_mutex_t refresh_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void after_fork_in_child(void)
{
    pthread_mutex_init(&refresh_mu, NULL);
    atomic_fetch_add_explicit(&fork_generation, 1, memory_order_release);
}

static void register_atfork(void) { pthread_atfork(NULL, NULL, after_fork_in_child); }

static void monitor_setup(monitor *m, bool shared)
{
    pthread_mutexattr_t ma;
    pthread_condattr_t ca;
    pthread_mutexattr_init(&ma);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (shared) {
        pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
        pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
        pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
    }
    pthread_mutex_init(&m->mu, &ma);
    pthread_cond_init(&m->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutexattr_destroy(&ma);
    m->waiters = 0;
    m->inside = 0;
}

/* A shared monitor's mutex whose holder died: ours now, and consistent again (nothing it
 * guards is left half-changed but the counts, see the top of the file). */
static int owner_died(monitor *m, int rc)
{
    if (rc == EOWNERDEAD) {
        pthread_mutex_consistent(&m->mu);
        return 0;
    }
    return rc;
}

/* Before entering a monitor that predates the fork: a fresh mutex and condvar, nobody
 * inside, the fast path open. Threads the child started may get here together. */
static void monitor_refresh(monitor *m, tr__object *domain, unsigned generation)
{
    pthread_mutex_lock(&refresh_mu);
    if (atomic_load_explicit(&m->generation, memory_order_relaxed) != generation) {
        monitor_setup(m, false);
        atomic_fetch_and_explicit(&domain->word, ~TR__WORD_BUSY, memory_order_relaxed);
        atomic_store_explicit(&m->generation, generation, memory_order_release);
    }
    pthread_mutex_unlock(&refresh_mu);
}

/* ---- objects -------------------------------------------------------------------------- */

static tr_status native_object_init(tr__object *obj)
{
    pthread_once(&atfork_once, register_atfork);
#ifdef TR__TSAN
    pthread_once(&real_once, real_init);
#endif
    if (obj->domain != obj)
        return TR_OK;
    monitor *m = obj->shared ? tr__shm_alloc(sizeof *m) : malloc(sizeof *m);
    if (!m)
        return TR_NO_MEMORY;
    monitor_setup(m, obj->shared);
    atomic_init(&m->generation, atomic_load_explicit(&fork_generation, memory_order_acquire));
    tr__tsan_mutex_init(tsan_of(m), obj);
    obj->backend = m;
    return TR_OK;
}

static void native_object_fini(tr__object *obj)
{
    monitor *m = obj->backend;
    if (!m)
        return;
    tr__tsan_mutex_fini(tsan_of(m));
    if (obj->shared) { /* other processes may still wait on it: only ours goes */
        tr__shm_free(m);
        return;
    }
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->cv);
    free(m);
    obj->backend = NULL;
}

/* ---- perform -------------------------------------------------------------------------- */

static struct timespec deadline_after(double seconds)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double whole = floor(seconds);
    long nanos = now.tv_nsec + (long)((seconds - whole) * 1e9);
    struct timespec d = {now.tv_sec + (time_t)whole + nanos / 1000000000L, nanos % 1000000000L};
    return d;
}

static int ms_until(const struct timespec *deadline)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double ms = (double)(deadline->tv_sec - now.tv_sec) * 1e3 +
                (double)(deadline->tv_nsec - now.tv_nsec) / 1e6;
    return ms <= 0 ? 0 : ms > 1e9 ? 1000000000 : (int)ceil(ms);
}

/* Readiness comes from a file descriptor: wait in poll() with the monitor released. */
static int wait_fd_ready(monitor *m, const tr__action *a, bool forever,
                         const struct timespec *deadline)
{
    struct pollfd p = {.fd = a->wait_fd, .events = a->wait_events};
    int ms = forever ? -1 : ms_until(deadline);
    MON(unlock, &m->mu);
    int n = poll(&p, 1, ms);
    owner_died(m, MON(lock, &m->mu));
    return (n == 0 && !forever) ? ETIMEDOUT : 0;
}

/* Called with m->mu held and the guard false. True once the guard holds. */
static bool wait_for_guard(monitor *m, const tr__action *a)
{
    if (a->timeout != TR_FOREVER && a->timeout <= 0)
        return false;
    bool forever = a->timeout == TR_FOREVER;
    struct timespec deadline = forever ? (struct timespec){0, 0} : deadline_after(a->timeout);
    bool ok = true;
    m->waiters++;
    while (!a->guard(a)) {
        int rc;
        if (a->wait_fd >= 0)
            rc = wait_fd_ready(m, a, forever, &deadline);
        else
            rc = owner_died(m, forever ? MON(wait, &m->cv, &m->mu)
                                       : MON(timedwait, &m->cv, &m->mu, &deadline));
        if (rc == ETIMEDOUT) {
            ok = a->guard(a);
            break;
        }
    }
    m->waiters--;
    return ok;
}

/* Takes the monitor and shuts the fast path (fetch_or on the word the fast actions CAS).
 * acq_rel: acquire takes what the last fast action published; the monitor orders the
 * rest. */
static void enter(monitor *m, tr__object *domain)
{
    owner_died(m, MON(lock, &m->mu));
    if (m->inside++ == 0)
        atomic_fetch_or_explicit(&domain->word, TR__WORD_BUSY, memory_order_acq_rel);
}

/* Reopens the fast path when the last thread leaves. acq_rel: release publishes the
 * effects run under the monitor to the next fast action (its CAS acquires). */
static void leave(monitor *m, tr__object *domain)
{
    if (--m->inside == 0)
        atomic_fetch_and_explicit(&domain->word, ~TR__WORD_BUSY, memory_order_acq_rel);
    if (m->waiters)
        MON(broadcast, &m->cv);
    MON(unlock, &m->mu);
}

/* The monitor way: wait for the guard under the domain's monitor, run effect or
 * on_timeout. Out of line, so the fast path in native_perform stays a leaf-like call. */
static __attribute__((noinline)) void perform_in_monitor(tr__action *a)
{
    tr__object *domain = a->obj->domain;
    monitor *m = domain->backend;
    tr__tsan_ignore_begin();
    unsigned generation = atomic_load_explicit(&fork_generation, memory_order_acquire);
    if (!domain->shared && atomic_load_explicit(&m->generation, memory_order_acquire) != generation)
        monitor_refresh(m, domain, generation);
    tr__tsan_orphans_adopt(a->actor);
    enter(m, domain);
    tr__action_finish(a, a->guard && !a->guard(a) && !wait_for_guard(m, a));
    /* Announced inside the critical section: a release must reach TSan before the next
     * acquirer's acquire can. The mutex annotations stay inside the ignored region: they
     * tell TSan who holds what, the edges are only the announced ones (tr__hb). */
    tr__tsan_mutex_action(tsan_of(m), a);
    tr__tsan_ignore_end();
    tr__tsan_action_done(a);
    tr__tsan_ignore_begin();
    leave(m, domain);
    tr__tsan_ignore_end();
}

static void native_perform(tr__action *a) { perform_in_monitor(a); }

/* ---- threads -------------------------------------------------------------------------- */

static void *host_main(void *arg)
{
    tr__host_run(arg);
    return NULL;
}

static tr_status native_spawn(tr_thread *t)
{
    pthread_t host;
    if (pthread_create(&host, NULL, host_main, t) != 0)
        return TR_NO_MEMORY;
    /* Python's join waits for THREAD_EXIT, not for the host thread; nothing joins it. */
    pthread_detach(host);
    return TR_OK;
}

static void native_thread_done(void) {}

static double native_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static const tr__backend native_backend;

const tr__backend *tr__backend_native(void) { return &native_backend; }

static const tr__backend native_backend = {
    .name = "native",
    .object_init = native_object_init,
    .object_fini = native_object_fini,
    .perform = native_perform,
    /* Under TSan, no: its mutex annotations must happen in the same atomic step as the
     * state change, and a fast release cannot take back its pre_unlock when its CAS then
     * fails. So under TSan every action takes the monitor. */
    .fast_actions = !TR__TSAN_ENABLED,
    .spawn = native_spawn,
    .now = native_now,
    .thread_done = native_thread_done,
};
