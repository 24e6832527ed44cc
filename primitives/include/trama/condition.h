/* trama/condition.h — threading.Condition. */
#ifndef TRAMA_CONDITION_H
#define TRAMA_CONDITION_H

#include <trama/lock.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tr_condition tr_condition;
typedef bool (*tr_predicate)(void *arg);

/* Condition(): owns a new RLock. */
TR_PUBLIC tr_condition *tr_condition_new(void);
/* Condition(lock) / Condition(rlock): borrows the lock; free the condition first. */
TR_PUBLIC tr_condition *tr_condition_new_lock(tr_lock *);
TR_PUBLIC tr_condition *tr_condition_new_rlock(tr_rlock *);
/* acquire/release go to the lock, with its rules and messages. */
TR_PUBLIC tr_status tr_condition_acquire(tr_condition *, bool blocking, double timeout);
TR_PUBLIC tr_status tr_condition_release(tr_condition *);
/* Condition.wait(timeout=None): TR_OK notified, TR_TIMEOUT timed out (≤ 0 polls once).
 * Releases the lock fully (an RLock's count is saved and restored on every return).
 * TR_RUNTIME_ERROR "cannot wait on un-acquired lock". No spurious wake-ups. */
TR_PUBLIC tr_status tr_condition_wait(tr_condition *, double timeout);
/* Condition.wait_for(predicate, timeout=None): TR_OK when the predicate is true (checked
 * first, even without the lock), TR_TIMEOUT when it is still false at the deadline. */
TR_PUBLIC tr_status tr_condition_wait_for(tr_condition *, tr_predicate, void *arg,
                                          double timeout);
/* Condition.notify(n=1): wakes the n oldest waiters (n ≤ 0: none).
 * TR_RUNTIME_ERROR "cannot notify on un-acquired lock". */
TR_PUBLIC tr_status tr_condition_notify(tr_condition *, int n);
TR_PUBLIC tr_status tr_condition_notify_all(tr_condition *);
/* Frees the condition (and the RLock it owns); a borrowed lock stays the caller's. */
TR_PUBLIC void tr_condition_free(tr_condition *);

#define tr_condition_new() (TR__SITE(), tr_condition_new())
#define tr_condition_new_lock(...) (TR__SITE(), tr_condition_new_lock(__VA_ARGS__))
#define tr_condition_new_rlock(...) (TR__SITE(), tr_condition_new_rlock(__VA_ARGS__))
#define tr_condition_acquire(...) (TR__SITE(), tr_condition_acquire(__VA_ARGS__))
#define tr_condition_release(...) (TR__SITE(), tr_condition_release(__VA_ARGS__))
#define tr_condition_wait(...) (TR__SITE(), tr_condition_wait(__VA_ARGS__))
#define tr_condition_wait_for(...) (TR__SITE(), tr_condition_wait_for(__VA_ARGS__))
#define tr_condition_notify(...) (TR__SITE(), tr_condition_notify(__VA_ARGS__))
#define tr_condition_notify_all(...) (TR__SITE(), tr_condition_notify_all(__VA_ARGS__))

#ifdef __cplusplus
}
#endif
#endif
