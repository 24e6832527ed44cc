/* Two stages: each worker fills its slot, then reads its neighbour's; the barrier between
 * the stages is missing, so a worker can read a slot not yet filled. */
#include <assert.h>
#include <pthread.h>

enum { N = 3 };
static int slot[N];
static int seen[N];

static void *worker(void *arg)
{
    int i = *(int *)arg;
    slot[i] = i + 1;
    seen[i] = slot[(i + 1) % N];
    return NULL;
}

int main(void)
{
    pthread_t t[N];
    int ids[N];
    for (int i = 0; i < N; i++) {
        ids[i] = i;
        pthread_create(&t[i], NULL, worker, &ids[i]);
    }
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < N; i++)
        assert(seen[i] == (i + 1) % N + 1);
    return 0;
}
