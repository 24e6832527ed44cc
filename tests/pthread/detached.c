/* A detached worker computes a result that main reads after sleeping: a sleep orders
 * nothing, so the read races with the worker's write. */
#include <assert.h>
#include <pthread.h>
#include <unistd.h>

static int result;

static void *worker(void *arg)
{
    (void)arg;
    result = 42;
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_detach(t);
    usleep(1000); /* the bug: "long enough" */
    return result == 42 ? 0 : 1;
}
