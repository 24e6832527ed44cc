/* explore_isolate.c — --isolate: every execution in a forked process of its own.
 *
 * The child runs the execution with a copy of the explorer and logs every call it makes
 * to it (choose with its arguments and answer, each step); the parent replays those calls
 * on its own explorer, so the search goes on exactly as in process; the lock-order edges
 * the execution added go back too, so lockdep sees every execution. A child that dies
 * (a crash) or goes silent (a spin without scheduling points) becomes a finding with the
 * schedule replayed so far, and the exploration continues with the next execution.
 *
 * Records on the wire (wire.c): 'C' a choice (int n, current, depth, pick; n choices),
 * 'S' a step (tr__event), 'X' a cut (int n; n thread ids), 'F' a finding, 'O' a
 * lock-order edge (two tr__lock_site), 'E' the end of the execution. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "finding.h"
#include "wire.h"

enum { MAX_LOGGED_CHOICES = 256, MAX_CUT = 256 };

typedef struct logger {
    tr__explorer base;
    tr__explorer *inner;
} logger;

static void log_begin(tr__explorer *x) { ((logger *)x)->inner->execution_begin(((logger *)x)->inner); }

static int log_choose(tr__explorer *x, const tr__choice *choices, int n, int current, int depth)
{
    logger *l = (logger *)x;
    int pick = l->inner->choose(l->inner, choices, n, current, depth);
    TR_CHECK(n <= MAX_LOGGED_CHOICES, "too many choices to log");
    int head[4] = {n, current, depth, pick};
    tr__wire_put('C', head, sizeof head, choices, (size_t)n * sizeof *choices);
    return pick;
}

static void log_step(tr__explorer *x, const tr__event *ev)
{
    logger *l = (logger *)x;
    if (l->inner->on_step)
        l->inner->on_step(l->inner, ev);
    tr__wire_put('S', ev, sizeof *ev, NULL, 0);
}

static void log_cut(tr__explorer *x, const int *threads, int n)
{
    logger *l = (logger *)x;
    if (l->inner->execution_cut)
        l->inner->execution_cut(l->inner, threads, n);
    tr__wire_put('X', &n, sizeof n, threads, (size_t)n * sizeof *threads);
}

static bool log_end(tr__explorer *x)
{
    (void)x;
    return false;
}

static void log_destroy(tr__explorer *x) { (void)x; }

static void sink_to_wire(tr_finding *f, void *ctx)
{
    (void)ctx;
    tr__wire_put_finding(f);
    tr__finding_free(f);
}

/* In the child: the execution, then the lock-order edges it added, then 'E'. A crash
 * signal kills it plainly: the parent tells the story with the schedule replayed. */
static _Noreturn void run_child(const tr_case *c, const tr__exec_opts *xo)
{
    logger l = {.base = {"isolated", log_begin, log_choose, log_end, log_destroy, log_step,
                         xo->explorer->every_point, log_cut},
                .inner = xo->explorer};
    tr__exec_opts mine = *xo;
    mine.explorer = &l.base;
    int known_edges = tr__lockorder_count();
    tr__progress_exploring(true);
    tr__execute(c, &mine, sink_to_wire, NULL, NULL);
    for (int i = known_edges; i < tr__lockorder_count(); i++) {
        tr__lock_site edge[2];
        tr__lockorder_edge(i, &edge[0], &edge[1]);
        /* file names are the case's literals: the same addresses in the parent */
        tr__wire_put('O', edge, sizeof edge, NULL, 0);
    }
    tr__wire_put('E', NULL, 0, NULL, 0);
    _exit(0);
}

/* The parent's replay of the child's calls. */
typedef struct replay {
    tr__explorer *e;
    tr__choice *schedule; /* the choices made where there was a choice */
    int n_schedule;
    bool ok;              /* no replay mismatch */
    bool told;            /* the child reported its own crash or hang */
    tr__finding_sink sink;
    void *ctx;
} replay;

static bool take_choice(replay *rp, const char *p, size_t len)
{
    int head[4];
    if (len < sizeof head)
        return false;
    memcpy(head, p, sizeof head);
    int n = head[0];
    if (n < 0 || n > MAX_LOGGED_CHOICES || len != sizeof head + (size_t)n * sizeof(tr__choice))
        return false;
    tr__choice choices[MAX_LOGGED_CHOICES];
    memcpy(choices, p + sizeof head, (size_t)n * sizeof *choices);
    int pick = rp->e->choose(rp->e, choices, n, head[1], head[2]);
    TR_CHECK(pick == head[3], "an isolated execution chose differently");
    if (pick >= 0 && n > 1 && rp->n_schedule < TR__SCHEDULE_MAX)
        rp->schedule[rp->n_schedule++] = choices[pick];
    rp->ok &= pick != TR__CHOOSE_MISMATCH;
    return true;
}

static bool take_cut(replay *rp, const char *p, size_t len)
{
    int n, cut[MAX_CUT];
    if (len < sizeof n)
        return false;
    memcpy(&n, p, sizeof n);
    if (n < 0 || n > MAX_CUT || len != sizeof n + (size_t)n * sizeof *cut)
        return false;
    memcpy(cut, p + sizeof n, (size_t)n * sizeof *cut);
    if (rp->e->execution_cut)
        rp->e->execution_cut(rp->e, cut, n);
    return true;
}

/* Replays one record; false if it is not one the child sends. */
static bool take(replay *rp, char tag, const void *p, size_t len)
{
    tr__event ev;
    tr__lock_site edge[2];
    tr_finding f;
    switch (tag) {
    case 'C':
        return take_choice(rp, p, len);
    case 'X':
        return take_cut(rp, p, len);
    case 'S':
        if (len != sizeof ev)
            return false;
        memcpy(&ev, p, sizeof ev);
        if (rp->e->on_step)
            rp->e->on_step(rp->e, &ev);
        return true;
    case 'O':
        if (len != sizeof edge)
            return false;
        memcpy(edge, p, sizeof edge);
        tr__lockorder_add(&edge[0], &edge[1]);
        return true;
    case 'F':
        if (!tr__wire_get_finding(p, len, &f))
            return false;
        rp->told |= f.kind == TR_CRASH || f.kind == TR_HANG;
        rp->sink(&f, rp->ctx);
        return true;
    case 'E':
        return len == 0;
    }
    return false;
}

bool tr__execute_isolated(const tr_case *c, const tr__exec_opts *xo, double step_timeout,
                          tr__finding_sink sink, void *ctx)
{
    tr__wire w;
    if (tr__wire_fork(&w, step_timeout, false) == 0)
        run_child(c, xo);
    replay rp = {.e = xo->explorer, .ok = true, .sink = sink, .ctx = ctx};
    rp.schedule = malloc(TR__SCHEDULE_MAX * sizeof *rp.schedule);
    TR_CHECK(rp.schedule, "out of memory");
    rp.e->execution_begin(rp.e);
    bool ended = false;
    tr__wire_status s = TR__WIRE_CLOSED;
    char tag;
    const void *payload;
    size_t len;
    while (!ended && (s = tr__wire_get(&w, &tag, &payload, &len)) == TR__WIRE_RECORD) {
        if (!take(&rp, tag, payload, len)) {
            s = tr__wire_reject(&w, tag, len);
            break;
        }
        ended = tag == 'E';
    }
    tr_finding lost;
    memset(&lost, 0, sizeof lost);
    tr__schedule_format(rp.schedule, rp.n_schedule, lost.schedule, sizeof lost.schedule);
    if (tr__wire_end(&w, s, ended, rp.told, "the case", &lost))
        sink(&lost, ctx);
    free(rp.schedule);
    return rp.ok;
}
