/* A driver's stop flag (the bluetooth driver's): a request checks the flag and then takes
 * a reference, unlocked, so the stopping thread can see no references and free the
 * device while the request still uses it; the request aborts on a stopped device. */
#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int stopping, references = 1, stopped;

static void *request(void *arg)
{
    (void)arg;
    if (stopping)
        return NULL;
    pthread_mutex_lock(&lock);
    references++;
    pthread_mutex_unlock(&lock);
    if (stopped)
        abort(); /* the device is gone */
    pthread_mutex_lock(&lock);
    references--;
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, request, NULL);
    stopping = 1;
    pthread_mutex_lock(&lock);
    references--;
    int idle = references == 0;
    pthread_mutex_unlock(&lock);
    if (idle)
        stopped = 1;
    pthread_join(t, NULL);
    return 0;
}
