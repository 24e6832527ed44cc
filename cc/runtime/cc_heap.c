/* cc_heap.c — the program's heap, reclaimed between executions. trama-cc wraps the
 * program's own calls to malloc, calloc, realloc, aligned_alloc, posix_memalign, strdup,
 * strndup and free (other blocks the C library allocates on the program's behalf, an
 * asprintf's or a getline's, are not seen: such a block outlives its execution; a stream's
 * are freed with it, cc_files.c). A block allocated while the program runs under an
 * execution is kept in an open-addressing set of addresses; free takes it out; whatever is
 * left when the next execution starts is freed then. A block allocated outside an
 * execution (a constructor) belongs to the initial state and stays. A block freed under an
 * execution is forgotten by the race detector: the allocation that gets its memory again
 * starts afresh (C11: the free synchronizes with it). */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cc_runtime.h"

#define TOMB ((void *)1)

static void **slots; /* NULL: empty, TOMB: removed */
static size_t cap, used; /* used counts live blocks and tombs */

static size_t slot_of(const void *p) { return ((uintptr_t)p * 0x9e3779b97f4a7c15ull) >> 20; }

static void set_add(void *p);

static void grow(void)
{
    void **old = slots;
    size_t old_cap = cap;
    cap = cap ? cap * 2 : 1024;
    slots = calloc(cap, sizeof *slots);
    TR_CHECK(slots, "out of memory tracking the program's heap");
    used = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i] && old[i] != TOMB)
            set_add(old[i]);
    free(old);
}

static void set_add(void *p)
{
    if ((used + 1) * 2 > cap)
        grow();
    size_t i = slot_of(p) & (cap - 1);
    while (slots[i] && slots[i] != TOMB)
        i = (i + 1) & (cap - 1);
    if (!slots[i])
        used++;
    slots[i] = p;
}

/* Whether p was in the set (it is not any more). */
static bool set_remove(const void *p)
{
    if (!cap)
        return false;
    for (size_t i = slot_of(p) & (cap - 1); slots[i]; i = (i + 1) & (cap - 1))
        if (slots[i] == p) {
            slots[i] = TOMB;
            return true;
        }
    return false;
}

void tr__cc_heap_reclaim(void)
{
    for (size_t i = 0; i < cap; i++) {
        if (slots[i] && slots[i] != TOMB)
            free(slots[i]);
        slots[i] = NULL;
    }
    used = 0;
}

static void *kept(void *p)
{
    if (p && tr__cc_controlled())
        set_add(p);
    return p;
}

TR_PUBLIC void *__wrap_malloc(size_t size);
TR_PUBLIC void *__wrap_calloc(size_t n, size_t size);
TR_PUBLIC void *__wrap_realloc(void *p, size_t size);
TR_PUBLIC void *__wrap_aligned_alloc(size_t alignment, size_t size);
TR_PUBLIC int __wrap_posix_memalign(void **out, size_t alignment, size_t size);
TR_PUBLIC void __wrap_free(void *p);
TR_PUBLIC char *__wrap_strdup(const char *s);
TR_PUBLIC char *__wrap_strndup(const char *s, size_t n);

void *__wrap_malloc(size_t size) { return kept(malloc(size)); }
char *__wrap_strdup(const char *s) { return kept(strdup(s)); }
char *__wrap_strndup(const char *s, size_t n) { return kept(strndup(s, n)); }
void *__wrap_calloc(size_t n, size_t size) { return kept(calloc(n, size)); }
void *__wrap_aligned_alloc(size_t alignment, size_t size)
{
    return kept(aligned_alloc(alignment, size));
}

int __wrap_posix_memalign(void **out, size_t alignment, size_t size)
{
    int e = posix_memalign(out, alignment, size);
    if (e == 0)
        kept(*out);
    return e;
}

void *__wrap_realloc(void *p, size_t size)
{
    bool was_kept = p && set_remove(p);
    /* realloc ends the old object even where the new one starts at its address (C11) */
    if (p && tr__cc_controlled())
        tr__memory_freed(p, malloc_usable_size(p));
    void *q = realloc(p, size);
    if (!q && p && size && was_kept)
        set_add(p); /* p stays as it was */
    else if (q && (was_kept || tr__cc_controlled()))
        set_add(q);
    return q;
}

void __wrap_free(void *p)
{
    if (p)
        set_remove(p);
    if (p && tr__cc_controlled())
        tr__memory_freed(p, malloc_usable_size(p));
    free(p);
}
