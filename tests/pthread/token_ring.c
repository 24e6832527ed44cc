/* A token ring: each station waits for its semaphore, passes the token on, and posts the
 * next station's; the stations count their turns in one shared tally, but the last
 * station counts before it has the token. */
#include <assert.h>
#include <pthread.h>
#include <semaphore.h>

enum { N = 3 };
static sem_t turn[N];
static int tally;
static int order[N];

static void *station(void *arg)
{
    int i = *(int *)arg;
    if (i == N - 1)
        tally++;
    sem_wait(&turn[i]);
    if (i != N - 1)
        tally++;
    order[i] = tally;
    sem_post(&turn[(i + 1) % N]);
    return NULL;
}

int main(void)
{
    pthread_t t[N];
    int ids[N];
    for (int i = 0; i < N; i++)
        sem_init(&turn[i], 0, 0);
    for (int i = 0; i < N; i++) {
        ids[i] = i;
        pthread_create(&t[i], NULL, station, &ids[i]);
    }
    sem_post(&turn[0]);
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < N; i++)
        assert(order[i] == i + 1);
    return 0;
}
