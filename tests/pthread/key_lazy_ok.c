/* A per-thread scratch buffer behind a key made once (pthread_once), freed by the key's
 * destructor when each thread ends. */
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_key_t key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void make_key(void) { pthread_key_create(&key, free); }

static char *scratch(void)
{
    pthread_once(&key_once, make_key);
    char *b = pthread_getspecific(key);
    if (!b) {
        b = malloc(32);
        pthread_setspecific(key, b);
    }
    return b;
}

static void *worker(void *arg)
{
    char *b = scratch();
    strcpy(b, arg);
    assert(scratch() == b);
    return NULL;
}

int main(void)
{
    pthread_t a, b;
    pthread_create(&a, NULL, worker, "a");
    pthread_create(&b, NULL, worker, "b");
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    return 0;
}
