/* report_text.c — the human report: one line per case, then each finding's story, its
 * interleaving as a numbered table and a replay line to paste; all printed from the
 * finding's parts, one printer per part (the story in sentences, each row). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding.h"
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
    case TR_STRATEGY_POS:
        return "pos";
    case TR_STRATEGY_PORTFOLIO:
        return "portfolio";
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
    char bound[32] = "";
    if (r->preemption_bound >= 0)
        snprintf(bound, sizeof bound, " bound=%d", r->preemption_bound);
    char abandoned[40] = "";
    if (r->abandoned > 0)
        snprintf(abandoned, sizeof abandoned, " abandoned=%ld", r->abandoned);
    fprintf(out, "%-4s  %-40s expected=%s found=%s executions=%ld%s complete=%s%s%s (%s, %.2f s)\n",
            ok ? "ok" : "FAIL", r->c->name, tr_verdict_name(r->c->expected), found,
            r->executions, abandoned, r->complete ? "yes" : "no", bound,
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

/* ---- the parts, one printer each --------------------------------------------------- */

static void object_text(const tr__ref *r, char *out, size_t size) { tr__ref_text(r, true, out, size); }

/* "  T1 "a" holds L1 (taken at :24), waits in lock.acquire on L2 at :25" */
static void print_waiter(FILE *out, const tr_case *c, const tr_finding *f, const tr__waiter *w)
{
    char obj[96], site[128], who[32];
    tr__thread_ref_text(f, w->thread, who, sizeof who);
    fprintf(out, "  %s \"%s\"", who, tr__finding_name(f, w->thread));
    for (int i = 0; i < w->n_holds; i++) {
        object_text(&w->holds[i].object, obj, sizeof obj);
        tr__site_text(c, w->holds[i].site.file, w->holds[i].site.line, site, sizeof site);
        fprintf(out, " holds %s (taken at %s),", obj, site);
    }
    if (w->joins_all) {
        fputs(" waits for its threads to finish\n", out);
        return;
    }
    object_text(&w->object, obj, sizeof obj);
    tr__site_text(c, w->site.file, w->site.line, site, sizeof site);
    fprintf(out, " %s %s on %s at %s\n", w->blocked ? "waits in" : "spins in", tr__op_name(w->op),
            obj, site);
}

/* "  cycle: T1 -> L2 -> T2 -> L1 -> T1" */
static void print_cycle(FILE *out, const tr_finding *f, const tr__finding_parts *p)
{
    char obj[96], who[32];
    fputs("  cycle: ", out);
    for (int i = 0; i < p->n_cycle; i++) {
        object_text(&p->cycle_objects[i], obj, sizeof obj);
        tr__thread_ref_text(f, p->cycle_threads[i], who, sizeof who);
        fprintf(out, "%s -> %s -> ", who, obj);
    }
    tr__thread_ref_text(f, p->cycle_threads[0], who, sizeof who);
    fprintf(out, "%s\n", who);
}

/* "  T2 "b" writes M1 4 bytes at :14, holding no lock"; a Value's or Array's item by
 * its byte: "writes A1 Array('i', 3) byte 8" */
static void print_access(FILE *out, const tr_case *c, const tr_finding *f, const tr__access_part *a)
{
    char obj[96], site[128], lock[96], who[32];
    object_text(&a->object, obj, sizeof obj);
    if (a->object.id.kind == TR__KIND_SHARED)
        snprintf(obj + strlen(obj), sizeof obj - strlen(obj), " byte %zu", a->offset);
    tr__site_text(c, a->site.file, a->site.line, site, sizeof site);
    tr__thread_ref_text(f, a->thread, who, sizeof who);
    fprintf(out, "  %s \"%s\" %s %s at %s, holding ", who, tr__finding_name(f, a->thread),
            a->write ? "writes" : "reads", obj, site);
    for (int i = 0; i < a->n_locks; i++) {
        object_text(&a->locks[i], lock, sizeof lock);
        fprintf(out, "%s%s", i ? ", " : "", lock);
    }
    fprintf(out, "%s\n", a->n_locks ? "" : "no lock");
}

/* "  T1 "a" holds L1 (taken at :24) and takes L2 at :25" */
static void print_edge(FILE *out, const tr_case *c, const tr_finding *f, const tr__edge_part *e)
{
    char held[96], taken[96], held_at[128], taken_at[128], who[32];
    tr__thread_ref_text(f, e->thread, who, sizeof who);
    tr__ref_text(&e->holds, false, held, sizeof held);
    tr__ref_text(&e->takes, false, taken, sizeof taken);
    tr__site_text(c, e->held_at.file, e->held_at.line, held_at, sizeof held_at);
    tr__site_text(c, e->taken_at.file, e->taken_at.line, taken_at, sizeof taken_at);
    fprintf(out, "  %s \"%s\" holds %s (taken at %s) and takes %s at %s\n", who,
            tr__finding_name(f, e->thread), held, held_at, taken, taken_at);
}

void tr__report_story(FILE *out, const tr_case *c, const tr_finding *f)
{
    const tr__finding_parts *p = f->parts;
    if (!p)
        return;
    for (int i = 0; i < p->n_waiters; i++)
        print_waiter(out, c, f, &p->waiters[i]);
    if (p->n_cycle)
        print_cycle(out, f, p);
    for (int i = 0; i < p->n_accesses; i++)
        print_access(out, c, f, &p->accesses[i]);
    if (p->n_edges)
        fputs("  lock-order cycle (lockdep): each lock was taken while holding the one before\n",
              out);
    for (int i = 0; i < p->n_edges; i++)
        print_edge(out, c, f, &p->edges[i]);
}

/* One row of the numbered interleaving; the waiting threads' rows have no number. */
static void print_row(FILE *out, const tr_case *c, const tr_finding *f, const tr__row *r, int n)
{
    char obj[96], site[128], who[64], id[32];
    object_text(&r->object, obj, sizeof obj);
    tr__site_text(c, r->site.file, r->site.line, site, sizeof site);
    tr__thread_ref_text(f, r->thread, id, sizeof id);
    snprintf(who, sizeof who, "%s %s", id, tr__finding_name(f, r->thread));
    if (r->state != TR__ROW_RAN) {
        fprintf(out, "  %4s  %-16.16s %-16s %-14s %s  (%s)\n", "", who, tr__op_name(r->op), obj,
                site, r->state == TR__ROW_BLOCKED ? "blocked" : "not run");
        return;
    }
    fprintf(out, "  %4d  %-16.16s %-16s %-14s %s%s%s%s\n", n, who, tr__op_name(r->op), obj, site,
            r->preemption ? "  <- preemption" : "", r->timeout ? "  (timed out)" : "",
            r->error ? "  (error)" : "");
}

void tr__report_steps(FILE *out, const tr_case *c, const tr_finding *f)
{
    fprintf(out, "  %4s  %-16s %-16s %-14s %s\n", "step", "thread", "operation", "object", "site");
    const tr__finding_parts *p = f->parts;
    for (int i = 0; p && i < p->n_steps; i++)
        print_row(out, c, f, &p->steps[i], i + 1);
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
    tr__report_story(out, r->c, f);
    if (strcmp(strategy, "replay") != 0) {
        if (f->parts && f->parts->n_steps) {
            fputc('\n', out);
            tr__report_steps(out, r->c, f);
        }
        int preemptions = tr__finding_preemptions(f);
        fprintf(out, "\n  %d preemption%s, %d steps\n",
                preemptions, preemptions == 1 ? "" : "s", tr__finding_steps(f));
        fprintf(out, "  replay: %s replay %s %s --trace\n", tr__program, r->c->name, f->schedule);
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
