/* A hit counter behind a spin lock: a thread that finds the lock busy spins until it is
 * free (trylock in a loop, then lock). */
#include <assert.h>
#include <pthread.h>

static pthread_spinlock_t lock;
static int hits;

static void *worker(void *arg)
{
    (void)arg;
    if (pthread_spin_trylock(&lock) != 0)
        pthread_spin_lock(&lock);
    hits++;
    pthread_spin_unlock(&lock);
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
