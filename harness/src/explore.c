/* explore.c — drives executions of one case: budgets, findings (deduplicated by kind and
 * site), crash isolation in a forked child.
 *
 * By default a case is explored in a forked child that streams its findings back on the
 * wire (wire.c), so a case that crashes becomes a CRASH finding (with the schedule it was
 * running, written by a signal handler) instead of a dead harness. Records on this wire:
 * 'F' a finding, 'E' the end of the exploration (struct explore_end). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "finding.h"
#include "wire.h"

void tr_explore_opts_init(tr_explore_opts *o)
{
    memset(o, 0, sizeof *o);
    o->strategy = TR_STRATEGY_DPOR;
    o->max_executions = 0;
    o->preemption_bound = -1;
    o->pct_depth = 3;
    o->step_timeout = 10;
}

/* ---- collecting findings -------------------------------------------------------------- */

typedef struct collector {
    tr_result *r;
    size_t cap;
    long execution;
    bool stream; /* a forked child: send findings on the wire too */
} collector;

static bool same_finding(const tr_finding *a, const tr_finding *b)
{
    if (a->kind != b->kind || a->n_sites != b->n_sites)
        return false;
    for (int i = 0; i < a->n_sites; i++)
        if (a->sites[i].line != b->sites[i].line ||
            strcmp(a->sites[i].file ? a->sites[i].file : "", b->sites[i].file ? b->sites[i].file : ""))
            return false;
    return true;
}

/* Whether an equal (kind, sites) finding is kept in r already. */
static bool kept(const tr_result *r, const tr_finding *f)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (same_finding(&r->findings[i], f))
            return true;
    return false;
}

void tr__result_keep(tr_result *r, size_t *cap, tr_finding *f)
{
    r->found |= 1u << f->kind;
    if (kept(r, f)) {
        tr__finding_free(f);
        return;
    }
    if (r->n_findings == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        r->findings = realloc(r->findings, *cap * sizeof *r->findings);
        TR_CHECK(r->findings, "out of memory keeping findings");
    }
    r->findings[r->n_findings++] = *f;
}

/* 'E': how the exploring child's exploration ended. */
typedef struct explore_end {
    long executions;
    bool complete;
    int preemption_bound;
} explore_end;

static void on_finding(tr_finding *f, void *ctx)
{
    collector *col = ctx;
    tr_finding copy = *f;
    copy.execution = col->execution;
    if (col->stream && !kept(col->r, &copy)) /* only a new finding crosses to the parent */
        tr__wire_put_finding(&copy);
    tr__result_keep(col->r, &col->cap, &copy);
}

/* ---- exploring in this process -------------------------------------------------------- */

static double step_timeout(const tr_explore_opts *o)
{
    return o->step_timeout > 0 ? o->step_timeout : 10;
}

static tr__explorer *make_explorer(const tr_explore_opts *o)
{
    switch (o->strategy) {
    case TR_STRATEGY_RANDOM:
        return tr__explorer_random(o->seed);
    case TR_STRATEGY_PCT:
        return tr__explorer_pct(o->seed, o->pct_depth);
    case TR_STRATEGY_POS:
        return tr__explorer_pos(o->seed);
    case TR_STRATEGY_DPOR:
        return tr__explorer_dpor();
    case TR_STRATEGY_DFS:
        return tr__explorer_dfs(o->preemption_bound);
    }
    return tr__explorer_dfs(o->preemption_bound);
}

static void explore_here(const tr_case *c, const tr_explore_opts *o, tr_result *r, bool on_wire)
{
    collector col = {.r = r, .stream = on_wire};
    tr__explorer *e = tr__explorer_below(make_explorer(o), o->prefix);
    tr__exec_opts xo = {.explorer = e, .max_steps = o->max_steps > 0 ? o->max_steps : 10000,
                        .timeouts = o->timeouts};
    long max = o->max_executions != 0 ? o->max_executions
               : tr_case_budget(c) > 0 ? tr_case_budget(c)
                                       : 100000;
    double start = tr__monotonic_seconds();
    tr__lockorder_reset();
    tr__meter *meter = tr__meter_start(c, o, max);
    tr__progress_exploring(true);
    /* random, pct and pos under --shard I/N: this shard runs executions k = I, I+N, ... of the
     * unsharded stream (each execution draws from its own seed stream) */
    bool split = o->shard_count > 1 &&
                 (o->strategy == TR_STRATEGY_RANDOM || o->strategy == TR_STRATEGY_PCT ||
                  o->strategy == TR_STRATEGY_POS);
    long stream = 0;
    for (;;) {
        while (split && stream++ % o->shard_count != o->shard_index)
            e->execution_begin(e); /* skip another shard's execution */
        col.execution = r->executions + 1;
        tr__wire_set_execution(col.execution);
        if (o->isolate)
            tr__execute_isolated(c, &xo, step_timeout(o), on_finding, &col);
        else
            tr__execute(c, &xo, on_finding, &col, NULL);
        r->executions++;
        tr__meter_tick(meter, r);
        bool more = e->execution_end(e);
        if (!more) {
            r->complete = true;
            break;
        }
        if (o->stop_on_first && r->found)
            break;
        if (on_wire && tr__wire_lost())
            break; /* the case closed the wire: nothing more can be told (tell_lost) */
        if (o->stop_on_expected && c->expected != TR_PASS && (r->found & (1u << c->expected)))
            break;
        if (max > 0 && (split ? stream + (o->shard_count - 1) : r->executions) >= max)
            break; /* sharded: stop where the unsharded stream of `max` would */
        if (o->time_budget > 0 && tr__monotonic_seconds() - start >= o->time_budget)
            break;
    }
    tr__meter_end(meter);
    tr__progress_exploring(false);
    r->preemption_bound = e->bound_complete;
    e->destroy(e);
}

/* ---- exploring in a forked child ------------------------------------------------------ */

/* Forks the child that explores c, streaming its findings on *w. */
static void explore_start(const tr_case *c, const tr_explore_opts *o, tr__wire *w)
{
    if (tr__wire_fork(w, step_timeout(o), true) != 0)
        return;
    tr_result mine = {.c = c};
    explore_here(c, o, &mine, true);
    tr__leftovers_reap(); /* what the case started without fork() */
    explore_end end = {mine.executions, mine.complete, mine.preemption_bound};
    tr__wire_put('E', &end, sizeof end, NULL, 0);
    _exit(0);
}

/* Reads the child's findings until it ends; a child that dies early is a CRASH (its
 * crash handler usually sent the finding with the schedule already). */
static void explore_finish(tr__wire *w, tr_result *r)
{
    size_t cap = 0;
    bool ended = false;
    long last_execution = 0;
    tr__wire_status s = TR__WIRE_CLOSED;
    char tag;
    const void *payload;
    size_t len;
    while (!ended && (s = tr__wire_get(w, &tag, &payload, &len)) == TR__WIRE_RECORD) {
        tr_finding f;
        if (tag == 'E' && len == sizeof(explore_end)) {
            explore_end end;
            memcpy(&end, payload, sizeof end);
            r->executions = end.executions;
            r->complete = end.complete;
            r->preemption_bound = end.preemption_bound >= -1 ? end.preemption_bound : -1;
            ended = true;
        } else if (tag == 'F' && tr__wire_get_finding(payload, len, &f)) {
            last_execution = f.execution;
            tr__result_keep(r, &cap, &f);
        } else {
            s = tr__wire_reject(w, tag, len);
            break;
        }
    }
    if (!ended) {
        r->executions = last_execution;
        r->complete = false;
        r->preemption_bound = -1;
    }
    tr_finding lost;
    memset(&lost, 0, sizeof lost);
    lost.execution = last_execution;
    snprintf(lost.schedule, sizeof lost.schedule, "v1:");
    bool told = r->found & ((1u << TR_CRASH) | (1u << TR_HANG));
    if (tr__wire_end(w, s, ended, told, "the exploring child", &lost)) {
        r->executions = lost.execution; /* the one it was lost in, at least */
        tr__result_keep(r, &cap, &lost);
    }
}

void tr_explore_many(const tr_case *const *cases, size_t n, const tr_explore_opts *o,
                     void (*done)(tr_result *r, void *ctx), void *ctx)
{
    size_t jobs = o->jobs > 1 && !o->no_fork ? (size_t)o->jobs : 1;
    tr__wire *wires = calloc(n ? n : 1, sizeof *wires);
    double *starts = calloc(n ? n : 1, sizeof *starts);
    TR_CHECK(wires && starts, "out of memory starting explorations");
    size_t started = 0;
    for (size_t i = 0; i < n; i++) {
        /* keep up to `jobs` children running; results come back in case order */
        while (started < n && started < i + jobs) {
            starts[started] = tr__monotonic_seconds();
            if (!o->no_fork)
                explore_start(cases[started], o, &wires[started]);
            started++;
        }
        tr_result r;
        memset(&r, 0, sizeof r);
        r.preemption_bound = -1;
        r.c = cases[i];
        if (o->no_fork)
            explore_here(r.c, o, &r, false);
        else
            explore_finish(&wires[i], &r);
        r.seconds = tr__monotonic_seconds() - starts[i];
        done(&r, ctx);
    }
    free(wires);
    free(starts);
}

tr_result tr_explore(const char *case_name, const tr_explore_opts *opts)
{
    tr_explore_opts defaults;
    if (!opts) {
        tr_explore_opts_init(&defaults);
        opts = &defaults;
    }
    tr_result r;
    memset(&r, 0, sizeof r);
    r.preemption_bound = -1;
    r.c = tr_case_find(case_name);
    if (!r.c)
        return r;
    double start = tr__monotonic_seconds();
    if (opts->no_fork) {
        explore_here(r.c, opts, &r, false);
    } else {
        tr__wire w;
        explore_start(r.c, opts, &w);
        explore_finish(&w, &r);
    }
    r.seconds = tr__monotonic_seconds() - start;
    return r;
}

void tr_result_free(tr_result *r)
{
    for (size_t i = 0; i < r->n_findings; i++)
        tr__finding_free(&r->findings[i]);
    free(r->findings);
    r->findings = NULL;
    r->n_findings = 0;
}

bool tr_result_ok(const tr_result *r)
{
    if (!r->c)
        return false;
    if (r->c->expected == TR_PASS)
        return r->found == 0;
    return (r->found & (1u << r->c->expected)) != 0;
}
