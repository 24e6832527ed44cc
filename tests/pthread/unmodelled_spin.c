/* Calls a pthread function trama-cc does not model: the link must fail naming it. */
#include <pthread.h>

static pthread_spinlock_t table_lock;
static int table;

int main(void)
{
    pthread_spin_init(&table_lock, PTHREAD_PROCESS_PRIVATE);
    pthread_spin_lock(&table_lock);
    int t = table;
    pthread_spin_unlock(&table_lock);
    return t;
}
