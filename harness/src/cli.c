/* cli.c — `trama list | run | replay | verify` over the registered cases (tr_main): the
 * command line parsed by cli_options.c, then the command run. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "report.h"

/* A usage error the command found (the parser writes its own into a buffer). */
static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "trama: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", tr__cli_usage);
    return 2;
}

static bool selected(const tr__cli *c, const char *name)
{
    for (int i = 0; i < c->n_excludes; i++)
        if (fnmatch(c->excludes[i], name, 0) == 0)
            return false;
    if (c->n_globs == 0)
        return true;
    for (int i = 0; i < c->n_globs; i++)
        if (fnmatch(c->globs[i], name, 0) == 0)
            return true;
    return false;
}

/* The first case pattern that matches no case, or NULL. */
static const char *unmatched(const tr__cli *c)
{
    for (int g = 0; g < c->n_globs; g++) {
        bool any = false;
        for (size_t i = 0; i < tr_case_count() && !any; i++)
            any = fnmatch(c->globs[g], tr_case_at(i)->name, 0) == 0;
        if (!any)
            return c->globs[g];
    }
    return NULL;
}

/* run --estimate: for each selected case, the executions its exhaustive search needs. */
static int cmd_estimate(const tr__cli *c)
{
    const char *none = unmatched(c);
    if (none)
        return usage("no case matches \"%s\" (see `trama list`)", none);
    for (size_t i = 0; i < tr_case_count(); i++) {
        const tr_case *tc = tr_case_at(i);
        if (!selected(c, tc->name))
            continue;
        tr_estimate est;
        char err[512];
        if (!tr__estimate(tc, &c->o, 0, 0, &est, err, sizeof err)) {
            fprintf(stderr, "trama: %s\n", err);
            return 2;
        }
        printf("estimate: %.0f executions (+-%.0f)  %s, %s, %ld probes in %.2f s%s\n",
               est.executions, est.error, tc->name, tr__strategy_name(c->o.strategy), est.probes,
               est.seconds, est.rough ? " (rough: processes, yields or timeouts)" : "");
        fflush(stdout);
    }
    return 0;
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
    const tr__cli *c;
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
    if (p->json) {
        char shard[32];
        snprintf(shard, sizeof shard, "%d/%d", p->c->o.shard_index, p->c->o.shard_count);
        tr__report_json(p->json, r, p->strategy, p->c->o.shard_count > 1 ? shard : NULL);
    }
    if (p->sarif)
        tr__sarif_case(p->sarif, r, p->strategy);
    if (p->junit)
        tr__junit_case(p->junit, r, p->strategy);
    fflush(stdout);
    tr_result_free(r);
}

/* run and verify: explore each selected case; verify stops each at its expected kind. */
/* An environment variable that must hold an integer in [lo, hi]; false (with a message)
 * when it does not. */
static bool env_long(const char *name, long lo, long hi, long *out)
{
    const char *v = getenv(name);
    if (v && tr__cli_long(v, lo, hi, out))
        return true;
    fprintf(stderr, "%s: --shard auto: %s is %s%s%s, not an integer from %ld to %ld\n",
            tr__program, name, v ? "\"" : "", v ? v : "not set", v ? "\"" : "", lo, hi);
    return false;
}

/* --shard auto[/N]: which shard of how many, in the batch system's own words: TRAMA_SHARD
 * ("I/N"), a Kubernetes Indexed Job (JOB_COMPLETION_INDEX; N from /N or TRAMA_SHARDS), a
 * Slurm array (SLURM_ARRAY_TASK_ID from SLURM_ARRAY_TASK_MIN; N from
 * SLURM_ARRAY_TASK_COUNT), Bazel's test sharding (TEST_SHARD_INDEX, TEST_TOTAL_SHARDS; the
 * status file is touched to say this test shards). False, with a message, when it cannot. */
static bool shard_from_environment(tr__cli *c)
{
    long i = 0, n = c->shard_auto_count, min = 0;
    const char *t = getenv("TRAMA_SHARD");
    if (t && *t) {
        int ii, nn;
        if (!tr__cli_shard(t, &ii, &nn)) {
            fprintf(stderr, "%s: --shard auto: TRAMA_SHARD is \"%s\", not I/N with 0 <= I < N\n",
                    tr__program, t);
            return false;
        }
        i = ii, n = n ? n : nn;
    } else if (getenv("JOB_COMPLETION_INDEX")) {
        if (!env_long("JOB_COMPLETION_INDEX", 0, 999999, &i) ||
            (!n && !env_long("TRAMA_SHARDS", 1, 1000000, &n)))
            return false;
    } else if (getenv("SLURM_ARRAY_TASK_ID")) {
        if (!env_long("SLURM_ARRAY_TASK_ID", 0, 999999, &i) ||
            (getenv("SLURM_ARRAY_TASK_MIN") && !env_long("SLURM_ARRAY_TASK_MIN", 0, i, &min)) ||
            (!n && !env_long("SLURM_ARRAY_TASK_COUNT", 1, 1000000, &n)))
            return false;
        i -= min;
    } else if (getenv("TEST_SHARD_INDEX")) {
        if (!env_long("TEST_SHARD_INDEX", 0, 999999, &i) ||
            (!n && !env_long("TEST_TOTAL_SHARDS", 1, 1000000, &n)))
            return false;
        const char *status = getenv("TEST_SHARD_STATUS_FILE");
        FILE *f = status && *status ? fopen(status, "a") : NULL;
        if (f)
            fclose(f);
    } else {
        fprintf(stderr, "%s: --shard auto: no shard in the environment (TRAMA_SHARD=I/N, "
                        "JOB_COMPLETION_INDEX with TRAMA_SHARDS, SLURM_ARRAY_TASK_ID, "
                        "TEST_SHARD_INDEX)\n", tr__program);
        return false;
    }
    if (i >= n) {
        fprintf(stderr, "%s: --shard auto: shard %ld of %ld does not exist (0 <= I < N)\n",
                tr__program, i, n);
        return false;
    }
    c->o.shard_index = (int)i;
    c->o.shard_count = (int)n;
    return true;
}

static int cmd_explore(const tr__cli *cp)
{
    tr__cli c = *cp;
    bool verify = c.command == TR__CMD_VERIFY;
    if (c.shard_auto && !shard_from_environment(&c))
        return 2;
    FILE *json = NULL;
    if (c.json && !(json = fopen(c.json, "w"))) {
        fprintf(stderr, "trama: cannot write %s: %s\n", c.json, strerror(errno));
        return 2;
    }
    int matched = 0, failed = 0;
    const char *none = unmatched(&c);
    if (none) {
        if (json)
            fclose(json);
        return usage("no case matches \"%s\" (see `trama list`)", none);
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
    /* --shard I/N splits each case's search (explore.c): every shard runs every case. */
    const tr_case **cases = malloc((tr_case_count() + 1) * sizeof *cases);
    size_t n = 0;
    for (size_t i = 0; i < tr_case_count(); i++) {
        const tr_case *tc = tr_case_at(i);
        if (selected(&c, tc->name))
            cases[n++] = tc;
    }
    /* the progress line: on a terminal, and only where one case runs at a time */
    if (isatty(STDOUT_FILENO) && (c.o.jobs <= 1 || n == 1))
        c.o.progress = stdout;
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

/* replay --continue: the schedule checked as replay checks it, then a run of its case that
 * explores only below it. */
static int cmd_continue(const tr__cli *c)
{
    char err[512];
    if (!tr__prefix_check(tr_case_find(c->replay_case), c->replay_schedule, err, sizeof err)) {
        fprintf(stderr, "trama: %s\n", err);
        return 2;
    }
    tr__cli run = *c;
    run.command = TR__CMD_RUN;
    run.globs[0] = c->replay_case; /* a case name is an identifier: it matches itself only */
    run.n_globs = 1;
    run.n_excludes = 0;
    run.o.prefix = c->replay_schedule;
    return cmd_explore(&run);
}

static int cmd_replay(const tr__cli *c)
{
    if (!tr_case_find(c->replay_case))
        return usage("no case named %s (see `trama list`)", c->replay_case);
    if (c->replay_continue)
        return cmd_continue(c);
    tr_result r;
    char err[512];
    if (c->trace)
        printf("replay of %s with %s\n", c->replay_case, c->replay_schedule);
    int found = tr_replay(c->replay_case, c->replay_schedule, c->trace, stdout, &r, err,
                          sizeof err);
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
    tr__cli c;
    char err[512];
    if (tr__cli_parse(argc, argv, &c, err, sizeof err) != 0)
        return usage("%s", err);
    switch (c.command) {
    case TR__CMD_LIST:
        return cmd_list();
    case TR__CMD_RUN:
        return c.estimate ? cmd_estimate(&c) : cmd_explore(&c);
    case TR__CMD_VERIFY:
        return cmd_explore(&c);
    case TR__CMD_REPLAY:
        return cmd_replay(&c);
    case TR__CMD_HELP:
        fputs(tr__cli_usage, stdout);
        return 0;
    }
    return 2;
}
