/* A worker unlocks the mutex its caller took: a default mutex may be unlocked only by the
 * thread that holds it. */
#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int ready;

static void *worker(void *arg)
{
    (void)arg;
    ready = 1;
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_mutex_lock(&lock);
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    return ready == 1 ? 0 : 1;
}
