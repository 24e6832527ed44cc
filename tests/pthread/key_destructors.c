/* Thread-specific data as POSIX says: each thread sees its own value (NULL until it sets
 * one); when a thread ends, by returning or by pthread_exit, each non-NULL value of a key
 * with a destructor is set to NULL and the destructor called with it, again while a
 * destructor sets a value, and before the thread's joiner returns; a key deleted and made
 * again starts NULL; main returning runs no destructor. */
#include <assert.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>

static pthread_key_t key;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int destroyed; /* destructor calls, under lock */
static int reset_once[3];

static void destroy(void *value)
{
    int *id = value;
    assert(pthread_getspecific(key) == NULL); /* set to NULL before the call */
    pthread_mutex_lock(&lock);
    destroyed++;
    pthread_mutex_unlock(&lock);
    /* thread 2 sets a value again in its first round: a second round calls it again */
    if (*id == 2 && !reset_once[2]) {
        reset_once[2] = 1;
        pthread_setspecific(key, value);
        return;
    }
    free(id);
}

static void *worker(void *arg)
{
    int n = (int)(intptr_t)arg;
    assert(pthread_getspecific(key) == NULL);
    int *id = malloc(sizeof *id);
    *id = n;
    pthread_setspecific(key, id);
    sched_yield();
    assert(pthread_getspecific(key) == id);
    if (n == 1)
        pthread_exit(NULL);
    return NULL;
}

int main(void)
{
    pthread_key_create(&key, destroy);
    static int mine = 7;
    pthread_setspecific(key, &mine); /* main's: never destroyed (main returns) */
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    pthread_mutex_lock(&lock);
    assert(destroyed == 4);
    pthread_mutex_unlock(&lock);
    assert(pthread_getspecific(key) == &mine);

    pthread_key_t other;
    pthread_key_create(&other, NULL);
    pthread_setspecific(other, &mine);
    pthread_key_delete(other);
    pthread_key_create(&other, NULL);
    assert(pthread_getspecific(other) == NULL);
    return 0;
}
