/* report_text.c — the human report: one line per case, then each finding's story, its
 * interleaving as a numbered table (obtained by replaying the finding's schedule) and a
 * replay line to paste. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report.h"

const char *tr__program = "trama";

const char *tr__strategy_name(tr_strategy s)
{
    switch (s) {
    case TR_STRATEGY_DFS:
        return "dfs";
    case TR_STRATEGY_DPOR:
        return "dpor";
    case TR_STRATEGY_RANDOM:
        return "random";
    case TR_STRATEGY_PCT:
        return "pct";
    }
    return "?";
}

static void kinds(char *out, size_t size, unsigned found)
{
    size_t len = 0;
    out[0] = '\0';
    for (int v = 1; v < TR_VERDICT_COUNT; v++)
        if (found & (1u << v))
            len += (size_t)snprintf(out + len, size - len, "%s%s", len ? "," : "",
                                    tr_verdict_name((tr_verdict)v));
    if (!len)
        snprintf(out, size, "pass");
}

void tr__report_case_line(FILE *out, const tr_result *r, const char *strategy)
{
    char found[256];
    kinds(found, sizeof found, r->found);
    bool ok = tr_result_ok(r);
    fprintf(out, "%-4s  %-40s expected=%s found=%s executions=%ld complete=%s%s (%s, %.2f s)\n",
            ok ? "ok" : "FAIL", r->c->name, tr_verdict_name(r->c->expected), found,
            r->executions, r->complete ? "yes" : "no",
            ok && r->c->expected == TR_PASS && !r->complete ? " bounded" : "", strategy,
            r->seconds);
}

static void upper(char *out, size_t size, const char *s)
{
    size_t i = 0;
    for (; s[i] && i + 1 < size; i++)
        out[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
    out[i] = '\0';
}

/* The finding's interleaving, replayed in a forked child: a schedule that crashes the
 * case (or corrupts it) must not take the report, or the harness, down with it. */
static void interleaving(FILE *out, const tr_result *r, const tr_finding *f)
{
    if (f->kind == TR_CRASH || (f->kind == TR_HANG && strstr(f->message, "scheduling point")))
        return; /* replaying would crash or spin again */
    int p[2];
    if (pipe(p) != 0)
        return;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return;
    }
    if (pid == 0) {
        close(p[0]);
        FILE *to_parent = fdopen(p[1], "w");
        tr_result again;
        char err[256];
        if (to_parent &&
            tr_replay(r->c->name, f->schedule, true, to_parent, &again, err, sizeof err) < 0)
            fprintf(to_parent, "  (the interleaving could not be replayed: %s)\n", err);
        if (to_parent)
            fclose(to_parent);
        _exit(0);
    }
    close(p[1]);
    char buf[4096];
    ssize_t n;
    while ((n = read(p[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0)
            fwrite(buf, 1, (size_t)n, out);
    close(p[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFSIGNALED(status))
        fprintf(out, "  (replaying this interleaving killed the case with signal %d)\n",
                WTERMSIG(status));
}

static void story(FILE *out, const tr_result *r, const tr_finding *f, const char *strategy)
{
    char kind[32];
    upper(kind, sizeof kind, tr_verdict_name(f->kind));
    fprintf(out, "\n== trama: %s in %s (%s, execution %ld) ==\n", kind, r->c->name, strategy,
            f->execution);
    fprintf(out, "%s\n", f->message);
    if (f->n_sites && f->sites[0].file)
        fprintf(out, "  at %s:%d\n", f->sites[0].file, f->sites[0].line);
    if (f->story)
        fputs(f->story, out);
    if (strcmp(strategy, "replay") != 0) {
        fputc('\n', out);
        interleaving(out, r, f);
        fprintf(out, "\n  replay: %s replay %s %s --trace\n", tr__program, r->c->name, f->schedule);
    }
}

void tr__report_findings(FILE *out, const tr_result *r, const char *strategy, bool verify)
{
    bool ok = tr_result_ok(r);
    if (verify && ok)
        return;
    if (verify && r->c->expected != TR_PASS && !(r->found & (1u << r->c->expected)))
        fprintf(out, "  expected %s was not found in %ld executions (complete=%s)\n",
                tr_verdict_name(r->c->expected), r->executions, r->complete ? "yes" : "no");
    /* the expected kind's stories first, then the others as they were found */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < r->n_findings; i++) {
            const tr_finding *f = &r->findings[i];
            if (verify && r->c->expected != TR_PASS)
                continue; /* a missed bug: the other kinds are only "also found" */
            if ((f->kind == r->c->expected) == (pass == 0))
                story(out, r, f, strategy);
        }
    if (r->n_findings)
        fputc('\n', out);
}
