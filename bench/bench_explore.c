/* bench_explore.c — how fast the harness explores, and how many executions it needs.
 *
 * The models are ordinary TR_CASEs run by the same engine as `trama run` (the main
 * thread starts and joins the workers). One line per model and strategy:
 *   model=NAME strategy=S executions=N complete=yes|no seconds=T execs_per_s=R
 * then the estimate of each exhaustive count beside it (`bench_explore estimate [BUDGET]`:
 * only those; ">N": the budget ended the count):
 *   model=NAME strategy=S executions=N estimate=E error=SE ratio=E/N probes=P seconds=T
 * Prints figures only; never fails on a time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <trama/harness.h>

/* lock<N>x<K>: N threads, each does K locked increments of one counter. */
static int model_threads = 2, model_increments = 1;

typedef struct counter {
    tr_lock *lock;
    int value;
} counter;

static void locked_increments(void *arg)
{
    counter *c = arg;
    for (int i = 0; i < model_increments; i++) {
        tr_lock_acquire(c->lock, true, TR_FOREVER);
        c->value++; /* under the lock: not a visible operation */
        tr_lock_release(c->lock);
    }
}

TR_CASE(lock_model, TR_PASS)
{
    counter *c = tr_case_alloc(sizeof *c);
    c->lock = tr_lock_new();
    tr_thread *t[8];
    for (int i = 0; i < model_threads; i++) {
        t[i] = tr_thread_new(locked_increments, c, NULL);
        tr_thread_start(t[i]);
    }
    for (int i = 0; i < model_threads; i++) {
        tr_thread_join(t[i], TR_FOREVER);
        tr_thread_free(t[i]);
    }
    TR_ASSERT(c->value == model_threads * model_increments);
    tr_lock_free(c->lock);
}

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
static int philosophers = 3;

typedef struct table {
    tr_lock *fork[8];
    int seat;
} table;

typedef struct seat {
    table *t;
    int i;
} seat;

static void dine(void *arg)
{
    seat *s = arg;
    tr_lock *left = s->t->fork[s->i], *right = s->t->fork[(s->i + 1) % philosophers];
    tr_lock_acquire(left, true, TR_FOREVER);
    tr_lock_acquire(right, true, TR_FOREVER);
    tr_lock_release(right);
    tr_lock_release(left);
}

TR_CASE(philosophers_model, TR_DEADLOCK)
{
    table *t = tr_case_alloc(sizeof *t);
    seat *seats = tr_case_alloc(sizeof *seats * (size_t)philosophers);
    tr_thread *th[8];
    for (int i = 0; i < philosophers; i++)
        t->fork[i] = tr_lock_new();
    for (int i = 0; i < philosophers; i++) {
        seats[i] = (seat){t, i};
        th[i] = tr_thread_new(dine, &seats[i], NULL);
        tr_thread_start(th[i]);
    }
    for (int i = 0; i < philosophers; i++)
        tr_thread_join(th[i], TR_FOREVER);
}

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
static int pingpong_rounds = 1;

static void pong(void *arg)
{
    tr_connection *c = arg;
    for (int i = 0; i < pingpong_rounds; i++) {
        void *buf = NULL;
        size_t len = 0;
        tr_connection_recv(c, &buf, &len);
        free(buf);
        tr_connection_send(c, "pong", 4);
    }
}

TR_CASE(process_pingpong, TR_PASS)
{
    tr_connection *mine, *theirs;
    tr_pipe(true, &mine, &theirs);
    tr_process *p = tr_process_new(pong, theirs, NULL);
    tr_process_start(p);
    for (int i = 0; i < pingpong_rounds; i++) {
        tr_connection_send(mine, "ping", 4);
        void *buf = NULL;
        size_t len = 0;
        tr_connection_recv(mine, &buf, &len);
        free(buf);
    }
    tr_process_join(p, TR_FOREVER);
    tr_process_free(p);
}

/* process_start_join: the cost of a process in an execution (start, its end, join). */
static void nothing(void *arg) { (void)arg; }

TR_CASE(process_start_join, TR_PASS)
{
    tr_process *p = tr_process_new(nothing, NULL, NULL);
    tr_process_start(p);
    tr_process_join(p, TR_FOREVER);
    tr_process_free(p);
}

static void run(const char *model, const char *case_name, tr_strategy strategy, long max,
                bool stop_at_bug)
{
    tr_explore_opts o;
    tr_explore_opts_init(&o);
    o.strategy = strategy;
    o.max_executions = max;
    o.no_fork = true;
    o.seed = 1;
    o.stop_on_expected = stop_at_bug; /* executions up to the first that shows the bug */
    tr_result r = tr_explore(case_name, &o);
    const char *names[] = {"dfs", "random", "pct", "dpor"};
    printf("model=%s strategy=%s executions=%ld complete=%s seconds=%.3f execs_per_s=%.0f\n",
           model, names[strategy], r.executions, r.complete ? "yes" : "no", r.seconds,
           r.seconds > 0 ? (double)r.executions / r.seconds : 0.0);
    fflush(stdout);
    tr_result_free(&r);
}

/* The estimate (tr_explore_estimate) beside the count a run of up to `budget` executions
 * makes (">N" when the budget ends it first). bound: dfs's preemption bound, -1 iterative. */
static void estimate(const char *model, const char *case_name, tr_strategy strategy, int bound,
                     long budget)
{
    tr_explore_opts o;
    tr_explore_opts_init(&o);
    o.strategy = strategy;
    o.preemption_bound = bound;
    o.max_executions = budget;
    o.no_fork = true;
    tr_estimate e;
    char err[256];
    if (!tr_explore_estimate(case_name, &o, &e, err, sizeof err)) {
        printf("model=%s estimate failed: %s\n", model, err);
        return;
    }
    tr_result r = tr_explore(case_name, &o);
    char strategy_name[32];
    snprintf(strategy_name, sizeof strategy_name, "%s",
             strategy == TR_STRATEGY_DPOR ? "dpor" : "dfs");
    if (strategy == TR_STRATEGY_DFS && bound >= 0)
        snprintf(strategy_name, sizeof strategy_name, "dfs-pb%d", bound);
    printf("model=%s strategy=%s executions=%s%ld estimate=%.0f error=%.0f ratio=%s%.2f "
           "probes=%ld seconds=%.2f\n",
           model, strategy_name, r.complete ? "" : ">", r.executions, e.executions, e.error,
           r.complete ? "" : "<", r.executions ? e.executions / (double)r.executions : 0.0,
           e.probes, e.seconds);
    fflush(stdout);
    tr_result_free(&r);
}

static void estimates(long budget)
{
    struct {
        tr_strategy strategy;
        int bound;
    } searches[] = {{TR_STRATEGY_DPOR, -1}, {TR_STRATEGY_DFS, 2}, {TR_STRATEGY_DFS, -1}};
    for (size_t s = 0; s < sizeof searches / sizeof *searches; s++) {
        tr_strategy st = searches[s].strategy;
        int b = searches[s].bound;
        for (int n = 2; n <= 5; n++) {
            char name[32];
            snprintf(name, sizeof name, "lock%dx1", n);
            model_threads = n, model_increments = 1;
            estimate(name, "lock_model", st, b, budget);
        }
        model_threads = 3, model_increments = 2;
        estimate("lock3x2", "lock_model", st, b, budget);
        for (int n = 3; n <= 5; n++) {
            char name[32];
            snprintf(name, sizeof name, "philosophers_%d", n);
            philosophers = n;
            estimate(name, "philosophers_model", st, b, budget);
        }
        estimate("condvar_pc", "condvar_pc", st, b, budget);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "estimate") == 0) { /* the estimates only */
        estimates(argc > 2 ? atol(argv[2]) : 1000000);
        return 0;
    }
    long budget = argc > 1 ? atol(argv[1]) : 1000000;
    tr_strategy exhaustive[] = {TR_STRATEGY_DFS, TR_STRATEGY_DPOR};
    for (size_t s = 0; s < sizeof exhaustive / sizeof *exhaustive; s++) {
        tr_strategy st = exhaustive[s];
        model_threads = 2, model_increments = 1;
        run("lock2x1", "lock_model", st, budget, false);
        model_threads = 3, model_increments = 2;
        run("lock3x2", "lock_model", st, budget, false);
        for (int n = 2; n <= 7; n++) {
            char name[32];
            snprintf(name, sizeof name, "lock%dx1", n);
            model_threads = n, model_increments = 1;
            run(name, "lock_model", st, n <= 5 ? budget : budget / 10, false);
        }
        run("lost_update", "lost_update", st, budget, true);
        run("condvar_pc", "condvar_pc", st, budget, false);
        for (int n = 3; n <= 5; n++) {
            char name[32];
            snprintf(name, sizeof name, "philosophers_%d", n);
            philosophers = n;
            run(name, "philosophers_model", st, budget / 10, false);
        }
    }
    for (size_t s = 0; s < sizeof exhaustive / sizeof *exhaustive; s++) {
        for (int n = 1; n <= 2; n++) {
            char name[32];
            snprintf(name, sizeof name, "process_pingpong%d", n);
            pingpong_rounds = n;
            run(name, "process_pingpong", exhaustive[s], 100000, false);
        }
    }
    run("process_start_join", "process_start_join", TR_STRATEGY_RANDOM, 2000, false);
    model_threads = 2, model_increments = 1;
    run("lock2x1", "lock_model", TR_STRATEGY_RANDOM, 100000, false);
    model_threads = 3, model_increments = 2;
    run("lock3x2", "lock_model", TR_STRATEGY_RANDOM, 100000, false);
    estimates(budget);
    return 0;
}
