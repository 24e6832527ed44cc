/* cc_handle.c — how a program's mutex, condition variable, semaphore, rwlock or barrier
 * finds its trama object: a handle in the last 16 bytes of the program's object (fields
 * glibc leaves zero in every static initializer) names the object and the execution that
 * made it. A handle of an earlier execution (the object was restored with the globals, or
 * the memory reused) is no handle: the object is made again at its first use. */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <string.h>

#include "cc_runtime.h"

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

void *tr__cc_handle_get(const void *obj, size_t size)
{
    handle h;
    memcpy(&h, (const char *)obj + size - sizeof h, sizeof h);
    return h.magic == HANDLE_MAGIC && h.epoch == tr__cc_epoch ? h.object : NULL;
}

void tr__cc_handle_set(void *obj, size_t size, void *object)
{
    handle h = {object ? HANDLE_MAGIC : 0, tr__cc_epoch, object};
    memcpy((char *)obj + size - sizeof h, &h, sizeof h);
}
