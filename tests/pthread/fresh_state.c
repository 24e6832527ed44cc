/* Every execution starts from the program's initial state: globals as initialised, a
 * statically initialised mutex free, and the heap the previous executions left behind
 * reclaimed (each leaks a megabyte). */
#include <assert.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int counter = 5;
static char note[16];
static int *shared;
static char *leaked;

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        shared[0]++;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

int main(void)
{
    assert(counter == 5 && note[0] == '\0' && shared == NULL && leaked == NULL);
    struct mallinfo2 heap = mallinfo2();
    assert(heap.uordblks + heap.hblkhd < 8u << 20);
    leaked = malloc(1 << 20);
    memset(leaked, 1, 1 << 20);
    strcpy(note, "touched");
    shared = calloc(1, sizeof *shared);
    pthread_mutex_lock(&lock); /* left locked: the next execution's mutex is free again */
    pthread_t t[3];
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    assert(counter == 11 && shared[0] == 6);
    pthread_mutex_lock(&lock);
    return 0;
}
