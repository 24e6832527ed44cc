/* A circular buffer between two producers and a consumer, counted by semaphores; the
 * producers take the write index under a mutex. */
#include <assert.h>
#include <pthread.h>
#include <semaphore.h>

enum { SLOTS = 2 };
static int buffer[SLOTS];
static int in, out;
static sem_t empty, full;
static pthread_mutex_t producing = PTHREAD_MUTEX_INITIALIZER;

static void *producer(void *arg)
{
    sem_wait(&empty);
    pthread_mutex_lock(&producing);
    buffer[in] = *(int *)arg;
    in = (in + 1) % SLOTS;
    pthread_mutex_unlock(&producing);
    sem_post(&full);
    return NULL;
}

int main(void)
{
    sem_init(&empty, 0, SLOTS);
    sem_init(&full, 0, 0);
    pthread_t a, b;
    int one = 1, two = 2;
    pthread_create(&a, NULL, producer, &one);
    pthread_create(&b, NULL, producer, &two);
    int sum = 0;
    for (int i = 0; i < 2; i++) {
        sem_wait(&full);
        sum += buffer[out];
        out = (out + 1) % SLOTS;
        sem_post(&empty);
    }
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    assert(sum == 3);
    sem_destroy(&empty);
    sem_destroy(&full);
    return 0;
}
