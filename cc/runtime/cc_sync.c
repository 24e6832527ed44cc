/* cc_sync.c — the program's other synchronisation under an execution (outside one, the C
 * library's own functions do the work):
 *
 *   semaphore          a Semaphore
 *   rwlock             counts under a Condition (see there)
 *   barrier            a Barrier (the last thread to arrive is the serial thread)
 *   spin lock          a Lock (a thread spinning on a held one waits, as on a mutex);
 *                      found by its address (see there)
 *   pthread_once       an atomic control word (see there)
 *   sched_yield, usleep, sleep, nanosleep   a tr_yield (a sleep is a point where any
 *                      other thread may run; it does not move the virtual clock)
 * Timed forms wait on the virtual clock (cc_time.c). Each object is made at its first use
 * in an execution and found again through its handle (cc_handle.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cc_runtime.h"

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
    tr_semaphore *x = tr__cc_handle_get(s, sizeof *s);
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
    tr__cc_handle_set(s, sizeof *s, (tr_semaphore_new)((long)value));
    return 0;
}

int __wrap_sem_destroy(sem_t *s)
{
    if (!tr__cc_controlled())
        return sem_destroy(s);
    tr__cc_handle_set(s, sizeof *s, NULL);
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
    if (!tr__cc_deadline_valid(deadline)) {
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

/* ---- spin locks ----------------------------------------------------------------------- */

/* A pthread_spinlock_t is an int, too small for a handle: the execution's spin locks are
 * found by their address in a table emptied at each execution's start (a lock used first
 * without pthread_spin_init is made then, as glibc's zero is an unlocked one). */
enum { SPINLOCKS_MAX = 256 };

typedef struct cc_spinlock {
    const volatile void *at;
    tr_lock *lock;
    int owner; /* the holder's case thread id, -1: free */
} cc_spinlock;

static cc_spinlock *spinlocks[SPINLOCKS_MAX];
static int n_spinlocks;
static unsigned spinlocks_epoch;

static cc_spinlock *spinlock_of(const pthread_spinlock_t *l, bool make, const void *ra)
{
    if (spinlocks_epoch != tr__cc_epoch) {
        spinlocks_epoch = tr__cc_epoch;
        n_spinlocks = 0;
    }
    for (int i = 0; i < n_spinlocks; i++)
        if (spinlocks[i]->at == l)
            return spinlocks[i];
    if (!make)
        return NULL;
    if (n_spinlocks == SPINLOCKS_MAX) {
        tr__cc_finding(TR_RUNTIME_ERROR_FOUND, true, ra,
                       "more than %d spin locks in one execution are not modelled by trama-cc",
                       SPINLOCKS_MAX);
        return NULL;
    }
    cc_spinlock *x = tr_case_alloc(sizeof *x);
    tr__cc_site(ra);
    *x = (cc_spinlock){.at = l, .lock = (tr_lock_new)(), .owner = -1};
    spinlocks[n_spinlocks++] = x;
    return x;
}

/* pthread_spin_destroy, or an init again: the address names no lock any more. */
static void spinlock_forget(const cc_spinlock *x)
{
    for (int i = 0; i < n_spinlocks; i++)
        if (spinlocks[i] == x) {
            spinlocks[i] = spinlocks[--n_spinlocks];
            return;
        }
}

TR_PUBLIC int __wrap_pthread_spin_init(pthread_spinlock_t *l, int pshared);
TR_PUBLIC int __wrap_pthread_spin_destroy(pthread_spinlock_t *l);
TR_PUBLIC int __wrap_pthread_spin_lock(pthread_spinlock_t *l);
TR_PUBLIC int __wrap_pthread_spin_trylock(pthread_spinlock_t *l);
TR_PUBLIC int __wrap_pthread_spin_unlock(pthread_spinlock_t *l);

int __wrap_pthread_spin_init(pthread_spinlock_t *l, int pshared)
{
    if (!tr__cc_controlled())
        return pthread_spin_init(l, pshared);
    /* pshared: between the threads of this process it changes nothing. */
    cc_spinlock *x = spinlock_of(l, false, RA);
    if (x)
        spinlock_forget(x); /* initialised again: a new lock (POSIX: undefined if held) */
    *l = 0;
    return spinlock_of(l, true, RA) ? 0 : EAGAIN;
}

int __wrap_pthread_spin_destroy(pthread_spinlock_t *l)
{
    if (!tr__cc_controlled())
        return pthread_spin_destroy(l);
    cc_spinlock *x = spinlock_of(l, false, RA);
    if (x && x->owner >= 0) {
        tr__cc_finding(TR_RUNTIME_ERROR_FOUND, false, RA,
                       "pthread_spin_destroy: the spin lock is locked (EBUSY)");
        return EBUSY;
    }
    if (x)
        spinlock_forget(x);
    return 0;
}

static int spin_lock(pthread_spinlock_t *l, bool blocking, const void *ra)
{
    cc_spinlock *x = spinlock_of(l, true, ra);
    if (!x)
        return EAGAIN;
    tr__cc_site(ra);
    /* A holder locking again spins forever: the Lock's self-deadlock finding. */
    if ((tr_lock_acquire)(x->lock, blocking, TR_FOREVER) != TR_OK)
        return EBUSY;
    x->owner = tr__self->id;
    return 0;
}

int __wrap_pthread_spin_lock(pthread_spinlock_t *l)
{
    if (!tr__cc_controlled())
        return pthread_spin_lock(l);
    return spin_lock(l, true, RA);
}

int __wrap_pthread_spin_trylock(pthread_spinlock_t *l)
{
    if (!tr__cc_controlled())
        return pthread_spin_trylock(l);
    return spin_lock(l, false, RA);
}

int __wrap_pthread_spin_unlock(pthread_spinlock_t *l)
{
    if (!tr__cc_controlled())
        return pthread_spin_unlock(l);
    cc_spinlock *x = spinlock_of(l, true, RA);
    if (!x)
        return EAGAIN;
    if (x->owner != tr__self->id) {
        tr__cc_finding(TR_RUNTIME_ERROR_FOUND, false, RA,
                       "pthread_spin_unlock: the calling thread does not hold the spin lock");
        return EPERM;
    }
    x->owner = -1;
    tr__cc_site(RA);
    (tr_lock_release)(x->lock);
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
    cc_rwlock *x = tr__cc_handle_get(l, sizeof *l);
    if (x)
        return x;
    x = tr_case_alloc(sizeof *x);
    x->cond = (tr_condition_new)();
    tr__cc_handle_set(l, sizeof *l, x);
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
    cc_rwlock *x = tr__cc_handle_get(l, sizeof *l);
    if (x && (x->writer || x->readers)) {
        tr__cc_finding(TR_RUNTIME_ERROR_FOUND, false, RA,
                       "pthread_rwlock_destroy: the lock is held (EBUSY)");
        return EBUSY;
    }
    tr__cc_handle_set(l, sizeof *l, NULL);
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
    tr__cc_handle_set(b, sizeof *b, (tr_barrier_new)((long)count, NULL, NULL, TR_FOREVER));
    return 0;
}

int __wrap_pthread_barrier_destroy(pthread_barrier_t *b)
{
    if (!tr__cc_controlled())
        return pthread_barrier_destroy(b);
    tr_barrier *x = tr__cc_handle_get(b, sizeof *b);
    if (x && tr_barrier_n_waiting(x) > 0) {
        tr__cc_finding(TR_RUNTIME_ERROR_FOUND, false, RA,
                       "pthread_barrier_destroy: threads wait at the barrier (EBUSY)");
        return EBUSY;
    }
    tr__cc_handle_set(b, sizeof *b, NULL);
    return 0;
}

/* The last thread to arrive is the one POSIX calls the serial thread. */
int __wrap_pthread_barrier_wait(pthread_barrier_t *b)
{
    if (!tr__cc_controlled())
        return pthread_barrier_wait(b);
    tr_barrier *x = tr__cc_handle_get(b, sizeof *b);
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
