/* report.h — rendering results: the case line, finding stories, JSON Lines. */
#ifndef TRAMA_REPORT_H
#define TRAMA_REPORT_H

#include <stdio.h>

#include "harness_internal.h"

/* The program name used in "replay:" lines (argv[0]'s base name; "trama" by default). */
extern const char *tr__program;

const char *tr__strategy_name(tr_strategy);
/* "ok    CASE  expected=K found=K,K executions=N complete=yes (0.12 s)" */
void tr__report_case_line(FILE *out, const tr_result *r, const char *strategy);
/* Each finding's story with its interleaving (replayed) and the replay line. In verify
 * mode only what makes the case fail. */
void tr__report_findings(FILE *out, const tr_result *r, const char *strategy, bool verify);
/* JSON Lines: one record per finding, then one per case. */
void tr__report_json(FILE *out, const tr_result *r, const char *strategy);

#endif
