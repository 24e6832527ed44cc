/* shared_memory.c — what a case shares outside the primitives, declared to the scheduler:
 * plain and C11 atomic accesses to an address (each a step on the address's memory
 * object, M1, M2, ... in order of first access) and tr_yield, a spin loop's step.
 *
 * A plain access to the items of a Value or Array (TR_LOAD on tr_shared_data) is a step on
 * that object instead, at the item's offset: the object is one for every process that has
 * it, so two processes' accesses are accesses to the same memory for the race detector
 * and dependent for DPOR. (C11 atomics there stay on a memory object of the process.) */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "execution.h"

void (tr_yield)(void)
{
    if (!tr__exec.active) {
        sched_yield();
        return;
    }
    tr__action a = tr__action_make(NULL, TR__OP_YIELD);
    a.obj = tr__thread_object(tr__thread_self());
    tr__perform(&a);
}

/* One object per declared address, created at its first access (M1, M2, ... in order), so
 * accesses have an object like every other action: dependence and traces stay uniform. */
typedef struct memrec {
    tr__object obj;
    const void *addr;
    size_t size;
    bool freed; /* its memory was freed: the address names a new object from now on */
    char label[32];
} memrec;

static memrec **mems;
static int n_mems, cap_mems;

static void mem_destroy(tr__object *obj) { tr__objects_fini(obj); }
static const tr__type mem_type = {TR__KIND_MEMORY, mem_destroy};

static tr__object *memory_object(const void *addr, size_t size)
{
    for (int i = 0; i < n_mems; i++)
        if (mems[i]->addr == addr && mems[i]->obj.backend && !mems[i]->freed)
            return &mems[i]->obj;
    mems = tr__grow(mems, &cap_mems, n_mems + 1, sizeof *mems);
    memrec *m = mems[n_mems] ? mems[n_mems] : calloc(1, sizeof *m);
    TR_CHECK(m, "out of memory tracking shared memory");
    mems[n_mems++] = m;
    m->addr = addr;
    m->size = size;
    m->freed = false;
    tr__object_init(&m->obj, &mem_type, NULL);
    snprintf(m->label, sizeof m->label, "%zu bytes", size);
    m->obj.label = m->label;
    return &m->obj;
}

/* A declared access: a step on the address's memory object (outside an execution,
 * nothing but taking the call site). */
static void shared_access(const void *addr, size_t size, tr__op op, tr__effect_fn effect, void *arg)
{
    if (!tr__exec.active) {
        tr__site_take(&(const char *){NULL}, &(int){0});
        return;
    }
    tr__action a = tr__action_make(NULL, op);
    size_t offset;
    tr__object *items = op == TR__OP_MEM_READ || op == TR__OP_MEM_WRITE
                            ? tr__shared_storage(addr, size, &offset)
                            : NULL;
    if (items) {
        a.obj = items;
        a.offset = offset;
        a.size = size;
    } else {
        a.obj = memory_object(addr, size);
    }
    a.effect = effect;
    a.arg = arg;
    tr__perform(&a);
}

void (tr_shared_read)(const void *addr, size_t size)
{
    shared_access(addr, size, TR__OP_MEM_READ, NULL, NULL);
}

void (tr_shared_write)(void *addr, size_t size)
{
    shared_access(addr, size, TR__OP_MEM_WRITE, NULL, NULL);
}

/* C11's edges for a sequentially consistent access: loads acquire what stores released.
 * arg: a compare-exchange's expected bytes, compared now (its exchange follows at once). */
typedef struct cas_args {
    const void *expected;
    size_t size;
} cas_args;

static void atomic_effect(tr__action *a)
{
    const memrec *m = (const memrec *)a->obj;
    const cas_args *cas = a->arg;
    bool writes = a->op != TR__OP_MEM_ATOMIC_LOAD &&
                  !(cas && memcmp((const void *)m->addr, cas->expected, cas->size) != 0);
    if (a->op != TR__OP_MEM_ATOMIC_STORE)
        tr__hb(a, a->obj, TR__HB_ACQUIRE);
    if (writes)
        tr__hb(a, a->obj, TR__HB_RELEASE);
}

void (tr_shared_atomic)(const volatile void *addr, size_t size, tr_atomic_op op)
{
    static const tr__op ops[] = {[TR_ATOMIC_OP_LOAD] = TR__OP_MEM_ATOMIC_LOAD,
                                 [TR_ATOMIC_OP_STORE] = TR__OP_MEM_ATOMIC_STORE,
                                 [TR_ATOMIC_OP_RMW] = TR__OP_MEM_ATOMIC_RMW};
    TR_CHECK((unsigned)op <= TR_ATOMIC_OP_RMW, "tr_shared_atomic: not a tr_atomic_op");
    shared_access((const void *)addr, size, ops[op], atomic_effect, NULL);
}

void (tr_shared_atomic_cas)(const volatile void *addr, const void *expected, size_t size)
{
    cas_args cas = {expected, size};
    shared_access((const void *)addr, size, TR__OP_MEM_ATOMIC_RMW, atomic_effect, &cas);
}

void tr__memory_forget(void) { n_mems = 0; }

void tr__memory_freed(const void *addr, size_t size)
{
    const char *start = addr, *end = start + size;
    for (int i = 0; i < n_mems; i++) {
        const char *at = mems[i]->addr;
        if (at >= start && at < end)
            mems[i]->freed = true;
    }
}

size_t tr__memory_bytes(const tr__object *obj)
{
    return obj->type == &mem_type ? ((const memrec *)obj)->size : 0;
}

