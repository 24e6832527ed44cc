/* cli.c — `trama list | run | replay | verify` over the registered cases (tr_main). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_internal.h"
#include "report.h"

static const char usage_text[] =
    "usage: trama list\n"
    "       trama run [CASE-GLOB...] [--strategy dfs|dpor|pct|random] [--max-executions N]\n"
    "                 [--time-budget S] [--max-steps N] [--preemption-bound K] [--seed S]\n"
    "                 [--pct-depth D] [--timeouts lazy|any] [--step-timeout S] [--isolate]\n"
    "                 [--no-fork] [-j N] [--shard I/N] [--json F] [--sarif F] [--junit F]\n"
    "                 [--quiet]\n"
    "       trama replay CASE SCHEDULE [--trace]\n"
    "       trama verify [CASE-GLOB...] [same options as run]\n";

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "trama: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", usage_text);
    return 2;
}

typedef struct cli {
    tr_explore_opts o;
    const char *globs[256];
    int n_globs;
    const char *json;
    const char *sarif, *junit; /* report files, written once every case has run */
    bool quiet;
    bool trace;
    const char *positional[2];
    int n_positional;
} cli;

static bool parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end)
        return false;
    *out = v;
    return true;
}

static bool parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || v != v)
        return false;
    *out = v;
    return true;
}

/* Parses the options of run/verify/replay. Returns 0, or 2 after printing the problem. */
static int parse_options(int argc, char **argv, cli *c, bool positional_cases)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
        double d;
#define NEED_VALUE()                                                                             \
    do {                                                                                         \
        if (!v)                                                                                  \
            return usage("option %s needs a value", a);                                          \
        i++;                                                                                     \
    } while (0)
        if (strcmp(a, "--strategy") == 0) {
            NEED_VALUE();
            if (strcmp(v, "dfs") == 0)
                c->o.strategy = TR_STRATEGY_DFS;
            else if (strcmp(v, "dpor") == 0)
                c->o.strategy = TR_STRATEGY_DPOR;
            else if (strcmp(v, "random") == 0)
                c->o.strategy = TR_STRATEGY_RANDOM;
            else if (strcmp(v, "pct") == 0)
                c->o.strategy = TR_STRATEGY_PCT;
            else
                return usage("unknown strategy \"%s\" (dfs, dpor, pct, random)", v);
        } else if (strcmp(a, "--max-executions") == 0) {
            NEED_VALUE();
            if (!parse_long(v, &n) || n <= 0)
                return usage("--max-executions needs a positive integer, not \"%s\"", v);
            c->o.max_executions = n;
        } else if (strcmp(a, "--max-steps") == 0) {
            NEED_VALUE();
            if (!parse_long(v, &n) || n <= 0)
                return usage("--max-steps needs a positive integer, not \"%s\"", v);
            c->o.max_steps = n;
        } else if (strcmp(a, "--time-budget") == 0) {
            NEED_VALUE();
            if (!parse_double(v, &d) || d <= 0)
                return usage("--time-budget needs a positive number of seconds, not \"%s\"", v);
            c->o.time_budget = d;
        } else if (strcmp(a, "--step-timeout") == 0) {
            NEED_VALUE();
            if (!parse_double(v, &d) || d <= 0)
                return usage("--step-timeout needs a positive number of seconds, not \"%s\"", v);
            c->o.step_timeout = d;
        } else if (strcmp(a, "--preemption-bound") == 0) {
            NEED_VALUE();
            if (!parse_long(v, &n) || n < 0 || n > 1000)
                return usage("--preemption-bound needs an integer from 0 to 1000, not \"%s\"", v);
            c->o.preemption_bound = (int)n;
        } else if (strcmp(a, "--pct-depth") == 0) {
            NEED_VALUE();
            if (!parse_long(v, &n) || n < 1 || n > 16)
                return usage("--pct-depth needs an integer from 1 to 16, not \"%s\"", v);
            c->o.pct_depth = (int)n;
        } else if (strcmp(a, "--seed") == 0) {
            NEED_VALUE();
            char *end;
            errno = 0;
            unsigned long long s = strtoull(v, &end, 0);
            if (errno || end == v || *end)
                return usage("--seed needs an unsigned integer, not \"%s\"", v);
            c->o.seed = s;
        } else if (strcmp(a, "--timeouts") == 0) {
            NEED_VALUE();
            if (strcmp(v, "lazy") == 0)
                c->o.timeouts = TR_TIMEOUTS_LAZY;
            else if (strcmp(v, "any") == 0)
                c->o.timeouts = TR_TIMEOUTS_ANY;
            else
                return usage("--timeouts is lazy or any, not \"%s\"", v);
        } else if (strncmp(a, "-j", 2) == 0 && a[2] != '\0') { /* -j2 */
            if (!parse_long(a + 2, &n) || n < 1 || n > 256)
                return usage("-j needs an integer from 1 to 256, not \"%s\"", a + 2);
            c->o.jobs = (int)n;
        } else if (strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0) {
            NEED_VALUE();
            if (!parse_long(v, &n) || n < 1 || n > 256)
                return usage("-j needs an integer from 1 to 256, not \"%s\"", v);
            c->o.jobs = (int)n;
        } else if (strcmp(a, "--shard") == 0) {
            NEED_VALUE();
            int si, sn;
            char extra;
            if (sscanf(v, "%d/%d%c", &si, &sn, &extra) != 2 || sn < 1 || si < 0 || si >= sn)
                return usage("--shard needs I/N with 0 <= I < N, not \"%s\"", v);
            c->o.shard_index = si;
            c->o.shard_count = sn;
        } else if (strcmp(a, "--json") == 0) {
            NEED_VALUE();
            c->json = v;
        } else if (strcmp(a, "--sarif") == 0) {
            NEED_VALUE();
            c->sarif = v;
        } else if (strcmp(a, "--junit") == 0) {
            NEED_VALUE();
            c->junit = v;
        } else if (strcmp(a, "--isolate") == 0) {
            c->o.isolate = true;
        } else if (strcmp(a, "--no-fork") == 0) {
            c->o.no_fork = true;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            c->quiet = true;
        } else if (strcmp(a, "--trace") == 0) {
            c->trace = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            return usage("unknown option %s", a);
        } else if (positional_cases) {
            if (c->n_globs == 256)
                return usage("too many case patterns (%s...)", a);
            c->globs[c->n_globs++] = a;
        } else {
            if (c->n_positional == 2)
                return usage("unexpected argument %s", a);
            c->positional[c->n_positional++] = a;
        }
#undef NEED_VALUE
    }
    return 0;
}

static bool selected(const cli *c, const char *name)
{
    if (c->n_globs == 0)
        return true;
    for (int i = 0; i < c->n_globs; i++)
        if (fnmatch(c->globs[i], name, 0) == 0)
            return true;
    return false;
}

static int cmd_list(void)
{
    for (size_t i = 0; i < tr_case_count(); i++) {
        const tr_case *c = tr_case_at(i);
        printf("%-44s expected=%s\n", c->name, tr_verdict_name(c->expected));
    }
    return 0;
}

typedef struct printer {
    const cli *c;
    FILE *json;
    tr__sarif *sarif;
    tr__junit *junit;
    const char *strategy;
    bool verify;
    int matched, failed;
} printer;

static void print_result(tr_result *r, void *ctx)
{
    printer *p = ctx;
    bool ok = tr_result_ok(r);
    p->matched++;
    p->failed += !ok;
    tr__report_case_line(stdout, r, p->strategy);
    if (!p->c->quiet && (!p->verify || !ok))
        tr__report_findings(stdout, r, p->strategy, p->verify);
    if (p->json)
        tr__report_json(p->json, r, p->strategy);
    if (p->sarif)
        tr__sarif_case(p->sarif, r, p->strategy);
    if (p->junit)
        tr__junit_case(p->junit, r, p->strategy);
    fflush(stdout);
    tr_result_free(r);
}

/* run and verify: explore each selected case; verify stops each at its expected kind. */
static int cmd_explore(int argc, char **argv, bool verify)
{
    cli c;
    memset(&c, 0, sizeof c);
    tr_explore_opts_init(&c.o);
    int rc = parse_options(argc, argv, &c, true);
    if (rc)
        return rc;
    c.o.stop_on_expected = verify;
    FILE *json = NULL;
    if (c.json && !(json = fopen(c.json, "w"))) {
        fprintf(stderr, "trama: cannot write %s: %s\n", c.json, strerror(errno));
        return 2;
    }
    int matched = 0, failed = 0;
    for (int g = 0; g < c.n_globs; g++) {
        bool any = false;
        for (size_t i = 0; i < tr_case_count() && !any; i++)
            any = fnmatch(c.globs[g], tr_case_at(i)->name, 0) == 0;
        if (!any) {
            if (json)
                fclose(json);
            return usage("no case matches \"%s\" (see `trama list`)", c.globs[g]);
        }
    }
    /* SARIF and JUnit are whole documents: opened now (a bad path is a usage error before
     * any exploration), completed after the last case. */
    FILE *sarif_file = NULL, *junit_file = NULL;
    tr__sarif sarif;
    tr__junit junit;
    if (c.sarif && !(sarif_file = fopen(c.sarif, "w")))
        fprintf(stderr, "trama: cannot write %s: %s\n", c.sarif, strerror(errno));
    if (c.junit && !(junit_file = fopen(c.junit, "w")))
        fprintf(stderr, "trama: cannot write %s: %s\n", c.junit, strerror(errno));
    if ((c.sarif && !sarif_file) || (c.junit && !junit_file) ||
        (junit_file && !tr__junit_begin(&junit))) {
        if (json)
            fclose(json);
        if (sarif_file)
            fclose(sarif_file);
        if (junit_file)
            fclose(junit_file);
        return 2;
    }
    if (sarif_file)
        tr__sarif_begin(&sarif, sarif_file);
    /* --shard I/N: exhaustive strategies split the cases (case k of the selection goes
     * to shard k mod N); random and pct split each case's executions (explore.c). */
    bool split_cases = c.o.shard_count > 1 &&
                       (c.o.strategy == TR_STRATEGY_DFS || c.o.strategy == TR_STRATEGY_DPOR);
    const tr_case **cases = malloc((tr_case_count() + 1) * sizeof *cases);
    size_t n = 0, k = 0;
    for (size_t i = 0; i < tr_case_count(); i++) {
        const tr_case *tc = tr_case_at(i);
        if (!selected(&c, tc->name))
            continue;
        if (!split_cases || (int)(k % (size_t)c.o.shard_count) == c.o.shard_index)
            cases[n++] = tc;
        k++;
    }
    printer p = {&c, json, sarif_file ? &sarif : NULL, junit_file ? &junit : NULL,
                 tr__strategy_name(c.o.strategy), verify, 0, 0};
    tr_explore_many(cases, n, &c.o, print_result, &p);
    free(cases);
    matched = p.matched;
    failed = p.failed;
    if (json)
        fclose(json);
    if (sarif_file) {
        tr__sarif_end(&sarif, failed ? 1 : 0);
        fclose(sarif_file);
    }
    if (junit_file) {
        tr__junit_end(&junit, junit_file);
        fclose(junit_file);
    }
    printf("%d case%s, %d as expected, %d not\n", matched, matched == 1 ? "" : "s",
           matched - failed, failed);
    return failed ? 1 : 0;
}

static int cmd_replay(int argc, char **argv)
{
    cli c;
    memset(&c, 0, sizeof c);
    tr_explore_opts_init(&c.o);
    int rc = parse_options(argc, argv, &c, false);
    if (rc)
        return rc;
    if (c.n_positional != 2)
        return usage("replay needs a case and a schedule%s", "");
    if (!tr_case_find(c.positional[0]))
        return usage("no case named %s (see `trama list`)", c.positional[0]);
    tr_result r;
    char err[512];
    if (c.trace)
        printf("replay of %s with %s\n", c.positional[0], c.positional[1]);
    int found = tr_replay(c.positional[0], c.positional[1], c.trace, stdout, &r, err, sizeof err);
    if (found < 0) {
        fprintf(stderr, "trama: %s\n", err);
        tr_result_free(&r);
        return 2;
    }
    tr__report_findings(stdout, &r, "replay", false);
    if (r.n_findings == 0)
        printf("no finding in this schedule\n");
    tr_result_free(&r);
    return 0;
}

int tr_main(int argc, char **argv)
{
    if (argc > 0 && argv[0]) {
        const char *slash = strrchr(argv[0], '/');
        tr__program = slash ? slash + 1 : argv[0];
    }
    if (argc < 2)
        return usage("missing command%s", "");
    const char *cmd = argv[1];
    if (strcmp(cmd, "list") == 0)
        return argc == 2 ? cmd_list() : usage("list takes no arguments%s", "");
    if (strcmp(cmd, "run") == 0)
        return cmd_explore(argc - 2, argv + 2, false);
    if (strcmp(cmd, "verify") == 0)
        return cmd_explore(argc - 2, argv + 2, true);
    if (strcmp(cmd, "replay") == 0)
        return cmd_replay(argc - 2, argv + 2);
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        fputs(usage_text, stdout);
        return 0;
    }
    return usage("unknown command \"%s\"", cmd);
}
