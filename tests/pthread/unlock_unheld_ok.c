/* A worker signals its caller through a semaphore; the caller unlocks its own mutex. */
#include <pthread.h>
#include <semaphore.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static sem_t done;
static int ready;

static void *worker(void *arg)
{
    (void)arg;
    ready = 1;
    sem_post(&done);
    return NULL;
}

int main(void)
{
    pthread_t t;
    sem_init(&done, 0, 0);
    pthread_mutex_lock(&lock);
    pthread_create(&t, NULL, worker, NULL);
    sem_wait(&done);
    pthread_mutex_unlock(&lock);
    pthread_join(t, NULL);
    return ready == 1 ? 0 : 1;
}
