/* Calls a pthread function trama-cc does not model: the link must fail naming it. */
#include <pthread.h>
#include <unistd.h>

static void *forever(void *arg)
{
    (void)arg;
    for (;;)
        pause();
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, forever, NULL);
    pthread_cancel(t);
    return pthread_join(t, NULL);
}
