/* A lock-based stack: pop tests for an item before it takes the lock, so two threads can
 * both see the last item and both pop it. */
#include <assert.h>
#include <pthread.h>

enum { SIZE = 4 };
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int items[SIZE];
static int top;

static void push(int v)
{
    pthread_mutex_lock(&lock);
    assert(top < SIZE);
    items[top++] = v;
    pthread_mutex_unlock(&lock);
}

static int pop(void)
{
    if (top == 0)
        return -1;
    pthread_mutex_lock(&lock);
    assert(top > 0);
    int v = items[--top];
    pthread_mutex_unlock(&lock);
    return v;
}

static void *popper(void *arg)
{
    (void)arg;
    pop();
    return NULL;
}

int main(void)
{
    push(7);
    pthread_t a, b;
    pthread_create(&a, NULL, popper, NULL);
    pthread_create(&b, NULL, popper, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    return 0;
}
