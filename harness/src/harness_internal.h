/* harness_internal.h — what the harness's files share. Never installed.
 *
 * The controlled backend runs one execution (execution.h lists its layers); explorers
 * only choose among the choices it offers; explore.c drives executions and collects
 * findings (finding.h: findings as data); wire.c (wire.h) carries records and findings
 * from a forked child to its parent; report_*.c render them. progress.c and clock.c sit
 * below all of these. */
#ifndef TRAMA_HARNESS_INTERNAL_H
#define TRAMA_HARNESS_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>
#include <trama/harness.h>

#include "../../primitives/src/internal.h"

/* An object's identity within an execution, stable across the executions of a case:
 * its kind and per-kind creation order (L2 is the second Lock made). */
typedef struct tr__object_id {
    tr__kind kind;
    int number;
} tr__object_id;

static inline bool tr__object_id_equal(tr__object_id a, tr__object_id b)
{
    return a.kind == b.kind && a.number == b.number;
}

/* ---- choices and explorers ------------------------------------------------------------ */

typedef struct tr__choice {
    int thread;   /* case thread id (T<n>) */
    bool timeout; /* the choice is "its timed wait times out" */
    bool polls;   /* ... and that wait is a try (timeout 0): an answer now, not time passing */
    bool yield;   /* its pending action is a tr_yield */
    tr__op op;    /* pending operation, for explorers that look at dependence */
    int object;   /* pending object's index in the execution, -1 none */
    int domain;   /* the object's domain (dependence unit), -1 none */
    bool modifies; /* the action may change its domain */
} tr__choice;

/* One executed step, as explorers that track dependence see it. */
typedef struct tr__event {
    int thread;
    tr__op op;
    int domain;    /* execution index of the domain object */
    bool modifies; /* changed the domain's state (a failed try-acquire only read it) */
    int acquired;  /* domain of a lock-like object it acquired, or -1 */
    int released;  /* domain of a lock-like object it released, or -1 */
    bool in_critical_section; /* its thread held the domain's lock before this step */
    bool blocking;            /* it could have waited (a guard, and a timeout other than 0) */
    /* A blocked thread's next step at a deadlock: it never ran, but had it run earlier it
     * might have raced with what did (a join before the start, an acquire before a
     * try-acquire took the permit). Told after the execution's last step. */
    bool never_ran;
    int process;   /* the process it ran in (P<n>) */
    /* A Process start: the fork copies every object of its process, as if it read them
     * all (an explorer must not take it as independent of its process's other steps). */
    bool forks;
    /* A Process terminate/kill: it may end every thread of another process, so it is
     * taken as dependent with every step of another thread. */
    bool kills;
    /* A timed wait that timed out because no thread could run (lazy time): it fired only
     * where every thread was blocked, never while one of the steps before it could run. */
    bool lazy_timeout;
    /* Every blocking step of its domain would have waited before it, and one may not now
     * (tr__action.opened). */
    bool opens;
    /* A blocking step's kind of wait, and the kinds that would have passed in the state a
     * step found, where its domain tells (tr__action.wait_kind): 0 where it does not. */
    unsigned char wait_kind, waits_open;
} tr__event;

/* One share of an exhaustive search (-j within a case, --shard I/N), count 0 or 1: all of it.
 * The search tree is cut at its split point, the first point on a path where the product of
 * the choices offered so far reaches `units` per share; each subtree below a choice
 * there (a unit) belongs to the share its path hashes to. Above the cut every share explores
 * every alternative offered (for DPOR: as if every race had been seen), so no share needs
 * another's results: the partition is a function of the case alone, the same on every
 * machine. An execution that ends above the cut counts for the share its whole path hashes
 * to. */
typedef struct tr__share {
    int index, count;
    int units; /* per share: deeper cuts balance better and cost more runs above them */
    /* Set when `workers` forked processes (-j) split one shard (share index % (count /
     * workers) of count / workers): a unit of that shard is taken by the first of them to
     * reach it, so one busy below a big unit leaves the units after it to the others.
     * Every worker meets the shard's units in one order (the search above the split is
     * the same in each), and `met` counts them: a unit is known by its number. */
    _Atomic uint64_t *claims;
    int workers;
    long met;
} tr__share;
/* Units a shared claim table holds; past them, the n-th unit is worker n % workers's. */
enum { TR__CLAIMS = 1 << 22 };
enum { TR__SHARE_UNITS = 8192 };
/* The cut is at this point at the latest, however few the choices before it: a tree whose
 * paths rarely branch (sleep sets leave one awake thread) is still split, not run whole by
 * every share. */
enum { TR__SHARE_DEPTH = 64 };
/* What the point at `index` with `choices` counted multiplies a path's reach by (past the
 * depth limit: enough to pass any target). */
static inline double tr__share_factor(int index, int choices)
{
    return index >= TR__SHARE_DEPTH - 1 ? 1e300 : choices;
}
static inline bool tr__share_splits(const tr__share *s) { return s->count > 1; }
/* The cut depends on the number of shards alone, not on the workers that split one (-j):
 * shards running with different -j must cut the tree at the same points. */
static inline double tr__share_target(const tr__share *s)
{
    return (double)s->units * (s->count / s->workers);
}
/* Whether a point whose path reached `reach` before it, and multiplies it by `factor`, is
 * the cut (the last point above it). */
static inline bool tr__share_cut(const tr__share *s, double reach, double factor)
{
    double target = tr__share_target(s);
    return tr__share_splits(s) && reach < target && reach * factor >= target;
}
static inline bool tr__share_owns(const tr__share *s, uint64_t path_hash)
{
    return !tr__share_splits(s) || (int)(path_hash % (uint64_t)s->count) == s->index;
}
/* Whether this share explores the unit whose path hashes to `unit` (asked once per unit,
 * in the search's order: claiming one counts it met). */
static inline bool tr__share_takes(tr__share *s, uint64_t unit)
{
    if (!s->claims)
        return tr__share_owns(s, unit);
    uint64_t shards = (uint64_t)(s->count / s->workers);
    if (unit % shards != (uint64_t)s->index % shards)
        return false; /* another shard's */
    long n = s->met++;
    if (n >= TR__CLAIMS)
        return n % s->workers == s->index / (long)shards;
    uint64_t b = 1ull << (n % 64);
    return !(atomic_fetch_or_explicit(&s->claims[n / 64], b, memory_order_relaxed) & b);
}

/* choose() results besides an index. */
enum { TR__CHOOSE_MISMATCH = -1, TR__CHOOSE_ABANDON = -2 };

typedef struct tr__explorer tr__explorer;
struct tr__explorer {
    const char *name;
    void (*execution_begin)(tr__explorer *);
    /* Index into choices (n >= 2). current: the thread that reached this point (-1 if it
     * cannot continue), so choosing another one while it is among the choices is a
     * preemption. depth: the index of this choice point in the execution. */
    int (*choose)(tr__explorer *, const tr__choice *choices, int n, int current, int depth);
    /* False when the explorer has nothing left: the space is exhausted. */
    bool (*execution_end)(tr__explorer *);
    void (*destroy)(tr__explorer *);
    /* Optional: told every step; and asked at every point, even with one choice (DPOR's
     * sleep sets may abandon an execution there: TR__CHOOSE_ABANDON). */
    void (*on_step)(tr__explorer *, const tr__event *);
    bool every_point;
    /* Optional: the execution ended early (assertion, step budget) with these threads
     * still unfinished. */
    void (*execution_cut)(tr__explorer *, const int *threads, int n);
    /* Thread ids it takes are below this (0: any case thread id). The --isolate parent
     * refuses a child's record past it rather than hand it over. */
    int max_threads;
    /* Out, a bounded search's: the largest preemption bound whose schedules all ran, -1
     * none (yet, or not bounded). */
    int bound_complete;
    /* Out, of the last execution: it is not this share's (its unit is another's, or it
     * ended above the split and its path hashes to another share): not counted at all; it
     * was given up because it could only repeat what ran (sleep sets): counted apart. */
    bool skipped, abandoned;
};

tr__explorer *tr__explorer_dfs(int preemption_bound);
tr__explorer *tr__explorer_dfs_share(int preemption_bound, tr__share share);
tr__explorer *tr__explorer_random(uint64_t seed);
/* steps: k, the choice points change points are drawn among (tr__pct_steps). */
tr__explorer *tr__explorer_pct(uint64_t seed, int depth, int steps);
tr__explorer *tr__explorer_pos(uint64_t seed);
tr__explorer *tr__explorer_dpor(void);
tr__explorer *tr__explorer_dpor_share(tr__share share);
/* DPOR, random, PCT and POS in turn (explore_portfolio.c); ends when DPOR completes. */
tr__explorer *tr__explorer_portfolio(uint64_t seed, int pct_depth, int pct_steps,
                                     tr__share share);
/* Follows a parsed schedule; a choice not offered is a mismatch (tr__replay_error). */
tr__explorer *tr__explorer_replay(const tr__choice *schedule, int n);
const char *tr__replay_error(const tr__explorer *);
/* How many of the schedule's choices the last execution used. */
int tr__replay_used(const tr__explorer *);
/* inner, exploring only below the schedule prefix (explore_below.c): every execution starts
 * with the prefix's choices, and inner searches what follows them as its whole space.
 * Returns inner itself when prefix is NULL. The prefix must replay on the case (a broken
 * internal invariant otherwise: tr__prefix_check it first). */
tr__explorer *tr__explorer_below(tr__explorer *inner, const char *prefix);
/* Whether prefix is a schedule that replays on c, choice for choice, and ends no later than
 * its execution does; if not, the reason in err. Runs one execution in this process. */
bool tr__prefix_check(const tr_case *c, const char *prefix, char *err, size_t err_size);

/* ---- randomness (never rand(), never time()) ----------------------------------------- */

typedef struct tr_rng {
    uint64_t s;
} tr_rng;
static inline uint64_t tr_rng_next(tr_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static inline uint64_t tr_rng_below(tr_rng *r, uint64_t n) { return n ? tr_rng_next(r) % n : 0; }

/* A path's hash, one choice at a time from TR__PATH_HASH, through the mixer above (its low
 * bits decide which share a unit is). */
enum { TR__PATH_HASH = 0 };
static inline uint64_t tr__path_hash(uint64_t h, int choice)
{
    tr_rng r = {h ^ ((uint64_t)(unsigned)choice << 32 | (unsigned)choice)};
    return tr_rng_next(&r);
}

/* ---- schedules ------------------------------------------------------------------------ */

enum { TR__SCHEDULE_MAX = 100000 };
/* What, besides the choices, decides which choices an execution offers: a schedule says it,
 * and a replay runs with it. Lazy timeouts and no spurious wake-ups (the defaults) are
 * written "v1:"; anything else "v1,timeouts=any,spurious-wakeups=N:". */
typedef struct tr__schedule_mode {
    tr_timeouts timeouts;
    int spurious_wakeups;
} tr__schedule_mode;
/* Parses "v1:1.2.2t.0" (or with settings: "v1,timeouts=any:1.2t"); returns the number of
 * choices, and the settings in *mode (the defaults when it names none), or -1 with a
 * message in err. mode may be NULL. */
int tr__schedule_parse(const char *text, tr__choice *out, int max, tr__schedule_mode *mode,
                       char *err, size_t err_size);
/* The settings alone: where the choices start, or NULL with a message in err. */
const char *tr__schedule_header(const char *text, tr__schedule_mode *mode, char *err,
                                size_t err_size);
/* Writes the header mode asks for and the choices; truncates with "..." if they do not fit. */
void tr__schedule_format(const tr__choice *choices, int n, tr__schedule_mode mode, char *out,
                         size_t size);
/* The settings an exploration runs with: a prefix's own (it is a schedule: it wins), else
 * the options'. */
tr__schedule_mode tr__schedule_mode_of(const tr_explore_opts *o);
/* The index of want's thread (and timeout) among the choices offered, -1 when it is not. */
int tr__choice_find(const tr__choice *choices, int n, tr__choice want);
/* Whether choosing choices[i] preempts `current` (the thread that reached the point, -1 if
 * it cannot go on): another thread runs while current could have gone on. */
bool tr__choice_preempts(const tr__choice *choices, int n, int current, int i);

/* ---- one execution -------------------------------------------------------------------- */

typedef enum tr__row_state { TR__ROW_RAN, TR__ROW_BLOCKED, TR__ROW_NOT_RUN } tr__row_state;

typedef struct tr__step {
    int thread;
    tr__op op;
    int object;     /* execution object index, -1 none */
    const char *file;
    int line;
    bool timeout;
    bool preemption;
    tr_status status;
    tr__row_state state; /* RAN, or a thread still waiting when the execution ended */
} tr__step;

typedef struct tr__exec_opts {
    tr__explorer *explorer;
    long max_steps;
    tr_timeouts timeouts;
    int spurious_wakeups; /* tr_explore_opts.spurious_wakeups */
    /* Keep the rows of the threads still waiting at the end, for the trace table (every
     * step is always kept: findings carry the steps that led to them). */
    bool record_trace;
} tr__exec_opts;

/* A finding as the execution produces it; explore.c dedupes and keeps it. The sink takes
 * what f owns (its parts): it keeps them or frees them (tr__finding_free). */
typedef void (*tr__finding_sink)(tr_finding *f, void *ctx);

/* Runs body once under the controlled backend. Findings go to sink. When trace is not
 * NULL it is set to a finding holding the whole execution as rows (names and steps, the
 * waiting threads last): the trace table's data. Returns false if the explorer reported
 * a replay mismatch. */
bool tr__execute(const tr_case *c, const tr__exec_opts *opts, tr__finding_sink sink, void *ctx,
                 tr_finding *trace);

/* tr__execute in a forked child (--isolate); the explorer sees the same calls. A crash
 * or a silence longer than step_timeout seconds is a finding, not the end. Lock-order
 * edges stay in the child (a cycle spread over several executions is not seen). */
bool tr__execute_isolated(const tr_case *c, const tr__exec_opts *xo, double step_timeout,
                          tr__finding_sink sink, void *ctx);
/* PCT's k for c: the scheduling points of one probe execution (explore_probe.c), run as xo
 * says (in a forked child when isolate). What the probe finds is dropped. */
int tr__pct_steps(const tr_case *c, const tr__exec_opts *xo, bool isolate, double step_timeout);
/* The current execution's schedule so far (the crash reporter reads it after a signal). */
void tr__current_schedule(char *out, size_t size);

/* ---- progress and the clock (progress.c, clock.c) -------------------------------------- */

/* A process's step counter; a forked child's lives in memory shared with the parent whose
 * watchdog (wire.c) reads it, beside what the parent needs to tell the story of a child
 * that is lost without a word (the case may have closed the wire or ended the process). */
typedef struct tr__progress_counter {
    atomic_ulong steps;
    atomic_bool exploring; /* executions are running: a still counter means a hang */
    atomic_long execution; /* the execution running, 1-based (wire.c) */
    atomic_int runner;     /* the thread (tid) running the case's code, 0 before one ran */
    atomic_int wire_lost;  /* the wire's descriptor + 1 once the case closed or replaced it */
    atomic_bool replaced;  /* ... and whether it was replaced (dup2) rather than closed */
    char check[200];       /* the check of trama's own that stopped it (tr__check_text) */
} tr__progress_counter;

/* Counts one step of this process (backend_controlled.c, each executed step). */
void tr__progress_step(void);
/* The calling thread goes on to run the case's code after a step (the thread whose time
 * the watchdog weighs). */
void tr__progress_running(void);
/* Says whether this process is running executions (only then may it be called hung). */
void tr__progress_exploring(bool on);
/* A zeroed counter in shared memory, before a fork; NULL if it cannot be mapped. */
tr__progress_counter *tr__progress_shared_new(void);
void tr__progress_shared_free(tr__progress_counter *c);
/* This process counts into c from now on (a child, right after its fork). */
void tr__progress_count_into(tr__progress_counter *c);
/* The nanoseconds thread tid (of any process) has waited, runnable, for a CPU since it
 * started (the kernel's schedstat); false if it cannot be read (the thread is gone). */
bool tr__progress_run_queue_wait(pid_t tid, unsigned long long *ns);

/* Monotonic seconds: budgets and watchdogs only, never inside an execution. */
double tr__monotonic_seconds(void);

/* ---- processes a case left behind (leftovers.c) ------------------------------------------ */

/* In a process the harness forked to run a case (a wire child, right after the fork): it
 * becomes a child subreaper, and tr__leftovers_reap takes its children back from now on. */
void tr__leftovers_adopt(void);
/* Kills and takes back every child this process still has (and their descendants, which
 * come back to it as they are orphaned); nothing in a process that did not adopt. Called
 * where none of the harness's own processes is left: the end of an exploration, the death
 * of the process. */
void tr__leftovers_reap(void);
/* The same, at the end of an execution: only if this process called fork() since the last
 * time (a counter: no system call otherwise). */
void tr__leftovers_reap_forked(void);

/* ---- detectors (race.c, lockorder.c) ------------------------------------------------------ */

/* A declared access as the race detector keeps it. */
typedef struct tr__access {
    int thread;
    const char *file;
    int line;
    bool write;
    size_t size; /* bytes, when the step named them (a Value's item); 0: its object's */
    int n_held;
    int held[4]; /* execution indices of the locks its thread held */
} tr__access;

void tr__race_reset(void);

/* A lock and where it was taken. */
typedef struct tr__lock_site {
    tr__object_id lock;
    int thread;
    const char *file;
    int line;
} tr__lock_site;

void tr__lockorder_reset(void);
/* on: the graph lives in memory the workers forked after this share; off: this process's. */
void tr__lockorder_share(bool on);
/* An execution that is not the search's (a probe, a prefix's replay) adds its edges to a
 * graph of its own, set aside until back: the search's graph, which a split search's
 * workers share, neither gets them nor has a cycle they close taken as told. */
typedef struct tr__lockorder_mark {
    void *shared;
    int n;
} tr__lockorder_mark;
tr__lockorder_mark tr__lockorder_aside(void);
void tr__lockorder_back(tr__lockorder_mark m);
/* The graph's edges, in the order they were added, for --isolate: a child execution
 * sends the ones it added, and the parent adds them as they are (the child checked them
 * for cycles), so the next child knows every order seen so far. */
int tr__lockorder_count(void);
void tr__lockorder_edge(int i, tr__lock_site *from, tr__lock_site *to);
void tr__lockorder_add(const tr__lock_site *from, const tr__lock_site *to);

/* Keeps f in r unless an equal (kind, sites) finding is kept; takes f->parts either way.
 * cap: the capacity of r->findings. */
void tr__result_keep(tr_result *r, size_t *cap, tr_finding *f);

/* ---- estimates (explore_estimate.c) ------------------------------------------------------ */

/* tr_explore_estimate for a case: probes > 0 runs exactly that many probes, however long
 * they take (tests); 0 probes until the estimate settles or `seconds` have passed (0: one
 * second). With o->no_fork the probes run in this process, between its executions: what
 * they add to the lock-order graph is taken out again. */
bool tr__estimate(const tr_case *c, const tr_explore_opts *o, long probes, double seconds,
                  tr_estimate *out, char *err, size_t err_size);

/* ---- the progress line (meter.c) ---------------------------------------------------------- */

/* A run's progress line on o->progress (a terminal), drawn once the run has gone on for a
 * second: executions, rate, findings so far and, for dfs and dpor, how many executions the
 * estimate leaves (up to max, the run's budget; 0 none). NULL when o->progress is NULL;
 * every call takes NULL. tick is called once per execution and looks at the clock only
 * every few executions; end clears the line. */
typedef struct tr__meter tr__meter;
tr__meter *tr__meter_start(const tr_case *c, const tr_explore_opts *o, long max);
void tr__meter_tick(tr__meter *m, const tr_result *r);
void tr__meter_end(tr__meter *m);

/* ---- many cases ----------------------------------------------------------------------- */

/* Explores the cases, up to o->jobs at once (each in its own child), handing each result
 * to done in case order (so output does not depend on -j). done owns nothing: the
 * result is freed after it returns. */
void tr_explore_many(const tr_case *const *cases, size_t n, const tr_explore_opts *o,
                     void (*done)(tr_result *r, void *ctx), void *ctx);

/* ---- fibers (fiber.c) ----------------------------------------------------------------- */

/* x86-64 switches with a hand-written routine; other architectures with swapcontext
 * (-DTRAMA_FIBER_UCONTEXT forces it, to test that path). */
#if defined(__x86_64__) && !defined(TRAMA_FIBER_UCONTEXT)
#define TR__FIBER_ASM 1
#else
#define TR__FIBER_ASM 0
#include <ucontext.h>
#endif

/* A user-level context: a stack of its own, entered at entry(arg) (which never returns),
 * or a thread's own stack (tr__fiber_init_current). */
typedef struct tr__fiber {
    void *sp;          /* asm: the saved stack pointer while switched out */
    char *stack;       /* above its guard page; NULL: a thread's own stack */
    size_t stack_size;
    void (*entry)(void *);
    void *arg;
#if !TR__FIBER_ASM
    ucontext_t uc;
#endif
    void *tsan;        /* ThreadSanitizer's fiber, under -fsanitize=thread */
} tr__fiber;

/* False when this build cannot switch stacks safely (AddressSanitizer). */
bool tr__fiber_supported(void);
/* The calling thread's own context, to switch away from and back to. */
void tr__fiber_init_current(tr__fiber *f);
/* Maps a stack of stack_size bytes with a guard page below; the first switch to f runs
 * entry(arg). False if the memory cannot be mapped. */
bool tr__fiber_create(tr__fiber *f, size_t stack_size, void (*entry)(void *), void *arg);
/* Forgets where f was: its next switch-in starts entry(arg) afresh on the same stack.
 * Never on the running fiber. */
void tr__fiber_reset(tr__fiber *f);
/* Saves the caller's context in from and resumes to; returns when something switches back
 * to from. Thread-locals stay as they are: the caller carries them. */
void tr__fiber_switch(tr__fiber *from, tr__fiber *to);
/* A fiber stack as large as a default pthread stack. */
size_t tr__fiber_default_stack(void);

/* ---- findings ------------------------------------------------------------------------- */

tr_verdict tr__verdict_of_status(tr_status s);

#endif
