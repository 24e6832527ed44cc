/* bench_queue.c — queue.Queue put+get between two threads, next to a raw ring buffer;
 * multiprocessing.Queue between two processes, next to the Pipe it is built on.
 *
 * Prints figures; never fails on a time. One producer puts N items, one consumer gets
 * them: tr_queue (bounded and unbounded) against a ring buffer under one pthread mutex
 * with two condition variables (not full, not empty), the textbook blocking queue; and a
 * child process's tr_mpqueue puts of 64-byte items against the same messages sent on a
 * one-way tr_pipe. Rounds alternate the two sides so both see the same machine; best of
 * each.
 *
 *   bench_queue [scale]   scale multiplies the item count (default 1) */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <trama/trama.h>

enum { ROUNDS = 5, ITEMS = 200000 };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- raw: mutex + two condvars over a ring -------------------------------------------- */

typedef struct ring {
    pthread_mutex_t mu;
    pthread_cond_t not_full, not_empty;
    void **slots;
    size_t cap, head, count;
} ring;

static void ring_put(ring *r, void *item)
{
    pthread_mutex_lock(&r->mu);
    while (r->count == r->cap)
        pthread_cond_wait(&r->not_full, &r->mu);
    r->slots[(r->head + r->count++) % r->cap] = item;
    pthread_cond_signal(&r->not_empty);
    pthread_mutex_unlock(&r->mu);
}

static void *ring_get(ring *r)
{
    pthread_mutex_lock(&r->mu);
    while (r->count == 0)
        pthread_cond_wait(&r->not_empty, &r->mu);
    void *item = r->slots[r->head];
    r->head = (r->head + 1) % r->cap;
    r->count--;
    pthread_cond_signal(&r->not_full);
    pthread_mutex_unlock(&r->mu);
    return item;
}

typedef struct job {
    long items;
    ring *r;
    tr_queue *q;
} job;

static void *raw_producer(void *arg)
{
    job *j = arg;
    for (long i = 1; i <= j->items; i++)
        ring_put(j->r, (void *)(intptr_t)i);
    return NULL;
}

static double raw_run(long items, size_t cap)
{
    ring r = {.cap = cap, .slots = malloc(cap * sizeof(void *))};
    pthread_mutex_init(&r.mu, NULL);
    pthread_cond_init(&r.not_full, NULL);
    pthread_cond_init(&r.not_empty, NULL);
    job j = {items, &r, NULL};
    double t0 = now();
    pthread_t p;
    pthread_create(&p, NULL, raw_producer, &j);
    long sum = 0;
    for (long i = 0; i < items; i++)
        sum += (long)(intptr_t)ring_get(&r);
    pthread_join(p, NULL);
    double t = now() - t0;
    if (sum != items * (items + 1) / 2)
        abort();
    pthread_mutex_destroy(&r.mu);
    pthread_cond_destroy(&r.not_full);
    pthread_cond_destroy(&r.not_empty);
    free(r.slots);
    return t;
}

/* ---- trama ---------------------------------------------------------------------------- */

static void trama_producer(void *arg)
{
    job *j = arg;
    for (long i = 1; i <= j->items; i++)
        if (tr_queue_put(j->q, (void *)(intptr_t)i, true, TR_FOREVER) != TR_OK)
            abort();
}

static double trama_run(long items, long maxsize)
{
    job j = {items, NULL, tr_queue_new(maxsize)};
    double t0 = now();
    tr_thread *p = tr_thread_new(trama_producer, &j, NULL);
    tr_thread_start(p);
    long sum = 0;
    for (long i = 0; i < items; i++) {
        void *item;
        if (tr_queue_get(j.q, &item, true, TR_FOREVER) != TR_OK)
            abort();
        sum += (long)(intptr_t)item;
    }
    tr_thread_join(p, TR_FOREVER);
    double t = now() - t0;
    if (sum != items * (items + 1) / 2)
        abort();
    tr_thread_free(p);
    tr_queue_free(j.q);
    return t;
}

static void row(const char *name, long items, long maxsize)
{
    /* the raw ring needs a bound; an unbounded tr_queue is set against one as large as
     * the whole run, which never fills either */
    size_t cap = maxsize > 0 ? (size_t)maxsize : (size_t)items;
    double raw = 1e30, trama = 1e30;
    for (int r = 0; r < ROUNDS; r++) {
        double a = raw_run(items, cap), b = trama_run(items, maxsize);
        raw = a < raw ? a : raw;
        trama = b < trama ? b : trama;
    }
    printf("%-22s %8ld items  raw %8.3f us/item   trama %8.3f us/item   ratio %.2f\n", name,
           items, raw / items * 1e6, trama / items * 1e6, trama / raw);
}

/* ---- between processes: tr_mpqueue against its Pipe ----------------------------------- */

enum { MESSAGE = 64 };

typedef struct feed {
    long items;
    tr_mpqueue *q;
    tr_connection *send_end;
} feed;

static void child_puts(void *arg)
{
    feed *f = arg;
    char msg[MESSAGE] = {0};
    for (long i = 0; i < f->items; i++)
        if (tr_mpqueue_put(f->q, msg, sizeof msg, true, TR_FOREVER) != TR_OK)
            _exit(1);
}

static void child_sends(void *arg)
{
    feed *f = arg;
    char msg[MESSAGE] = {0};
    for (long i = 0; i < f->items; i++)
        if (tr_connection_send(f->send_end, msg, sizeof msg) != TR_OK)
            _exit(1);
}

static double process_run(long items, bool queue)
{
    feed f = {items, NULL, NULL};
    tr_connection *recv_end = NULL;
    if (queue)
        f.q = tr_mpqueue_new(0);
    else
        tr_pipe(false, &recv_end, &f.send_end);
    double t0 = now();
    tr_process *p = tr_process_new(queue ? child_puts : child_sends, &f, NULL);
    tr_process_start(p);
    for (long i = 0; i < items; i++) {
        if (queue) {
            tr_bytes b;
            if (tr_mpqueue_get(f.q, &b, true, TR_FOREVER) != TR_OK || b.len != MESSAGE)
                abort();
            free(b.data);
        } else {
            void *data;
            size_t len;
            if (tr_connection_recv(recv_end, &data, &len) != TR_OK || len != MESSAGE)
                abort();
            free(data);
        }
    }
    tr_process_join(p, TR_FOREVER);
    double t = now() - t0;
    tr_process_free(p);
    tr_mpqueue_free(f.q);
    tr_connection_free(recv_end);
    tr_connection_free(f.send_end);
    return t;
}

static void process_row(long items)
{
    double pipe = 1e30, queue = 1e30;
    for (int r = 0; r < ROUNDS; r++) {
        double a = process_run(items, false), b = process_run(items, true);
        pipe = a < pipe ? a : pipe;
        queue = b < queue ? b : queue;
    }
    printf("%-22s %8ld items  Pipe %8.3f us/item   mp.Queue %8.3f us/item   ratio %.2f\n",
           "mp.Queue 64 B, 2 procs", items, pipe / items * 1e6, queue / items * 1e6, queue / pipe);
}

int main(int argc, char **argv)
{
    long scale = argc > 1 ? atol(argv[1]) : 1;
    if (scale < 1)
        scale = 1;
    long items = ITEMS * scale;
    printf("bench_queue: put+get between two threads, best of %d (scale %ld)\n", ROUNDS, scale);
    row("Queue(maxsize=1)", items / 10, 1);
    row("Queue(maxsize=64)", items, 64);
    row("Queue() unbounded", items, 0);
    process_row(items / 10);
    return 0;
}
