/* cc_key.c — thread-specific data under an execution (outside one, the C library's own
 * functions do the work): pthread_key_create, pthread_key_delete, pthread_setspecific,
 * pthread_getspecific.
 *
 * A key is an index into this execution's table of keys; each case thread has a value per
 * key, NULL until it sets one (a key made anew starts NULL in every thread, as POSIX
 * says). When a thread ends (its start routine returns, or it calls pthread_exit), each
 * non-NULL value of a key with a destructor is set to NULL and the destructor called with
 * it, in rounds while any is left, at most PTHREAD_DESTRUCTOR_ITERATIONS of them; main
 * returning or exit() runs none (the process ends). A value is the thread's own: setting
 * or getting one is no scheduling point; creating a key writes the program's
 * pthread_key_t, which the race detector sees. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>

#include "cc_runtime.h"

enum { KEYS_MAX = 128 };

typedef struct cc_key {
    bool used;
    void (*destructor)(void *);
} cc_key;

static cc_key keys[KEYS_MAX];
static int n_keys; /* the keys this execution made are below this index */
static void *values[TR__MAX_THREADS][KEYS_MAX]; /* by case thread id; a column is cleared
                                                   when its key is made */

void tr__cc_keys_reset(void)
{
    memset(keys, 0, (size_t)n_keys * sizeof *keys);
    n_keys = 0;
}

TR_PUBLIC int __wrap_pthread_key_create(pthread_key_t *key, void (*destructor)(void *));
TR_PUBLIC int __wrap_pthread_key_delete(pthread_key_t key);
TR_PUBLIC int __wrap_pthread_setspecific(pthread_key_t key, const void *value);
TR_PUBLIC void *__wrap_pthread_getspecific(pthread_key_t key);

int __wrap_pthread_key_create(pthread_key_t *key, void (*destructor)(void *))
{
    if (!tr__cc_controlled())
        return pthread_key_create(key, destructor);
    int k = 0;
    while (k < n_keys && keys[k].used)
        k++;
    if (k == KEYS_MAX)
        return EAGAIN; /* as POSIX: the system's limit on keys */
    if (k == n_keys)
        n_keys++;
    keys[k] = (cc_key){true, destructor};
    for (int t = 0; t < TR__MAX_THREADS; t++)
        values[t][k] = NULL;
    tr__cc_access(key, sizeof *key, true, RA);
    *key = (pthread_key_t)k;
    return 0;
}

/* The key's entry, or NULL (and a finding naming the call) when it names none. */
static cc_key *key_of(pthread_key_t key, const char *call, const void *ra)
{
    if (key < (pthread_key_t)n_keys && keys[key].used)
        return &keys[key];
    tr__cc_finding(TR_RUNTIME_ERROR_FOUND, false, ra,
                   "%s: the key was not created or was deleted (EINVAL)", call);
    return NULL;
}

int __wrap_pthread_key_delete(pthread_key_t key)
{
    if (!tr__cc_controlled())
        return pthread_key_delete(key);
    cc_key *k = key_of(key, "pthread_key_delete", RA);
    if (!k)
        return EINVAL;
    *k = (cc_key){0}; /* no destructor runs: POSIX leaves the values to the program */
    return 0;
}

int __wrap_pthread_setspecific(pthread_key_t key, const void *value)
{
    if (!tr__cc_controlled())
        return pthread_setspecific(key, value);
    if (!key_of(key, "pthread_setspecific", RA))
        return EINVAL;
    values[tr__self->id][key] = (void *)value;
    return 0;
}

void *__wrap_pthread_getspecific(pthread_key_t key)
{
    if (!tr__cc_controlled())
        return pthread_getspecific(key);
    if (!key_of(key, "pthread_getspecific", RA))
        return NULL;
    return values[tr__self->id][key];
}

void tr__cc_keys_thread_exit(void)
{
    void **mine = values[tr__self->id];
    for (int round = 0; round < PTHREAD_DESTRUCTOR_ITERATIONS; round++) {
        bool called = false;
        for (int k = 0; k < n_keys; k++) {
            if (!keys[k].used || !keys[k].destructor || !mine[k])
                continue;
            void *value = mine[k];
            mine[k] = NULL;
            keys[k].destructor(value);
            called = true;
        }
        if (!called)
            return;
    }
}
