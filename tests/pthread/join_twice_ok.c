/* One reaper joins the worker; main joins the reaper, and so waits for the worker too. */
#include <pthread.h>

static pthread_t worker_id;
static int result;

static void *worker(void *arg)
{
    (void)arg;
    result = 42;
    return NULL;
}

static void *reaper(void *arg)
{
    (void)arg;
    pthread_join(worker_id, NULL);
    return NULL;
}

int main(void)
{
    pthread_t r;
    pthread_create(&worker_id, NULL, worker, NULL);
    pthread_create(&r, NULL, reaper, NULL);
    pthread_join(r, NULL);
    return result == 42 ? 0 : 1;
}
