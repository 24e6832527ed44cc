/* Memory one thread frees and another gets again from malloc: two objects, one after the
 * other (the free synchronizes with the allocation, C11 7.22.3), not a race, even though
 * neither thread orders itself after the other. Each thread builds a list, then frees it;
 * the other's list is made, in some executions, of the same blocks. */
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>

enum { NODES = 16 };

struct node {
    int value;
    struct node *next;
};

/* Each thread's list, so that the compiler keeps its writes. */
static struct node *volatile lists[3];

static void *churn(void *arg)
{
    int id = (int)(size_t)arg;
    for (int i = 0; i < NODES; i++) {
        struct node *n = malloc(sizeof *n);
        n->value = id;
        n->next = lists[id];
        lists[id] = n;
    }
    while (lists[id]) {
        struct node *n = lists[id];
        assert(n->value == id);
        lists[id] = n->next;
        free(n);
    }
    char *grown = malloc(8);
    grown[0] = 1;
    grown = realloc(grown, 4096);
    grown[4095] = 2;
    assert(grown[0] == 1);
    free(grown);
    return NULL;
}

int main(void)
{
    pthread_t a, b;
    pthread_create(&a, NULL, churn, (void *)1);
    pthread_create(&b, NULL, churn, (void *)2);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    return 0;
}
