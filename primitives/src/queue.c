/* queue.c — queue.Queue, LifoQueue and PriorityQueue, Python 3.13's (shutdown included).
 *
 * Python's Queue is a mutex with three conditions (not_empty, not_full, all_tasks_done)
 * and a loop per wait. Here each call is one guarded action on the queue's own domain:
 *   put   guard: room, or shut down      effect: ShutDown, or the item goes in
 *   get   guard: an item, or shut down   effect: ShutDown when empty, or an item comes out
 *   join  guard: no unfinished task
 * Python re-checks its predicate after every wake-up under the mutex; a guard is that
 * predicate, evaluated atomically with the effect, so a wake-up that loses the race to
 * another thread simply is not one. Every effect takes and releases the queue, as every
 * Python method holds the mutex throughout: any two calls are ordered (happens-before).
 *
 * Storage is one array: a ring for FIFO, a stack for LIFO, Python's heapq layout for the
 * priority queue (the same sift steps, so equal items leave in Python's order). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef enum queue_order { ORDER_FIFO, ORDER_LIFO, ORDER_PRIORITY } queue_order;

struct tr_queue {
    tr__object obj;
    long maxsize; /* <= 0: unbounded */
    queue_order order;
    int (*cmp)(const void *, const void *);
    /* All below guarded by the domain. */
    void **items;
    size_t cap, head, count; /* head: the ring's first slot (FIFO only) */
    long unfinished;         /* Python's unfinished_tasks */
    bool shut_down;
};

/* Its kinds of wait (tr__action.wait_kind), which steps open and close. */
enum { WAIT_ITEM = 1, WAIT_ROOM = 2, WAIT_DONE = 4 };

static const char TIMEOUT_NEGATIVE[] = "'timeout' must be a non-negative number";

static void queue_destroy(tr__object *obj)
{
    tr_queue *q = (tr_queue *)obj;
    tr__object_fini(obj);
    free(q->items);
    free(q);
}

static const tr__type queue_type = {TR__KIND_QUEUE, queue_destroy};

static tr_queue *queue_make(long maxsize, queue_order order, int (*cmp)(const void *, const void *))
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    (void)file;
    (void)line;
    tr_queue *q = calloc(1, sizeof *q);
    if (!q || tr__object_init(&q->obj, &queue_type, NULL) != TR_OK) {
        free(q);
        tr__set_error(TR_NO_MEMORY, "");
        return NULL;
    }
    q->maxsize = maxsize;
    q->order = order;
    q->cmp = cmp;
    return q;
}

tr_queue *(tr_queue_new)(long maxsize) { return queue_make(maxsize, ORDER_FIFO, NULL); }

tr_queue *(tr_lifo_queue_new)(long maxsize) { return queue_make(maxsize, ORDER_LIFO, NULL); }

tr_queue *(tr_priority_queue_new)(long maxsize, int (*cmp)(const void *, const void *))
{
    return queue_make(maxsize, ORDER_PRIORITY, cmp);
}

void tr_queue_free(tr_queue *q)
{
    if (q)
        queue_destroy(&q->obj);
}

/* ---- storage (under the domain) ------------------------------------------------------- */

static bool queue_full(const tr_queue *q)
{
    return q->maxsize > 0 && q->count >= (size_t)q->maxsize;
}

static bool grow(tr_queue *q)
{
    size_t cap = q->cap ? q->cap * 2 : 8;
    void **items = malloc(cap * sizeof *items);
    if (!items)
        return false;
    for (size_t i = 0; i < q->count; i++) /* unwrap the ring */
        items[i] = q->items[(q->head + i) % q->cap];
    free(q->items);
    q->items = items;
    q->cap = cap;
    q->head = 0;
    return true;
}

static bool less(const tr_queue *q, void *a, void *b) { return q->cmp(a, b) < 0; }

/* heapq._siftdown: the item at pos moves up towards start while smaller than its parent. */
static void sift_down(tr_queue *q, size_t start, size_t pos)
{
    void **h = q->items, *item = h[pos];
    while (pos > start) {
        size_t parent = (pos - 1) / 2;
        if (!less(q, item, h[parent]))
            break;
        h[pos] = h[parent];
        pos = parent;
    }
    h[pos] = item;
}

/* heapq._siftup: the hole at pos goes down to a leaf along the smaller children, then
 * the item that filled it settles back up (Python's bottom-up variant). */
static void sift_up(tr_queue *q, size_t pos)
{
    void **h = q->items, *item = h[pos];
    size_t start = pos, end = q->count, child = 2 * pos + 1;
    while (child < end) {
        size_t right = child + 1;
        if (right < end && !less(q, h[child], h[right]))
            child = right;
        h[pos] = h[child];
        pos = child;
        child = 2 * pos + 1;
    }
    h[pos] = item;
    sift_down(q, start, pos);
}

static void push(tr_queue *q, void *item)
{
    switch (q->order) {
    case ORDER_FIFO:
        q->items[(q->head + q->count++) % q->cap] = item;
        break;
    case ORDER_LIFO:
        q->items[q->count++] = item;
        break;
    case ORDER_PRIORITY:
        q->items[q->count++] = item;
        sift_down(q, 0, q->count - 1);
        break;
    }
}

static void *pop(tr_queue *q)
{
    void *item;
    switch (q->order) {
    case ORDER_FIFO:
        item = q->items[q->head];
        q->head = (q->head + 1) % q->cap;
        q->count--;
        return item;
    case ORDER_LIFO:
        return q->items[--q->count];
    case ORDER_PRIORITY:
    default:
        item = q->items[0];
        q->items[0] = q->items[--q->count];
        if (q->count > 0)
            sift_up(q, 0);
        return item;
    }
}

/* ---- what every call does first ------------------------------------------------------ */

/* Under the domain, before any change: which waits would pass in the state the call found
 * (every call tells, see tr__action.wait_kind), then the happens-before every Python
 * method's mutex gives. */
static void queue_enter(tr__action *a)
{
    const tr_queue *q = (const tr_queue *)a->obj;
    a->waits_open = (unsigned char)((q->shut_down || q->count > 0 ? WAIT_ITEM : 0) |
                                    (q->shut_down || !queue_full(q) ? WAIT_ROOM : 0) |
                                    (q->unfinished == 0 ? WAIT_DONE : 0));
    tr__hb_locked(a);
}

static void queue_overflow(tr__action *a)
{
    queue_enter(a);
    tr__overflow_timeout(a);
}

/* ---- timeouts ------------------------------------------------------------------------- */

/* A wait for room or for an item: !block and timeout 0 try once; NaN never ends Python's
 * loop (NaN <= 0 is false), so it waits without limit. Negative ones are refused before. */
static void set_wait(tr__action *a, bool block, double timeout, tr__effect_fn expired)
{
    a->on_timeout = expired;
    if (!block)
        a->timeout = 0;
    else if (timeout == TR_FOREVER || isnan(timeout))
        a->timeout = TR_FOREVER;
    else if (tr__timeout_overflows(timeout)) {
        a->timeout = 0;
        a->on_timeout = queue_overflow;
    } else
        a->timeout = timeout;
}

static bool timeout_refused(bool block, double timeout)
{
    return block && timeout < 0 && timeout != TR_FOREVER;
}

/* ---- put ------------------------------------------------------------------------------ */

static bool put_guard(const tr__action *a)
{
    const tr_queue *q = (const tr_queue *)a->obj;
    return q->shut_down || !queue_full(q);
}

static void put_effect(tr__action *a)
{
    tr_queue *q = (tr_queue *)a->obj;
    queue_enter(a);
    if (q->shut_down) {
        tr__fail(a, TR_SHUTDOWN, "");
        return;
    }
    if (q->count == q->cap && !grow(q)) {
        tr__fail(a, TR_NO_MEMORY, "");
        return;
    }
    push(q, a->arg);
    q->unfinished++;
}

static void put_full(tr__action *a)
{
    queue_enter(a);
    tr__fail(a, TR_FULL, "");
}

/* A bounded put with a negative timeout: Python raises after its shutdown check. */
static void put_refused(tr__action *a)
{
    queue_enter(a);
    if (((tr_queue *)a->obj)->shut_down)
        tr__fail(a, TR_SHUTDOWN, "");
    else
        tr__fail(a, TR_VALUE_ERROR, TIMEOUT_NEGATIVE);
}

static tr_status queue_put(tr__action *a, tr_queue *q, void *item, bool block, double timeout)
{
    a->arg = item;
    if (q->maxsize <= 0) { /* never waits: Python looks at neither block nor timeout */
        a->effect = put_effect;
        return tr__perform(a);
    }
    if (timeout_refused(block, timeout)) {
        a->effect = put_refused;
        return tr__perform(a);
    }
    a->guard = put_guard;
    a->effect = put_effect;
    a->wait_kind = WAIT_ROOM;
    set_wait(a, block, timeout, put_full);
    return tr__perform(a);
}

tr_status (tr_queue_put)(tr_queue *q, void *item, bool block, double timeout)
{
    tr__action a = tr__action_make(&q->obj, TR__OP_QUEUE_PUT);
    return queue_put(&a, q, item, block, timeout);
}

tr_status (tr_queue_put_nowait)(tr_queue *q, void *item)
{
    tr__action a = tr__action_make(&q->obj, TR__OP_QUEUE_PUT);
    return queue_put(&a, q, item, false, TR_FOREVER);
}

/* ---- get ------------------------------------------------------------------------------ */

static bool get_guard(const tr__action *a)
{
    const tr_queue *q = (const tr_queue *)a->obj;
    return q->shut_down || q->count > 0;
}

static void get_effect(tr__action *a)
{
    tr_queue *q = (tr_queue *)a->obj;
    queue_enter(a);
    if (q->count == 0) { /* the guard held: shut down */
        tr__fail(a, TR_SHUTDOWN, "");
        return;
    }
    *(void **)a->arg = pop(q);
}

static void get_empty(tr__action *a)
{
    queue_enter(a);
    tr__fail(a, TR_EMPTY, "");
}

/* A get with a negative timeout: Python raises after its shut-down-and-empty check. */
static void get_refused(tr__action *a)
{
    const tr_queue *q = (const tr_queue *)a->obj;
    queue_enter(a);
    if (q->shut_down && q->count == 0)
        tr__fail(a, TR_SHUTDOWN, "");
    else
        tr__fail(a, TR_VALUE_ERROR, TIMEOUT_NEGATIVE);
}

static tr_status queue_get(tr__action *a, void **item, bool block, double timeout)
{
    *item = NULL;
    a->arg = item;
    if (timeout_refused(block, timeout)) {
        a->effect = get_refused;
        return tr__perform(a);
    }
    a->guard = get_guard;
    a->effect = get_effect;
    a->wait_kind = WAIT_ITEM;
    set_wait(a, block, timeout, get_empty);
    return tr__perform(a);
}

tr_status (tr_queue_get)(tr_queue *q, void **item, bool block, double timeout)
{
    tr__action a = tr__action_make(&q->obj, TR__OP_QUEUE_GET);
    return queue_get(&a, item, block, timeout);
}

tr_status (tr_queue_get_nowait)(tr_queue *q, void **item)
{
    tr__action a = tr__action_make(&q->obj, TR__OP_QUEUE_GET);
    return queue_get(&a, item, false, TR_FOREVER);
}

/* ---- task_done, join, shutdown -------------------------------------------------------- */

static void task_done_effect(tr__action *a)
{
    tr_queue *q = (tr_queue *)a->obj;
    queue_enter(a);
    if (q->unfinished <= 0)
        tr__fail(a, TR_VALUE_ERROR, "task_done() called too many times");
    else
        q->unfinished--;
}

tr_status (tr_queue_task_done)(tr_queue *q)
{
    tr__action a = tr__action_make(&q->obj, TR__OP_QUEUE_TASK_DONE);
    a.effect = task_done_effect;
    return tr__perform(&a);
}

static bool join_guard(const tr__action *a) { return ((const tr_queue *)a->obj)->unfinished == 0; }

static void join_effect(tr__action *a) { queue_enter(a); }

tr_status (tr_queue_join)(tr_queue *q)
{
    tr__action a = tr__action_make(&q->obj, TR__OP_QUEUE_JOIN);
    a.guard = join_guard;
    a.effect = join_effect;
    a.wait_kind = WAIT_DONE;
    return tr__perform(&a);
}

static void shutdown_effect(tr__action *a)
{
    tr_queue *q = (tr_queue *)a->obj;
    queue_enter(a);
    q->shut_down = true;
    if (*(const bool *)a->arg) {
        while (q->count > 0) {
            (void)pop(q);
            if (q->unfinished > 0)
                q->unfinished--;
        }
    }
}

void (tr_queue_shutdown)(tr_queue *q, bool immediate)
{
    tr__action a = tr__action_make(&q->obj, TR__OP_QUEUE_SHUTDOWN);
    a.effect = shutdown_effect;
    a.arg = &immediate;
    tr__perform(&a);
}

/* ---- qsize, empty, full --------------------------------------------------------------- */

typedef struct snapshot {
    size_t count;
    bool full;
} snapshot;

static void query_effect(tr__action *a)
{
    const tr_queue *q = (const tr_queue *)a->obj;
    queue_enter(a);
    *(snapshot *)a->arg = (snapshot){q->count, queue_full(q)};
}

static snapshot query(tr_queue *q)
{
    snapshot s = {0, false};
    tr__action a = tr__action_make(&q->obj, TR__OP_QUEUE_QUERY);
    a.effect = query_effect;
    a.arg = &s;
    tr__perform(&a);
    return s;
}

long (tr_queue_qsize)(tr_queue *q) { return (long)query(q).count; }

bool (tr_queue_empty)(tr_queue *q) { return query(q).count == 0; }

bool (tr_queue_full)(tr_queue *q) { return query(q).full; }

/* ---- SimpleQueue ---------------------------------------------------------------------- *
 * An unbounded FIFO Queue whose other calls are not offered: the same object, so the
 * harness sees the same actions. */

static tr_queue *simple(tr_simple_queue *q) { return (tr_queue *)(void *)q; }

tr_simple_queue *(tr_simple_queue_new)(void)
{
    return (tr_simple_queue *)(void *)queue_make(0, ORDER_FIFO, NULL);
}

tr_status (tr_simple_queue_put)(tr_simple_queue *q, void *item, bool block, double timeout)
{
    (void)block;
    (void)timeout;
    return (tr_queue_put)(simple(q), item, true, TR_FOREVER);
}

tr_status (tr_simple_queue_put_nowait)(tr_simple_queue *q, void *item)
{
    return (tr_queue_put)(simple(q), item, true, TR_FOREVER);
}

/* _queue.SimpleQueue.get converts a blocking get's timeout before it looks at the items. */
static const char *simple_timeout_refused(bool block, double timeout)
{
    if (!block || timeout == TR_FOREVER)
        return NULL;
    if (isnan(timeout))
        return "Invalid value NaN (not a number)";
    if (tr__timeout_overflows(timeout) || tr__timeout_overflows(-timeout))
        return "timestamp out of range for platform time_t";
    return timeout < 0 ? TIMEOUT_NEGATIVE : NULL;
}

tr_status (tr_simple_queue_get)(tr_simple_queue *q, void **item, bool block, double timeout)
{
    const char *refused = simple_timeout_refused(block, timeout);
    if (refused) {
        const char *file;
        int line;
        tr__site_take(&file, &line);
        *item = NULL;
        return tr__raise(TR_VALUE_ERROR, refused, file, line);
    }
    return (tr_queue_get)(simple(q), item, block, timeout);
}

tr_status (tr_simple_queue_get_nowait)(tr_simple_queue *q, void **item)
{
    return (tr_queue_get)(simple(q), item, false, TR_FOREVER);
}

long (tr_simple_queue_qsize)(tr_simple_queue *q) { return (tr_queue_qsize)(simple(q)); }

bool (tr_simple_queue_empty)(tr_simple_queue *q) { return (tr_queue_empty)(simple(q)); }

void tr_simple_queue_free(tr_simple_queue *q) { tr_queue_free(simple(q)); }
