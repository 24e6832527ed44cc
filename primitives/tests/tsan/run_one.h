/* run_one.h — for the TSan scenario programs: run one function on a fresh thread and
 * wait for it (join orders it before what follows, so no scenario deadlocks for real). */
#ifndef TRAMA_TSAN_RUN_ONE_H
#define TRAMA_TSAN_RUN_ONE_H

#include <stdio.h>
#include <stdlib.h>
#include <trama/trama.h>

static inline void run_one(tr_target fn, void *arg)
{
    tr_thread *t = tr_thread_new(fn, arg, NULL);
    if (!t || tr_thread_start(t) != TR_OK || tr_thread_join(t, TR_FOREVER) != TR_OK) {
        fprintf(stderr, "scenario: thread failed\n");
        exit(2);
    }
    tr_thread_free(t);
}

/* Takes first, then second (the order TSan records), and lets both go. */
static inline void nest_locks(tr_lock *first, tr_lock *second)
{
    tr_lock_acquire(first, true, TR_FOREVER);
    tr_lock_acquire(second, true, TR_FOREVER);
    tr_lock_release(second);
    tr_lock_release(first);
}

#endif
