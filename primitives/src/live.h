/* live.h — a list of the live objects of a kind (threads started and not finished, pools
 * not freed), which interpreter exit walks. Never installed.
 *
 * A list is bookkeeping, not one of Python's happens-before edges: TSan must not see its
 * mutex order one member's arrival after another's departure (that would hide the races
 * of the user's code), so every use is inside TSan's ignore region. Only the member
 * itself is published, by whoever lists it, to whoever finds it (tr__live_found). */
#ifndef TRAMA_LIVE_H
#define TRAMA_LIVE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "tsan.h"

typedef struct tr__live_node {
    struct tr__live_node *prev, *next;
    bool listed;
} tr__live_node;

typedef struct tr__live_list {
    pthread_mutex_t mu;
    tr__live_node *head;
} tr__live_list;

#define TR__LIVE_LIST_INIT {PTHREAD_MUTEX_INITIALIZER, NULL}
/* The object a node is the member `field` of. */
#define TR__LIVE_OF(node, type, field) ((type *)(void *)((char *)(node) - offsetof(type, field)))

/* Walking the list, or anything else its mutex guards. */
static inline void tr__live_lock(tr__live_list *l)
{
    tr__tsan_ignore_begin();
    pthread_mutex_lock(&l->mu);
}

static inline void tr__live_unlock(tr__live_list *l)
{
    pthread_mutex_unlock(&l->mu);
    tr__tsan_ignore_end();
}

static inline void tr__live_add(tr__live_list *l, tr__live_node *n)
{
    tr__tsan_publish(n);
    tr__live_lock(l);
    n->prev = NULL;
    n->next = l->head;
    if (l->head)
        l->head->prev = n;
    l->head = n;
    n->listed = true;
    tr__live_unlock(l);
}

/* Unlists n if it is listed (any number of times). */
static inline void tr__live_remove(tr__live_list *l, tr__live_node *n)
{
    tr__live_lock(l);
    if (n->listed) {
        if (n->prev)
            n->prev->next = n->next;
        else
            l->head = n->next;
        if (n->next)
            n->next->prev = n->prev;
        n->listed = false;
    }
    tr__live_unlock(l);
}

/* After tr__live_unlock, for each member found while the list was locked. */
static inline void tr__live_found(tr__live_node *n) { tr__tsan_receive(n); }

/* In a forked child: the members belong to the parent (the mutex may have been held by a
 * thread that is gone). */
static inline void tr__live_forget_all(tr__live_list *l)
{
    pthread_mutex_init(&l->mu, NULL);
    for (tr__live_node *n = l->head; n; n = n->next)
        n->listed = false;
    l->head = NULL;
}

#endif
