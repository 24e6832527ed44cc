/* errno is each thread's own: a thread's errno survives other threads' failing calls at
 * every point where they may run. */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdint.h>

static sem_t empty; /* never posted: every trywait fails with EAGAIN */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
    int mine = (int)(intptr_t)arg;
    errno = mine;
    pthread_mutex_lock(&lock);
    pthread_mutex_unlock(&lock);
    assert(errno == mine);
    assert(sem_trywait(&empty) == -1 && errno == EAGAIN);
    errno = mine;
    sched_yield();
    assert(errno == mine);
    return NULL;
}

int main(void)
{
    sem_init(&empty, 0, 0);
    pthread_t a, b;
    pthread_create(&a, NULL, worker, (void *)(intptr_t)1001);
    pthread_create(&b, NULL, worker, (void *)(intptr_t)1002);
    errno = 0;
    assert(sem_trywait(&empty) == -1 && errno == EAGAIN);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    return 0;
}
