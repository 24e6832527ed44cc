/* pthread_exit: a worker's value reaches its joiner; main's pthread_exit lets the last
 * worker finish (its assert still runs) before the program ends. */
#include <assert.h>
#include <pthread.h>
#include <stdint.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int stage;

static void *answer(void *arg)
{
    (void)arg;
    pthread_exit((void *)(intptr_t)42);
}

static void *last(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    stage++;
    assert(stage == 2);
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t t;
    void *value;
    pthread_create(&t, NULL, answer, NULL);
    pthread_join(t, &value);
    assert((intptr_t)value == 42);
    pthread_mutex_lock(&lock);
    stage = 1;
    pthread_mutex_unlock(&lock);
    pthread_create(&t, NULL, last, NULL);
    pthread_detach(t);
    pthread_exit(NULL);
}
