/* report_sarif.c — SARIF 2.1.0 for code-scanning services: one run whose tool.driver
 * "trama" has one rule per finding kind (ruleId = the kind's JSON name), and one result
 * per finding with the user's sites as locations, a partial fingerprint (kind + sites) for
 * dedupe across runs, and the schedule in its properties. The log is streamed: the rules
 * are known up front (every kind), results are appended case by case, and the closing part
 * (invocation, SRCROOT) is written last; JSON does not order an object's members.
 * Schema: harness/tests/sarif-schema-2.1.0.json; fields in docs/reports.md. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"

static const char schema_uri[] = "https://json.schemastore.org/sarif-2.1.0.json";

/* The rule of each kind: a PascalCase name and one sentence. lock_order is a potential
 * deadlock (no explored schedule closed the cycle), hence a warning; every other kind
 * happened in some execution. */
typedef struct rule_text {
    const char *name, *text;
    const char *level;
} rule_text;

static rule_text rule_of(tr_verdict v)
{
    switch (v) {
    case TR_PASS:
        return (rule_text){"Pass", "Nothing was found.", "none"};
    case TR_DEADLOCK:
        return (rule_text){"Deadlock",
                           "Threads wait for each other: nothing can run and no timeout is "
                           "pending.",
                           "error"};
    case TR_DATA_RACE:
        return (rule_text){"DataRace",
                           "Two accesses to one declared shared location, at least one a "
                           "write, are not ordered by happens-before.",
                           "error"};
    case TR_LOCK_ORDER:
        return (rule_text){"LockOrderInversion",
                           "Locks are taken in inconsistent orders (lockdep): a potential "
                           "deadlock.",
                           "warning"};
    case TR_RUNTIME_ERROR_FOUND:
        return (rule_text){"RuntimeError",
                           "A primitive was misused: Python raises RuntimeError here.", "error"};
    case TR_VALUE_ERROR_FOUND:
        return (rule_text){"ValueError",
                           "A primitive got a bad argument: Python raises ValueError here.",
                           "error"};
    case TR_OS_ERROR_FOUND:
        return (rule_text){"OSError",
                           "A pipe or process handle was used wrongly: Python raises OSError "
                           "here.",
                           "error"};
    case TR_ASSERTION:
        return (rule_text){"AssertionFailure", "A TR_ASSERT of the case failed under some schedule.",
                           "error"};
    case TR_CRASH:
        return (rule_text){"Crash", "A case thread was killed by a signal.", "error"};
    case TR_HANG:
        return (rule_text){"Hang",
                           "An execution exceeded its step budget, or a thread ran too long "
                           "without reaching a scheduling point.",
                           "error"};
    case TR_UNMODELLED:
        return (rule_text){"Unmodelled",
                           "The case called something trama's scheduler does not model: its "
                           "executions end there, unexplored beyond it.",
                           "warning"};
    case TR_VERDICT_COUNT:
        break;
    }
    return (rule_text){"Unknown", "", "error"};
}

void tr__sarif_find_root(const char *file, char *root, size_t size)
{
    root[0] = '\0';
    if (!file || file[0] != '/' || strlen(file) + 6 >= size)
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s", file);
    char *slash;
    while ((slash = strrchr(path, '/')) != NULL) {
        slash[1] = '\0'; /* "/a/b/" */
        size_t len = strlen(path);
        if (len + 5 > sizeof path)
            return;
        memcpy(path + len, ".git", 5);
        bool found = access(path, F_OK) == 0; /* a directory, or a worktree's .git file */
        path[len] = '\0';
        if (found) {
            snprintf(root, size, "%s", path);
            return;
        }
        if (len == 1)
            return;
        path[len - 1] = '\0';
    }
}

static void percent_encode(const char *s, char *buf, size_t size, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s && len + 4 < size; s++) {
        unsigned char ch = (unsigned char)*s;
        bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                     (ch >= '0' && ch <= '9') || strchr("-._~/+", ch);
        if (plain) {
            buf[len++] = (char)ch;
        } else {
            buf[len++] = '%';
            buf[len++] = hex[ch >> 4];
            buf[len++] = hex[ch & 15];
        }
    }
    buf[len] = '\0';
}

void tr__sarif_uri(const char *root, const char *file, char *buf, size_t size, bool *relative)
{
    size_t rlen = root ? strlen(root) : 0;
    *relative = false;
    if (rlen && strncmp(file, root, rlen) == 0) {
        *relative = true;
        percent_encode(file + rlen, buf, size, 0);
    } else if (file[0] == '/') {
        snprintf(buf, size, "file://");
        percent_encode(file, buf, size, strlen(buf));
    } else {
        percent_encode(file, buf, size, 0); /* a relative __FILE__: keep it as it is */
    }
}

void tr__sarif_begin(tr__sarif *s, FILE *out)
{
    memset(s, 0, sizeof *s);
    s->out = out;
    fprintf(out, "{\"$schema\":\"%s\",\"version\":\"2.1.0\",\"runs\":[{\n", schema_uri);
    fputs("\"tool\":{\"driver\":{\"name\":\"trama\",\"version\":\"" TRAMA_VERSION
          "\",\"semanticVersion\":\"" TRAMA_VERSION "\",\"rules\":[",
          out);
    for (int v = 1; v < TR_VERDICT_COUNT; v++) {
        rule_text t = rule_of((tr_verdict)v);
        fprintf(out, "%s\n {\"id\":\"%s\",\"name\":\"%s\",\"shortDescription\":{\"text\":",
                v > 1 ? "," : "", tr_verdict_name((tr_verdict)v), t.name);
        tr__json_string(out, t.text);
        fprintf(out, "},\"defaultConfiguration\":{\"level\":\"%s\"}}", t.level);
    }
    fputs("]}},\n\"results\":[", out);
}

/* The user's sites of a finding, or the case's TR_CASE line when it names none. */
static int sites_of(const tr_result *r, const tr_finding *f, tr_site_ref *sites)
{
    int n = 0;
    for (int i = 0; i < f->n_sites && i < TR_FINDING_SITES; i++) {
        bool dup = !f->sites[i].file;
        for (int k = 0; k < n && !dup; k++)
            dup = sites[k].line == f->sites[i].line && strcmp(sites[k].file, f->sites[i].file) == 0;
        if (!dup)
            sites[n++] = f->sites[i];
    }
    if (n == 0 && r->c->file)
        sites[n++] = (tr_site_ref){r->c->file, r->c->line};
    return n;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "KIND|uri:line;uri:line", sites sorted: the same bug found through either of its two
 * racing accesses first is one fingerprint. */
static void fingerprint(FILE *out, const tr__sarif *s, tr_verdict kind, const tr_site_ref *sites,
                        int n)
{
    char text[TR_FINDING_SITES][600];
    char *order[TR_FINDING_SITES];
    for (int i = 0; i < n; i++) {
        char uri[512];
        bool rel;
        tr__sarif_uri(s->root, sites[i].file, uri, sizeof uri, &rel);
        snprintf(text[i], sizeof text[i], "%s:%d", uri, sites[i].line);
        order[i] = text[i];
    }
    qsort(order, (size_t)n, sizeof *order, compare_strings);
    char key[4096];
    size_t len = (size_t)snprintf(key, sizeof key, "%s|", tr_verdict_name(kind));
    for (int i = 0; i < n && len < sizeof key; i++)
        len += (size_t)snprintf(key + len, sizeof key - len, "%s%s", i ? ";" : "", order[i]);
    fputs("\"partialFingerprints\":{\"trama/v1\":", out);
    tr__json_string(out, key);
    fputc('}', out);
}

static void location(FILE *out, const tr__sarif *s, const tr_site_ref *site)
{
    char uri[2048];
    bool rel;
    tr__sarif_uri(s->root, site->file, uri, sizeof uri, &rel);
    fputs("{\"physicalLocation\":{\"artifactLocation\":{\"uri\":", out);
    tr__json_string(out, uri);
    if (rel)
        fputs(",\"uriBaseId\":\"SRCROOT\"", out);
    fputc('}', out);
    if (site->line > 0)
        fprintf(out, ",\"region\":{\"startLine\":%d}", site->line);
    fputs("}}", out);
}

static void result(tr__sarif *s, const tr_result *r, const tr_finding *f, const char *strategy)
{
    FILE *out = s->out;
    tr_site_ref sites[TR_FINDING_SITES];
    int n = sites_of(r, f, sites);
    if (!s->root[0] && n && sites[0].file[0] == '/')
        tr__sarif_find_root(sites[0].file, s->root, sizeof s->root);
    rule_text t = rule_of(f->kind);
    fprintf(out, "%s\n{\"ruleId\":\"%s\",\"ruleIndex\":%d,\"level\":\"%s\",\"message\":{\"text\":",
            s->n_results ? "," : "", tr_verdict_name(f->kind), (int)f->kind - 1, t.level);
    char text[1200];
    snprintf(text, sizeof text, "%s in %s: %s\nreplay: %s replay %s %s --trace",
             tr_verdict_name(f->kind), r->c->name, f->message, tr__program, r->c->name,
             f->schedule);
    tr__json_string(out, text);
    fputs("},\"locations\":[", out);
    for (int i = 0; i < n; i++) {
        fputs(i ? "," : "", out);
        location(out, s, &sites[i]);
    }
    fputs("],", out);
    fingerprint(out, s, f->kind, sites, n);
    fputs(",\"properties\":{\"case\":", out);
    tr__json_string(out, r->c->name);
    fprintf(out, ",\"expected\":%s,\"schedule\":", f->kind == r->c->expected ? "true" : "false");
    tr__json_string(out, f->schedule);
    fputs(",\"strategy\":", out);
    tr__json_string(out, strategy);
    fprintf(out, ",\"execution\":%ld,\"threads\":[", f->execution);
    for (int i = 0; i < f->n_threads; i++)
        fprintf(out, "%s%d", i ? "," : "", f->threads[i]);
    fputc(']', out);
    tr__json_parts(out, r->c, f);
    fputs("}}", out);
    s->n_results++;
}

void tr__sarif_case(tr__sarif *s, const tr_result *r, const char *strategy)
{
    for (size_t i = 0; i < r->n_findings; i++)
        result(s, r, &r->findings[i], strategy);
}

void tr__sarif_end(tr__sarif *s, int exit_code)
{
    FILE *out = s->out;
    fprintf(out, "\n],\n\"invocations\":[{\"executionSuccessful\":true,\"exitCode\":%d}]",
            exit_code);
    if (s->root[0]) {
        char uri[8192];
        bool rel;
        tr__sarif_uri(NULL, s->root, uri, sizeof uri, &rel);
        fputs(",\n\"originalUriBaseIds\":{\"SRCROOT\":{\"uri\":", out);
        tr__json_string(out, uri);
        fputs("}}", out);
    }
    fputs(",\n\"columnKind\":\"unicodeCodePoints\"}]}\n", out);
}
