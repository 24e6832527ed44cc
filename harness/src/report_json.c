/* report_json.c — JSON Lines: {"type":"finding",...} per finding, {"type":"case",...} per
 * case. Schema in README ("Reading a report"). */
#include <stdio.h>
#include <string.h>

#include "report.h"

static void json_string(FILE *out, const char *s)
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

static void finding(FILE *out, const tr_result *r, const tr_finding *f, const char *strategy)
{
    fputs("{\"type\":\"finding\",\"kind\":", out);
    json_string(out, tr_verdict_name(f->kind));
    fputs(",\"case\":", out);
    json_string(out, r->c->name);
    fputs(",\"message\":", out);
    json_string(out, f->message);
    fputs(",\"schedule\":", out);
    json_string(out, f->schedule);
    fputs(",\"strategy\":", out);
    json_string(out, strategy);
    fprintf(out, ",\"execution\":%ld,\"threads\":[", f->execution);
    for (int i = 0; i < f->n_threads; i++)
        fprintf(out, "%s%d", i ? "," : "", f->threads[i]);
    fputs("],\"sites\":[", out);
    for (int i = 0; i < f->n_sites; i++) {
        fputs(i ? ",{\"file\":" : "{\"file\":", out);
        json_string(out, f->sites[i].file);
        fprintf(out, ",\"line\":%d}", f->sites[i].line);
    }
    fputs("],\"story\":", out);
    json_string(out, f->story ? f->story : "");
    fputs("}\n", out);
}

void tr__report_json(FILE *out, const tr_result *r, const char *strategy)
{
    for (size_t i = 0; i < r->n_findings; i++)
        finding(out, r, &r->findings[i], strategy);
    fputs("{\"type\":\"case\",\"case\":", out);
    json_string(out, r->c->name);
    fputs(",\"expected\":", out);
    json_string(out, tr_verdict_name(r->c->expected));
    fputs(",\"found\":[", out);
    bool first = true;
    for (int v = 1; v < TR_VERDICT_COUNT; v++)
        if (r->found & (1u << v)) {
            fputs(first ? "" : ",", out);
            json_string(out, tr_verdict_name((tr_verdict)v));
            first = false;
        }
    fprintf(out, "],\"executions\":%ld,\"complete\":%s,\"ok\":%s,\"seconds\":%.3f,\"strategy\":",
            r->executions, r->complete ? "true" : "false", tr_result_ok(r) ? "true" : "false",
            r->seconds);
    json_string(out, strategy);
    fputs(",\"version\":\"" TRAMA_VERSION "\"}\n", out);
}
