/* trama/harness.h — systematic testing: cases, the controlled scheduler, exploration.
 *
 * A case is a function of no arguments that plays the main thread (T0). The harness runs
 * it many times in one process, each time under a different thread ordering, and reports
 * deadlocks, misuse, failed assertions, crashes, hangs (and races and lock-order cycles)
 * with a schedule string that `trama replay` reproduces exactly. */
#ifndef TRAMA_HARNESS_H
#define TRAMA_HARNESS_H

#ifndef __cplusplus
#include <stdatomic.h> /* the TR_ATOMIC_* macros are C */
#endif
#include <stdio.h>
#include <trama/trama.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Finding kinds and expected verdicts. The text spellings (tr_verdict_name) are the
 * JSON/CLI names: pass, deadlock, data_race, lock_order, runtime_error, value_error,
 * os_error, assertion, crash, hang, unmodelled (the case called something the scheduler
 * does not model, named in the finding: its executions end there, and no verdict on the
 * rest of the case can be given). */
#define TR_VERDICT_MAP(X)                                                                        \
    X(TR_PASS, "pass")                                                                           \
    X(TR_DEADLOCK, "deadlock")                                                                   \
    X(TR_DATA_RACE, "data_race")                                                                 \
    X(TR_LOCK_ORDER, "lock_order")                                                               \
    X(TR_RUNTIME_ERROR_FOUND, "runtime_error")                                                   \
    X(TR_VALUE_ERROR_FOUND, "value_error")                                                       \
    X(TR_OS_ERROR_FOUND, "os_error")                                                             \
    X(TR_ASSERTION, "assertion")                                                                 \
    X(TR_CRASH, "crash")                                                                         \
    X(TR_HANG, "hang")                                                                           \
    X(TR_UNMODELLED, "unmodelled")

typedef enum tr_verdict {
#define TR_VERDICT_ENUM(e, name) e,
    TR_VERDICT_MAP(TR_VERDICT_ENUM)
#undef TR_VERDICT_ENUM
        TR_VERDICT_COUNT
} tr_verdict;

TR_PUBLIC const char *tr_verdict_name(tr_verdict);
/* -1 when the text names no verdict. */
TR_PUBLIC int tr_verdict_parse(const char *name);

/* ---- cases ---------------------------------------------------------------------------- */

typedef struct tr_case {
    const char *name;
    tr_verdict expected;
    void (*body)(void);
    const char *file;
    int line;
    struct tr_case *next; /* registry link, set by tr_case_register */
} tr_case;

TR_PUBLIC void tr_case_register(tr_case *c);
/* The registered cases, sorted by name. */
TR_PUBLIC size_t tr_case_count(void);
TR_PUBLIC const tr_case *tr_case_at(size_t i);
TR_PUBLIC const tr_case *tr_case_find(const char *name);

/* The case's own execution budget, used when no --max-executions is given (a case whose
 * space is too large to exhaust in a test run says so; its result says "bounded"). */
TR_PUBLIC void tr_case_set_budget(const tr_case *c, long max_executions);
TR_PUBLIC long tr_case_budget(const tr_case *c); /* 0: none of its own */

/* TR_CASE with its own execution budget (0: none). */
#define TR_CASE_BOUNDED(cname, expected_verdict, budget)                                         \
    static void tr_case_body_##cname(void);                                                      \
    static tr_case tr_case_##cname = {#cname, expected_verdict, tr_case_body_##cname,            \
                                      __FILE__, __LINE__, NULL};                                 \
    __attribute__((constructor)) static void tr_case_ctor_##cname(void)                          \
    {                                                                                            \
        tr_case_register(&tr_case_##cname);                                                      \
        tr_case_set_budget(&tr_case_##cname, budget);                                            \
    }                                                                                            \
    static void tr_case_body_##cname(void)

/* TR_CASE(name, expected) { body } — defines and registers a case at load time. */
#define TR_CASE(cname, expected_verdict) TR_CASE_BOUNDED(cname, expected_verdict, 0)

/* ---- inside a case -------------------------------------------------------------------- */

/* A failed assertion ends the execution with an ASSERTION finding (outside the harness:
 * prints and aborts). */
TR_PUBLIC void tr__assert_failed(const char *file, int line, const char *text);
#define TR_ASSERT(cond)                                                                          \
    ((cond) ? (void)0 : tr__assert_failed(__FILE__, __LINE__, "TR_ASSERT(" #cond ")"))
TR_PUBLIC void tr__assert_failedf(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define TR_ASSERT_MSG(cond, ...)                                                                 \
    ((cond) ? (void)0 : tr__assert_failedf(__FILE__, __LINE__, __VA_ARGS__))

/* A scheduling point marking one iteration of a spin loop: a thread that yields is not
 * chosen again while another thread can make progress. */
TR_PUBLIC void tr_yield(void);
/* Zeroed memory released when the execution ends, however it ends. */
TR_PUBLIC void *tr_case_alloc(size_t size);
/* Declared plain shared accesses: scheduling points and race-detector inputs. */
TR_PUBLIC void tr_shared_read(const void *addr, size_t size);
TR_PUBLIC void tr_shared_write(void *addr, size_t size);

/* Declared C11 atomic accesses (sequentially consistent): scheduling points that never
 * race, and happens-before edges on the address as C11 gives them: a store (or the write
 * of a read-modify-write) releases, a load (or its read) acquires. Plain and atomic
 * accesses to one address are not checked against each other. */
typedef enum tr_atomic_op { TR_ATOMIC_OP_LOAD, TR_ATOMIC_OP_STORE, TR_ATOMIC_OP_RMW } tr_atomic_op;
TR_PUBLIC void tr_shared_atomic(const volatile void *addr, size_t size, tr_atomic_op op);
/* A compare-exchange about to compare addr's size bytes with expected's: a read-modify-
 * write if they are equal, else a load. (Nothing runs between it and the exchange.) */
TR_PUBLIC void tr_shared_atomic_cas(const volatile void *addr, const void *expected, size_t size);

#define tr_yield() (TR__SITE(), tr_yield())
#define tr_shared_read(...) (TR__SITE(), tr_shared_read(__VA_ARGS__))
#define tr_shared_write(...) (TR__SITE(), tr_shared_write(__VA_ARGS__))
#define tr_shared_atomic(...) (TR__SITE(), tr_shared_atomic(__VA_ARGS__))
#define tr_shared_atomic_cas(...) (TR__SITE(), tr_shared_atomic_cas(__VA_ARGS__))

/* TR_LOAD(lv): the value of a scalar lvalue, declared as a shared read.
 * TR_STORE(lv, v): evaluates v (its own loads come first), then declares the write and
 * assigns. Both are scheduling points. (GNU C's __typeof__ and statement expressions, as
 * gcc and clang accept them; __extension__ keeps -Wpedantic quiet.) */
#define TR_LOAD(lv) (tr_shared_read((const void *)&(lv), sizeof(lv)), (lv))
#define TR_STORE(lv, v)                                                                          \
    __extension__({                                                                              \
        __typeof__(lv) tr__stored_value = (v);                                                   \
        tr_shared_write((void *)&(lv), sizeof(lv));                                              \
        (lv) = tr__stored_value;                                                                 \
        (void)0;                                                                                 \
    })

/* The C11 atomic operations on an _Atomic lvalue, each declared first (after evaluating
 * its operands; obj's address is taken once), then done: natively they are just the
 * atomic operations. A value stored takes obj's type (a 0 for an _Atomic pointer is a
 * null pointer); a fetch operand keeps its own (a ptrdiff_t for pointers). */
#define TR__ATOMIC_VALUE(obj) __typeof__(atomic_load(&(obj)))
#define TR_ATOMIC_LOAD(obj)                                                                      \
    __extension__({                                                                              \
        __typeof__(obj) *tr__atomic_p = &(obj);                                                  \
        tr_shared_atomic(tr__atomic_p, sizeof *tr__atomic_p, TR_ATOMIC_OP_LOAD);                 \
        atomic_load(tr__atomic_p);                                                               \
    })
#define TR_ATOMIC_STORE(obj, v)                                                                  \
    __extension__({                                                                              \
        TR__ATOMIC_VALUE(obj) tr__atomic_value = (v);                                            \
        __typeof__(obj) *tr__atomic_p = &(obj);                                                  \
        tr_shared_atomic(tr__atomic_p, sizeof *tr__atomic_p, TR_ATOMIC_OP_STORE);                \
        atomic_store(tr__atomic_p, tr__atomic_value);                                            \
        (void)0;                                                                                 \
    })
#define TR__ATOMIC_RMW(obj, call, operand_type, v)                                               \
    __extension__({                                                                              \
        operand_type tr__atomic_operand = (v);                                                   \
        __typeof__(obj) *tr__atomic_p = &(obj);                                                  \
        tr_shared_atomic(tr__atomic_p, sizeof *tr__atomic_p, TR_ATOMIC_OP_RMW);                  \
        call(tr__atomic_p, tr__atomic_operand);                                                  \
    })
#define TR_ATOMIC_EXCHANGE(obj, v) TR__ATOMIC_RMW(obj, atomic_exchange, TR__ATOMIC_VALUE(obj), v)
#define TR_ATOMIC_FETCH_ADD(obj, v) TR__ATOMIC_RMW(obj, atomic_fetch_add, __typeof__(v), v)
#define TR_ATOMIC_FETCH_SUB(obj, v) TR__ATOMIC_RMW(obj, atomic_fetch_sub, __typeof__(v), v)
#define TR_ATOMIC_FETCH_OR(obj, v) TR__ATOMIC_RMW(obj, atomic_fetch_or, __typeof__(v), v)
#define TR_ATOMIC_FETCH_AND(obj, v) TR__ATOMIC_RMW(obj, atomic_fetch_and, __typeof__(v), v)
/* compare_exchange_strong: true when obj held *expected (then it holds desired); else
 * *expected gets obj's value. Declared with the comparison it will make: only a CAS that
 * succeeds writes, and only a write releases (a failed one is a load, as in C11). */
#define TR_ATOMIC_CAS(obj, expected, desired)                                                    \
    __extension__({                                                                              \
        TR__ATOMIC_VALUE(obj) tr__atomic_desired = (desired);                                    \
        TR__ATOMIC_VALUE(obj) *tr__atomic_expected = (expected);                                 \
        __typeof__(obj) *tr__atomic_p = &(obj);                                                  \
        tr_shared_atomic_cas(tr__atomic_p, tr__atomic_expected, sizeof *tr__atomic_expected);    \
        atomic_compare_exchange_strong(tr__atomic_p, tr__atomic_expected, tr__atomic_desired);   \
    })

/* ---- exploration ---------------------------------------------------------------------- */

typedef enum tr_strategy {
    TR_STRATEGY_DFS,
    TR_STRATEGY_RANDOM,
    TR_STRATEGY_PCT,
    TR_STRATEGY_DPOR,
    TR_STRATEGY_POS,      /* partial order sampling */
    TR_STRATEGY_PORTFOLIO /* dpor, random, pct and pos in turn */
} tr_strategy;
typedef enum tr_timeouts { TR_TIMEOUTS_LAZY, TR_TIMEOUTS_ANY } tr_timeouts;

typedef struct tr_explore_opts {
    tr_strategy strategy;      /* default DPOR */
    unsigned long long seed;   /* random, pct, pos, portfolio */
    long max_executions;       /* 0 = default (100000); < 0 = unlimited */
    double time_budget;        /* seconds, 0 = none */
    long max_steps;            /* per execution, 0 = default (10000); over it: TR_HANG */
    int preemption_bound;      /* dfs: a fixed bound; < 0 (the default, -1): iterative, every
                                  schedule within bound 0, then 1, 2, ... */
    int pct_depth;             /* pct's d, default 6 */
    tr_timeouts timeouts;
    int spurious_wakeups;      /* how many waits on a condition variable, per execution, may
                                  return without a signal, as POSIX allows (pthread condition
                                  variables of trama-cc programs; default 0) */
    bool stop_on_expected;     /* stop once the case's expected kind was found (verify) */
    bool stop_on_first;        /* stop at the first finding of any kind */
    bool isolate;              /* fork per execution */
    bool no_fork;              /* run in this process (no crash isolation) */
    double step_timeout;       /* watchdog, seconds (default 10) */
    int shard_index, shard_count; /* --shard I/N (count 0 = unsharded) */
    int jobs;                  /* -j: workers (0: one); cases explored at once, or one
                                  case's search split over them */
    long minimize_executions;  /* after the search, executions spent looking for each
                                  finding with fewer preemptions (default 1000; 0: none) */
    FILE *progress;            /* a terminal: a run over a second draws its progress line
                                  there (NULL, the default: none) */
    const char *prefix;        /* a schedule: explore only the executions that start with it
                                  (`replay --continue`; NULL: all). It must replay on the
                                  case: tr_replay, or `trama replay`, checks a schedule.
                                  Its timeouts and spurious wake-ups are used, not the
                                  two options above */
} tr_explore_opts;

TR_PUBLIC void tr_explore_opts_init(tr_explore_opts *);

typedef struct tr_site_ref {
    const char *file;
    int line;
} tr_site_ref;

enum { TR_FINDING_SITES = 4, TR_FINDING_THREADS = 8 };

typedef struct tr_finding {
    tr_verdict kind;
    char message[256];
    char schedule[512];      /* "v1:..." replays this finding (its timeouts and spurious
                                wake-ups in its header: "v1,timeouts=any:...") */
    long execution;          /* 1-based */
    int n_sites;
    tr_site_ref sites[TR_FINDING_SITES];
    int n_threads;
    int threads[TR_FINDING_THREADS];
    /* The typed details (who holds and waits for what, the racing accesses, the
     * lock-order links, the numbered steps), as the reports render them; owned by the
     * result (tr_result_free). Read them through the JSON Lines report. */
    struct tr__finding_parts *parts;
} tr_finding;

typedef struct tr_result {
    const tr_case *c;
    unsigned found;          /* bit per tr_verdict kind seen */
    long executions;         /* run to their end: for dpor and dfs, each a distinct one */
    bool complete;           /* the whole space (within bounds) was explored */
    /* dfs: every schedule with at most this many preemptions ran (iterative bounding
     * raises it round by round; complete and -1 otherwise: not a bounded search). */
    int preemption_bound;
    double seconds;
    size_t n_findings;       /* distinct (kind, first site) */
    tr_finding *findings;    /* malloc'd; tr_result_free */
    /* dpor: executions given up part way because every thread that could go on "sleeps"
     * (each continuation repeats a trace already run): work, not in executions. */
    long abandoned;
} tr_result;

TR_PUBLIC tr_result tr_explore(const char *case_name, const tr_explore_opts *);
TR_PUBLIC void tr_result_free(tr_result *);
/* ok: the case shows its expected verdict (a pass case: nothing found). */
TR_PUBLIC bool tr_result_ok(const tr_result *);

/* How many executions an exhaustive strategy (opts->strategy: dfs or dpor) needs for a
 * case, found before running it: the mean of Knuth's estimator over random probes of the
 * strategy's tree (each probe one execution), stopping once its standard error is under a
 * tenth of the mean or after a second. dfs: the schedules within its preemption bound;
 * dpor: the Mazurkiewicz traces (DPOR runs one execution per trace, and may abandon a few
 * more). opts are the run's (tr_explore_opts_init, then its options; not NULL). Probes
 * run in a forked child unless opts->no_fork. False, with a message in err, for an
 * unknown case, no options, another strategy, or a probe that crashed or hung. */
typedef struct tr_estimate {
    double executions; /* the estimate */
    double error;      /* its standard error */
    long probes;
    double seconds;
    bool rough;        /* the case starts processes (dpor and dfs), or a thread yields or a
                          timeout fires (dpor): the probes know less of what the schedule
                          depends on than the search does (off by a factor of 2 to 50 seen) */
} tr_estimate;
TR_PUBLIC bool tr_explore_estimate(const char *case_name, const tr_explore_opts *opts,
                                   tr_estimate *out, char *err, size_t err_size);

/* Replays one schedule, writing the trace table to out when trace is set. Returns the
 * finding kinds seen (bit per verdict) or -1 with a message on err when the schedule is
 * malformed or does not match the case. */
TR_PUBLIC int tr_replay(const char *case_name, const char *schedule, bool trace, FILE *out,
                        tr_result *result, char *err, size_t err_size);

/* The CLI over every registered case (list, run, replay, verify). */
TR_PUBLIC int tr_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif
