/* shared.c — multiprocessing.Value and multiprocessing.Array (sharedctypes): a shared
 * object (tr__object_init_shared) whose block holds the typed items, and optionally a
 * shared RLock (tr__rlock_new_shared) that each access takes, as Python's Synchronized
 * wrapper's `with self._lock:`.
 *
 * An access is one action on the object, op SHARED_GET or SHARED_SET, naming the bytes it
 * reads or writes (tr__action offset and size): under the harness a scheduling point and
 * an access the race detector checks, natively a copy (its fast form, since no guard and
 * no state of the object's own is involved). With the lock, the lock's acquire and
 * release are actions of their own around it.
 *
 * Each process keeps the objects it has in a registry (private memory, copied at fork,
 * as a child has the same mappings), so the harness can tell a declared access
 * (TR_LOAD on tr_shared_data) to an object's items from one to plain memory
 * (tr__shared_storage). */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "internal.h"

struct tr_shared {
    tr__object obj; /* first; in the same shared block as the items */
    tr_rlock *lock; /* NULL: lock=false */
    size_t length, itemsize;
    char label[32]; /* "Value('i')", "Array('d', 3)": in the block, so every process has it */
    _Alignas(max_align_t) unsigned char items[];
};

/* ---- typecodes (sharedctypes.typecode_to_type) ---------------------------------------- */

static size_t itemsize_of(char typecode)
{
    switch (typecode) {
    case 'c': return sizeof(char);
    case 'u': return sizeof(wchar_t);
    case 'b': return sizeof(signed char);
    case 'B': return sizeof(unsigned char);
    case 'h': return sizeof(short);
    case 'H': return sizeof(unsigned short);
    case 'i': return sizeof(int);
    case 'I': return sizeof(unsigned int);
    case 'l': return sizeof(long);
    case 'L': return sizeof(unsigned long);
    case 'q': return sizeof(long long);
    case 'Q': return sizeof(unsigned long long);
    case 'f': return sizeof(float);
    case 'd': return sizeof(double);
    default: return 0;
    }
}

/* ---- the registry --------------------------------------------------------------------- */

static struct {
    pthread_mutex_t mu;
    tr_shared **live;
    size_t n, cap;
} registry = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0};

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* Held across fork, so a child's copy is never caught mid-change. */
static void before_fork(void) { pthread_mutex_lock(&registry.mu); }
static void after_fork(void) { pthread_mutex_unlock(&registry.mu); }
static void register_atfork(void) { pthread_atfork(before_fork, after_fork, after_fork); }

static bool registry_add(tr_shared *s)
{
    bool ok = true;
    pthread_mutex_lock(&registry.mu);
    if (registry.n == registry.cap) {
        size_t cap = registry.cap ? registry.cap * 2 : 16;
        tr_shared **live = realloc(registry.live, cap * sizeof *live);
        ok = live != NULL;
        if (ok) {
            registry.live = live;
            registry.cap = cap;
        }
    }
    if (ok)
        registry.live[registry.n++] = s;
    pthread_mutex_unlock(&registry.mu);
    return ok;
}

static void registry_remove(const tr_shared *s)
{
    pthread_mutex_lock(&registry.mu);
    for (size_t i = 0; i < registry.n; i++)
        if (registry.live[i] == s) {
            registry.live[i] = registry.live[--registry.n];
            break;
        }
    pthread_mutex_unlock(&registry.mu);
}

tr__object *tr__shared_storage(const void *addr, size_t size, size_t *offset)
{
    const unsigned char *p = addr;
    tr__object *found = NULL;
    pthread_mutex_lock(&registry.mu);
    for (size_t i = 0; i < registry.n && !found; i++) {
        tr_shared *s = registry.live[i];
        size_t bytes = s->length * s->itemsize;
        if (p >= s->items && p < s->items + bytes && size <= (size_t)(s->items + bytes - p)) {
            *offset = (size_t)(p - s->items);
            found = &s->obj;
        }
    }
    pthread_mutex_unlock(&registry.mu);
    return found;
}

/* ---- new / free ----------------------------------------------------------------------- */

static void shared_destroy(tr__object *obj)
{
    tr_shared *s = (tr_shared *)obj;
    registry_remove(s);
    tr_rlock_free(s->lock);
    tr__object_fini(obj);
    tr__object_dealloc(obj);
}

static const tr__type shared_type = {TR__KIND_SHARED, shared_destroy};

static tr_shared *shared_make(char typecode, size_t length, bool lock, bool array)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    size_t itemsize = itemsize_of(typecode);
    if (!itemsize) {
        tr__raise(TR_VALUE_ERROR, "this type has no size", file, line);
        return NULL;
    }
    if (length > (PTRDIFF_MAX - sizeof(tr_shared)) / itemsize) {
        tr__raise(TR_VALUE_ERROR, "array too large", file, line);
        return NULL;
    }
    pthread_once(&atfork_once, register_atfork);
    tr_shared *s = tr__shm_alloc(sizeof *s + length * itemsize);
    if (!s || tr__object_init_shared(&s->obj, &shared_type, NULL) != TR_OK) {
        tr__shm_free(s);
        goto no_memory;
    }
    s->length = length;
    s->itemsize = itemsize;
    if (array)
        snprintf(s->label, sizeof s->label, "Array('%c', %zu)", typecode, length);
    else
        snprintf(s->label, sizeof s->label, "Value('%c')", typecode);
    s->obj.label = s->label;
    if ((lock && !(s->lock = tr__rlock_new_shared())) || !registry_add(s)) {
        shared_destroy(&s->obj); /* leaves a registry it is not in */
        goto no_memory;
    }
    if (s->lock) /* its object comes first, as a Condition reaches it */
        ((tr__object *)s->lock)->owner = &s->obj;
    return s;
no_memory:
    tr__set_error(TR_NO_MEMORY, "");
    return NULL;
}

tr_shared *(tr_shared_value_new)(char typecode, bool lock)
{
    return shared_make(typecode, 1, lock, false);
}

tr_shared *(tr_shared_array_new)(char typecode, size_t length, bool lock)
{
    return shared_make(typecode, length, lock, true);
}

void tr_shared_free(tr_shared *s)
{
    if (s)
        shared_destroy(&s->obj);
}

void *tr_shared_data(tr_shared *s) { return s->items; }
size_t tr_shared_length(const tr_shared *s) { return s->length; }
size_t tr_shared_itemsize(const tr_shared *s) { return s->itemsize; }
tr_rlock *tr_shared_get_lock(tr_shared *s) { return s->lock; }

/* ---- get / set ------------------------------------------------------------------------ */

/* The item the action names (offset, size), copied out (get) or in (set). */
static void copy_effect(tr__action *a)
{
    tr_shared *s = (tr_shared *)a->obj;
    if (a->op == TR__OP_SHARED_GET)
        memcpy(a->arg, s->items + a->offset, a->size);
    else
        memcpy(s->items + a->offset, a->arg, a->size);
}

static void invalid_index(tr__action *a) { tr__fail(a, TR_INDEX_ERROR, "invalid index"); }

/* A copy needs no monitor natively: nothing of the object's own state changes. */
static bool copy_fast(tr__action *a)
{
    copy_effect(a);
    return true;
}

/* One access: Python's `with self._lock: return self._obj[i]` (or the assignment). */
static tr_status access(tr_shared *s, tr__op op, long index, void *buf)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    tr__action a = tr__action_at(&s->obj, op, file, line);
    long length = (long)s->length;
    a.arg = buf;
    if (index < 0)
        index += length;
    if (index >= 0 && index < length) {
        a.offset = (size_t)index * s->itemsize;
        a.size = s->itemsize;
        a.effect = copy_effect;
        a.fast = copy_fast;
    } else {
        a.effect = invalid_index;
    }
    if (s->lock)
        tr__rlock_acquire_at(file, line, s->lock, true, TR_FOREVER);
    tr_status status = tr__perform(&a);
    if (s->lock)
        tr__rlock_release_at(file, line, s->lock);
    return status;
}

tr_status (tr_shared_get)(tr_shared *s, long index, void *out)
{
    return access(s, TR__OP_SHARED_GET, index, out);
}

tr_status (tr_shared_set)(tr_shared *s, long index, const void *in)
{
    return access(s, TR__OP_SHARED_SET, index, (void *)in);
}
