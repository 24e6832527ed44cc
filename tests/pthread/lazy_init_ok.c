/* Lazy initialisation, checked and built under the lock. */
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int *table;
static int builds;

static int *get_table(void)
{
    pthread_mutex_lock(&lock);
    if (table == NULL) {
        table = calloc(16, sizeof *table);
        builds++;
    }
    int *t = table;
    pthread_mutex_unlock(&lock);
    return t;
}

static void *user(void *arg)
{
    (void)arg;
    int *t = get_table();
    pthread_mutex_lock(&lock);
    t[0]++;
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
