/* bench_explore.c — how fast the harness explores, and how many executions it needs.
 *
 * The models (models.c) are ordinary TR_CASEs run by the same engine as `trama run`. One
 * line per model and strategy:
 *   model=NAME strategy=S executions=N complete=yes|no seconds=T execs_per_s=R
 * then one case's search on one worker and on two (-j), with the workers' CPU use, then
 * the estimate of each exhaustive count beside it (`bench_explore estimate [BUDGET]`: only
 * those; ">N": the budget ended the count):
 *   model=NAME strategy=S executions=N estimate=E error=SE ratio=E/N probes=P seconds=T
 * `bench_explore processes`: the process cases' lines only, between two of
 *   model=raw_fork_exit_wait forks=N seconds=T per_s=R
 * (a bare fork, _exit and waitpid: the most executions with a process a second can be).
 * `bench_explore memory`: peak RSS after 10^5 random executions and after 10^7 more:
 *   model=lock2x1 strategy=random executions=N seconds=T max_rss_kb=K
 * Prints figures only; never fails on a time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <trama/harness.h>
#include <unistd.h>

static double seconds_of(struct timeval t) { return (double)t.tv_sec + (double)t.tv_usec / 1e6; }

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

/* One case's search on `jobs` forked workers (-j): its wall time and its workers' CPU use
 * (user + system over wall: 2.0 is two cores busy throughout). */
static void run_jobs(const char *model, tr_strategy strategy, int jobs)
{
    tr_explore_opts o;
    tr_explore_opts_init(&o);
    o.strategy = strategy;
    o.jobs = jobs;
    struct rusage before, after;
    getrusage(RUSAGE_CHILDREN, &before);
    tr_result r = tr_explore(model, &o);
    getrusage(RUSAGE_CHILDREN, &after);
    double cpu = seconds_of(after.ru_utime) - seconds_of(before.ru_utime) +
                 seconds_of(after.ru_stime) - seconds_of(before.ru_stime);
    const char *names[] = {"dfs", "random", "pct", "dpor"};
    printf("model=%s strategy=%s jobs=%d executions=%ld findings=%zu complete=%s seconds=%.3f "
           "cpu_use=%.2f\n",
           model, names[strategy], jobs, r.executions, r.n_findings, r.complete ? "yes" : "no",
           r.seconds, r.seconds > 0 ? cpu / r.seconds : 0.0);
    fflush(stdout);
    tr_result_free(&r);
}

/* This process's peak memory after random runs of 10^5 and then 10^7 executions in it: an
 * execution must leave nothing behind, so the two peaks are within a few percent. */
static void memory(void)
{
    long runs[] = {100000, 10000000};
    for (size_t i = 0; i < 2; i++) {
        tr_explore_opts o;
        tr_explore_opts_init(&o);
        o.strategy = TR_STRATEGY_RANDOM;
        o.max_executions = runs[i];
        o.no_fork = true;
        o.seed = 1;
        tr_result r = tr_explore("lock2x1", &o);
        struct rusage self;
        getrusage(RUSAGE_SELF, &self);
        printf("model=lock2x1 strategy=random executions=%ld seconds=%.1f max_rss_kb=%ld\n",
               r.executions, r.seconds, self.ru_maxrss);
        fflush(stdout);
        tr_result_free(&r);
    }
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
            estimate(name, name, st, b, budget);
        }
        estimate("lock3x2", "lock3x2", st, b, budget);
        for (int n = 3; n <= 5; n++) {
            char name[32];
            snprintf(name, sizeof name, "philosophers_%d", n);
            estimate(name, name, st, b, budget);
        }
        estimate("condvar_pc", "condvar_pc", st, b, budget);
    }
}

/* The floor under every execution with a process: fork, _exit and waitpid of a child that
 * does nothing, from this process, with nothing of the harness around them. */
static void raw_fork(void)
{
    enum { FORKS = 1000 };
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < FORKS; i++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(0);
        if (pid < 0 || waitpid(pid, NULL, 0) != pid) {
            perror("bench_explore: fork");
            return;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    printf("model=raw_fork_exit_wait forks=%d seconds=%.3f per_s=%.0f\n", FORKS, s, FORKS / s);
    fflush(stdout);
}

/* Cases with a process: a real fork per execution, the cross-process hand-overs; the raw
 * fork before and after them, as the ceiling they run under. */
static void processes(void)
{
    raw_fork();
    tr_strategy exhaustive[] = {TR_STRATEGY_DFS, TR_STRATEGY_DPOR};
    for (size_t s = 0; s < sizeof exhaustive / sizeof *exhaustive; s++) {
        run("process_pingpong1", "process_pingpong1", exhaustive[s], 100000, false);
        run("process_pingpong2", "process_pingpong2", exhaustive[s], 100000, false);
    }
    run("process_start_join", "process_start_join", TR_STRATEGY_RANDOM, 2000, false);
    raw_fork();
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "estimate") == 0) { /* the estimates only */
        estimates(argc > 2 ? atol(argv[2]) : 1000000);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "processes") == 0) { /* the process cases only */
        processes();
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "memory") == 0) { /* a minute of random executions */
        memory();
        return 0;
    }
    long budget = argc > 1 ? atol(argv[1]) : 1000000;
    tr_strategy exhaustive[] = {TR_STRATEGY_DFS, TR_STRATEGY_DPOR};
    for (size_t s = 0; s < sizeof exhaustive / sizeof *exhaustive; s++) {
        tr_strategy st = exhaustive[s];
        run("lock2x1", "lock2x1", st, budget, false);
        run("lock3x2", "lock3x2", st, budget, false);
        for (int n = 2; n <= 7; n++) {
            char name[32];
            snprintf(name, sizeof name, "lock%dx1", n);
            run(name, name, st, n <= 5 ? budget : budget / 10, false);
        }
        run("lost_update", "lost_update", st, budget, true);
        run("condvar_pc", "condvar_pc", st, budget, false);
        for (int n = 3; n <= 5; n++) {
            char name[32];
            snprintf(name, sizeof name, "philosophers_%d", n);
            run(name, name, st, budget / 10, false);
        }
    }
    processes();
    run("lock2x1", "lock2x1", TR_STRATEGY_RANDOM, 100000, false);
    run("lock3x2", "lock3x2", TR_STRATEGY_RANDOM, 100000, false);
    /* one case on one core and on two, alternating (this machine's speed drifts) */
    const char *split_models[] = {"lock4x3", "philosophers_6"};
    for (size_t m = 0; m < 2; m++)
        for (int round = 0; round < 2; round++)
            for (int jobs = 1; jobs <= 2; jobs++)
                run_jobs(split_models[m], TR_STRATEGY_DPOR, jobs);
    estimates(budget);
    return 0;
}
