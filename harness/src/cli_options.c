/* cli_options.c — the trama command line's syntax (cli.h): the command, its options and
 * their values, its positional arguments, parsed into a tr__cli without any effect. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char tr__cli_usage[] =
    "usage: trama list\n"
    "       trama run [CASE-GLOB...] [--strategy dfs|dpor|pct|pos|portfolio|random]\n"
    "                 [--max-executions N] [--time-budget S] [--max-steps N]\n"
    "                 [--preemption-bound K] [--seed S] [--pct-depth D]\n"
    "                 [--timeouts lazy|any] [--spurious-wakeups N] [--step-timeout S]\n"
    "                 [--isolate] [--no-fork] [-j N] [--shard I/N|auto[/N]] [--json F]\n"
    "                 [--sarif F] [--junit F] [--exclude CASE-GLOB]... [--minimize N]\n"
    "                 [--quiet] [--estimate]\n"
    "       trama replay CASE SCHEDULE [--trace]\n"
    "       trama replay CASE SCHEDULE --continue [same options as run]\n"
    "       trama verify [CASE-GLOB...] [same options as run]\n";

/* Where a problem is written: the caller's buffer. */
typedef struct problem {
    char *text;
    size_t size;
} problem;

static int fail(problem *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(problem *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->text, p->size, fmt, ap);
    va_end(ap);
    return 2;
}

/* The whole string is one decimal integer in [lo, hi]. */
bool tr__cli_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* The whole string is a number above 0 (a NaN is not a number of seconds). */
static bool parse_seconds(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || v != v || v <= 0)
        return false;
    *out = v;
    return true;
}

/* "I/N" with 0 <= I < N, each a decimal integer that fits an int. */
bool tr__cli_shard(const char *s, int *index, int *count)
{
    const char *slash = strchr(s, '/');
    char head[24];
    long i, n;
    if (!slash || (size_t)(slash - s) >= sizeof head)
        return false;
    memcpy(head, s, (size_t)(slash - s));
    head[slash - s] = '\0';
    if (!tr__cli_long(head, 0, 1000000, &i) || !tr__cli_long(slash + 1, 1, 1000000, &n) || i >= n)
        return false;
    *index = (int)i;
    *count = (int)n;
    return true;
}

static const char *const value_options[] = {
    "--strategy", "--timeouts", "--spurious-wakeups", "--max-executions", "--max-steps",
    "--time-budget", "--step-timeout", "--preemption-bound", "--pct-depth", "--seed", "-j",
    "--jobs", "--shard", "--json", "--sarif", "--junit", "--exclude", "--minimize",
};

static bool takes_value(const char *a)
{
    for (size_t i = 0; i < sizeof value_options / sizeof *value_options; i++)
        if (strcmp(a, value_options[i]) == 0)
            return true;
    return false;
}

/* An option that takes a value (one of value_options): sets *c from v. Returns 0 or 2. */
static int value_option(tr__cli *c, const char *a, const char *v, problem *p)
{
    long n;
    tr_explore_opts *o = &c->o;
    if (strcmp(a, "--strategy") == 0) {
        if (strcmp(v, "dfs") == 0)
            o->strategy = TR_STRATEGY_DFS;
        else if (strcmp(v, "dpor") == 0)
            o->strategy = TR_STRATEGY_DPOR;
        else if (strcmp(v, "random") == 0)
            o->strategy = TR_STRATEGY_RANDOM;
        else if (strcmp(v, "pct") == 0)
            o->strategy = TR_STRATEGY_PCT;
        else if (strcmp(v, "pos") == 0)
            o->strategy = TR_STRATEGY_POS;
        else if (strcmp(v, "portfolio") == 0)
            o->strategy = TR_STRATEGY_PORTFOLIO;
        else
            return fail(p, "unknown strategy \"%s\" (dfs, dpor, pct, pos, portfolio, random)",
                        v);
    } else if (strcmp(a, "--timeouts") == 0) {
        if (strcmp(v, "lazy") == 0)
            o->timeouts = TR_TIMEOUTS_LAZY;
        else if (strcmp(v, "any") == 0)
            o->timeouts = TR_TIMEOUTS_ANY;
        else
            return fail(p, "--timeouts is lazy or any, not \"%s\"", v);
        c->timeouts_set = true;
    } else if (strcmp(a, "--spurious-wakeups") == 0) {
        if (!tr__cli_long(v, 0, 1000000, &n))
            return fail(p, "--spurious-wakeups needs an integer from 0 to 1000000, not \"%s\"",
                        v);
        o->spurious_wakeups = (int)n;
        c->spurious_set = true;
    } else if (strcmp(a, "--max-executions") == 0) {
        if (!tr__cli_long(v, 1, LONG_MAX, &o->max_executions))
            return fail(p, "--max-executions needs a positive integer, not \"%s\"", v);
    } else if (strcmp(a, "--max-steps") == 0) {
        if (!tr__cli_long(v, 1, LONG_MAX, &o->max_steps))
            return fail(p, "--max-steps needs a positive integer, not \"%s\"", v);
    } else if (strcmp(a, "--time-budget") == 0) {
        if (!parse_seconds(v, &o->time_budget))
            return fail(p, "--time-budget needs a positive number of seconds, not \"%s\"", v);
    } else if (strcmp(a, "--step-timeout") == 0) {
        if (!parse_seconds(v, &o->step_timeout))
            return fail(p, "--step-timeout needs a positive number of seconds, not \"%s\"", v);
    } else if (strcmp(a, "--preemption-bound") == 0) {
        if (!tr__cli_long(v, 0, 1000, &n))
            return fail(p, "--preemption-bound needs an integer from 0 to 1000, not \"%s\"", v);
        o->preemption_bound = (int)n;
    } else if (strcmp(a, "--pct-depth") == 0) {
        if (!tr__cli_long(v, 1, 16, &n))
            return fail(p, "--pct-depth needs an integer from 1 to 16, not \"%s\"", v);
        o->pct_depth = (int)n;
    } else if (strcmp(a, "--seed") == 0) {
        char *end;
        errno = 0;
        unsigned long long s = strtoull(v, &end, 0);
        if (errno || end == v || *end)
            return fail(p, "--seed needs an unsigned integer, not \"%s\"", v);
        o->seed = s;
    } else if (strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0) {
        if (!tr__cli_long(v, 1, 256, &n))
            return fail(p, "-j needs an integer from 1 to 256, not \"%s\"", v);
        o->jobs = (int)n;
    } else if (strcmp(a, "--shard") == 0 && strncmp(v, "auto", 4) == 0) {
        c->shard_auto = true;
        c->shard_auto_count = 0;
        if (v[4] == '/' && tr__cli_long(v + 5, 1, 1000000, &n))
            c->shard_auto_count = (int)n;
        else if (v[4] != '\0')
            return fail(p, "--shard auto takes an optional /N (N >= 1), not \"%s\"", v);
    } else if (strcmp(a, "--shard") == 0) {
        if (!tr__cli_shard(v, &o->shard_index, &o->shard_count))
            return fail(p, "--shard needs I/N with 0 <= I < N, or auto[/N], not \"%s\"", v);
        c->shard_auto = false;
    } else if (strcmp(a, "--minimize") == 0) {
        if (!tr__cli_long(v, 0, 100000000, &n))
            return fail(p, "--minimize needs a number of executions from 0, not \"%s\"", v);
        o->minimize_executions = n;
        c->minimize_set = true;
    } else if (strcmp(a, "--json") == 0) {
        c->json = v;
    } else if (strcmp(a, "--sarif") == 0) {
        c->sarif = v;
    } else if (strcmp(a, "--junit") == 0) {
        c->junit = v;
    } else if (strcmp(a, "--exclude") == 0) {
        if (c->n_excludes == TR__CLI_GLOBS)
            return fail(p, "too many --exclude patterns (%s...)", v);
        c->excludes[c->n_excludes++] = v;
    } else {
        return fail(p, "unknown option %s", a);
    }
    return 0;
}

/* A flag: sets it and returns true, or false when a is no flag. */
static bool flag_option(tr__cli *c, const char *a)
{
    if (strcmp(a, "--isolate") == 0)
        c->o.isolate = true;
    else if (strcmp(a, "--no-fork") == 0)
        c->o.no_fork = true;
    else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0)
        c->quiet = true;
    else if (strcmp(a, "--trace") == 0)
        c->trace = true;
    else if (strcmp(a, "--estimate") == 0)
        c->estimate = true;
    else if (strcmp(a, "--continue") == 0)
        c->replay_continue = true;
    else
        return false;
    return true;
}

/* A positional argument: a case pattern (run, verify) or replay's case, then schedule. */
static int positional(tr__cli *c, const char *a, problem *p)
{
    if (c->command != TR__CMD_REPLAY) {
        if (c->n_globs == TR__CLI_GLOBS)
            return fail(p, "too many case patterns (%s...)", a);
        c->globs[c->n_globs++] = a;
    } else if (!c->replay_case) {
        c->replay_case = a;
    } else if (!c->replay_schedule) {
        c->replay_schedule = a;
    } else {
        return fail(p, "unexpected argument %s", a);
    }
    return 0;
}

/* replay runs with the timeouts and spurious wake-ups its schedule names (a malformed one
 * is the replay's to report); an option that names others is an error, not a silent
 * choice between two runs. */
static int replay_settings(tr__cli *c, problem *p)
{
    tr__schedule_mode mode;
    char ignored[256];
    if (!tr__schedule_header(c->replay_schedule, &mode, ignored, sizeof ignored))
        return 0;
    if (c->timeouts_set && c->o.timeouts != mode.timeouts)
        return fail(p, "the schedule says timeouts=%s: replay follows it, not --timeouts %s",
                    mode.timeouts == TR_TIMEOUTS_ANY ? "any" : "lazy",
                    c->o.timeouts == TR_TIMEOUTS_ANY ? "any" : "lazy");
    if (c->spurious_set && c->o.spurious_wakeups != mode.spurious_wakeups)
        return fail(p, "the schedule says spurious-wakeups=%d: replay follows it, not "
                       "--spurious-wakeups %d",
                    mode.spurious_wakeups, c->o.spurious_wakeups);
    c->o.timeouts = mode.timeouts;
    c->o.spurious_wakeups = mode.spurious_wakeups;
    return 0;
}

/* The options and positional arguments of run, verify and replay. */
static int parse_arguments(int argc, char **argv, tr__cli *c, problem *p)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        long n;
        int rc;
        if (flag_option(c, a))
            continue;
        if (strncmp(a, "-j", 2) == 0 && a[2] != '\0') { /* -j2 */
            if (!tr__cli_long(a + 2, 1, 256, &n))
                return fail(p, "-j needs an integer from 1 to 256, not \"%s\"", a + 2);
            c->o.jobs = (int)n;
        } else if (takes_value(a)) {
            if (i + 1 == argc)
                return fail(p, "option %s needs a value", a);
            if ((rc = value_option(c, a, argv[++i], p)) != 0)
                return rc;
        } else if (a[0] == '-' && a[1] != '\0') {
            return fail(p, "unknown option %s", a);
        } else if ((rc = positional(c, a, p)) != 0) {
            return rc;
        }
    }
    return 0;
}

int tr__cli_parse(int argc, char **argv, tr__cli *c, char *err, size_t err_size)
{
    problem p = {err, err_size};
    memset(c, 0, sizeof *c);
    tr_explore_opts_init(&c->o);
    if (err_size)
        err[0] = '\0';
    if (argc < 2)
        return fail(&p, "missing command");
    const char *cmd = argv[1];
    if (strcmp(cmd, "list") == 0) {
        c->command = TR__CMD_LIST;
        return argc == 2 ? 0 : fail(&p, "list takes no arguments");
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        c->command = TR__CMD_HELP;
        return 0;
    }
    if (strcmp(cmd, "run") == 0)
        c->command = TR__CMD_RUN;
    else if (strcmp(cmd, "verify") == 0)
        c->command = TR__CMD_VERIFY;
    else if (strcmp(cmd, "replay") == 0)
        c->command = TR__CMD_REPLAY;
    else
        return fail(&p, "unknown command \"%s\"", cmd);
    int rc = parse_arguments(argc - 2, argv + 2, c, &p);
    if (rc)
        return rc;
    if (c->command == TR__CMD_REPLAY && !c->replay_schedule)
        return fail(&p, "replay needs a case and a schedule");
    if (c->estimate && c->command != TR__CMD_RUN)
        return fail(&p, "--estimate is an option of run");
    if (c->replay_continue && c->command != TR__CMD_REPLAY)
        return fail(&p, "--continue is an option of replay");
    if (c->replay_continue && c->trace)
        return fail(&p, "replay --continue explores many executions: no --trace");
    if (c->command == TR__CMD_REPLAY && (rc = replay_settings(c, &p)) != 0)
        return rc;
    c->o.stop_on_expected = c->command == TR__CMD_VERIFY;
    if (c->command == TR__CMD_VERIFY && !c->minimize_set)
        c->o.minimize_executions = 0; /* verify tells a story only when a case fails */
    return 0;
}
