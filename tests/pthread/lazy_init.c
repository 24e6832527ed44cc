/* Lazy initialisation with an unlocked first check: two threads can both see the table
 * missing and both build it. */
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int *table;
static int builds;

static int *get_table(void)
{
    if (table == NULL) {
        pthread_mutex_lock(&lock);
        table = calloc(16, sizeof *table);
        builds++;
        pthread_mutex_unlock(&lock);
    }
    return table;
}

static void *user(void *arg)
{
    (void)arg;
    get_table()[0] = 1;
    return NULL;
}

int main(void)
{
    pthread_t a, b;
    pthread_create(&a, NULL, user, NULL);
    pthread_create(&b, NULL, user, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    assert(builds == 1);
    free(table);
    return 0;
}
