/* Calls a pthread function trama-cc does not model: the link must fail naming it. */
#include <pthread.h>

static pthread_rwlock_t table_lock = PTHREAD_RWLOCK_INITIALIZER;
static int table;

int main(void)
{
    pthread_rwlock_rdlock(&table_lock);
    int t = table;
    pthread_rwlock_unlock(&table_lock);
    return t;
}
