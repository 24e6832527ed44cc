/* One consumer waits for an item, checking again after every wake-up (`while`), as a
 * wait may return without a signal. */
#include <assert.h>
#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int count;

static void *producer(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    count = 1;
    pthread_cond_signal(&changed);
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t p;
    pthread_create(&p, NULL, producer, NULL);
    pthread_mutex_lock(&lock);
    while (count == 0)
        pthread_cond_wait(&changed, &lock);
    assert(count == 1);
    pthread_mutex_unlock(&lock);
    pthread_join(p, NULL);
    return 0;
}
