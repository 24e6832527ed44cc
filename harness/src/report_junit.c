/* report_junit.c — JUnit XML for CI test views: one <testsuite name="trama"> with one
 * <testcase classname="trama" name="CASE" time="S"> per case, and a <failure> when the case
 * is not as expected: message "expected=K found=K,K", type the kind at fault (a pass case:
 * the first kind found; a buggy case: the expected kind that was missed), and the text
 * report of what makes it fail. The suite's counts open the document, so test cases are
 * buffered until tr__junit_end. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* Text as XML character data or attribute value. Control characters XML 1.0 cannot carry
 * are dropped; tab and newline are kept (escaped in attributes so they survive). */
static void xml_text(FILE *out, const char *s, bool attribute)
{
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        switch (ch) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\n':
            fputs(attribute ? "&#10;" : "\n", out);
            break;
        case '\t':
            fputs(attribute ? "&#9;" : "\t", out);
            break;
        default:
            if (ch >= 0x20)
                fputc(ch, out);
        }
    }
}

static void found_kinds(char *out, size_t size, unsigned found)
{
    size_t len = 0;
    out[0] = '\0';
    for (int v = 1; v < TR_VERDICT_COUNT && len < size; v++)
        if (found & (1u << v))
            len += (size_t)snprintf(out + len, size - len, "%s%s", len ? "," : "",
                                    tr_verdict_name((tr_verdict)v));
    if (!len)
        snprintf(out, size, "pass");
}

/* The kind that makes the case fail. */
static tr_verdict fault(const tr_result *r)
{
    if (r->c->expected != TR_PASS)
        return r->c->expected;
    for (int v = 1; v < TR_VERDICT_COUNT; v++)
        if (r->found & (1u << v))
            return (tr_verdict)v;
    return TR_PASS;
}

bool tr__junit_begin(tr__junit *j)
{
    memset(j, 0, sizeof *j);
    j->cases = open_memstream(&j->buf, &j->len);
    return j->cases != NULL;
}

static void failure(FILE *out, const tr_result *r, const char *strategy)
{
    char found[256], message[512];
    found_kinds(found, sizeof found, r->found);
    snprintf(message, sizeof message, "expected=%s found=%s executions=%ld complete=%s",
             tr_verdict_name(r->c->expected), found, r->executions, r->complete ? "yes" : "no");
    fputs("    <failure message=\"", out);
    xml_text(out, message, true);
    fprintf(out, "\" type=\"%s\">", tr_verdict_name(fault(r)));
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (mem) {
        tr__report_case_line(mem, r, strategy);
        tr__report_findings(mem, r, strategy, true);
        fclose(mem);
        xml_text(out, text, false);
    }
    free(text);
    fputs("</failure>\n", out);
}

void tr__junit_case(tr__junit *j, const tr_result *r, const char *strategy)
{
    bool ok = tr_result_ok(r);
    j->tests++;
    j->failures += !ok;
    j->seconds += r->seconds;
    fputs("  <testcase classname=\"trama\" name=\"", j->cases);
    xml_text(j->cases, r->c->name, true);
    fprintf(j->cases, "\" time=\"%.3f\">\n", r->seconds);
    if (!ok)
        failure(j->cases, r, strategy);
    fputs("    <system-out>", j->cases);
    char *line = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&line, &len);
    if (mem) {
        tr__report_case_line(mem, r, strategy);
        fclose(mem);
        xml_text(j->cases, line, false);
    }
    free(line);
    fputs("</system-out>\n  </testcase>\n", j->cases);
}

void tr__junit_end(tr__junit *j, FILE *out)
{
    fclose(j->cases);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
    fprintf(out,
            "<testsuites name=\"trama\" tests=\"%d\" failures=\"%d\" errors=\"0\" time=\"%.3f\">\n"
            "<testsuite name=\"trama\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"0\" "
            "time=\"%.3f\">\n",
            j->tests, j->failures, j->seconds, j->tests, j->failures, j->seconds);
    if (j->buf)
        fwrite(j->buf, 1, j->len, out);
    fputs("</testsuite>\n</testsuites>\n", out);
    free(j->buf);
    memset(j, 0, sizeof *j);
}
