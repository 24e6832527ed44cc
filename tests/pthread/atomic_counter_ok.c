/* A counter of C11 atomics incremented with one fetch-and-add (and a compare-exchange
 * loop for its maximum). */
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>

static atomic_int hits;
static atomic_int most;

static void *worker(void *arg)
{
    (void)arg;
    int now = atomic_fetch_add(&hits, 1) + 1;
    int old = atomic_load(&most);
    while (old < now && !atomic_compare_exchange_weak(&most, &old, now))
        ;
    return NULL;
}

int main(void)
{
    pthread_t a, b;
    pthread_create(&a, NULL, worker, NULL);
    pthread_create(&b, NULL, worker, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    assert(atomic_load(&hits) == 2 && atomic_load(&most) == 2);
    return 0;
}
