/* trama/queue.h — queue.Queue, queue.LifoQueue and queue.PriorityQueue (Python 3.13,
 * shutdown included). Items are the caller's pointers; the queue never reads or frees
 * them. */
#ifndef TRAMA_QUEUE_H
#define TRAMA_QUEUE_H

#include <trama/site.h>
#include <trama/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tr_queue tr_queue;

/* Queue(maxsize=0): first in, first out; maxsize <= 0 is unbounded (Python checks
 * nothing). NULL + TR_NO_MEMORY when out of memory. */
TR_PUBLIC tr_queue *tr_queue_new(long maxsize);
/* LifoQueue(maxsize=0): last in, first out. */
TR_PUBLIC tr_queue *tr_lifo_queue_new(long maxsize);
/* PriorityQueue(maxsize=0): smallest first by cmp (negative: a before b), kept as
 * Python's heapq keeps it, so equal items come out in Python's order too. */
TR_PUBLIC tr_queue *tr_priority_queue_new(long maxsize, int (*cmp)(const void *a, const void *b));

/* put(item, block=True, timeout=None): timeout TR_FOREVER is None. TR_SHUTDOWN once shut
 * down (checked first); on a full bounded queue: TR_FULL at once when !block or the
 * timeout is 0, else when the timeout expires. A bounded queue checks the timeout even
 * with room: any other negative one is TR_VALUE_ERROR "'timeout' must be a non-negative
 * number"; an unbounded one ignores it. A put that waited for room raises TR_SHUTDOWN if
 * the queue was shut down meanwhile. */
TR_PUBLIC tr_status tr_queue_put(tr_queue *, void *item, bool block, double timeout);
/* get(block=True, timeout=None): *item is the item, NULL on any other status. TR_SHUTDOWN
 * when shut down and empty (checked first); on an empty queue TR_EMPTY at once when !block,
 * else when the timeout expires; a negative timeout other than TR_FOREVER is
 * TR_VALUE_ERROR "'timeout' must be a non-negative number", items or not. */
TR_PUBLIC tr_status tr_queue_get(tr_queue *, void **item, bool block, double timeout);
/* put_nowait(item) and get_nowait(): put / get with block=False. */
TR_PUBLIC tr_status tr_queue_put_nowait(tr_queue *, void *item);
TR_PUBLIC tr_status tr_queue_get_nowait(tr_queue *, void **item);
/* qsize(), empty(), full(): a snapshot, stale as soon as it returns (Python's "not
 * reliable!"). full() is 0 < maxsize <= qsize(). */
TR_PUBLIC long tr_queue_qsize(tr_queue *);
TR_PUBLIC bool tr_queue_empty(tr_queue *);
TR_PUBLIC bool tr_queue_full(tr_queue *);
/* task_done(): one put item is processed. TR_VALUE_ERROR "task_done() called too many
 * times" when no put is left unfinished (the count stays 0). */
TR_PUBLIC tr_status tr_queue_task_done(tr_queue *);
/* join(): waits until every item ever put has had its task_done() (shutdown(immediate)
 * counts the items it drops as done). No timeout, as Python. */
TR_PUBLIC tr_status tr_queue_join(tr_queue *);
/* shutdown(immediate=False): later puts raise TR_SHUTDOWN, gets once the queue is empty;
 * blocked puts and gets wake to raise it. immediate: the queued items are dropped (not
 * freed: they are the caller's) and counted as done, so gets raise at once and join()
 * returns when no item taken earlier is still unfinished. */
TR_PUBLIC void tr_queue_shutdown(tr_queue *, bool immediate);
/* Frees the queue, not its items. NULL: no-op. */
TR_PUBLIC void tr_queue_free(tr_queue *);

#define tr_queue_new(...) (TR__SITE(), tr_queue_new(__VA_ARGS__))
#define tr_lifo_queue_new(...) (TR__SITE(), tr_lifo_queue_new(__VA_ARGS__))
#define tr_priority_queue_new(...) (TR__SITE(), tr_priority_queue_new(__VA_ARGS__))
#define tr_queue_put(...) (TR__SITE(), tr_queue_put(__VA_ARGS__))
#define tr_queue_get(...) (TR__SITE(), tr_queue_get(__VA_ARGS__))
#define tr_queue_put_nowait(...) (TR__SITE(), tr_queue_put_nowait(__VA_ARGS__))
#define tr_queue_get_nowait(...) (TR__SITE(), tr_queue_get_nowait(__VA_ARGS__))
#define tr_queue_qsize(...) (TR__SITE(), tr_queue_qsize(__VA_ARGS__))
#define tr_queue_empty(...) (TR__SITE(), tr_queue_empty(__VA_ARGS__))
#define tr_queue_full(...) (TR__SITE(), tr_queue_full(__VA_ARGS__))
#define tr_queue_task_done(...) (TR__SITE(), tr_queue_task_done(__VA_ARGS__))
#define tr_queue_join(...) (TR__SITE(), tr_queue_join(__VA_ARGS__))
#define tr_queue_shutdown(...) (TR__SITE(), tr_queue_shutdown(__VA_ARGS__))

#ifdef __cplusplus
}
#endif
#endif
