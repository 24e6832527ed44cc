/* A counter of C11 atomics incremented as a load and a store: each access is atomic, the
 * increment is not. */
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>

static atomic_int hits;

static void *worker(void *arg)
{
    (void)arg;
    int seen = atomic_load(&hits);
    atomic_store(&hits, seen + 1);
    return NULL;
}

int main(void)
{
    pthread_t a, b;
    pthread_create(&a, NULL, worker, NULL);
    pthread_create(&b, NULL, worker, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    assert(atomic_load(&hits) == 2);
    return 0;
}
