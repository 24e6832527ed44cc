#include <assert.h>
#include <pthread.h>

#include "counter.h"

static void *adder(void *arg)
{
    (void)arg;
    counter_add(1);
    return NULL;
}

int main(void)
{
    pthread_t a, b;
    pthread_create(&a, NULL, adder, NULL);
    pthread_create(&b, NULL, adder, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    assert(counter_value() == 2);
    return 0;
}
