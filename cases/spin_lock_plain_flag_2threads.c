/* Pattern:  a "spin lock" made of a plain int: each thread waits for the flag to be 0,
 *           sets it to 1, increments a counter, clears it. Test and set are two accesses,
 *           and nothing orders one thread's clear before the other's test.
 * Expected: TR_DATA_RACE (TR_ASSERTION also found: both threads can get in at once and
 *           lose an update).
 * Trigger:  the race needs none (0 preemptions); the lost update needs 1 (between a's
 *           test and its set).
 * Twin:     counter_under_lock_2threads.c (TR_PASS, a real Lock). */
#include <trama/harness.h>

typedef struct shared {
    int flag; /* 1: "locked" */
    int counter;
} shared;

static void increment(void *arg)
{
    shared *s = arg;
    while (TR_LOAD(s->flag))
        tr_yield();
    TR_STORE(s->flag, 1);
    TR_STORE(s->counter, TR_LOAD(s->counter) + 1);
    TR_STORE(s->flag, 0);
}

TR_CASE(spin_lock_plain_flag_2threads, TR_DATA_RACE)
{
    shared *s = tr_case_alloc(sizeof *s);
    tr_thread *a = tr_thread_new(increment, s, &(tr_thread_opts){.name = "a"});
    tr_thread *b = tr_thread_new(increment, s, &(tr_thread_opts){.name = "b"});
    tr_thread_start(a);
    tr_thread_start(b);
    tr_thread_join(a, TR_FOREVER);
    tr_thread_join(b, TR_FOREVER);
    TR_ASSERT(TR_LOAD(s->counter) == 2);
    tr_thread_free(a);
    tr_thread_free(b);
}
