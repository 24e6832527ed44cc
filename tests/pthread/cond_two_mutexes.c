/* Two waiters on one condition variable, each with a mutex of its own: POSIX leaves that
 * undefined, and the flag they wait for is guarded by neither consistently. */
#include <pthread.h>

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go = PTHREAD_COND_INITIALIZER;
static int ready;

static void *waiter(void *arg)
{
    pthread_mutex_t *lock = arg;
    pthread_mutex_lock(lock);
    while (!ready)
        pthread_cond_wait(&go, lock);
    pthread_mutex_unlock(lock);
    return NULL;
}

int main(void)
{
    pthread_t a, b;
    pthread_create(&a, NULL, waiter, &lock_a);
    pthread_create(&b, NULL, waiter, &lock_b);
    pthread_mutex_lock(&lock_a);
    ready = 1;
    pthread_cond_broadcast(&go);
    pthread_mutex_unlock(&lock_a);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    return 0;
}
