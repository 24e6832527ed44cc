/* A counter whose add forgets the lock its value takes. */
#include <pthread.h>

#include "counter.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int value;

void counter_add(int n) { value += n; }

int counter_value(void)
{
    pthread_mutex_lock(&lock);
    int v = value;
    pthread_mutex_unlock(&lock);
    return v;
}
