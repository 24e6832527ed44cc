/* Pattern:  lost update: two threads increment a counter by read-then-write, no lock.
 * Expected: TR_ASSERTION.
 * Trigger:  one thread reads, the other reads and writes, the first writes back the
 *           stale value; 1 preemption (between the first thread's read and write).
 * Twin:     counter_locked_increment_2threads.c (TR_PASS). */
#include <trama/harness.h>

typedef struct counter {
    int x;
} counter;

static void increment(void *arg)
{
    counter *s = arg;
    int seen = TR_LOAD(s->x);
    TR_STORE(s->x, seen + 1);
}

TR_CASE(counter_unlocked_increment_2threads, TR_ASSERTION)
{
    counter *s = tr_case_alloc(sizeof *s);
    tr_thread *t1 = tr_thread_new(increment, s, &(tr_thread_opts){.name = "inc1"});
    tr_thread *t2 = tr_thread_new(increment, s, &(tr_thread_opts){.name = "inc2"});
    tr_thread_start(t1);
    tr_thread_start(t2);
    tr_thread_join(t1, TR_FOREVER);
    tr_thread_join(t2, TR_FOREVER);
    int x = TR_LOAD(s->x);
    TR_ASSERT(x == 2);
    tr_thread_free(t1);
    tr_thread_free(t2);
}
