/* A job handed to a worker that waits for it at most a second: when the wait times out,
 * the worker leaves and main does the job itself. */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t posted = PTHREAD_COND_INITIALIZER;
static int job, done;

static void *worker(void *arg)
{
    (void)arg;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 1;
    pthread_mutex_lock(&lock);
    int waited = 0;
    while (!job && waited != ETIMEDOUT)
        waited = pthread_cond_timedwait(&posted, &lock, &deadline);
    if (job)
        done = 1;
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_mutex_lock(&lock);
    job = 1;
    pthread_cond_signal(&posted);
    pthread_mutex_unlock(&lock);
    pthread_join(t, NULL);
    if (!done)
        done = 1; /* the worker gave up: its job is main's */
    assert(done);
    return 0;
}
