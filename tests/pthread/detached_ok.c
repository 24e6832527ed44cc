/* A worker created detached computes a result and posts a semaphore; main waits for the
 * post before it reads. */
#include <assert.h>
#include <pthread.h>
#include <semaphore.h>

static int result;
static sem_t done;

static void *worker(void *arg)
{
    (void)arg;
    result = 42;
    sem_post(&done);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_attr_t attr;
    sem_init(&done, 0, 0);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_create(&t, &attr, worker, NULL);
    pthread_attr_destroy(&attr);
    sem_wait(&done);
    assert(result == 42);
    return 0;
}
