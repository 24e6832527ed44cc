/* A work-stealing deque of C11 atomics (after Chase and Lev): the owner pushes and pops at
 * the bottom, a thief steals at the top. For the last item the owner and the thief race;
 * both claim it with a compare-exchange on top, so exactly one takes it. */
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>

enum { SIZE = 8, EMPTY = -1 };
static int items[SIZE];
static atomic_int top, bottom;
static int taken;
static pthread_mutex_t taken_lock = PTHREAD_MUTEX_INITIALIZER;

static void push(int v)
{
    int b = atomic_load(&bottom);
    items[b % SIZE] = v;
    atomic_store(&bottom, b + 1);
}

static int pop(void)
{
    int b = atomic_load(&bottom) - 1;
    atomic_store(&bottom, b);
    int t = atomic_load(&top);
    if (t > b) {
        atomic_store(&bottom, b + 1);
        return EMPTY;
    }
    int v = items[b % SIZE];
    if (t == b) { /* the last item: the thief may be taking it */
        if (!atomic_compare_exchange_strong(&top, &t, t + 1))
            v = EMPTY;
        atomic_store(&bottom, b + 1);
    }
    return v;
}

static int steal(void)
{
    int t = atomic_load(&top);
    int b = atomic_load(&bottom);
    if (t >= b)
        return EMPTY;
    int v = items[t % SIZE];
    return atomic_compare_exchange_strong(&top, &t, t + 1) ? v : EMPTY;
}

static void count(int v)
{
    if (v == EMPTY)
        return;
    pthread_mutex_lock(&taken_lock);
    taken++;
    pthread_mutex_unlock(&taken_lock);
}

static void *thief(void *arg)
{
    (void)arg;
    count(steal());
    return NULL;
}

int main(void)
{
    pthread_t t;
    push(42);
    pthread_create(&t, NULL, thief, NULL);
    count(pop());
    pthread_join(t, NULL);
    assert(taken == 1);
    return 0;
}
