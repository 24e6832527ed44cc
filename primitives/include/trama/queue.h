/* trama/queue.h — queue.Queue, queue.LifoQueue and queue.PriorityQueue (Python 3.13,
 * shutdown included), whose items are the caller's pointers (the queue never reads or
 * frees them); and multiprocessing.Queue and JoinableQueue, between processes, whose
 * items are bytes. */
#ifndef TRAMA_QUEUE_H
#define TRAMA_QUEUE_H

#include <trama/executor.h> /* tr_bytes */
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

/* ---- queue.SimpleQueue ---------------------------------------------------------------- *
 * Unbounded, first in first out, without task_done/join or shutdown. */
typedef struct tr_simple_queue tr_simple_queue;

/* SimpleQueue(): NULL + TR_NO_MEMORY when out of memory. */
TR_PUBLIC tr_simple_queue *tr_simple_queue_new(void);
/* put(item, block=True, timeout=None): never waits; block and timeout are ignored, as
 * Python ignores them. */
TR_PUBLIC tr_status tr_simple_queue_put(tr_simple_queue *, void *item, bool block,
                                        double timeout);
TR_PUBLIC tr_status tr_simple_queue_put_nowait(tr_simple_queue *, void *item);
/* get(block=True, timeout=None): as tr_queue_get, but a blocking get checks its timeout
 * first, items or not, in Python's order: NaN is TR_VALUE_ERROR "Invalid value NaN (not a
 * number)", one beyond 2^63 ns "timestamp out of range for platform time_t" (Python's
 * OverflowError), a negative one (but TR_FOREVER) "'timeout' must be a non-negative
 * number". A non-blocking get checks nothing: TR_EMPTY at once on an empty queue. */
TR_PUBLIC tr_status tr_simple_queue_get(tr_simple_queue *, void **item, bool block,
                                        double timeout);
TR_PUBLIC tr_status tr_simple_queue_get_nowait(tr_simple_queue *, void **item);
TR_PUBLIC long tr_simple_queue_qsize(tr_simple_queue *);
TR_PUBLIC bool tr_simple_queue_empty(tr_simple_queue *);
/* Frees the queue, not its items. NULL: no-op. */
TR_PUBLIC void tr_simple_queue_free(tr_simple_queue *);

/* ---- multiprocessing.Queue ------------------------------------------------------------ *
 * As Python's: a one-way Pipe, a Lock for readers and one for writers and a
 * BoundedSemaphore(maxsize), all shared by every process forked after the queue was made;
 * put() copies the item into this process's buffer, and a feeder thread (started by the
 * first put of each process, "QueueFeederThread") writes the buffer into the pipe. So:
 *   - an item put is not at once in the pipe: empty() may still be true just after a put;
 *   - a process that put items does not end until its feeder has written them all (its
 *     exit joins the feeder, as Python's finalizer does), so a process joined before the
 *     queue it fills is drained waits for ever once the pipe is full: drain first, or call
 *     cancel_join_thread() (the items not yet written are then lost). */
typedef struct tr_mpqueue tr_mpqueue;

/* Queue(maxsize=0) / JoinableQueue(maxsize=0): maxsize <= 0 is the semaphore's largest
 * value (SEM_VALUE_MAX). NULL + TR_OS_ERROR or TR_NO_MEMORY when the pipe or memory fails. */
TR_PUBLIC tr_mpqueue *tr_mpqueue_new(long maxsize);
TR_PUBLIC tr_mpqueue *tr_joinable_queue_new(long maxsize);
/* put(obj, block=True, timeout=None): a copy of data[0, len). TR_FULL when no slot came
 * free in time (block false: at once); a negative timeout acts as 0. TR_VALUE_ERROR
 * "Queue <multiprocessing.queues.Queue object at 0x...> is closed" after close() in this
 * process. */
TR_PUBLIC tr_status tr_mpqueue_put(tr_mpqueue *, const void *data, size_t len, bool block,
                                   double timeout);
/* get(block=True, timeout=None): item->data malloc'd (free it; NULL on any other
 * status). TR_EMPTY when nothing came in time (block false: at once; a negative timeout
 * acts as 0); "... is closed" as put. */
TR_PUBLIC tr_status tr_mpqueue_get(tr_mpqueue *, tr_bytes *item, bool block, double timeout);
/* qsize(): items put and not yet got, by every process; empty(): nothing is readable in
 * the pipe now; full(): no slot is free. Snapshots, as Python's. */
TR_PUBLIC long tr_mpqueue_qsize(tr_mpqueue *);
TR_PUBLIC bool tr_mpqueue_empty(tr_mpqueue *);
TR_PUBLIC bool tr_mpqueue_full(tr_mpqueue *);
/* close(): no more put or get in this process; the feeder writes what is buffered, then
 * ends. join_thread(): waits for the feeder to end (TR_RUNTIME_ERROR "Queue <...> not
 * closed" before close(): Python's AssertionError). cancel_join_thread(): this process's
 * exit will not wait for the feeder. */
TR_PUBLIC tr_status tr_mpqueue_close(tr_mpqueue *);
TR_PUBLIC tr_status tr_mpqueue_join_thread(tr_mpqueue *);
TR_PUBLIC void tr_mpqueue_cancel_join_thread(tr_mpqueue *);
/* JoinableQueue: task_done() (TR_VALUE_ERROR "task_done() called too many times") and
 * join() (until every item put by any process had its task_done()). On a plain Queue:
 * TR_RUNTIME_ERROR "'Queue' object has no attribute 'task_done'" (Python's
 * AttributeError). */
TR_PUBLIC tr_status tr_mpqueue_task_done(tr_mpqueue *);
TR_PUBLIC tr_status tr_mpqueue_join(tr_mpqueue *);
/* Frees this process's handle (its pipe ends, its buffer); other processes keep theirs.
 * NULL: no-op. */
TR_PUBLIC void tr_mpqueue_free(tr_mpqueue *);

#define tr_mpqueue_new(...) (TR__SITE(), tr_mpqueue_new(__VA_ARGS__))
#define tr_joinable_queue_new(...) (TR__SITE(), tr_joinable_queue_new(__VA_ARGS__))
#define tr_mpqueue_put(...) (TR__SITE(), tr_mpqueue_put(__VA_ARGS__))
#define tr_mpqueue_get(...) (TR__SITE(), tr_mpqueue_get(__VA_ARGS__))
#define tr_mpqueue_qsize(...) (TR__SITE(), tr_mpqueue_qsize(__VA_ARGS__))
#define tr_mpqueue_empty(...) (TR__SITE(), tr_mpqueue_empty(__VA_ARGS__))
#define tr_mpqueue_full(...) (TR__SITE(), tr_mpqueue_full(__VA_ARGS__))
#define tr_mpqueue_close(...) (TR__SITE(), tr_mpqueue_close(__VA_ARGS__))
#define tr_mpqueue_join_thread(...) (TR__SITE(), tr_mpqueue_join_thread(__VA_ARGS__))
#define tr_mpqueue_task_done(...) (TR__SITE(), tr_mpqueue_task_done(__VA_ARGS__))
#define tr_mpqueue_join(...) (TR__SITE(), tr_mpqueue_join(__VA_ARGS__))

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
#define tr_simple_queue_new(...) (TR__SITE(), tr_simple_queue_new(__VA_ARGS__))
#define tr_simple_queue_put(...) (TR__SITE(), tr_simple_queue_put(__VA_ARGS__))
#define tr_simple_queue_put_nowait(...) (TR__SITE(), tr_simple_queue_put_nowait(__VA_ARGS__))
#define tr_simple_queue_get(...) (TR__SITE(), tr_simple_queue_get(__VA_ARGS__))
#define tr_simple_queue_get_nowait(...) (TR__SITE(), tr_simple_queue_get_nowait(__VA_ARGS__))
#define tr_simple_queue_qsize(...) (TR__SITE(), tr_simple_queue_qsize(__VA_ARGS__))
#define tr_simple_queue_empty(...) (TR__SITE(), tr_simple_queue_empty(__VA_ARGS__))

#ifdef __cplusplus
}
#endif
#endif
