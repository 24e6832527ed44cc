/* trama/barrier.h — threading.Barrier. */
#ifndef TRAMA_BARRIER_H
#define TRAMA_BARRIER_H

#include <trama/site.h>
#include <trama/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tr_barrier tr_barrier;

/* Barrier(parties, action=None, timeout=None): NULL + TR_VALUE_ERROR "parties must be > 0"
 * when parties < 1. action (NULL: none) runs with action_arg in the last thread to arrive,
 * after every party arrived and before any is released; it must not call this barrier's
 * wait, reset or abort (Python's deadlock: the barrier's lock is held through it). A C
 * action cannot raise, so Python's "an action that raises breaks the barrier" has no
 * equivalent: to fail a pass, call tr_barrier_abort afterwards. timeout: the default for
 * every wait, TR_FOREVER for none. */
TR_PUBLIC tr_barrier *tr_barrier_new(long parties, void (*action)(void *), void *action_arg,
                                     double timeout);
/* wait(timeout=None): TR_OK once all parties arrived, *index (if not NULL) set to this
 * thread's arrival order 0..parties-1 (set only on TR_OK). timeout TR_FOREVER uses the
 * barrier's default; <= 0 polls once; NaN waits without limit (Python spins until
 * released). TR_BROKEN_BARRIER (BrokenBarrierError, message "") when the barrier is broken
 * or reset while waiting, or breaks it by timing out. A thread arriving while the previous
 * pass drains (or a reset completes) first waits for it, without a timeout, as Python.
 * TR_VALUE_ERROR "timestamp out of range for platform time_t" (Python's OverflowError)
 * when it must wait and timeout >= 2^63 ns: the arrival is undone, nothing breaks. */
TR_PUBLIC tr_status tr_barrier_wait(tr_barrier *, double timeout, long *index);
/* reset(): threads waiting get TR_BROKEN_BARRIER; the barrier is usable again once they
 * left (a broken one too). Always TR_OK. */
TR_PUBLIC tr_status tr_barrier_reset(tr_barrier *);
/* abort(): breaks the barrier; waiting and later waits get TR_BROKEN_BARRIER until a
 * reset. Always TR_OK. */
TR_PUBLIC tr_status tr_barrier_abort(tr_barrier *);
/* The parties property. */
TR_PUBLIC long tr_barrier_parties(const tr_barrier *);
/* n_waiting: threads arrived in the current pass (0 while draining, resetting, broken). */
TR_PUBLIC long tr_barrier_n_waiting(const tr_barrier *);
/* broken: whether the barrier is broken (abort, a timeout) and not reset since. */
TR_PUBLIC bool tr_barrier_broken(const tr_barrier *);
/* Frees the barrier; no thread may be inside its wait. NULL: no-op. */
TR_PUBLIC void tr_barrier_free(tr_barrier *);

#define tr_barrier_new(...) (TR__SITE(), tr_barrier_new(__VA_ARGS__))
#define tr_barrier_wait(...) (TR__SITE(), tr_barrier_wait(__VA_ARGS__))
#define tr_barrier_reset(...) (TR__SITE(), tr_barrier_reset(__VA_ARGS__))
#define tr_barrier_abort(...) (TR__SITE(), tr_barrier_abort(__VA_ARGS__))
#define tr_barrier_n_waiting(...) (TR__SITE(), tr_barrier_n_waiting(__VA_ARGS__))
#define tr_barrier_broken(...) (TR__SITE(), tr_barrier_broken(__VA_ARGS__))

#ifdef __cplusplus
}
#endif
#endif
