/* report_json.c — JSON Lines: {"type":"finding",...} per finding (its typed parts from
 * report_parts.c), {"type":"case",...} per case. Schema in docs/reports.md. */
#include <stdio.h>
#include <string.h>

#include "finding.h"
#include "report.h"

static void finding(FILE *out, const tr_result *r, const tr_finding *f, const char *strategy)
{
    fputs("{\"type\":\"finding\",\"kind\":", out);
    tr__json_string(out, tr_verdict_name(f->kind));
    fputs(",\"case\":", out);
    tr__json_string(out, r->c->name);
    fputs(",\"message\":", out);
    tr__json_string(out, f->message);
    fputs(",\"schedule\":", out);
    tr__json_string(out, f->schedule);
    fputs(",\"strategy\":", out);
    tr__json_string(out, strategy);
    fprintf(out, ",\"execution\":%ld,\"preemptions\":%d,\"threads\":[", f->execution,
            tr__finding_preemptions(f));
    for (int i = 0; i < f->n_threads; i++)
        fprintf(out, "%s%d", i ? "," : "", f->threads[i]);
    fputs("],\"sites\":[", out);
    for (int i = 0; i < f->n_sites; i++) {
        fputs(i ? ",{\"file\":" : "{\"file\":", out);
        tr__json_string(out, f->sites[i].file);
        fprintf(out, ",\"line\":%d}", f->sites[i].line);
    }
    fputc(']', out);
    tr__json_parts(out, r->c, f);
    fputs("}\n", out);
}

void tr__report_json(FILE *out, const tr_result *r, const char *strategy, const char *shard)
{
    for (size_t i = 0; i < r->n_findings; i++)
        finding(out, r, &r->findings[i], strategy);
    fputs("{\"type\":\"case\",\"case\":", out);
    tr__json_string(out, r->c->name);
    fputs(",\"expected\":", out);
    tr__json_string(out, tr_verdict_name(r->c->expected));
    fputs(",\"found\":[", out);
    bool first = true;
    for (int v = 1; v < TR_VERDICT_COUNT; v++)
        if (r->found & (1u << v)) {
            fputs(first ? "" : ",", out);
            tr__json_string(out, tr_verdict_name((tr_verdict)v));
            first = false;
        }
    fprintf(out, "],\"executions\":%ld,\"complete\":%s,\"ok\":%s,\"seconds\":%.3f,",
            r->executions, r->complete ? "true" : "false", tr_result_ok(r) ? "true" : "false",
            r->seconds);
    if (r->preemption_bound >= 0)
        fprintf(out, "\"preemption_bound\":%d,", r->preemption_bound);
    if (r->abandoned > 0)
        fprintf(out, "\"abandoned\":%ld,", r->abandoned);
    if (shard) {
        fputs("\"shard\":", out);
        tr__json_string(out, shard);
        fputc(',', out);
    }
    fputs("\"strategy\":", out);
    tr__json_string(out, strategy);
    fputs(",\"version\":\"" TRAMA_VERSION "\"}\n", out);
}
