/* cc_tsan.c — the callbacks the compiler's ThreadSanitizer instrumentation calls (clang's
 * and gcc's), as the harness's declared accesses.
 *
 * Every access the program makes while it runs under an execution is a scheduling point
 * and an input of the race detector, at the line of the access (the callback's return
 * address): the plain ones as tr_shared_read/tr_shared_write, the atomic ones as
 * tr_shared_atomic (a compare-exchange as tr_shared_atomic_cas, so only one that succeeds
 * writes). Outside an execution a callback does nothing but the operation it stands for.
 * Every access made once a second thread exists is a scheduling point: DPOR's dependence
 * relation sees each one, none is folded into another step. The accesses of the main
 * thread before it creates its first thread are not: nothing can run between them, and
 * the thread's start orders each of them before anything another thread does (no race
 * and no dependence is lost; a large memset at start-up costs no steps).
 *
 * Atomics are done sequentially consistent whatever order the program asked for, and a
 * fence adds nothing to that: the explored behaviours are those of SC (a bug that needs a
 * weaker order is not found). A location is an address: accesses of different sizes that
 * overlap at different start addresses are not checked against each other. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "cc_runtime.h"

/* Whether an access now is one the harness must see (see above). */
static bool watched(void) { return tr__cc_controlled() && tr__exec.n_threads > 1; }

void tr__cc_access(const void *addr, size_t size, bool write, const void *ra)
{
    /* errno is each case thread's own (the hosts carry it across switches), but every
     * thread on one host finds it at one address: it is not shared memory. */
    if (!watched())
        return;
    const char *own_errno = (const char *)&errno;
    if ((const char *)addr < own_errno + sizeof errno && (const char *)addr + size > own_errno)
        return;
    tr__cc_site(ra);
    if (write)
        (tr_shared_write)((void *)addr, size);
    else
        (tr_shared_read)(addr, size);
}

/* A range (gcc's aggregates, memcpy and memset): 8-byte pieces from its start. */
static void range_access(const void *addr, size_t size, bool write, const void *ra)
{
    if (!watched())
        return;
    for (size_t at = 0; at < size; at += 8)
        tr__cc_access((const char *)addr + at, size - at < 8 ? size - at : 8, write, ra);
}

#define TSAN_PLAIN(n)                                                                            \
    TR_PUBLIC void __tsan_read##n(void *addr);                                                   \
    TR_PUBLIC void __tsan_write##n(void *addr);                                                  \
    TR_PUBLIC void __tsan_unaligned_read##n(const void *addr);                                   \
    TR_PUBLIC void __tsan_unaligned_write##n(void *addr);                                        \
    void __tsan_read##n(void *addr) { tr__cc_access(addr, n, false, RA); }                       \
    void __tsan_write##n(void *addr) { tr__cc_access(addr, n, true, RA); }                       \
    void __tsan_unaligned_read##n(const void *addr) { tr__cc_access(addr, n, false, RA); }       \
    void __tsan_unaligned_write##n(void *addr) { tr__cc_access(addr, n, true, RA); }
/* clang's read-modify-write with -tsan-compound-read-before-write: its write stands for
 * both, as any access that conflicts with the read conflicts with the write too. */
#define TSAN_READ_WRITE(n)                                                                       \
    TR_PUBLIC void __tsan_read_write##n(void *addr);                                             \
    TR_PUBLIC void __tsan_unaligned_read_write##n(void *addr);                                   \
    void __tsan_read_write##n(void *addr) { tr__cc_access(addr, n, true, RA); }                  \
    void __tsan_unaligned_read_write##n(void *addr) { tr__cc_access(addr, n, true, RA); }
TSAN_READ_WRITE(1)
TSAN_READ_WRITE(2)
TSAN_READ_WRITE(4)
TSAN_READ_WRITE(8)
TSAN_READ_WRITE(16)
TSAN_PLAIN(1)
TSAN_PLAIN(2)
TSAN_PLAIN(4)
TSAN_PLAIN(8)
TSAN_PLAIN(16)

TR_PUBLIC void __tsan_read_range(void *addr, unsigned long size);
TR_PUBLIC void __tsan_write_range(void *addr, unsigned long size);
void __tsan_read_range(void *addr, unsigned long size) { range_access(addr, size, false, RA); }
void __tsan_write_range(void *addr, unsigned long size) { range_access(addr, size, true, RA); }

/* Every module's constructor calls it; the runtime starts with the program's main. */
TR_PUBLIC void __tsan_init(void);
TR_PUBLIC void __tsan_func_entry(void *caller);
TR_PUBLIC void __tsan_func_exit(void);
void __tsan_init(void) {}
void __tsan_func_entry(void *caller) { (void)caller; }
void __tsan_func_exit(void) {}

TR_PUBLIC void *__tsan_memcpy(void *dst, const void *src, size_t n);
TR_PUBLIC void *__tsan_memmove(void *dst, const void *src, size_t n);
TR_PUBLIC void *__tsan_memset(void *dst, int c, size_t n);
TR_PUBLIC void *__wrap_memcpy(void *dst, const void *src, size_t n);
TR_PUBLIC void *__wrap_memmove(void *dst, const void *src, size_t n);
TR_PUBLIC void *__wrap_memset(void *dst, int c, size_t n);

static void *copy(void *dst, const void *src, size_t n, const void *ra)
{
    range_access(src, n, false, ra);
    range_access(dst, n, true, ra);
    return memmove(dst, src, n);
}

static void *fill(void *dst, int c, size_t n, const void *ra)
{
    range_access(dst, n, true, ra);
    return memset(dst, c, n);
}

void *__tsan_memcpy(void *dst, const void *src, size_t n) { return copy(dst, src, n, RA); }
void *__tsan_memmove(void *dst, const void *src, size_t n) { return copy(dst, src, n, RA); }
void *__tsan_memset(void *dst, int c, size_t n) { return fill(dst, c, n, RA); }
/* clang before 16 and gcc call the C library's names: trama-cc wraps them. */
void *__wrap_memcpy(void *dst, const void *src, size_t n) { return copy(dst, src, n, RA); }
void *__wrap_memmove(void *dst, const void *src, size_t n) { return copy(dst, src, n, RA); }
void *__wrap_memset(void *dst, int c, size_t n) { return fill(dst, c, n, RA); }

/* ---- atomics ------------------------------------------------------------------------ */

static void atomic_step(const volatile void *addr, size_t size, tr_atomic_op op, const void *ra)
{
    if (!watched())
        return;
    tr__cc_site(ra);
    (tr_shared_atomic)(addr, size, op);
}

static void cas_step(const volatile void *addr, const void *expected, size_t size,
                     const void *ra)
{
    if (!watched())
        return;
    tr__cc_site(ra);
    (tr_shared_atomic_cas)(addr, expected, size);
}

#define SC __ATOMIC_SEQ_CST
#define TSAN_RMW(bits, T, name, builtin)                                                         \
    TR_PUBLIC T __tsan_atomic##bits##_##name(volatile T *a, T v, int mo);                        \
    T __tsan_atomic##bits##_##name(volatile T *a, T v, int mo)                                   \
    {                                                                                            \
        (void)mo;                                                                                \
        atomic_step(a, sizeof(T), TR_ATOMIC_OP_RMW, RA);                                         \
        return builtin(a, v, SC);                                                                \
    }
#define TSAN_ATOMICS(bits, T)                                                                    \
    TR_PUBLIC T __tsan_atomic##bits##_load(const volatile T *a, int mo);                         \
    TR_PUBLIC void __tsan_atomic##bits##_store(volatile T *a, T v, int mo);                      \
    TR_PUBLIC int __tsan_atomic##bits##_compare_exchange_strong(volatile T *a, T *c, T v,        \
                                                                int mo, int fail_mo);            \
    TR_PUBLIC int __tsan_atomic##bits##_compare_exchange_weak(volatile T *a, T *c, T v, int mo,  \
                                                              int fail_mo);                      \
    TR_PUBLIC T __tsan_atomic##bits##_compare_exchange_val(volatile T *a, T c, T v, int mo,      \
                                                           int fail_mo);                         \
    T __tsan_atomic##bits##_load(const volatile T *a, int mo)                                    \
    {                                                                                            \
        (void)mo;                                                                                \
        atomic_step(a, sizeof(T), TR_ATOMIC_OP_LOAD, RA);                                        \
        return __atomic_load_n(a, SC);                                                           \
    }                                                                                            \
    void __tsan_atomic##bits##_store(volatile T *a, T v, int mo)                                 \
    {                                                                                            \
        (void)mo;                                                                                \
        atomic_step(a, sizeof(T), TR_ATOMIC_OP_STORE, RA);                                       \
        __atomic_store_n(a, v, SC);                                                              \
    }                                                                                            \
    /* A weak compare-exchange never fails spuriously here. */                                   \
    int __tsan_atomic##bits##_compare_exchange_strong(volatile T *a, T *c, T v, int mo,          \
                                                      int fail_mo)                               \
    {                                                                                            \
        (void)mo, (void)fail_mo;                                                                 \
        cas_step(a, c, sizeof(T), RA);                                                           \
        return __atomic_compare_exchange_n(a, c, v, false, SC, SC);                              \
    }                                                                                            \
    int __tsan_atomic##bits##_compare_exchange_weak(volatile T *a, T *c, T v, int mo,            \
                                                    int fail_mo)                                 \
    {                                                                                            \
        (void)mo, (void)fail_mo;                                                                 \
        cas_step(a, c, sizeof(T), RA);                                                           \
        return __atomic_compare_exchange_n(a, c, v, false, SC, SC);                              \
    }                                                                                            \
    T __tsan_atomic##bits##_compare_exchange_val(volatile T *a, T c, T v, int mo, int fail_mo)   \
    {                                                                                            \
        (void)mo, (void)fail_mo;                                                                 \
        cas_step(a, &c, sizeof(T), RA);                                                          \
        __atomic_compare_exchange_n(a, &c, v, false, SC, SC);                                    \
        return c;                                                                                \
    }                                                                                            \
    TSAN_RMW(bits, T, exchange, __atomic_exchange_n)                                             \
    TSAN_RMW(bits, T, fetch_add, __atomic_fetch_add)                                             \
    TSAN_RMW(bits, T, fetch_sub, __atomic_fetch_sub)                                             \
    TSAN_RMW(bits, T, fetch_and, __atomic_fetch_and)                                             \
    TSAN_RMW(bits, T, fetch_or, __atomic_fetch_or)                                               \
    TSAN_RMW(bits, T, fetch_xor, __atomic_fetch_xor)                                             \
    TSAN_RMW(bits, T, fetch_nand, __atomic_fetch_nand)
TSAN_ATOMICS(8, uint8_t)
TSAN_ATOMICS(16, uint16_t)
TSAN_ATOMICS(32, uint32_t)
TSAN_ATOMICS(64, uint64_t)

TR_PUBLIC void __tsan_atomic_thread_fence(int mo);
TR_PUBLIC void __tsan_atomic_signal_fence(int mo);
void __tsan_atomic_thread_fence(int mo)
{
    (void)mo;
    __atomic_thread_fence(SC);
}
void __tsan_atomic_signal_fence(int mo) { (void)mo; }
