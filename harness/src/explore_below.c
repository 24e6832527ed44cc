/* explore_below.c — exploring only below a schedule (`trama replay CASE SCHEDULE --continue`):
 * every execution starts with the schedule's choices, and the strategy explores what
 * follows them.
 *
 * A wrapper around any explorer: while the prefix lasts it makes the prefix's choices
 * itself, and the explorer inside sees none of it (neither those points nor their steps);
 * from the first point after the prefix on, it sees every call. So the explorer searches
 * from the state the prefix reaches as if it were the start: dfs's path, its preemption
 * count and bound begin there (the prefix's own preemptions are not counted), and dpor's
 * races are among the steps after the prefix (a race with a step of the prefix could only
 * be reversed above it, outside the subtree). The same prefix in every execution reaches
 * the same state (an execution is a function of its schedule), so the subtree the explorer
 * sees is the one below the prefix, and exhausting it explores exactly the executions that
 * start with the prefix. */
#include <stdlib.h>
#include <string.h>

#include "finding.h"

typedef struct below {
    tr__explorer base;
    tr__explorer *inner;
    tr__choice *prefix;
    int n;
    bool in_prefix; /* this execution has not passed the prefix yet */
} below;

static void below_begin(tr__explorer *e)
{
    below *b = (below *)e;
    b->in_prefix = b->n > 0;
    b->inner->execution_begin(b->inner);
}

/* depth: the points with more than one choice passed so far, as the schedule counts them. */
static int below_choose(tr__explorer *e, const tr__choice *choices, int n, int current, int depth)
{
    below *b = (below *)e;
    if (b->in_prefix && depth >= b->n)
        b->in_prefix = false;
    if (!b->in_prefix)
        return b->inner->choose(b->inner, choices, n, current, depth - b->n);
    if (n == 1)
        return 0; /* a point the schedule does not write (the explorer asks at every one) */
    int i = tr__choice_find(choices, n, b->prefix[depth]);
    TR_CHECK(i >= 0, "the prefix does not replay on this case (tr_replay checks a schedule)");
    return i;
}

static void below_step(tr__explorer *e, const tr__event *ev)
{
    below *b = (below *)e;
    if (!b->in_prefix)
        b->inner->on_step(b->inner, ev);
}

static void below_cut(tr__explorer *e, const int *threads, int n)
{
    below *b = (below *)e;
    if (!b->in_prefix) /* ended inside the prefix: there is nothing below it to search */
        b->inner->execution_cut(b->inner, threads, n);
}

static bool below_end(tr__explorer *e)
{
    below *b = (below *)e;
    bool more = b->inner->execution_end(b->inner);
    b->base.bound_complete = b->inner->bound_complete;
    b->base.skipped = b->inner->skipped;
    b->base.abandoned = b->inner->abandoned;
    return more;
}

static void below_destroy(tr__explorer *e)
{
    below *b = (below *)e;
    b->inner->destroy(b->inner);
    free(b->prefix);
    free(b);
}

static void drop_finding(tr_finding *f, void *ctx)
{
    (void)ctx;
    tr__finding_free(f); /* the check only asks whether the schedule replays */
}

tr__explorer *tr__explorer_below(tr__explorer *inner, const char *prefix)
{
    if (!prefix)
        return inner;
    below *b = calloc(1, sizeof *b);
    tr__choice *choices = malloc(TR__SCHEDULE_MAX * sizeof *choices);
    TR_CHECK(b && choices, "out of memory");
    char err[256];
    b->n = tr__schedule_parse(prefix, choices, TR__SCHEDULE_MAX, NULL, err, sizeof err);
    TR_CHECK(b->n >= 0, "the prefix is not a schedule (tr_replay checks a schedule)");
    b->prefix = realloc(choices, (size_t)(b->n > 0 ? b->n : 1) * sizeof *choices);
    TR_CHECK(b->prefix, "out of memory");
    b->inner = inner;
    b->base = (tr__explorer){inner->name,
                             below_begin,
                             below_choose,
                             below_end,
                             below_destroy,
                             inner->on_step ? below_step : NULL,
                             inner->every_point,
                             inner->execution_cut ? below_cut : NULL,
                             inner->max_threads,
                             inner->bound_complete,
                             false,
                             false};
    return &b->base;
}

bool tr__prefix_check(const tr_case *c, const char *prefix, char *err, size_t err_size)
{
    tr__choice *choices = malloc(TR__SCHEDULE_MAX * sizeof *choices);
    TR_CHECK(choices, "out of memory parsing a schedule");
    tr__schedule_mode mode;
    int n = tr__schedule_parse(prefix, choices, TR__SCHEDULE_MAX, &mode, err, err_size);
    if (n < 0) {
        free(choices);
        return false;
    }
    tr__explorer *e = tr__explorer_replay(choices, n);
    free(choices);
    tr__exec_opts xo = {.explorer = e, .max_steps = 10000, .timeouts = mode.timeouts,
                        .spurious_wakeups = mode.spurious_wakeups};
    tr__lockorder_mark graph = tr__lockorder_aside();
    bool matched = tr__execute(c, &xo, drop_finding, NULL, NULL);
    tr__lockorder_back(graph);
    int used = tr__replay_used(e);
    if (!matched)
        snprintf(err, err_size, "schedule does not match case %s %s", c->name, tr__replay_error(e));
    else if (used < n)
        snprintf(err, err_size,
                 "schedule is longer than case %s: its execution ends after %d of the %d choices",
                 c->name, used, n);
    e->destroy(e);
    return matched && used == n;
}
