/* One consumer waits for an item with `if` instead of `while`: with no other consumer it
 * can only go wrong when the wait returns without a signal, which POSIX allows. */
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
    if (count == 0)
        pthread_cond_wait(&changed, &lock);
    assert(count == 1);
    pthread_mutex_unlock(&lock);
    pthread_join(p, NULL);
    return 0;
}
