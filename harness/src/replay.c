/* replay.c — `trama replay`: one execution of a case following a schedule string (with the
 * timeouts and spurious wake-ups it names), its findings collected as exploration collects
 * them, and its trace table when asked. */
#include <stdlib.h>
#include <string.h>

#include "finding.h"
#include "report.h"

typedef struct replayed {
    tr_result *r;
    size_t cap;
} replayed;

static void on_finding(tr_finding *f, void *ctx)
{
    replayed *rp = ctx;
    f->execution = 1;
    tr__result_keep(rp->r, &rp->cap, f);
}

int tr_replay(const char *case_name, const char *schedule, bool trace, FILE *out,
              tr_result *result, char *err, size_t err_size)
{
    memset(result, 0, sizeof *result);
    result->preemption_bound = -1;
    const tr_case *c = tr_case_find(case_name);
    if (!c) {
        snprintf(err, err_size, "no case named %s (see `trama list`)", case_name);
        return -1;
    }
    tr__choice *choices = malloc(TR__SCHEDULE_MAX * sizeof *choices);
    TR_CHECK(choices, "out of memory parsing a schedule");
    tr__schedule_mode mode;
    int n = tr__schedule_parse(schedule, choices, TR__SCHEDULE_MAX, &mode, err, err_size);
    if (n < 0) {
        free(choices);
        return -1;
    }
    tr__explorer *e = tr__explorer_replay(choices, n);
    free(choices);
    result->c = c;
    replayed rp = {.r = result};
    tr__lockorder_reset();
    tr__exec_opts xo = {.explorer = e, .max_steps = 10000, .timeouts = mode.timeouts,
                        .spurious_wakeups = mode.spurious_wakeups, .record_trace = trace};
    tr_finding rows = {0};
    bool matched = tr__execute(c, &xo, on_finding, &rp, trace ? &rows : NULL);
    result->executions = 1;
    if (!matched) {
        snprintf(err, err_size, "schedule does not match case %s %s", case_name,
                 tr__replay_error(e));
        e->destroy(e);
        tr__finding_free(&rows);
        return -1;
    }
    if (trace)
        tr__report_steps(out, c, &rows);
    tr__finding_free(&rows);
    e->destroy(e);
    return (int)result->found;
}
