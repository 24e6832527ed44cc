/* A hit counter behind a spin lock: a thread that finds the lock busy counts anyway,
 * without it, rather than wait. */
#include <assert.h>
#include <pthread.h>

static pthread_spinlock_t lock;
static int hits;

static void *worker(void *arg)
{
    (void)arg;
    if (pthread_spin_trylock(&lock) == 0) {
        hits++;
        pthread_spin_unlock(&lock);
    } else {
        hits++; /* the bug: the lock is busy, so count without it */
    }
    return NULL;
}

int main(void)
{
    pthread_t a, b;
    pthread_spin_init(&lock, PTHREAD_PROCESS_PRIVATE);
    pthread_create(&a, NULL, worker, NULL);
    pthread_create(&b, NULL, worker, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    assert(hits == 2);
    pthread_spin_destroy(&lock);
    return 0;
}
