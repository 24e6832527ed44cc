/* A table under a read-write lock: lookups take the read lock and count themselves in a
 * statistic of its own mutex. */
#include <assert.h>
#include <pthread.h>

static pthread_rwlock_t table_lock = PTHREAD_RWLOCK_INITIALIZER;
static int table[4] = {1, 2, 3, 4};
static int lookups;
static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;

static void *reader(void *arg)
{
    int key = *(int *)arg;
    pthread_rwlock_rdlock(&table_lock);
    int value = table[key];
    pthread_mutex_lock(&stats_lock);
    lookups++;
    pthread_mutex_unlock(&stats_lock);
    pthread_rwlock_unlock(&table_lock);
    assert(value == key + 1 || value == 10);
    return NULL;
}

static void *writer(void *arg)
{
    (void)arg;
    pthread_rwlock_wrlock(&table_lock);
    table[0] = 10;
    pthread_rwlock_unlock(&table_lock);
    return NULL;
}

int main(void)
{
    pthread_t r1, r2, w;
    int k0 = 0, k1 = 1;
    pthread_create(&r1, NULL, reader, &k0);
    pthread_create(&r2, NULL, reader, &k1);
    pthread_create(&w, NULL, writer, NULL);
    pthread_join(r1, NULL);
    pthread_join(r2, NULL);
    pthread_join(w, NULL);
    assert(lookups == 2);
    return 0;
}
