/* report_parts.c — a finding's typed parts as JSON members, for JSON Lines and SARIF's
 * properties alike (docs/reports.md describes each field), and the one JSON string
 * writer of the reports. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "finding.h"
#include "report.h"

void tr__json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(out, "\\%c", ch);
        else if (ch == '\n')
            fputs("\\n", out);
        else if (ch == '\t')
            fputs("\\t", out);
        else if (ch < 0x20)
            fprintf(out, "\\u%04x", ch);
        else
            fputc(ch, out);
    }
    fputc('"', out);
}

static void site(FILE *out, const char *key, tr_site_ref s)
{
    fprintf(out, "\"%s\":{\"file\":", key);
    if (s.file)
        tr__json_string(out, s.file);
    else
        fputs("null", out);
    fprintf(out, ",\"line\":%d}", s.line);
}

/* "T1" and its name: "thread":"T1","name":"a" */
static void thread(FILE *out, const tr_finding *f, int id)
{
    fprintf(out, "\"thread\":\"T%d\",\"process\":%d,\"name\":", id, tr__finding_process(f, id));
    tr__json_string(out, tr__finding_name(f, id));
}

/* "object":"L1" and, when it has one, "label":"A" (key names the first member) */
static void object(FILE *out, const char *key, const tr__ref *r)
{
    char id[32];
    tr__ref_text(r, false, id, sizeof id);
    fprintf(out, "\"%s\":", key);
    if (r->id.kind == TR__KIND_COUNT)
        fputs("null", out);
    else
        tr__json_string(out, id);
    if (r->label[0]) {
        fprintf(out, ",\"%s_label\":", key);
        tr__json_string(out, r->label);
    }
}

static void holds(FILE *out, const tr__hold *h, int n)
{
    fputs("\"holds\":[", out);
    for (int i = 0; i < n; i++) {
        fputs(i ? ",{" : "{", out);
        object(out, "object", &h[i].object);
        fputc(',', out);
        site(out, "site", h[i].site);
        fputc('}', out);
    }
    fputc(']', out);
}

static void waits_for(FILE *out, const tr_finding *f, const tr__finding_parts *p)
{
    fputs(",\"waits_for\":[", out);
    for (int i = 0; i < p->n_waiters; i++) {
        const tr__waiter *w = &p->waiters[i];
        fputs(i ? ",{" : "{", out);
        thread(out, f, w->thread);
        fputc(',', out);
        holds(out, w->holds, w->n_holds);
        fputs(",\"waits\":{\"op\":", out);
        tr__json_string(out, w->joins_all ? "thread.join_all" : tr__op_name(w->op));
        fputc(',', out);
        object(out, "object", &w->object);
        fputc(',', out);
        site(out, "site", w->site);
        fprintf(out, ",\"blocked\":%s}}", w->blocked ? "true" : "false");
    }
    fputs("],\"cycle\":[", out);
    for (int i = 0; i < p->n_cycle; i++) {
        char obj[32];
        tr__ref_text(&p->cycle_objects[i], false, obj, sizeof obj);
        fprintf(out, "%s\"T%d\",", i ? "," : "", p->cycle_threads[i]);
        tr__json_string(out, obj);
    }
    fputc(']', out);
}

static void accesses(FILE *out, const tr_finding *f, const tr__finding_parts *p)
{
    fputs(",\"accesses\":[", out);
    for (int i = 0; i < p->n_accesses; i++) {
        const tr__access_part *a = &p->accesses[i];
        fputs(i ? ",{" : "{", out);
        thread(out, f, a->thread);
        fprintf(out, ",\"op\":\"%s\",", a->write ? "write" : "read");
        object(out, "object", &a->object);
        fprintf(out, ",\"offset\":%zu,\"bytes\":%zu,", a->offset, a->bytes);
        site(out, "site", a->site);
        fputs(",\"locks_held\":[", out);
        for (int k = 0; k < a->n_locks; k++) {
            char lock[32];
            tr__ref_text(&a->locks[k], false, lock, sizeof lock);
            fputs(k ? "," : "", out);
            tr__json_string(out, lock);
        }
        fputs("]}", out);
    }
    fputc(']', out);
}

static void edges(FILE *out, const tr_finding *f, const tr__finding_parts *p)
{
    fputs(",\"edges\":[", out);
    for (int i = 0; i < p->n_edges; i++) {
        const tr__edge_part *e = &p->edges[i];
        fputs(i ? ",{" : "{", out);
        thread(out, f, e->thread);
        fputc(',', out);
        object(out, "holds", &e->holds);
        fputc(',', out);
        site(out, "held_at", e->held_at);
        fputc(',', out);
        object(out, "takes", &e->takes);
        fputc(',', out);
        site(out, "taken_at", e->taken_at);
        fputc('}', out);
    }
    fputc(']', out);
}

static const char *row_state(tr__row_state s)
{
    switch (s) {
    case TR__ROW_RAN:
        return "ran";
    case TR__ROW_BLOCKED:
        return "blocked";
    case TR__ROW_NOT_RUN:
        return "not_run";
    }
    return "?";
}

static void steps(FILE *out, const tr_finding *f, const tr__finding_parts *p)
{
    fputs(",\"steps\":[", out);
    for (int i = 0; i < p->n_steps; i++) {
        const tr__row *r = &p->steps[i];
        fputs(i ? ",{" : "{", out);
        if (r->state == TR__ROW_RAN)
            fprintf(out, "\"step\":%d,", i + 1);
        thread(out, f, r->thread);
        fputs(",\"op\":", out);
        tr__json_string(out, tr__op_name(r->op));
        fputc(',', out);
        object(out, "object", &r->object);
        fputc(',', out);
        site(out, "site", r->site);
        fprintf(out,
                ",\"preemption\":%s,\"timeout\":%s,\"error\":%s,\"blocked\":%s,\"state\":\"%s\"}",
                r->preemption ? "true" : "false", r->timeout ? "true" : "false",
                r->error ? "true" : "false", r->state == TR__ROW_BLOCKED ? "true" : "false",
                row_state(r->state));
    }
    fputc(']', out);
}

void tr__json_parts(FILE *out, const tr_case *c, const tr_finding *f)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (mem) {
        tr__report_story(mem, c, f);
        fclose(mem);
    }
    fputs(",\"story\":", out);
    tr__json_string(out, text ? text : "");
    free(text);
    const tr__finding_parts *p = f->parts;
    if (!p)
        return;
    if (f->kind == TR_DEADLOCK || p->n_waiters)
        waits_for(out, f, p);
    if (f->kind == TR_DATA_RACE)
        accesses(out, f, p);
    if (f->kind == TR_LOCK_ORDER)
        edges(out, f, p);
    steps(out, f, p);
}
