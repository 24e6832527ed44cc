/* Lazy initialisation through pthread_once: the table is built once, and every user sees
 * it built. */
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int *table;
static int builds;

static void build(void)
{
    table = calloc(16, sizeof *table);
    builds++;
}

static void *user(void *arg)
{
    (void)arg;
    pthread_once(&once, build);
    pthread_mutex_lock(&lock);
    table[0]++;
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t a, b;
    pthread_create(&a, NULL, user, NULL);
    pthread_create(&b, NULL, user, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    assert(builds == 1 && table[0] == 2);
    free(table);
    return 0;
}
