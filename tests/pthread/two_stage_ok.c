/* Two stages: each worker fills its slot, waits at the barrier for all the others, then
 * reads its neighbour's. One of them (the serial thread) counts the passes. */
#include <assert.h>
#include <pthread.h>

enum { N = 3 };
static int slot[N];
static int seen[N];
static int serial;
static pthread_barrier_t filled;

static void *worker(void *arg)
{
    int i = *(int *)arg;
    slot[i] = i + 1;
    if (pthread_barrier_wait(&filled) == PTHREAD_BARRIER_SERIAL_THREAD)
        serial++;
    seen[i] = slot[(i + 1) % N];
    return NULL;
}

int main(void)
{
    pthread_t t[N];
    int ids[N];
    pthread_barrier_init(&filled, NULL, N);
    for (int i = 0; i < N; i++) {
        ids[i] = i;
        pthread_create(&t[i], NULL, worker, &ids[i]);
    }
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < N; i++)
        assert(seen[i] == (i + 1) % N + 1);
    assert(serial == 1);
    pthread_barrier_destroy(&filled);
    return 0;
}
