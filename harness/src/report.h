/* report.h — rendering results: the case line, finding stories, JSON Lines, SARIF, JUnit. */
#ifndef TRAMA_REPORT_H
#define TRAMA_REPORT_H

#include <stdio.h>

#include "harness_internal.h"

/* The program name used in "replay:" lines (argv[0]'s base name; "trama" by default). */
extern const char *tr__program;

const char *tr__strategy_name(tr_strategy);
/* "ok    CASE  expected=K found=K,K executions=N complete=yes (0.12 s)" */
void tr__report_case_line(FILE *out, const tr_result *r, const char *strategy);
/* Each finding's story with its interleaving and the replay line. In verify
 * mode only what makes the case fail. */
void tr__report_findings(FILE *out, const tr_result *r, const char *strategy, bool verify);
/* The finding's story in sentences, from its parts (nothing when it has none). */
void tr__report_story(FILE *out, const tr_case *c, const tr_finding *f);
/* The numbered interleaving (a header, then one row per step and waiting thread). */
void tr__report_steps(FILE *out, const tr_case *c, const tr_finding *f);
/* A JSON string (escaped, quoted). */
void tr__json_string(FILE *out, const char *s);
/* The finding's story and typed parts as JSON members, each with a leading comma. */
void tr__json_parts(FILE *out, const tr_case *c, const tr_finding *f);
/* JSON Lines: one record per finding, then one per case. */
/* shard: "I/N" when the run was one shard of a search (scripts/aggregate merges them), or
 * NULL. */
void tr__report_json(FILE *out, const tr_result *r, const char *strategy, const char *shard);

/* SARIF 2.1.0 (report_sarif.c): one run, one rule per finding kind, one result per
 * finding. Results are streamed case by case; the log is closed by tr__sarif_end. File
 * URIs are relative to the enclosing git work tree (uriBaseId SRCROOT) when there is one. */
typedef struct tr__sarif {
    FILE *out;
    int n_results;
    char root[4096]; /* SRCROOT with a trailing '/', "" before the first site is seen */
} tr__sarif;
void tr__sarif_begin(tr__sarif *s, FILE *out);
void tr__sarif_case(tr__sarif *s, const tr_result *r, const char *strategy);
/* exit_code: the CLI's exit code (0 all as expected, 1 otherwise). */
void tr__sarif_end(tr__sarif *s, int exit_code);
/* Writes the SARIF URI of a site's file into buf: relative to root (sets *relative) when
 * the file lies under it, else file:///abs/path, percent-encoded. Exposed for tests. */
void tr__sarif_uri(const char *root, const char *file, char *buf, size_t size, bool *relative);
/* The enclosing git work tree of an absolute path ("/repo/"), or "" when there is none. */
void tr__sarif_find_root(const char *file, char *root, size_t size);

/* JUnit XML (report_junit.c): one <testcase> per case, a <failure> when the case is not
 * as expected. Test cases are buffered, then written with the suite's counts. */
typedef struct tr__junit {
    FILE *cases; /* memstream over buf */
    char *buf;
    size_t len;
    int tests, failures;
    double seconds;
} tr__junit;
/* false when the buffer cannot be made. */
bool tr__junit_begin(tr__junit *j);
void tr__junit_case(tr__junit *j, const tr_result *r, const char *strategy);
void tr__junit_end(tr__junit *j, FILE *out);

#endif
