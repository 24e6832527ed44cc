/* The speed figure's trama side: counter_pthread.c written with trama's API. */
#include <trama/harness.h>

enum { ROUNDS = 3 };
static tr_lock *lock;
static int counter;

static void worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        tr_lock_acquire(lock, true, TR_FOREVER);
        TR_STORE(counter, TR_LOAD(counter) + 1);
        tr_lock_release(lock);
    }
}

TR_CASE(counter_trama, TR_PASS)
{
    lock = tr_lock_new();
    counter = 0;
    tr_thread *a = tr_thread_new(worker, NULL, NULL);
    tr_thread *b = tr_thread_new(worker, NULL, NULL);
    tr_thread_start(a);
    tr_thread_start(b);
    tr_thread_join(a, TR_FOREVER);
    tr_thread_join(b, TR_FOREVER);
    TR_ASSERT(TR_LOAD(counter) == 2 * ROUNDS);
    tr_thread_free(a);
    tr_thread_free(b);
    tr_lock_free(lock);
}
