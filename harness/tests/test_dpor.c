/* test_dpor.c — DPOR explores exactly one execution per Mazurkiewicz trace.
 *
 * Random small programs (2-4 threads, a few operations on 1-3 locks and 1-3 shared
 * variables) are run twice: once under plain DFS, which enumerates every interleaving,
 * and once under DPOR. From DFS's executions the traces are counted by brute force (two
 * interleavings are the same trace when each thread did the same steps, a timeout or a
 * failed try being another step than a success, and every pair of dependent events from
 * different threads comes in the same order); DPOR must run each trace once, and nothing
 * else (no execution abandoned in a sleep set), and reach every distinct final state DFS
 * reached.
 *
 * A second family adds what makes threads wait for each other in other ways: semaphores
 * (blocking, timed, non-blocking), try-acquires and timed acquires of locks, a
 * condition's notify and timed wait, joins between workers (including cycles and joins
 * before start), an Event (set, clear, timed wait) and a two-party Barrier (timed
 * waits). The same holds there, a deadlock counting as a final state. A third has queues.
 *
 * DPOR_ROUNDS=N programs per family (30), DPOR_SEED=S other programs than CI's,
 * DPOR_ONLY=K only program K, DPOR_TRACE=1 every step and choice of the DPOR executions
 * (each marked new, DUPLICATE or ABANDONED), DPOR_TEST=PATTERN one test, DPOR_GAPS=1
 * every program that is not exact listed (with its figures) rather than the first failed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../src/finding.h"

enum { MAX_T = 4, MAX_OPS = 5, MAX_VARS = 3, MAX_LOCKS = 3 };

typedef enum op_kind {
    OP_READ, OP_WRITE, OP_LOCKED_WRITE, OP_LOCKED_RW, OP_NESTED, /* the lock family */
    OP_SEM_ACQUIRE, OP_SEM_RELEASE, OP_SEM_TRY, OP_LOCK_TRY, OP_NOTIFY, OP_WAIT_TIMED, OP_JOIN,
    OP_EVENT_SET, OP_EVENT_CLEAR, OP_EVENT_WAIT, OP_BARRIER_WAIT, OP_SEM_TIMED, OP_LOCK_TIMED,
    OP_Q_PUT, OP_Q_GET, OP_Q_GET_NOWAIT, OP_Q_GET_TIMED, OP_Q_SIZE, /* the queue family */
    N_OP_KINDS
} op_kind;

typedef struct op {
    op_kind kind;
    int var, lock, lock2;
} op;

enum { MAX_SEMS = 2, MAX_QUEUES = 2 }; /* queue 0 unbounded, queue 1 holds one item */

typedef struct program {
    bool sync;   /* the second family */
    bool queues; /* the third */
    int threads, vars, locks, sem_init[MAX_SEMS];
    int n_ops[MAX_T];
    op ops[MAX_T][MAX_OPS];
} program;

static program prog;

typedef struct world {
    int var[MAX_VARS];
    int seen[MAX_T][MAX_OPS];
    tr_lock *lock[MAX_LOCKS];
    tr_semaphore *sem[MAX_SEMS];
    tr_condition *cond; /* over lock[0] */
    tr_event *event;
    tr_barrier *barrier; /* 2 parties */
    tr_queue *queue[MAX_QUEUES];
    tr_thread *th[MAX_T];
    int id[MAX_T];
} world;

static world *current;

static void run_thread(void *arg)
{
    int t = *(int *)arg;
    world *w = current;
    for (int i = 0; i < prog.n_ops[t]; i++) {
        const op *o = &prog.ops[t][i];
        switch (o->kind) {
        case OP_READ:
            w->seen[t][i] = TR_LOAD(w->var[o->var]);
            break;
        case OP_WRITE:
            TR_STORE(w->var[o->var], t * 10 + i + 1);
            break;
        case OP_LOCKED_WRITE:
            tr_lock_acquire(w->lock[o->lock], true, TR_FOREVER);
            TR_STORE(w->var[o->var], t * 10 + i + 1);
            tr_lock_release(w->lock[o->lock]);
            break;
        case OP_LOCKED_RW:
            tr_lock_acquire(w->lock[o->lock], true, TR_FOREVER);
            w->seen[t][i] = TR_LOAD(w->var[o->var]);
            TR_STORE(w->var[o->var], w->seen[t][i] + 1);
            tr_lock_release(w->lock[o->lock]);
            break;
        case OP_NESTED:
            tr_lock_acquire(w->lock[o->lock], true, TR_FOREVER);
            tr_lock_acquire(w->lock[o->lock2], true, TR_FOREVER);
            TR_STORE(w->var[o->var], t * 10 + i + 1);
            tr_lock_release(w->lock[o->lock2]);
            tr_lock_release(w->lock[o->lock]);
            break;
        case OP_SEM_ACQUIRE:
            w->seen[t][i] = (int)tr_semaphore_acquire(w->sem[o->lock % MAX_SEMS], true, TR_FOREVER);
            break;
        case OP_SEM_RELEASE:
            tr_semaphore_release(w->sem[o->lock % MAX_SEMS], 1);
            break;
        case OP_SEM_TRY:
            w->seen[t][i] = 100 + (int)tr_semaphore_acquire(w->sem[o->lock % MAX_SEMS], false, -1);
            break;
        case OP_SEM_TIMED:
            w->seen[t][i] = 200 + (int)tr_semaphore_acquire(w->sem[o->lock % MAX_SEMS], true, 1.0);
            break;
        case OP_LOCK_TIMED:
            w->seen[t][i] = 200 + (int)tr_lock_acquire(w->lock[o->lock], true, 1.0);
            if (w->seen[t][i] == 200 + TR_OK) {
                TR_STORE(w->var[o->var], t * 10 + i + 1);
                tr_lock_release(w->lock[o->lock]);
            }
            break;
        case OP_LOCK_TRY:
            w->seen[t][i] = 100 + (int)tr_lock_acquire(w->lock[o->lock], false, -1);
            if (w->seen[t][i] == 100 + TR_OK) {
                TR_STORE(w->var[o->var], t * 10 + i + 1);
                tr_lock_release(w->lock[o->lock]);
            }
            break;
        case OP_NOTIFY:
            tr_condition_acquire(w->cond, true, TR_FOREVER);
            TR_STORE(w->var[o->var], t * 10 + i + 1);
            tr_condition_notify(w->cond, 1);
            tr_condition_release(w->cond);
            break;
        case OP_WAIT_TIMED: /* the wait, then the load: one expression would not order them */
            tr_condition_acquire(w->cond, true, TR_FOREVER);
            w->seen[t][i] = 1000 * (int)tr_condition_wait(w->cond, 1.0);
            w->seen[t][i] += TR_LOAD(w->var[o->var]);
            tr_condition_release(w->cond);
            break;
        case OP_JOIN: /* o->lock names the thread: another worker, maybe not started yet */
            w->seen[t][i] = (int)tr_thread_join(w->th[o->lock], TR_FOREVER);
            break;
        case OP_EVENT_SET:
            tr_event_set(w->event);
            break;
        case OP_EVENT_CLEAR:
            tr_event_clear(w->event);
            break;
        case OP_EVENT_WAIT:
            w->seen[t][i] = 1000 * (int)tr_event_wait(w->event, 1.0);
            w->seen[t][i] += TR_LOAD(w->var[o->var]);
            break;
        case OP_BARRIER_WAIT: {
            long index = -1;
            w->seen[t][i] = 10 * (int)tr_barrier_wait(w->barrier, 1.0, &index) + (int)index;
            break;
        }
        case OP_Q_PUT: /* blocks on the bounded queue while it is full */
            w->seen[t][i] = (int)tr_queue_put(w->queue[o->lock % MAX_QUEUES],
                                              (void *)(intptr_t)(t * 10 + i + 1), true, TR_FOREVER);
            break;
        case OP_Q_GET:
        case OP_Q_GET_NOWAIT:
        case OP_Q_GET_TIMED: {
            void *item = NULL;
            tr_queue *q = w->queue[o->lock % MAX_QUEUES];
            tr_status st = o->kind == OP_Q_GET         ? tr_queue_get(q, &item, true, TR_FOREVER)
                           : o->kind == OP_Q_GET_TIMED ? tr_queue_get(q, &item, true, 1.0)
                                                       : tr_queue_get_nowait(q, &item);
            w->seen[t][i] = 1000 * (int)st + (int)(intptr_t)item;
            break;
        }
        case OP_Q_SIZE:
            w->seen[t][i] = (int)tr_queue_qsize(w->queue[o->lock % MAX_QUEUES]);
            break;
        default:
            break;
        }
    }
}

/* final states of the exploration in progress: a sorted, deduplicated list of strings */
typedef struct states {
    char **s;
    int n, cap;
} states;

static states *final_states;
static bool deadlocked;

static void add_state(states *st, const char *text)
{
    for (int i = 0; i < st->n; i++)
        if (strcmp(st->s[i], text) == 0)
            return;
    if (st->n == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 64;
        st->s = realloc(st->s, (size_t)st->cap * sizeof *st->s);
    }
    st->s[st->n++] = strdup(text);
}

static void free_states(states *st)
{
    for (int i = 0; i < st->n; i++)
        free(st->s[i]);
    free(st->s);
    memset(st, 0, sizeof *st);
}

static void record_final(const world *w)
{
    char text[512];
    size_t len = 0;
    for (int v = 0; v < prog.vars; v++)
        len += (size_t)snprintf(text + len, sizeof text - len, "v%d=%d ", v, w->var[v]);
    for (int t = 0; t < prog.threads; t++)
        for (int i = 0; i < prog.n_ops[t]; i++)
            len += (size_t)snprintf(text + len, sizeof text - len, "%d ", w->seen[t][i]);
    add_state(final_states, text);
}

TR_CASE(dpor_random_program, TR_PASS)
{
    world *w = tr_case_alloc(sizeof *w);
    current = w;
    for (int l = 0; l < prog.locks; l++)
        w->lock[l] = tr_lock_new();
    if (prog.sync) {
        for (int k = 0; k < MAX_SEMS; k++)
            w->sem[k] = tr_semaphore_new(prog.sem_init[k]);
        w->cond = tr_condition_new_lock(w->lock[0]);
        w->event = tr_event_new();
        w->barrier = tr_barrier_new(2, NULL, NULL, TR_FOREVER);
    }
    if (prog.queues) {
        w->queue[0] = tr_queue_new(0);
        w->queue[1] = tr_queue_new(1);
    }
    for (int t = 0; t < prog.threads; t++) {
        w->id[t] = t;
        w->th[t] = tr_thread_new(run_thread, &w->id[t], NULL);
    }
    for (int t = 0; t < prog.threads; t++)
        tr_thread_start(w->th[t]);
    for (int t = 0; t < prog.threads; t++)
        tr_thread_join(w->th[t], TR_FOREVER);
    record_final(w);
}

static void generate(tr_rng *rng)
{
    memset(&prog, 0, sizeof prog);
    uint64_t pick = tr_rng_below(rng, 20);
    prog.threads = pick < 14 ? 2 : pick < 19 ? 3 : 4;
    prog.vars = 1 + (int)tr_rng_below(rng, MAX_VARS);
    prog.locks = 1 + (int)tr_rng_below(rng, MAX_LOCKS);
    /* visible steps per kind; the workers share a budget so brute force stays feasible */
    static const int cost[] = {[OP_READ] = 1, [OP_WRITE] = 1, [OP_LOCKED_WRITE] = 3,
                               [OP_LOCKED_RW] = 4, [OP_NESTED] = 5};
    int budget = prog.threads == 2 ? 6 : prog.threads == 3 ? 4 : 4;
    for (int t = 0; t < prog.threads; t++) {
        int share = budget / (prog.threads - t);
        for (int i = 0; i < MAX_OPS; i++) {
            op *o = &prog.ops[t][i];
            o->kind = (op_kind)tr_rng_below(rng, prog.locks > 1 ? 5 : 4);
            o->var = (int)tr_rng_below(rng, (uint64_t)prog.vars);
            o->lock = (int)tr_rng_below(rng, (uint64_t)prog.locks);
            o->lock2 = (o->lock + 1 + (int)tr_rng_below(rng, (uint64_t)prog.locks - 1)) % prog.locks;
            if (cost[o->kind] > share && i > 0)
                break;
            if (cost[o->kind] > share)
                o->kind = OP_WRITE;
            share -= cost[o->kind];
            budget -= cost[o->kind];
            prog.n_ops[t]++;
        }
    }
}

/* The second family: fewer locks, the waits of every other kind. */
static void generate_sync(tr_rng *rng)
{
    memset(&prog, 0, sizeof prog);
    prog.sync = true;
    prog.threads = tr_rng_below(rng, 4) ? 2 : 3;
    prog.vars = 1 + (int)tr_rng_below(rng, 2);
    prog.locks = 1 + (int)tr_rng_below(rng, 2);
    for (int k = 0; k < MAX_SEMS; k++)
        prog.sem_init[k] = (int)tr_rng_below(rng, 2);
    static const op_kind kinds[] = {OP_WRITE,  OP_READ,    OP_LOCKED_RW,  OP_SEM_ACQUIRE,
                                    OP_SEM_RELEASE, OP_SEM_TRY, OP_LOCK_TRY, OP_NOTIFY,
                                    OP_WAIT_TIMED,  OP_JOIN,    OP_EVENT_SET, OP_EVENT_CLEAR,
                                    OP_EVENT_WAIT,  OP_BARRIER_WAIT, OP_SEM_TIMED, OP_LOCK_TIMED};
    static const int cost[N_OP_KINDS] = {[OP_READ] = 1,       [OP_WRITE] = 1,  [OP_LOCKED_RW] = 4,
                                         [OP_SEM_ACQUIRE] = 1, [OP_SEM_RELEASE] = 1,
                                         [OP_SEM_TRY] = 1,    [OP_LOCK_TRY] = 3, [OP_NOTIFY] = 4,
                                         [OP_WAIT_TIMED] = 4, [OP_JOIN] = 1,
                                         [OP_EVENT_SET] = 1, [OP_EVENT_CLEAR] = 1,
                                         [OP_EVENT_WAIT] = 3, [OP_BARRIER_WAIT] = 2,
                                         [OP_SEM_TIMED] = 1, [OP_LOCK_TIMED] = 3};
    int budget = prog.threads == 2 ? 6 : 5;
    for (int t = 0; t < prog.threads; t++) {
        int share = budget / (prog.threads - t);
        for (int i = 0; i < MAX_OPS; i++) {
            op *o = &prog.ops[t][i];
            o->kind = kinds[tr_rng_below(rng, sizeof kinds / sizeof *kinds)];
            o->var = (int)tr_rng_below(rng, (uint64_t)prog.vars);
            o->lock = (int)tr_rng_below(rng, (uint64_t)prog.locks);
            if (o->kind == OP_JOIN) /* another worker */
                o->lock = (t + 1 + (int)tr_rng_below(rng, (uint64_t)prog.threads - 1)) % prog.threads;
            if (cost[o->kind] > share && i > 0)
                break;
            if (cost[o->kind] > share)
                o->kind = OP_SEM_RELEASE;
            share -= cost[o->kind];
            budget -= cost[o->kind];
            prog.n_ops[t]++;
        }
    }
}

/* The third family: queues, an unbounded one and one of a single slot, with plain
 * variables between their calls. */
static void generate_queue(tr_rng *rng)
{
    memset(&prog, 0, sizeof prog);
    prog.queues = true;
    prog.threads = tr_rng_below(rng, 4) ? 2 : 3;
    prog.vars = 1;
    prog.locks = MAX_QUEUES;
    static const op_kind kinds[] = {OP_Q_PUT, OP_Q_PUT,        OP_Q_GET,   OP_Q_GET,
                                    OP_Q_GET_NOWAIT, OP_Q_GET_TIMED, OP_Q_SIZE, OP_WRITE};
    int budget = prog.threads == 2 ? 6 : 5;
    for (int t = 0; t < prog.threads; t++) {
        int share = budget / (prog.threads - t);
        for (int i = 0; i < MAX_OPS && share > 0; i++) {
            op *o = &prog.ops[t][i];
            o->kind = kinds[tr_rng_below(rng, sizeof kinds / sizeof *kinds)];
            o->lock = (int)tr_rng_below(rng, MAX_QUEUES);
            share--;
            budget--;
            prog.n_ops[t]++;
        }
    }
}

/* ---- counting traces by brute force --------------------------------------------------- */

typedef struct recorder {
    tr__explorer base;
    tr__explorer *inner;
    tr__event events[4096];
    int n;
    bool abandoned;
} recorder;

static void rec_begin(tr__explorer *x)
{
    recorder *r = (recorder *)x;
    r->n = 0;
    r->abandoned = false;
    r->inner->execution_begin(r->inner);
}

static int rec_choose(tr__explorer *x, const tr__choice *c, int n, int cur, int depth)
{
    recorder *r = (recorder *)x;
    int pick = r->inner->choose(r->inner, c, n, cur, depth);
    if (getenv("DPOR_TRACE") && (n > 1 || pick < 0)) {
        printf("    choose:");
        for (int i = 0; i < n; i++)
            printf(" %sT%d%s", i == pick ? "*" : "", c[i].thread, c[i].timeout ? "t" : "");
        printf("%s\n", pick == TR__CHOOSE_ABANDON ? " ABANDON" : "");
    }
    r->abandoned |= pick == TR__CHOOSE_ABANDON;
    return pick;
}

static bool rec_end(tr__explorer *x)
{
    recorder *r = (recorder *)x;
    return r->inner->execution_end(r->inner);
}

static void rec_step(tr__explorer *x, const tr__event *e)
{
    recorder *r = (recorder *)x;
    if (r->n < 4096 && !e->never_ran) /* a blocked thread's next step is no event */
        r->events[r->n++] = *e;
}

static void rec_destroy(tr__explorer *x) { (void)x; }

typedef struct pair {
    int t1, i1, t2, i2;
} pair;

static int pair_order(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    if (x->t1 != y->t1)
        return x->t1 - y->t1;
    if (x->i1 != y->i1)
        return x->i1 - y->i1;
    if (x->t2 != y->t2)
        return x->t2 - y->t2;
    return x->i2 - y->i2;
}

/* The trace of the recorded execution: for every dependent pair of events of different
 * threads, which came first, named by (thread, per-thread index), in a sorted list. */
static void trace_key(const recorder *r, char *out, size_t size)
{
    static pair pairs[1 << 16];
    int local[64] = {0}, idx[4096], n = 0;
    for (int i = 0; i < r->n; i++)
        idx[i] = local[r->events[i].thread]++;
    for (int i = 0; i < r->n; i++)
        for (int j = i + 1; j < r->n; j++) {
            const tr__event *a = &r->events[i], *b = &r->events[j];
            if (a->thread == b->thread || a->domain != b->domain || (!a->modifies && !b->modifies))
                continue;
            if (n == 1 << 16)
                fail_msg("too many dependent pairs");
            pairs[n++] = (pair){a->thread, idx[i], b->thread, idx[j]};
        }
    qsort(pairs, (size_t)n, sizeof *pairs, pair_order);
    size_t len = 0;
    out[0] = '\0';
    /* what each thread did, in its order: a wait that timed out, a try that failed, is
     * another event than the same call that succeeded */
    for (int t = 0; t < 64; t++)
        for (int i = 0; i < r->n; i++) {
            const tr__event *e = &r->events[i];
            if (e->thread != t)
                continue;
            int w = snprintf(out + len, size - len, "%d:%d%s%s ", t, (int)e->op,
                             e->modifies ? "m" : "", e->lazy_timeout ? "t" : "");
            if (w < 0 || (size_t)w >= size - len)
                fail_msg("trace key too long");
            len += (size_t)w;
        }
    for (int k = 0; k < n; k++) {
        int w = snprintf(out + len, size - len, "%d.%d<%d.%d;", pairs[k].t1, pairs[k].i1,
                         pairs[k].t2, pairs[k].i2);
        if (w < 0 || (size_t)w >= size - len)
            fail_msg("trace key too long");
        len += (size_t)w;
    }
}

static void no_finding(tr_finding *f, void *ctx)
{
    (void)ctx;
    if (f->kind == TR_DEADLOCK) {
        deadlocked = true;
        if (prog.sync || prog.queues) /* an outcome as much as a final state */
            add_state(final_states, "deadlock");
    }
    tr__finding_free(f);
}

enum { DFS_CAP = 400000 };

static long explore(tr__explorer *e, states *traces)
{
    const tr_case *c = tr_case_find("dpor_random_program");
    recorder rec = {.base = {.name = "recorder", .execution_begin = rec_begin,
                             .choose = rec_choose, .execution_end = rec_end,
                             .destroy = rec_destroy, .on_step = rec_step,
                             .every_point = e->every_point, .max_threads = e->max_threads,
                             .bound_complete = -1},
                    .inner = e};
    tr__exec_opts xo = {.explorer = &rec.base, .max_steps = 10000};
    long executions = 0;
    char *key = malloc(1 << 16);
    for (;;) {
        tr__execute(c, &xo, no_finding, NULL, NULL);
        executions++;
        if (traces) {
            trace_key(&rec, key, 1 << 16);
            add_state(traces, key);
        }
        if (!rec_end(&rec.base))
            break;
        if (executions >= DFS_CAP) {
            executions = -1; /* too big to enumerate: the caller skips it */
            break;
        }
    }
    free(key);
    return executions;
}

/* DPOR needs the steps too: a recorder that forwards them. */
static void fwd_step(tr__explorer *x, const tr__event *e)
{
    recorder *r = (recorder *)x;
    if (getenv("DPOR_TRACE"))
        printf("    T%d %s dom %d%s%s\n", e->thread, tr__op_name(e->op), e->domain,
               e->modifies ? " mod" : "", e->never_ran ? " (never ran)" : "");
    rec_step(x, e);
    r->inner->on_step(r->inner, e);
}

/* Also counts, in *abandoned and *duplicates, the executions given up in sleep sets and
 * the finished ones whose trace an earlier one had, and in *covered the traces run. */
static long explore_dpor(states *finals, long *abandoned, long *duplicates, long *covered)
{
    tr__explorer *e = tr__explorer_dpor();
    const tr_case *c = tr_case_find("dpor_random_program");
    recorder rec = {.base = {.name = "recorder", .execution_begin = rec_begin,
                             .choose = rec_choose, .execution_end = rec_end,
                             .destroy = rec_destroy, .on_step = fwd_step, .every_point = true,
                             .max_threads = e->max_threads, .bound_complete = -1},
                    .inner = e};
    tr__exec_opts xo = {.explorer = &rec.base, .max_steps = 10000};
    long executions = 0;
    final_states = finals;
    states seen = {0};
    char *key = malloc(1 << 16);
    for (;;) {
        if (getenv("DPOR_TRACE"))
            printf("  dpor execution %ld\n", executions + 1);
        tr__execute(c, &xo, no_finding, NULL, NULL);
        executions++;
        trace_key(&rec, key, 1 << 16);
        int before = seen.n;
        if (!rec.abandoned)
            add_state(&seen, key);
        *abandoned += rec.abandoned;
        *duplicates += !rec.abandoned && seen.n == before;
        if (getenv("DPOR_TRACE")) {
            const char *what = rec.abandoned ? "ABANDONED" : seen.n > before ? "new" : "DUPLICATE";
            printf("  -> %s %s\n", what, key);
        }
        if (!rec_end(&rec.base) || executions > 200000)
            break;
    }
    free(key);
    *covered = seen.n;
    free_states(&seen);
    e->destroy(e);
    return executions;
}

static void print_program(void)
{
    for (int t = 0; t < prog.threads; t++)
        for (int i = 0; i < prog.n_ops[t]; i++)
            printf("  T%d op %d kind %d var %d lock/sem/thread %d\n", t + 1, i, prog.ops[t][i].kind,
                   prog.ops[t][i].var, prog.ops[t][i].lock);
}

static bool same_states(const states *a, const states *b)
{
    if (a->n != b->n)
        return false;
    for (int i = 0; i < a->n; i++) {
        bool found = false;
        for (int j = 0; j < b->n && !found; j++)
            found = strcmp(a->s[i], b->s[j]) == 0;
        if (!found)
            return false;
    }
    return true;
}

/* One random program under DFS (every interleaving: its traces and final states) and
 * under DPOR. False when it is too big for brute force (nothing is kept then). */
typedef struct round_result {
    long interleavings, dpor_runs, abandoned, duplicates, covered;
    states traces, dfs_finals, dpor_finals;
} round_result;

static bool run_round(round_result *r)
{
    memset(r, 0, sizeof *r);
    final_states = &r->dfs_finals;
    tr__explorer *dfs = tr__explorer_dfs(-1);
    r->interleavings = explore(dfs, &r->traces);
    dfs->destroy(dfs);
    if (r->interleavings < 0) {
        free_states(&r->traces);
        free_states(&r->dfs_finals);
        return false;
    }
    r->dpor_runs = explore_dpor(&r->dpor_finals, &r->abandoned, &r->duplicates, &r->covered);
    return true;
}

static void round_free(round_result *r)
{
    free_states(&r->traces);
    free_states(&r->dfs_finals);
    free_states(&r->dpor_finals);
}

static int rounds_from_env(void)
{
    const char *rounds_env = getenv("DPOR_ROUNDS");
    return rounds_env ? atoi(rounds_env) : 30;
}

/* DPOR_SEED picks other programs than CI's (to run many more locally). */
static tr_rng rng_from_env(uint64_t seed)
{
    const char *seed_env = getenv("DPOR_SEED");
    return (tr_rng){seed_env ? strtoull(seed_env, NULL, 10) : seed};
}

/* Sound: every trace run (so every final state DFS reached, a deadlock being one), none
 * twice. Exact: besides, no execution abandoned in a sleep set, so one DPOR execution per
 * trace. A trace ends in one state, so there are no fewer traces than final states: a
 * check of the counting itself. False (with DPOR_GAPS) where it is not. */
static bool check_round(const char *family, int round, const round_result *r)
{
    if (same_states(&r->dfs_finals, &r->dpor_finals) && r->duplicates == 0 &&
        r->covered == r->traces.n && r->dpor_runs == r->traces.n &&
        r->traces.n >= r->dfs_finals.n)
        return true;
    if (getenv("DPOR_GAPS")) {
        printf("%s program %d: %d traces, %ld run, dpor ran %ld (%ld abandoned, %ld duplicates)\n",
               family, round, r->traces.n, r->covered, r->dpor_runs, r->abandoned,
               r->duplicates);
        print_program();
        return false;
    }
    print_program();
    for (int i = 0; i < r->dfs_finals.n; i++)
        printf("  dfs: %s\n", r->dfs_finals.s[i]);
    for (int i = 0; i < r->dpor_finals.n; i++)
        printf("  dpor: %s\n", r->dpor_finals.s[i]);
    fail_msg("%s program %d (%d threads, %d vars, %d locks): %ld interleavings, %d traces (%ld "
             "run), dpor ran %ld (%ld abandoned, %ld duplicates); final states dfs %d dpor %d "
             "(DPOR_TRACE=1 DPOR_ONLY=%d shows its executions)",
             family, round, prog.threads, prog.vars, prog.locks, r->interleavings, r->traces.n,
             r->covered, r->dpor_runs, r->abandoned, r->duplicates, r->dfs_finals.n,
             r->dpor_finals.n, round);
    return false;
}

/* One family: rounds random programs from generator, each checked. */
static void run_family(const char *family, void (*generator)(tr_rng *), uint64_t seed)
{
    tr_rng rng = rng_from_env(seed);
    long total_dfs = 0, total_dpor = 0, total_traces = 0, total_abandoned = 0;
    int skipped = 0, with_deadlock = 0, gaps = 0, rounds = rounds_from_env();
    const char *only = getenv("DPOR_ONLY");
    for (int round = 0; round < rounds; round++) {
        generator(&rng);
        if (only && atoi(only) != round)
            continue;
        round_result r;
        if (!run_round(&r)) {
            skipped++;
            continue;
        }
        total_dfs += r.interleavings;
        total_dpor += r.dpor_runs;
        total_traces += r.traces.n;
        total_abandoned += r.abandoned;
        for (int i = 0; i < r.dfs_finals.n; i++)
            with_deadlock += strcmp(r.dfs_finals.s[i], "deadlock") == 0;
        gaps += !check_round(family, round, &r);
        round_free(&r);
    }
    printf("%d random %s programs (%d too big for brute force, skipped; %d can deadlock): %ld "
           "interleavings, %ld traces, %ld dpor executions (%ld abandoned)\n",
           rounds, family, skipped, with_deadlock, total_dfs, total_traces, total_dpor,
           total_abandoned);
    assert_true(skipped * 5 <= rounds); /* at most a fifth too big for brute force */
    assert_int_equal(gaps, 0);
}

static void test_dpor_explores_one_execution_per_trace(void **unused)
{
    (void)unused;
    run_family("lock", generate, 2026);
}

static void test_dpor_explores_one_execution_per_trace_with_every_wait(void **unused)
{
    (void)unused;
    run_family("sync", generate_sync, 1871);
}

/* Queues (put, a bounded queue's blocking put, blocking, timed and non-blocking get, qsize). */
static void test_dpor_explores_one_execution_per_trace_with_queues(void **unused)
{
    (void)unused;
    run_family("queue", generate_queue, 1958);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dpor_explores_one_execution_per_trace),
        cmocka_unit_test(test_dpor_explores_one_execution_per_trace_with_every_wait),
        cmocka_unit_test(test_dpor_explores_one_execution_per_trace_with_queues),
    };
    if (getenv("DPOR_TEST")) /* one test by name (a pattern), to debug it */
        cmocka_set_test_filter(getenv("DPOR_TEST"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
