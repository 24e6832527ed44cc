/* trama/semaphore.h — threading.Semaphore and threading.BoundedSemaphore. */
#ifndef TRAMA_SEMAPHORE_H
#define TRAMA_SEMAPHORE_H

#include <trama/site.h>
#include <trama/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tr_semaphore tr_semaphore;

/* Semaphore(value): NULL + TR_VALUE_ERROR "semaphore initial value must be >= 0". */
TR_PUBLIC tr_semaphore *tr_semaphore_new(long value);
/* BoundedSemaphore(value): releasing past the initial value is a ValueError. */
TR_PUBLIC tr_semaphore *tr_bounded_semaphore_new(long value);
/* acquire(blocking=True, timeout=None): TR_OK, or TR_TIMEOUT (non-blocking, timeout ≤ 0,
 * or expired). TR_VALUE_ERROR "can't specify timeout for non-blocking acquire" when
 * blocking is false and timeout is not TR_FOREVER. */
TR_PUBLIC tr_status tr_semaphore_acquire(tr_semaphore *, bool blocking, double timeout);
/* release(n=1): TR_VALUE_ERROR "n must be one or more"; bounded and over the initial
 * value: TR_VALUE_ERROR "Semaphore released too many times", value unchanged. */
TR_PUBLIC tr_status tr_semaphore_release(tr_semaphore *, long n);
/* The current counter (Semaphore._value), for tests and reports. */
TR_PUBLIC long tr_semaphore_value(const tr_semaphore *);
TR_PUBLIC void tr_semaphore_free(tr_semaphore *);

#define tr_semaphore_new(...) (TR__SITE(), tr_semaphore_new(__VA_ARGS__))
#define tr_bounded_semaphore_new(...) (TR__SITE(), tr_bounded_semaphore_new(__VA_ARGS__))
#define tr_semaphore_acquire(...) (TR__SITE(), tr_semaphore_acquire(__VA_ARGS__))
#define tr_semaphore_release(...) (TR__SITE(), tr_semaphore_release(__VA_ARGS__))

#ifdef __cplusplus
}
#endif
#endif
