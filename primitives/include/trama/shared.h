/* trama/shared.h — multiprocessing.Value and multiprocessing.Array: typed storage shared
 * with every process forked after it was made (tr_process_start), optionally with the
 * multiprocessing.RLock that guards each access. */
#ifndef TRAMA_SHARED_H
#define TRAMA_SHARED_H

#include <trama/lock.h>
#include <trama/site.h>
#include <trama/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tr_shared tr_shared;

/* multiprocessing.Value(typecode, lock=lock): one zeroed item of ctypes' type for the
 * typecode: 'c' char, 'u' wchar_t, 'b' signed char, 'B' unsigned char, 'h' short,
 * 'H' unsigned short, 'i' int, 'I' unsigned int, 'l' long, 'L' unsigned long,
 * 'q' long long, 'Q' unsigned long long, 'f' float, 'd' double. lock=true: with its own
 * RLock (tr_shared_get_lock), which tr_shared_get and tr_shared_set take around each
 * access. NULL + TR_VALUE_ERROR "this type has no size" (Python's TypeError) for another
 * typecode; NULL + TR_NO_MEMORY. The caller frees it with tr_shared_free. */
TR_PUBLIC tr_shared *tr_shared_value_new(char typecode, bool lock);
/* multiprocessing.Array(typecode, length, lock=lock): length zeroed items. NULL +
 * TR_VALUE_ERROR "array too large" (Python's OverflowError) when length * item size does
 * not fit in a ssize_t; otherwise as tr_shared_value_new. */
TR_PUBLIC tr_shared *tr_shared_array_new(char typecode, size_t length, bool lock);

/* Value.value and Array[index]: copies the item (the typecode's C type) to *out. With a
 * lock, the lock is taken and released around this one access, as Python's Synchronized
 * wrapper does, so `v.value += 1` (a get, then a set) can still lose an update to
 * another process; hold tr_shared_get_lock around both for that. index counts from 0,
 * or from the end when negative, as Python's; a Value's item is 0 (or -1).
 * TR_INDEX_ERROR "invalid index" outside the items. */
TR_PUBLIC tr_status tr_shared_get(tr_shared *, long index, void *out);
/* Value.value = x and Array[index] = x: copies *in (the typecode's C type) to the item.
 * As tr_shared_get. */
TR_PUBLIC tr_status tr_shared_set(tr_shared *, long index, const void *in);

/* The typed storage, the same memory in every process that has it (Python's get_obj()),
 * as long as the object lives in the calling process. Plain accesses to it are the
 * caller's to order; under the harness, declare them (TR_LOAD, TR_STORE). */
TR_PUBLIC void *tr_shared_data(tr_shared *);
/* len(): the number of items, 1 for a Value. */
TR_PUBLIC size_t tr_shared_length(const tr_shared *);
/* ctypes.sizeof of one item. */
TR_PUBLIC size_t tr_shared_itemsize(const tr_shared *);
/* get_lock(): the RLock that guards the accesses, NULL when made with lock=false.
 * Borrowed: freed with the object. It is a multiprocessing.RLock: one lock for every
 * process that has the object, with SemLock's rules where they differ from threading's:
 * acquire checks no argument (blocking=false or a negative timeout tries once, TR_FOREVER
 * is None; a NaN or too large timeout fails, when it has to wait, with TR_OS_ERROR
 * "[Errno 22] Invalid argument"), and a release by a thread that does not own it is
 * TR_RUNTIME_ERROR "attempt to release recursive lock not owned by thread" (Python's
 * AssertionError). Held by a process that ended, it stays held. */
TR_PUBLIC tr_rlock *tr_shared_get_lock(tr_shared *);
/* This process lets go of the object (and its lock): a process that still has it (a
 * forked child, or the parent of one that frees it) keeps it. NULL: no-op. */
TR_PUBLIC void tr_shared_free(tr_shared *);

/* Call sites (see trama/lock.h). */
#define tr_shared_value_new(...) (TR__SITE(), tr_shared_value_new(__VA_ARGS__))
#define tr_shared_array_new(...) (TR__SITE(), tr_shared_array_new(__VA_ARGS__))
#define tr_shared_get(...) (TR__SITE(), tr_shared_get(__VA_ARGS__))
#define tr_shared_set(...) (TR__SITE(), tr_shared_set(__VA_ARGS__))

#ifdef __cplusplus
}
#endif
#endif
