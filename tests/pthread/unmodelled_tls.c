/* Defines a thread-local variable, which trama-cc does not model: the program must refuse
 * to run, naming it. */
#include <pthread.h>

static _Thread_local int calls;

static void *worker(void *arg)
{
    (void)arg;
    calls++;
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    return calls;
}
