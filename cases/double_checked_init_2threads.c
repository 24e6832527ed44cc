/* Pattern:  double-checked initialisation: two threads get a lazily made singleton;
 *           each tests the pointer without the lock, and only if it is NULL takes the
 *           lock, tests again, fills the object and publishes the pointer. The first,
 *           unlocked test (and the use of the object after it) is not ordered with the
 *           other thread's publication under the lock.
 * Expected: TR_DATA_RACE.
 * Trigger:  none (0 preemptions): one thread initialises, the other's unlocked test
 *           is unordered with it in every schedule.
 * Twin:     hb_lock_2threads.c (TR_PASS, every access under the lock). */
#include <trama/harness.h>

typedef struct shared {
    tr_lock *lock;
    int value;     /* the singleton's content */
    int *instance; /* NULL until initialised */
} shared;

static void get_instance(void *arg)
{
    shared *s = arg;
    int *p = TR_LOAD(s->instance);
    if (!p) {
        tr_lock_acquire(s->lock, true, TR_FOREVER);
        p = TR_LOAD(s->instance);
        if (!p) {
            TR_STORE(s->value, 42);
            p = &s->value;
            TR_STORE(s->instance, p);
        }
        tr_lock_release(s->lock);
    }
    TR_ASSERT(TR_LOAD(*p) == 42);
}

TR_CASE(double_checked_init_2threads, TR_DATA_RACE)
{
    shared *s = tr_case_alloc(sizeof *s);
    s->lock = tr_lock_new();
    tr_thread *a = tr_thread_new(get_instance, s, &(tr_thread_opts){.name = "a"});
    tr_thread *b = tr_thread_new(get_instance, s, &(tr_thread_opts){.name = "b"});
    tr_thread_start(a);
    tr_thread_start(b);
    tr_thread_join(a, TR_FOREVER);
    tr_thread_join(b, TR_FOREVER);
    tr_thread_free(a);
    tr_thread_free(b);
    tr_lock_free(s->lock);
}
