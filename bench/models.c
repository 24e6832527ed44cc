/* models.c — the benchmark models, ordinary cases at fixed sizes: `trama-models` explores
 * them from the command line (`trama-models run lock4x3 -j 2`) and bench_explore measures
 * them. Each is small enough to read and big enough to show how the search scales. Their
 * budget is generous: a run explores the whole space unless told otherwise. */
#include <stdlib.h>
#include <trama/harness.h>

enum { MODEL_BUDGET = 100000000 };

/* lock<N>x<K>: N threads, each does K locked increments of one counter. */
typedef struct counter {
    tr_lock *lock;
    int value;
    int increments;
} counter;

static void locked_increments(void *arg)
{
    counter *c = arg;
    for (int i = 0; i < c->increments; i++) {
        tr_lock_acquire(c->lock, true, TR_FOREVER);
        c->value++; /* under the lock: not a visible operation */
        tr_lock_release(c->lock);
    }
}

static void lock_model(int threads, int increments)
{
    counter *c = tr_case_alloc(sizeof *c);
    c->lock = tr_lock_new();
    c->increments = increments;
    tr_thread *t[8];
    for (int i = 0; i < threads; i++) {
        t[i] = tr_thread_new(locked_increments, c, NULL);
        tr_thread_start(t[i]);
    }
    for (int i = 0; i < threads; i++) {
        tr_thread_join(t[i], TR_FOREVER);
        tr_thread_free(t[i]);
    }
    TR_ASSERT(c->value == threads * increments);
    tr_lock_free(c->lock);
}

TR_CASE_BOUNDED(lock2x1, TR_PASS, MODEL_BUDGET) { lock_model(2, 1); }
TR_CASE_BOUNDED(lock3x1, TR_PASS, MODEL_BUDGET) { lock_model(3, 1); }
TR_CASE_BOUNDED(lock4x1, TR_PASS, MODEL_BUDGET) { lock_model(4, 1); }
TR_CASE_BOUNDED(lock5x1, TR_PASS, MODEL_BUDGET) { lock_model(5, 1); }
TR_CASE_BOUNDED(lock6x1, TR_PASS, MODEL_BUDGET) { lock_model(6, 1); }
TR_CASE_BOUNDED(lock7x1, TR_PASS, MODEL_BUDGET) { lock_model(7, 1); }
TR_CASE_BOUNDED(lock3x2, TR_PASS, MODEL_BUDGET) { lock_model(3, 2); }
TR_CASE_BOUNDED(lock4x3, TR_PASS, MODEL_BUDGET) { lock_model(4, 3); }

/* lost_update: two unlocked read-then-write increments; the bug is the final assert. */
static void unlocked_increment(void *arg)
{
    int *x = arg;
    int seen = TR_LOAD(*x);
    TR_STORE(*x, seen + 1);
}

TR_CASE(lost_update, TR_ASSERTION)
{
    int *x = tr_case_alloc(sizeof *x);
    tr_thread *a = tr_thread_new(unlocked_increment, x, NULL);
    tr_thread *b = tr_thread_new(unlocked_increment, x, NULL);
    tr_thread_start(a);
    tr_thread_start(b);
    tr_thread_join(a, TR_FOREVER);
    tr_thread_join(b, TR_FOREVER);
    TR_ASSERT(*x == 2);
    tr_thread_free(a);
    tr_thread_free(b);
}

/* philosophers_N: N philosophers, fork i then fork i+1 (deadlocks when all hold one). */
typedef struct table {
    tr_lock *fork[8];
    int n;
} table;

typedef struct seat {
    table *t;
    int i;
} seat;

static void dine(void *arg)
{
    seat *s = arg;
    tr_lock *left = s->t->fork[s->i], *right = s->t->fork[(s->i + 1) % s->t->n];
    tr_lock_acquire(left, true, TR_FOREVER);
    tr_lock_acquire(right, true, TR_FOREVER);
    tr_lock_release(right);
    tr_lock_release(left);
}

static void philosophers(int n)
{
    table *t = tr_case_alloc(sizeof *t);
    seat *seats = tr_case_alloc(sizeof *seats * (size_t)n);
    tr_thread *th[8];
    t->n = n;
    for (int i = 0; i < n; i++)
        t->fork[i] = tr_lock_new();
    for (int i = 0; i < n; i++) {
        seats[i] = (seat){t, i};
        th[i] = tr_thread_new(dine, &seats[i], NULL);
        tr_thread_start(th[i]);
    }
    for (int i = 0; i < n; i++)
        tr_thread_join(th[i], TR_FOREVER);
}

TR_CASE_BOUNDED(philosophers_3, TR_DEADLOCK, MODEL_BUDGET) { philosophers(3); }
TR_CASE_BOUNDED(philosophers_4, TR_DEADLOCK, MODEL_BUDGET) { philosophers(4); }
TR_CASE_BOUNDED(philosophers_5, TR_DEADLOCK, MODEL_BUDGET) { philosophers(5); }
TR_CASE_BOUNDED(philosophers_6, TR_DEADLOCK, MODEL_BUDGET) { philosophers(6); }

/* condvar_pc: 1 producer, 1 consumer, 3 items through a Condition-guarded queue. */
typedef struct queue {
    tr_condition *cond;
    int items[3];
    int head, tail;
} queue;

static void produce(void *arg)
{
    queue *q = arg;
    for (int i = 0; i < 3; i++) {
        tr_condition_acquire(q->cond, true, TR_FOREVER);
        q->items[q->tail++] = i + 1;
        tr_condition_notify(q->cond, 1);
        tr_condition_release(q->cond);
    }
}

static void consume(void *arg)
{
    queue *q = arg;
    for (int i = 0; i < 3; i++) {
        tr_condition_acquire(q->cond, true, TR_FOREVER);
        while (q->head == q->tail)
            tr_condition_wait(q->cond, TR_FOREVER);
        TR_ASSERT(q->items[q->head++] == i + 1);
        tr_condition_release(q->cond);
    }
}

TR_CASE(condvar_pc, TR_PASS)
{
    queue *q = tr_case_alloc(sizeof *q);
    q->cond = tr_condition_new();
    tr_thread *p = tr_thread_new(produce, q, NULL);
    tr_thread *c = tr_thread_new(consume, q, NULL);
    tr_thread_start(p);
    tr_thread_start(c);
    tr_thread_join(p, TR_FOREVER);
    tr_thread_join(c, TR_FOREVER);
    tr_thread_free(p);
    tr_thread_free(c);
    tr_condition_free(q->cond);
}

/* process_pingpong<N>: a parent and its child exchange N messages each way over a duplex
 * pipe (the parent sends first), then the parent joins. */
typedef struct rally {
    tr_connection *theirs;
    int rounds;
} rally;

static void pong(void *arg)
{
    rally *r = arg;
    for (int i = 0; i < r->rounds; i++) {
        void *buf = NULL;
        size_t len = 0;
        tr_connection_recv(r->theirs, &buf, &len);
        free(buf);
        tr_connection_send(r->theirs, "pong", 4);
    }
}

static void pingpong(int rounds)
{
    tr_connection *mine;
    rally *r = tr_case_alloc(sizeof *r);
    r->rounds = rounds;
    tr_pipe(true, &mine, &r->theirs);
    tr_process *p = tr_process_new(pong, r, NULL);
    tr_process_start(p);
    for (int i = 0; i < rounds; i++) {
        tr_connection_send(mine, "ping", 4);
        void *buf = NULL;
        size_t len = 0;
        tr_connection_recv(mine, &buf, &len);
        free(buf);
    }
    tr_process_join(p, TR_FOREVER);
    tr_process_free(p);
}

TR_CASE(process_pingpong1, TR_PASS) { pingpong(1); }
TR_CASE(process_pingpong2, TR_PASS) { pingpong(2); }

/* process_start_join: the cost of a process in an execution (start, its end, join). */
static void nothing(void *arg) { (void)arg; }

TR_CASE(process_start_join, TR_PASS)
{
    tr_process *p = tr_process_new(nothing, NULL, NULL);
    tr_process_start(p);
    tr_process_join(p, TR_FOREVER);
    tr_process_free(p);
}
