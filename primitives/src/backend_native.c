/* backend_native.c — the native backend: a monitor (pthread mutex + condvar) per domain.
 *
 * perform = lock the domain's monitor, wait on its condvar until the guard holds or the
 * CLOCK_MONOTONIC deadline passes, run the effect, broadcast if anyone waits, unlock.
 * Optional seeded noise (yields and short sleeps) before each action, for stress runs.
 *
 * Fast path. While any thread is inside a domain's monitor (running an action or waiting
 * in one), TR__WORD_BUSY is set in the domain object's word. An action with a fast form
 * (tr__action.fast) first tries it: a compare-and-swap that expects BUSY clear, so it
 * succeeds only when nothing else runs or waits in the domain, and then it is the whole
 * action (no waiter can need a wake-up, none exists). Otherwise (the guard is false, a
 * misuse, contention) the action takes the monitor, which sets BUSY and so keeps every
 * fast action out until the last thread leaves. An uncontended Lock acquire+release is
 * then two compare-and-swaps, as a raw pthread mutex pair. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "internal.h"
#include "tsan.h"

typedef struct monitor {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int waiters; /* threads in wait_for_guard; guarded by mu */
    int inside;  /* threads between enter and leave (waiters too); guarded by mu. BUSY is
                    set in the domain's word exactly while inside > 0 */
} monitor;

/* ---- noise ---------------------------------------------------------------------------- */

static struct {
    unsigned long seed;
    unsigned permille;
    unsigned max_sleep_us;
    atomic_uint streams; /* each thread takes the next stream number for its generator */
} noise;
static atomic_bool noise_on;
static pthread_once_t noise_env_once = PTHREAD_ONCE_INIT;
static _Thread_local uint64_t noise_state;

void tr_native_noise(unsigned long seed, unsigned permille, unsigned max_sleep_us)
{
    noise.seed = seed;
    noise.permille = permille > 1000 ? 1000 : permille;
    noise.max_sleep_us = max_sleep_us;
    atomic_store(&noise_on, permille > 0);
    tr__fast_refresh(); /* noise wants to see (and perturb) every action */
}

bool tr__native_noisy(void) { return atomic_load_explicit(&noise_on, memory_order_relaxed); }

static void noise_from_env(void)
{
    const char *v = getenv("TRAMA_NOISE");
    unsigned long seed;
    unsigned permille, sleep_us = 100;
    if (v && sscanf(v, "%lu:%u:%u", &seed, &permille, &sleep_us) >= 2)
        tr_native_noise(seed, permille, sleep_us);
}

static uint64_t noise_next(void)
{
    if (noise_state == 0) {
        /* splitmix64 of (seed, stream): distinct, reproducible per thread start order */
        uint64_t z = noise.seed + 0x9e3779b97f4a7c15ull * (1 + atomic_fetch_add(&noise.streams, 1));
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        noise_state = (z ^ (z >> 31)) | 1;
    }
    noise_state ^= noise_state << 13;
    noise_state ^= noise_state >> 7;
    noise_state ^= noise_state << 17;
    return noise_state;
}

static void inject_noise(void)
{
    uint64_t r = noise_next();
    if (r % 1000 >= noise.permille)
        return;
    if ((r >> 20) & 1 && noise.max_sleep_us > 0) {
        struct timespec ts = {0, (long)((r >> 24) % noise.max_sleep_us) * 1000};
        nanosleep(&ts, NULL);
    } else {
        sched_yield();
    }
}

/* ---- objects -------------------------------------------------------------------------- */

static tr_status native_object_init(tr__object *obj)
{
    pthread_once(&noise_env_once, noise_from_env);
    if (obj->domain != obj)
        return TR_OK;
    monitor *m = malloc(sizeof *m);
    if (!m)
        return TR_NO_MEMORY;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cv, &ca);
    pthread_condattr_destroy(&ca);
    m->waiters = 0;
    m->inside = 0;
    obj->backend = m;
    tr__tsan_object_created(obj);
    return TR_OK;
}

static void native_object_fini(tr__object *obj)
{
    monitor *m = obj->backend;
    tr__tsan_object_destroyed(obj);
    if (!m)
        return;
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
    pthread_mutex_unlock(&m->mu);
    int n = poll(&p, 1, ms);
    pthread_mutex_lock(&m->mu);
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
            rc = forever ? pthread_cond_wait(&m->cv, &m->mu)
                         : pthread_cond_timedwait(&m->cv, &m->mu, &deadline);
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
    pthread_mutex_lock(&m->mu);
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
        pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
}

/* The monitor way: wait for the guard under the domain's monitor, run effect or
 * on_timeout. Out of line, so the fast path in native_perform stays a leaf-like call. */
static __attribute__((noinline)) void perform_in_monitor(tr__action *a)
{
    tr__object *domain = a->obj->domain;
    monitor *m = domain->backend;
    tr__tsan_ignore_begin();
    enter(m, domain);
    if (a->guard && !a->guard(a) && !wait_for_guard(m, a)) {
        a->status = TR_TIMEOUT;
        a->timed_out = true;
        if (a->on_timeout)
            a->on_timeout(a);
    } else {
        a->status = TR_OK;
        if (a->effect)
            a->effect(a);
    }
    /* Announced inside the critical section: a release must reach TSan before the next
     * acquirer's acquire can. */
    tr__tsan_ignore_end();
    tr__tsan_action_done(a);
    tr__tsan_ignore_begin();
    leave(m, domain);
    tr__tsan_ignore_end();
}

static void native_perform(tr__action *a)
{
    if (atomic_load_explicit(&noise_on, memory_order_relaxed))
        inject_noise();
    perform_in_monitor(a);
}

/* ---- threads -------------------------------------------------------------------------- */

static void *host_main(void *arg)
{
    tr__thread_run(arg);
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

const tr__backend tr__native_backend = {
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

const tr__backend *tr__backend_native(void) { return &tr__native_backend; }
