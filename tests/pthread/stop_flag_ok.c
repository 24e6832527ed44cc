/* A driver's stop flag (the bluetooth driver's): a request checks the flag and takes its
 * reference in one critical section, so the device is freed only once no request can
 * still use it. */
#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_now = PTHREAD_COND_INITIALIZER;
static int stopping, references = 1, stopped;

static void *request(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    if (stopping) {
        pthread_mutex_unlock(&lock);
        return NULL;
    }
    references++;
    pthread_mutex_unlock(&lock);
    if (stopped)
        abort(); /* the device is gone */
    pthread_mutex_lock(&lock);
    if (--references == 0)
        pthread_cond_signal(&idle_now);
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, request, NULL);
    pthread_mutex_lock(&lock);
    stopping = 1;
    references--;
    while (references != 0)
        pthread_cond_wait(&idle_now, &lock);
    stopped = 1;
    pthread_mutex_unlock(&lock);
    pthread_join(t, NULL);
    return 0;
}
