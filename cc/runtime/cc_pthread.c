/* cc_pthread.c — the program's pthread and semaphore calls on trama's primitives, under an
 * execution (outside one, the C library's own functions do the work).
 *
 *   pthread_create     a trama daemon thread (C threads do not keep main waiting)
 *   mutex, default     a Lock: relocking it is the self-deadlock; unlocking one the caller
 *                      does not hold is a finding (EPERM)
 *   mutex, errorcheck  a Lock: relock EDEADLK, foreign unlock EPERM, as POSIX says
 *   mutex, recursive   an RLock
 *   condition variable a Condition over a lock of its own: wait takes that lock, releases
 *                      the mutex, waits, and takes the mutex back; signal and broadcast
 *                      notify under it (so signalling without the mutex is allowed, as in
 *                      POSIX). Waiters wake in FIFO order; no spurious wake-ups.
 *   semaphore          a Semaphore
 *   rwlock             counts under a Condition (see there)
 *   barrier            a Barrier (the last thread to arrive is the serial thread)
 *   pthread_once       an atomic control word (see there)
 *   sched_yield, usleep, sleep, nanosleep   a tr_yield (a sleep is a point where any
 *                      other thread may run; it does not move the virtual clock)
 *   timed waits        the same with a timeout on the virtual clock (cc_time.c)
 *
 * A mutex, condition variable or semaphore of the program gets its trama object at its
 * first use in an execution (so static initializers work): a handle in the last 16 bytes
 * of the program's object (the fields glibc leaves zero in every initializer) names the
 * object and the execution that made it. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cc_runtime.h"

#define RA __builtin_return_address(0)

enum { HANDLE_MAGIC = 0x74726363 /* "trcc" */ };

typedef struct handle {
    uint32_t magic;
    uint32_t epoch;
    void *object;
} handle;

_Static_assert(sizeof(pthread_mutex_t) >= 32 && sizeof(pthread_cond_t) >= 32 &&
                   sizeof(sem_t) >= 32 && sizeof(pthread_barrier_t) >= 32 &&
                   sizeof(pthread_rwlock_t) >= 32,
               "a handle fits in the last 16 bytes of each object");

static void *handle_get(const void *obj, size_t size)
{
    handle h;
    memcpy(&h, (const char *)obj + size - sizeof h, sizeof h);
    return h.magic == HANDLE_MAGIC && h.epoch == tr__cc_epoch ? h.object : NULL;
}

static void handle_set(void *obj, size_t size, void *object)
{
    handle h = {object ? HANDLE_MAGIC : 0, tr__cc_epoch, object};
    memcpy((char *)obj + size - sizeof h, &h, sizeof h);
}

/* ---- threads -------------------------------------------------------------------------- */

typedef struct cc_thread {
    tr_thread *thread; /* NULL: the main thread */
    void *(*start)(void *);
    void *arg;
    void *result;
    bool detached, joined, finished;
    jmp_buf exited; /* pthread_exit's way back to the thread's start */
} cc_thread;

/* The execution's threads by case thread id (T0 the main thread), from their first
 * step; and every one, in creation order, from pthread_create. */
static cc_thread *threads[TR__MAX_THREADS];
static cc_thread main_thread;
static cc_thread *created[TR__MAX_THREADS];
static int n_created;

void tr__cc_threads_reset(void)
{
    memset(threads, 0, sizeof threads);
    main_thread = (cc_thread){0};
    threads[0] = &main_thread;
    n_created = 0;
}

static cc_thread *self(void) { return threads[tr__self->id]; }

bool tr__cc_is_main_thread(void) { return tr__self->id == 0; }

static void thread_start(void *arg)
{
    cc_thread *t = arg;
    threads[tr__self->id] = t;
    if (setjmp(t->exited) == 0)
        t->result = t->start(t->arg);
    t->finished = true;
}

/* A pthread_t this execution made (else a stale or foreign value). */
static cc_thread *thread_of(pthread_t id)
{
    if (id == (pthread_t)&main_thread)
        return &main_thread;
    for (int i = 0; i < n_created; i++)
        if ((pthread_t)created[i] == id)
            return created[i];
    return NULL;
}

TR_PUBLIC int __wrap_pthread_create(pthread_t *id, const pthread_attr_t *attr,
                                    void *(*start)(void *), void *arg);
TR_PUBLIC int __wrap_pthread_join(pthread_t id, void **result);
TR_PUBLIC int __wrap_pthread_detach(pthread_t id);
TR_PUBLIC pthread_t __wrap_pthread_self(void);
TR_PUBLIC int __wrap_pthread_equal(pthread_t a, pthread_t b);
TR_PUBLIC _Noreturn void __wrap_pthread_exit(void *result);

int __wrap_pthread_create(pthread_t *id, const pthread_attr_t *attr, void *(*start)(void *),
                          void *arg)
{
    if (!tr__cc_controlled())
        return pthread_create(id, attr, start, arg);
    if (n_created == TR__MAX_THREADS - 1) {
        tr__cc_finding(TR_RUNTIME_ERROR_FOUND, true, RA,
                       "pthread_create: more than %d threads in one execution (EAGAIN)",
                       TR__MAX_THREADS - 1);
        return EAGAIN;
    }
    cc_thread *t = tr_case_alloc(sizeof *t);
    int state = PTHREAD_CREATE_JOINABLE;
    if (attr)
        pthread_attr_getdetachstate(attr, &state);
    t->start = start;
    t->arg = arg;
    t->detached = state == PTHREAD_CREATE_DETACHED;
    tr__cc_site(RA);
    t->thread = (tr_thread_new)(thread_start, t, &(tr_thread_opts){.daemon = true});
    if (!t->thread)
        return EAGAIN;
    created[n_created++] = t;
    *id = (pthread_t)t;
    tr__cc_site(RA);
    return (tr_thread_start)(t->thread) == TR_OK ? 0 : EAGAIN;
}

int __wrap_pthread_join(pthread_t id, void **result)
{
    if (!tr__cc_controlled())
        return pthread_join(id, result);
    cc_thread *t = thread_of(id);
    if (!t) {
        tr__cc_finding(TR_RUNTIME_ERROR_FOUND, false, RA,
                       "pthread_join: no such thread (ESRCH)");
        return ESRCH;
    }
    if (t == self()) {
        tr__cc_finding(TR_RUNTIME_ERROR_FOUND, false, RA,
                       "pthread_join: a thread joins itself (EDEADLK)");
        return EDEADLK;
    }
    if (t->joined || t->detached) {
        tr__cc_finding(TR_RUNTIME_ERROR_FOUND, false, RA,
                       "pthread_join: the thread is %s (EINVAL)",
                       t->joined ? "joined already" : "detached");
        return EINVAL;
    }
    if (!t->thread) {
        tr__cc_finding(TR_RUNTIME_ERROR_FOUND, false, RA,
                       "pthread_join: joining the main thread is not modelled");
        return EINVAL;
    }
    t->joined = true;
    tr__cc_site(RA);
    (tr_thread_join)(t->thread, TR_FOREVER);
    if (result)
        *result = t->result;
    return 0;
}

int __wrap_pthread_detach(pthread_t id)
{
    if (!tr__cc_controlled())
        return pthread_detach(id);
    cc_thread *t = thread_of(id);
    if (!t || t->detached || t->joined)
        return t ? EINVAL : ESRCH;
    t->detached = true;
    return 0;
}

pthread_t __wrap_pthread_self(void)
{
    return tr__cc_controlled() ? (pthread_t)self() : pthread_self();
}

int __wrap_pthread_equal(pthread_t a, pthread_t b) { return a == b; }

void __wrap_pthread_exit(void *result)
{
    if (!tr__cc_controlled())
        pthread_exit(result);
    cc_thread *t = self();
    if (tr__cc_is_main_thread()) {
        /* The process lives on until its last thread ends: main waits for the others. */
        for (int i = 0; i < n_created; i++)
            if (!created[i]->finished) {
                tr__cc_site(RA);
                (tr_thread_join)(created[i]->thread, TR_FOREVER);
            }
        tr__cc_main_thread_exit();
    }
    t->result = result;
    longjmp(t->exited, 1);
}

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
    handle_set(m, sizeof *m, x);
    return x;
}

/* The mutex's object, made at its first use from what its initializer left in glibc's
 * kind field (PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP and the others). */
static cc_mutex *mutex_of(pthread_mutex_t *m)
{
    cc_mutex *x = handle_get(m, sizeof *m);
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

/* An absolute deadline as POSIX takes it: EINVAL for nanoseconds out of range. */
static bool deadline_valid(const struct timespec *t)
{
    return t && t->tv_nsec >= 0 && t->tv_nsec < 1000000000;
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
    cc_mutex *x = handle_get(m, sizeof *m);
    if (x && x->owner >= 0) {
        tr__cc_finding(TR_RUNTIME_ERROR_FOUND, false, RA,
                       "pthread_mutex_destroy: the mutex is locked (EBUSY)");
        return EBUSY;
    }
    handle_set(m, sizeof *m, NULL);
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
    if (!deadline_valid(deadline))
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
    cc_cond *x = handle_get(c, sizeof *c);
    if (x)
        return x;
    x = tr_case_alloc(sizeof *x);
    x->cond = (tr_condition_new)();
    handle_set(c, sizeof *c, x);
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
    cc_cond *x = handle_get(c, sizeof *c);
    if (x && x->waiters > 0) {
        tr__cc_finding(TR_RUNTIME_ERROR_FOUND, false, RA,
                       "pthread_cond_destroy: threads wait on the condition variable (EBUSY)");
        return EBUSY;
    }
    handle_set(c, sizeof *c, NULL);
    return 0;
}

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
    tr_status woken = (tr_condition_wait)(x->cond, timeout);
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
    if (!deadline_valid(deadline))
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

/* ---- semaphores ----------------------------------------------------------------------- */

TR_PUBLIC int __wrap_sem_init(sem_t *s, int pshared, unsigned value);
TR_PUBLIC int __wrap_sem_destroy(sem_t *s);
TR_PUBLIC int __wrap_sem_wait(sem_t *s);
TR_PUBLIC int __wrap_sem_trywait(sem_t *s);
TR_PUBLIC int __wrap_sem_post(sem_t *s);
TR_PUBLIC int __wrap_sem_timedwait(sem_t *s, const struct timespec *deadline);
TR_PUBLIC int __wrap_sem_getvalue(sem_t *s, int *value);

/* A semaphore used without sem_init in this execution. */
static tr_semaphore *semaphore_of(sem_t *s, const void *ra)
{
    tr_semaphore *x = handle_get(s, sizeof *s);
    if (!x)
        tr__cc_finding(TR_RUNTIME_ERROR_FOUND, true, ra,
                       "a semaphore used before sem_init (EINVAL)");
    return x;
}

int __wrap_sem_init(sem_t *s, int pshared, unsigned value)
{
    if (!tr__cc_controlled())
        return sem_init(s, pshared, value);
    /* pshared: between the threads of this process it changes nothing. */
    memset(s, 0, sizeof *s);
    tr__cc_site(RA);
    handle_set(s, sizeof *s, (tr_semaphore_new)((long)value));
    return 0;
}

int __wrap_sem_destroy(sem_t *s)
{
    if (!tr__cc_controlled())
        return sem_destroy(s);
    handle_set(s, sizeof *s, NULL);
    return 0;
}

int __wrap_sem_wait(sem_t *s)
{
    if (!tr__cc_controlled())
        return sem_wait(s);
    tr_semaphore *x = semaphore_of(s, RA);
    tr__cc_site(RA);
    (tr_semaphore_acquire)(x, true, TR_FOREVER);
    return 0;
}

int __wrap_sem_trywait(sem_t *s)
{
    if (!tr__cc_controlled())
        return sem_trywait(s);
    tr_semaphore *x = semaphore_of(s, RA);
    tr__cc_site(RA);
    if ((tr_semaphore_acquire)(x, false, TR_FOREVER) == TR_OK)
        return 0;
    errno = EAGAIN;
    return -1;
}

int __wrap_sem_timedwait(sem_t *s, const struct timespec *deadline)
{
    if (!tr__cc_controlled())
        return sem_timedwait(s, deadline);
    tr_semaphore *x = semaphore_of(s, RA);
    if (!deadline_valid(deadline)) {
        errno = EINVAL;
        return -1;
    }
    tr__cc_site(RA);
    if ((tr_semaphore_acquire)(x, true, tr__cc_timeout_until(deadline)) == TR_OK)
        return 0;
    errno = ETIMEDOUT;
    return -1;
}

int __wrap_sem_post(sem_t *s)
{
    if (!tr__cc_controlled())
        return sem_post(s);
    tr_semaphore *x = semaphore_of(s, RA);
    tr__cc_site(RA);
    (tr_semaphore_release)(x, 1);
    return 0;
}

int __wrap_sem_getvalue(sem_t *s, int *value)
{
    if (!tr__cc_controlled())
        return sem_getvalue(s, value);
    *value = (int)tr_semaphore_value(semaphore_of(s, RA));
    return 0;
}

/* ---- read-write locks ---------------------------------------------------------------- */

/* A monitor: the counts under a Condition's own lock, every change notified to all. Its
 * lock orders every operation on the rwlock after the ones before it (two readers one
 * after the other too, which POSIX does not promise: a race between them is not seen). */
typedef struct cc_rwlock {
    tr_condition *cond;
    int writer;  /* the writing thread's id + 1, 0: none */
    int readers; /* read holds, all threads */
    unsigned short reads[TR__MAX_THREADS]; /* read holds per thread */
} cc_rwlock;

static cc_rwlock *rwlock_of(pthread_rwlock_t *l)
{
    cc_rwlock *x = handle_get(l, sizeof *l);
    if (x)
        return x;
    x = tr_case_alloc(sizeof *x);
    x->cond = (tr_condition_new)();
    handle_set(l, sizeof *l, x);
    return x;
}

/* Takes the monitor, waits while the lock is not free for this kind of hold (no wait for
 * a try), takes the hold; 0 or EBUSY. */
static int rwlock_take(pthread_rwlock_t *l, bool write, bool blocking, const void *ra)
{
    cc_rwlock *x = rwlock_of(l);
    int me = tr__self->id;
    tr__cc_site(ra);
    (tr_condition_acquire)(x->cond, true, TR_FOREVER);
    while (x->writer || (write && x->readers)) {
        if (!blocking) {
            tr__cc_site(ra);
            (tr_condition_release)(x->cond);
            return EBUSY;
        }
        tr__cc_site(ra);
        (tr_condition_wait)(x->cond, TR_FOREVER);
    }
    if (write) {
        x->writer = me + 1;
    } else {
        x->readers++;
        x->reads[me]++;
    }
    tr__cc_site(ra);
    (tr_condition_release)(x->cond);
    return 0;
}

TR_PUBLIC int __wrap_pthread_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *attr);
TR_PUBLIC int __wrap_pthread_rwlock_destroy(pthread_rwlock_t *l);
TR_PUBLIC int __wrap_pthread_rwlock_rdlock(pthread_rwlock_t *l);
TR_PUBLIC int __wrap_pthread_rwlock_tryrdlock(pthread_rwlock_t *l);
TR_PUBLIC int __wrap_pthread_rwlock_wrlock(pthread_rwlock_t *l);
TR_PUBLIC int __wrap_pthread_rwlock_trywrlock(pthread_rwlock_t *l);
TR_PUBLIC int __wrap_pthread_rwlock_unlock(pthread_rwlock_t *l);

int __wrap_pthread_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *attr)
{
    if (!tr__cc_controlled())
        return pthread_rwlock_init(l, attr);
    memset(l, 0, sizeof *l);
    rwlock_of(l);
    return 0;
}

int __wrap_pthread_rwlock_destroy(pthread_rwlock_t *l)
{
    if (!tr__cc_controlled())
        return pthread_rwlock_destroy(l);
    cc_rwlock *x = handle_get(l, sizeof *l);
    if (x && (x->writer || x->readers)) {
        tr__cc_finding(TR_RUNTIME_ERROR_FOUND, false, RA,
                       "pthread_rwlock_destroy: the lock is held (EBUSY)");
        return EBUSY;
    }
    handle_set(l, sizeof *l, NULL);
    return 0;
}

int __wrap_pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
    if (!tr__cc_controlled())
        return pthread_rwlock_rdlock(l);
    return rwlock_take(l, false, true, RA);
}

int __wrap_pthread_rwlock_tryrdlock(pthread_rwlock_t *l)
{
    if (!tr__cc_controlled())
        return pthread_rwlock_tryrdlock(l);
    return rwlock_take(l, false, false, RA);
}

int __wrap_pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
    if (!tr__cc_controlled())
        return pthread_rwlock_wrlock(l);
    return rwlock_take(l, true, true, RA);
}

int __wrap_pthread_rwlock_trywrlock(pthread_rwlock_t *l)
{
    if (!tr__cc_controlled())
        return pthread_rwlock_trywrlock(l);
    return rwlock_take(l, true, false, RA);
}

int __wrap_pthread_rwlock_unlock(pthread_rwlock_t *l)
{
    if (!tr__cc_controlled())
        return pthread_rwlock_unlock(l);
    cc_rwlock *x = rwlock_of(l);
    int me = tr__self->id;
    if (x->writer != me + 1 && x->reads[me] == 0) {
        tr__cc_finding(TR_RUNTIME_ERROR_FOUND, false, RA,
                       "pthread_rwlock_unlock: the calling thread does not hold the lock "
                       "(EPERM)");
        return EPERM;
    }
    tr__cc_site(RA);
    (tr_condition_acquire)(x->cond, true, TR_FOREVER);
    if (x->writer == me + 1) {
        x->writer = 0;
    } else {
        x->readers--;
        x->reads[me]--;
    }
    tr__cc_site(RA);
    (tr_condition_notify_all)(x->cond);
    tr__cc_site(RA);
    (tr_condition_release)(x->cond);
    return 0;
}

/* ---- barriers ------------------------------------------------------------------------ */

TR_PUBLIC int __wrap_pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *attr,
                                          unsigned count);
TR_PUBLIC int __wrap_pthread_barrier_destroy(pthread_barrier_t *b);
TR_PUBLIC int __wrap_pthread_barrier_wait(pthread_barrier_t *b);

int __wrap_pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *attr,
                                unsigned count)
{
    if (!tr__cc_controlled())
        return pthread_barrier_init(b, attr, count);
    if (count == 0)
        return EINVAL;
    memset(b, 0, sizeof *b);
    tr__cc_site(RA);
    handle_set(b, sizeof *b, (tr_barrier_new)((long)count, NULL, NULL, TR_FOREVER));
    return 0;
}

int __wrap_pthread_barrier_destroy(pthread_barrier_t *b)
{
    if (!tr__cc_controlled())
        return pthread_barrier_destroy(b);
    tr_barrier *x = handle_get(b, sizeof *b);
    if (x && tr_barrier_n_waiting(x) > 0) {
        tr__cc_finding(TR_RUNTIME_ERROR_FOUND, false, RA,
                       "pthread_barrier_destroy: threads wait at the barrier (EBUSY)");
        return EBUSY;
    }
    handle_set(b, sizeof *b, NULL);
    return 0;
}

/* The last thread to arrive is the one POSIX calls the serial thread. */
int __wrap_pthread_barrier_wait(pthread_barrier_t *b)
{
    if (!tr__cc_controlled())
        return pthread_barrier_wait(b);
    tr_barrier *x = handle_get(b, sizeof *b);
    if (!x) {
        tr__cc_finding(TR_RUNTIME_ERROR_FOUND, true, RA,
                       "pthread_barrier_wait: the barrier is not initialised (EINVAL)");
        return EINVAL;
    }
    long index = 0;
    tr__cc_site(RA);
    (tr_barrier_wait)(x, TR_FOREVER, &index);
    return index == tr_barrier_parties(x) - 1 ? PTHREAD_BARRIER_SERIAL_THREAD : 0;
}

/* ---- once ----------------------------------------------------------------------------- */

TR_PUBLIC int __wrap_pthread_once(pthread_once_t *once, void (*init)(void));

/* The control word is the program's (PTHREAD_ONCE_INIT is 0): an atomic read-modify-write
 * claims it, a thread finding it claimed yields until the claimer's release says done,
 * and that release orders init before every thread that returns. */
int __wrap_pthread_once(pthread_once_t *once, void (*init)(void))
{
    enum { NOT_RUN, RUNNING, DONE };
    if (!tr__cc_controlled())
        return pthread_once(once, init);
    for (;;) {
        tr__cc_site(RA);
        (tr_shared_atomic)(once, sizeof *once, TR_ATOMIC_OP_RMW);
        if (*once == DONE)
            return 0;
        if (*once == NOT_RUN) {
            *once = RUNNING;
            break;
        }
        tr__cc_site(RA);
        (tr_yield)();
    }
    init();
    tr__cc_site(RA);
    (tr_shared_atomic)(once, sizeof *once, TR_ATOMIC_OP_STORE);
    *once = DONE;
    return 0;
}

/* ---- yields --------------------------------------------------------------------------- */

TR_PUBLIC int __wrap_sched_yield(void);
TR_PUBLIC int __wrap_usleep(useconds_t usec);
TR_PUBLIC unsigned __wrap_sleep(unsigned seconds);
TR_PUBLIC int __wrap_nanosleep(const struct timespec *duration, struct timespec *rest);

static void yield(const void *ra)
{
    tr__cc_site(ra);
    (tr_yield)();
}

int __wrap_sched_yield(void)
{
    if (!tr__cc_controlled())
        return sched_yield();
    yield(RA);
    return 0;
}

int __wrap_usleep(useconds_t usec)
{
    if (!tr__cc_controlled())
        return usleep(usec);
    yield(RA);
    return 0;
}

unsigned __wrap_sleep(unsigned seconds)
{
    if (!tr__cc_controlled())
        return sleep(seconds);
    yield(RA);
    return 0;
}

int __wrap_nanosleep(const struct timespec *duration, struct timespec *rest)
{
    if (!tr__cc_controlled())
        return nanosleep(duration, rest);
    yield(RA);
    return 0;
}
