/* shm.c — memory shared between processes: blocks for the objects that stay one object
 * across fork (tr__object_init_shared) and for what they own (a Value's storage, their
 * native monitors).
 *
 * Blocks are carved from chunks, each one anonymous MAP_SHARED mapping: a forked child
 * inherits every chunk at the same address, so a block is the same memory in the parent
 * and in every process forked after it was made. A block is never reused (a child may
 * still use one its parent let go of); a chunk is unmapped once this process has let go
 * of every block in it and carves no more from it.
 *
 * The bookkeeping (which chunks, how much is carved, how many blocks are live) is this
 * process's private memory, copied at fork: a child's copy is true of the child, since
 * it has the same mappings. A child never carves from a chunk it inherited (the parent
 * may carve the same bytes next): after fork it starts a chunk of its own. */
#define _GNU_SOURCE /* MAP_ANONYMOUS */
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

enum { CHUNK = 64 * 1024, ALIGN = 64 }; /* ALIGN: a cache line, and any pthread type's */

typedef struct chunk {
    struct chunk *next;
    char *base;
    size_t size, used;
    long live; /* blocks this process has not let go of */
} chunk;

static struct {
    pthread_mutex_t mu;
    chunk *chunks;  /* every chunk this process has mapped */
    chunk *current; /* the one blocks are carved from; NULL: a new one is mapped first */
} shm = {PTHREAD_MUTEX_INITIALIZER, NULL, NULL};

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* A chunk no block is carved from any more: unmapped once none of its blocks is live. */
static void retire(chunk *c)
{
    if (!c || c->live > 0 || c == shm.current)
        return;
    for (chunk **at = &shm.chunks; *at; at = &(*at)->next)
        if (*at == c) {
            *at = c->next;
            break;
        }
    munmap(c->base, c->size);
    free(c);
}

/* Held across fork, so the child's copy of the list is never caught mid-change. */
static void before_fork(void) { pthread_mutex_lock(&shm.mu); }
static void after_fork_in_parent(void) { pthread_mutex_unlock(&shm.mu); }
static void after_fork_in_child(void)
{
    chunk *inherited = shm.current;
    shm.current = NULL;
    retire(inherited);
    pthread_mutex_unlock(&shm.mu);
}

static void register_atfork(void)
{
    pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child);
}

static chunk *chunk_new(size_t need)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t size = need > CHUNK ? (need + page - 1) / page * page : CHUNK;
    chunk *c = malloc(sizeof *c);
    void *base = c ? mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)
                   : MAP_FAILED;
    if (base == MAP_FAILED) {
        free(c);
        return NULL;
    }
    *c = (chunk){.next = shm.chunks, .base = base, .size = size};
    shm.chunks = c;
    return c;
}

void *tr__shm_alloc(size_t size)
{
    pthread_once(&atfork_once, register_atfork);
    if (size > SIZE_MAX / 2)
        return NULL;
    size = (size + ALIGN - 1) / ALIGN * ALIGN;
    void *p = NULL;
    pthread_mutex_lock(&shm.mu);
    chunk *c = shm.current;
    if (!c || c->size - c->used < size) {
        c = chunk_new(size);
        if (c && size < CHUNK) { /* a large block's own chunk is not carved further */
            chunk *full = shm.current;
            shm.current = c;
            retire(full);
        }
    }
    if (c) {
        p = c->base + c->used; /* zero: a fresh mapping, never carved before */
        c->used += size;
        c->live++;
    }
    pthread_mutex_unlock(&shm.mu);
    return p;
}

void tr__shm_free(void *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&shm.mu);
    for (chunk *c = shm.chunks; c; c = c->next)
        if ((char *)p >= c->base && (char *)p < c->base + c->size) {
            c->live--;
            retire(c);
            break;
        }
    pthread_mutex_unlock(&shm.mu);
}

void *tr__object_alloc(size_t size, bool shared)
{
    return shared ? tr__shm_alloc(size) : calloc(1, size);
}

void tr__object_dealloc(tr__object *obj)
{
    if (obj && obj->shared)
        tr__shm_free(obj);
    else
        free(obj);
}
