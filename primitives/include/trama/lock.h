/* trama/lock.h — threading.Lock and threading.RLock. */
#ifndef TRAMA_LOCK_H
#define TRAMA_LOCK_H

#include <trama/site.h>
#include <trama/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tr_lock tr_lock;
typedef struct tr_rlock tr_rlock;

/* threading.Lock(). NULL + TR_NO_MEMORY when out of memory. */
TR_PUBLIC tr_lock *tr_lock_new(void);
/* Lock.acquire(blocking=True, timeout=-1): TR_OK acquired, TR_TIMEOUT not.
 * TR_VALUE_ERROR: NaN, overflowing, negative (≠ -1) timeout, or a timeout with
 * blocking=false. A holder that acquires again blocks (no error). */
TR_PUBLIC tr_status tr_lock_acquire(tr_lock *, bool blocking, double timeout);
/* Lock.release(): any thread may release. TR_RUNTIME_ERROR "release unlocked lock". */
TR_PUBLIC tr_status tr_lock_release(tr_lock *);
/* Lock.locked(). */
TR_PUBLIC bool tr_lock_locked(const tr_lock *);
/* Frees the lock, held or not (as Python lets a held lock be collected). NULL: no-op. */
TR_PUBLIC void tr_lock_free(tr_lock *);

/* threading.RLock(). */
TR_PUBLIC tr_rlock *tr_rlock_new(void);
/* RLock.acquire(blocking=True, timeout=-1): the owner re-enters at once (count + 1).
 * Arguments are checked first, with Lock's rules and texts. */
TR_PUBLIC tr_status tr_rlock_acquire(tr_rlock *, bool blocking, double timeout);
/* RLock.release(): TR_RUNTIME_ERROR "cannot release un-acquired lock" unless the caller
 * owns it. */
TR_PUBLIC tr_status tr_rlock_release(tr_rlock *);
/* RLock._is_owned(): the caller owns it. */
TR_PUBLIC bool tr_rlock_is_owned(const tr_rlock *);
/* RLock._recursion_count(): the owner's count; 0 for any other thread. */
TR_PUBLIC long tr_rlock_recursion_count(const tr_rlock *);
TR_PUBLIC void tr_rlock_free(tr_rlock *);

/* What the acquire/release macros below call: the same functions with the caller's site
 * as arguments rather than in the thread-local slot (storing to the slot, and clearing
 * it, cost as much as the uncontended lock itself). Internal, not API. */
TR_PUBLIC tr_status tr__lock_acquire_at(const char *file, int line, tr_lock *, bool blocking,
                                        double timeout);
TR_PUBLIC tr_status tr__lock_release_at(const char *file, int line, tr_lock *);
TR_PUBLIC tr_status tr__rlock_acquire_at(const char *file, int line, tr_rlock *, bool blocking,
                                         double timeout);
TR_PUBLIC tr_status tr__rlock_release_at(const char *file, int line, tr_rlock *);

/* Call sites: the macros record the caller's file:line; (tr_lock_acquire)(...) or the
 * function's address still reach the plain functions. */
#define tr_lock_acquire(...) tr__lock_acquire_at(__FILE__, __LINE__, __VA_ARGS__)
#define tr_lock_release(...) tr__lock_release_at(__FILE__, __LINE__, __VA_ARGS__)
#define tr_lock_locked(...) (TR__SITE(), tr_lock_locked(__VA_ARGS__))
#define tr_lock_new() (TR__SITE(), tr_lock_new())
#define tr_rlock_acquire(...) tr__rlock_acquire_at(__FILE__, __LINE__, __VA_ARGS__)
#define tr_rlock_release(...) tr__rlock_release_at(__FILE__, __LINE__, __VA_ARGS__)
#define tr_rlock_new() (TR__SITE(), tr_rlock_new())

#ifdef __cplusplus
}
#endif
#endif
