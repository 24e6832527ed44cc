/* program_noise.c — scheduling noise for an unmodified pthread program run natively
 * (scripts/tsan-crosscheck --programs): linked into the program with the linker's --wrap
 * for the synchronisation calls below, each of which first sleeps or yields now and then,
 * as TRAMA_NOISE=SEED:PERMILLE:MAX_SLEEP_US says (unset: no noise), then makes the call.
 * It adds no synchronisation of its own, so ThreadSanitizer's view of the program is the
 * program's. Not instrumented: a thread's random state is its own. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static unsigned permille = 0, max_sleep_us = 0;
static uint64_t seed;
static atomic_uint threads_seen;
static _Thread_local uint64_t state;

__attribute__((constructor)) static void noise_read(void)
{
    const char *v = getenv("TRAMA_NOISE");
    unsigned long long s = 0;
    if (v && sscanf(v, "%llu:%u:%u", &s, &permille, &max_sleep_us) >= 2)
        seed = s;
    if (permille > 1000)
        permille = 1000;
}

static uint64_t next(void)
{
    if (!state)
        state = (seed + 1) * 0x9e3779b97f4a7c15ull ^ (atomic_fetch_add(&threads_seen, 1) + 1);
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static void noise(void)
{
    if (!permille || next() % 1000 >= permille)
        return;
    uint64_t r = next();
    if (max_sleep_us && r % 2)
        usleep((useconds_t)(r / 2 % max_sleep_us));
    else
        sched_yield();
}

#define NOISY(ret, name, params, args)                                                           \
    ret __real_##name params;                                                                    \
    ret __wrap_##name params;                                                                    \
    ret __wrap_##name params                                                                     \
    {                                                                                            \
        noise();                                                                                 \
        return __real_##name args;                                                               \
    }

NOISY(int, pthread_create,
      (pthread_t * t, const pthread_attr_t *a, void *(*f)(void *), void *arg), (t, a, f, arg))
NOISY(int, pthread_mutex_lock, (pthread_mutex_t * m), (m))
NOISY(int, pthread_mutex_unlock, (pthread_mutex_t * m), (m))
NOISY(int, pthread_cond_wait, (pthread_cond_t * c, pthread_mutex_t *m), (c, m))
NOISY(int, pthread_cond_signal, (pthread_cond_t * c), (c))
NOISY(int, pthread_cond_broadcast, (pthread_cond_t * c), (c))
NOISY(int, pthread_rwlock_rdlock, (pthread_rwlock_t * l), (l))
NOISY(int, pthread_rwlock_wrlock, (pthread_rwlock_t * l), (l))
NOISY(int, pthread_rwlock_unlock, (pthread_rwlock_t * l), (l))
NOISY(int, pthread_spin_lock, (pthread_spinlock_t * l), (l))
NOISY(int, pthread_spin_unlock, (pthread_spinlock_t * l), (l))
NOISY(int, sem_wait, (sem_t * s), (s))
NOISY(int, sem_post, (sem_t * s), (s))
NOISY(int, sched_yield, (void), ())

