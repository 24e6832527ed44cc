/* A per-thread scratch buffer behind a key made at first use, with an unlocked check: two
 * threads can both make the key, and the first then loses its buffer to the second key. */
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_key_t key;
static int key_made;

static char *scratch(void)
{
    if (!key_made) { /* the bug: not pthread_once */
        pthread_key_create(&key, free);
        key_made = 1;
    }
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
