/* explore_probe.c — measuring a case before its search: PCT's k (tr__pct_steps), the
 * scheduling points of one execution.
 *
 * Every point counts, not only those with a choice: a schedule whose threads take turns
 * differently offers choices where the probe's had none (in a case whose main thread runs
 * to its join before the worker starts, the probe sees one choice, and k = 1 would put
 * every change point first). A k too small can make a bug unreachable; too large only
 * makes it slower to reach. The probe always picks the first thread offered, so k is a
 * function of the case alone. */
#include <stdlib.h>

#include "finding.h"

typedef struct probe {
    tr__explorer base;
    int points;
} probe;

static void probe_begin(tr__explorer *e) { ((probe *)e)->points = 0; }

static int probe_choose(tr__explorer *e, const tr__choice *choices, int n, int current, int depth)
{
    (void)choices, (void)n, (void)current, (void)depth;
    ((probe *)e)->points++;
    return 0;
}

static bool probe_end(tr__explorer *e)
{
    (void)e;
    return false;
}

static void probe_destroy(tr__explorer *e) { (void)e; }

static void forget(tr_finding *f, void *ctx)
{
    (void)ctx;
    tr__finding_free(f);
}

int tr__pct_steps(const tr_case *c, const tr__exec_opts *xo, bool isolate, double step_timeout)
{
    probe p = {.base = {"probe", probe_begin, probe_choose, probe_end, probe_destroy, NULL, true,
                        NULL, 0, -1, false, false}};
    tr__exec_opts run = *xo;
    run.explorer = &p.base;
    run.record_trace = false;
    tr__lockorder_mark graph = tr__lockorder_aside();
    if (isolate)
        tr__execute_isolated(c, &run, step_timeout, forget, NULL);
    else
        tr__execute(c, &run, forget, NULL, NULL);
    tr__lockorder_back(graph);
    return p.points > 1 ? p.points : 1;
}
