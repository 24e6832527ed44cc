/* explore.c — drives executions of one case: budgets, findings (deduplicated by kind and
 * site), crash isolation in a forked child, one case's search split over workers.
 *
 * By default a case is explored in a forked child that streams its findings back on the
 * wire (wire.c), so a case that crashes becomes a CRASH finding (with the schedule it was
 * running, written by a signal handler) instead of a dead harness. Records on this wire:
 * 'F' a finding, 'E' the end of the exploration (struct explore_end).
 *
 * -j N on one case forks N such children, each exploring a share of the search: for dpor
 * and dfs its subtrees (tr__share), for random, pct and pos every N-th execution of the
 * stream, for the portfolio each member's own share. The parent merges their results in
 * worker order. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "finding.h"
#include "wire.h"

void tr_explore_opts_init(tr_explore_opts *o)
{
    memset(o, 0, sizeof *o);
    o->strategy = TR_STRATEGY_DPOR;
    o->max_executions = 0;
    o->preemption_bound = -1;
    /* Five change points: a bug needing three preemptions is out of reach of depth 3, the
     * literature's usual d, and in cases of a few dozen steps the extra points cost the
     * shallow bugs nothing (bench_strategies, README) */
    o->pct_depth = 6;
    o->step_timeout = 10;
    o->minimize_executions = 1000;
}

/* ---- collecting findings -------------------------------------------------------------- */

typedef struct collector {
    tr_result *r;
    size_t cap;
    long execution;
    bool stream;   /* a forked child: send findings on the wire too */
    bool minimize; /* only shorter stories of findings kept already count */
    bool shorter_wins; /* a finding seen again with a shorter story takes its place (else the
                          first story stays: --minimize 0) */
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

/* The equal (kind, sites) finding kept in r already, or NULL. */
static tr_finding *kept(const tr_result *r, const tr_finding *f)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (same_finding(&r->findings[i], f))
            return &r->findings[i];
    return NULL;
}

/* Whether f tells its story in fewer preemptions (then fewer steps) than g. */
static bool shorter(const tr_finding *f, const tr_finding *g)
{
    int pf = tr__finding_preemptions(f), pg = tr__finding_preemptions(g);
    return pf != pg ? pf < pg : tr__finding_steps(f) < tr__finding_steps(g);
}

/* Keeps f unless an equal finding is kept; one with a shorter story replaces it (keeping
 * the execution the finding was first seen in). */
void tr__result_keep(tr_result *r, size_t *cap, tr_finding *f)
{
    r->found |= 1u << f->kind;
    tr_finding *old = kept(r, f);
    if (old && shorter(f, old)) {
        long first = old->execution < f->execution ? old->execution : f->execution;
        tr__finding_free(old);
        *old = *f;
        old->execution = first;
        return;
    }
    if (old) {
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
    long executions, abandoned;
    bool complete;
    int preemption_bound;
} explore_end;

static void on_finding(tr_finding *f, void *ctx)
{
    collector *col = ctx;
    tr_finding copy = *f;
    copy.execution = col->execution;
    const tr_finding *old = kept(col->r, &copy);
    bool news = !old || (col->shorter_wins && shorter(&copy, old));
    if (!news || (col->minimize && !old)) {
        if (!col->minimize) /* the finding set is the search's; minimizing only shortens */
            col->r->found |= 1u << copy.kind;
        tr__finding_free(&copy);
        return;
    }
    if (col->stream) /* only news crosses to the parent */
        tr__wire_put_finding(&copy);
    tr__result_keep(col->r, &col->cap, &copy);
}

/* ---- exploring in this process -------------------------------------------------------- */

static double step_timeout(const tr_explore_opts *o)
{
    return o->step_timeout > 0 ? o->step_timeout : 10;
}

/* Documented per-process state, set by the parent of a split search before it forks its
 * workers (a worker inherits it): what they share, in memory mapped before the fork. */
typedef struct split_state {
    atomic_int stop;       /* raised by the first worker to stop at a finding */
    /* a stream's shares: the earliest place in the stream of an execution that stopped
     * the search (LONG_MAX: none); every execution before it runs, none after it counts,
     * so the search ends where the unsplit stream would, whichever worker gets there */
    atomic_long stop_at;
    atomic_long executions; /* counted by all: the budget is the search's, not a worker's */
    int workers;
    _Atomic uint64_t claims[TR__CLAIMS / 64]; /* the units taken (tr__share.claims) */
} split_state;
static split_state *split;

/* TRAMA_SPLIT_UNITS: how many subtrees per share a split search cuts (see tr__share). Read
 * once per process (a split search reads it before forking its workers, so a bad value is
 * told once). */
static int share_units(void)
{
    static int units; /* documented per-process state: the value read, 0 before */
    if (units)
        return units;
    const char *s = getenv("TRAMA_SPLIT_UNITS");
    char *end = NULL;
    long n = s ? strtol(s, &end, 10) : 0;
    if (s && (end == s || *end || n < 1 || n > 1 << 24)) {
        fprintf(stderr, "trama: TRAMA_SPLIT_UNITS is \"%s\", not a number from 1 to %d; "
                        "%d is used\n", s, 1 << 24, TR__SHARE_UNITS);
        n = 0;
    }
    units = n > 0 ? (int)n : TR__SHARE_UNITS;
    return units;
}

static bool exhaustive(tr_strategy s) { return s == TR_STRATEGY_DPOR || s == TR_STRATEGY_DFS; }

/* PCT's k for c (tr__pct_steps); depth 1 has no change point to place. */
static int pct_steps(const tr_case *c, const tr_explore_opts *o)
{
    if (o->pct_depth <= 1)
        return 1;
    tr__schedule_mode mode = tr__schedule_mode_of(o);
    tr__exec_opts xo = {.max_steps = o->max_steps > 0 ? o->max_steps : 10000,
                        .timeouts = mode.timeouts,
                        .spurious_wakeups = mode.spurious_wakeups};
    return tr__pct_steps(c, &xo, o->isolate, step_timeout(o));
}

static tr__explorer *make_explorer(const tr_case *c, const tr_explore_opts *o)
{
    tr__share share = {o->shard_index, o->shard_count > 1 ? o->shard_count : 1, share_units(),
                       NULL, 1, 0};
    if (split && exhaustive(o->strategy)) {
        share.claims = split->claims;
        share.workers = split->workers;
    }
    switch (o->strategy) {
    case TR_STRATEGY_RANDOM:
        return tr__explorer_random(o->seed);
    case TR_STRATEGY_PCT:
        return tr__explorer_pct(o->seed, o->pct_depth, pct_steps(c, o));
    case TR_STRATEGY_POS:
        return tr__explorer_pos(o->seed);
    case TR_STRATEGY_DPOR:
        return tr__explorer_dpor_share(share);
    case TR_STRATEGY_DFS:
        return tr__explorer_dfs_share(o->preemption_bound, share);
    case TR_STRATEGY_PORTFOLIO:
        return tr__explorer_portfolio(o->seed, o->pct_depth, pct_steps(c, o), share);
    }
    return tr__explorer_dfs_share(o->preemption_bound, share);
}

/* The most preemptions a kept finding's story has. */
static int most_preemptions(const tr_result *r)
{
    int most = 0;
    for (size_t i = 0; i < r->n_findings; i++) {
        int p = tr__finding_preemptions(&r->findings[i]);
        most = p > most ? p : most;
    }
    return most;
}

/* A shorter story for each finding: the schedules with 0 preemptions, then 1, ... (dfs's
 * iterative bounding) within o->minimize_executions, until every finding's story has at
 * most one preemption more than the bound whose schedules all ran (none shorter exists). */
static void minimize(const tr_case *c, const tr_explore_opts *o, collector *col,
                     tr__exec_opts xo)
{
    if (o->minimize_executions <= 0 || most_preemptions(col->r) == 0)
        return;
    tr__explorer *e = tr__explorer_dfs(-1);
    xo.explorer = e;
    col->minimize = true;
    col->execution = col->r->executions; /* stories found here keep their first execution */
    for (long n = 0; n < o->minimize_executions; n++) {
        if (o->isolate)
            tr__execute_isolated(c, &xo, step_timeout(o), on_finding, col);
        else
            tr__execute(c, &xo, on_finding, col, NULL);
        if (!e->execution_end(e) || e->bound_complete >= most_preemptions(col->r) - 1)
            break;
    }
    col->minimize = false;
    e->destroy(e);
}

/* Whether what r found ends the search (--stop-on-first, verify's expected kind). */
static bool stops_search(const tr_case *c, const tr_explore_opts *o, const tr_result *r)
{
    return (o->stop_on_first && r->found) ||
           (o->stop_on_expected && c->expected != TR_PASS && (r->found & (1u << c->expected)));
}

static void lower_to(atomic_long *v, long to)
{
    long now = atomic_load(v);
    while (to < now && !atomic_compare_exchange_weak(v, &now, to))
        ;
}

static void explore_here(const tr_case *c, const tr_explore_opts *o, tr_result *r, bool on_wire)
{
    collector col = {.r = r, .stream = on_wire, .shorter_wins = o->minimize_executions > 0};
    tr__explorer *e = tr__explorer_below(make_explorer(c, o), o->prefix);
    tr__schedule_mode mode = tr__schedule_mode_of(o);
    tr__exec_opts xo = {.explorer = e, .max_steps = o->max_steps > 0 ? o->max_steps : 10000,
                        .timeouts = mode.timeouts,
                        .spurious_wakeups = mode.spurious_wakeups};
    long max = o->max_executions != 0 ? o->max_executions
               : tr_case_budget(c) > 0 ? tr_case_budget(c)
                                       : 100000;
    double start = tr__monotonic_seconds();
    tr__lockorder_reset();
    tr__meter *meter = tr__meter_start(c, o, max);
    tr__progress_exploring(true);
    /* random, pct and pos under --shard I/N: this shard runs executions k = I, I+N, ... of the
     * unsharded stream (each execution draws from its own seed stream) */
    bool stream_split = o->shard_count > 1 && !exhaustive(o->strategy) &&
                        o->strategy != TR_STRATEGY_PORTFOLIO; /* it splits its members */
    /* a shard of the portfolio runs its part of the budget: the N shards run `max` */
    long shard_max = o->shard_count > 1 && o->strategy == TR_STRATEGY_PORTFOLIO && max > 0
                         ? (max - o->shard_index + o->shard_count - 1) / o->shard_count
                         : max;
    long stream = 0;
    /* a split search's budget is the search's: each execution takes a slot first (and gives
     * it back if it does not count), so together the workers run at most `max` */
    bool shared_budget = split && exhaustive(o->strategy) && max > 0;
    for (;;) {
        while (stream_split && stream++ % o->shard_count != o->shard_index)
            e->execution_begin(e); /* skip another shard's execution */
        if (split && stream_split && stream > atomic_load(&split->stop_at))
            break;
        if (shared_budget && atomic_fetch_add(&split->executions, 1) >= max) {
            atomic_fetch_sub(&split->executions, 1);
            break;
        }
        /* a shard's finding is named by its execution's place in the whole stream, as
         * the unsharded search (and every other -j) names it */
        col.execution = stream_split ? stream : r->executions + 1;
        tr__wire_set_execution(col.execution);
        if (o->isolate)
            tr__execute_isolated(c, &xo, step_timeout(o), on_finding, &col);
        else
            tr__execute(c, &xo, on_finding, &col, NULL);
        bool more = e->execution_end(e);
        if (e->skipped || e->abandoned) {
            r->abandoned += !e->skipped;
            if (shared_budget)
                atomic_fetch_sub(&split->executions, 1);
        } else {
            r->executions++;
            if (split && !shared_budget)
                atomic_fetch_add(&split->executions, 1);
        }
        if (split) {
            tr_result all = *r;
            all.executions = atomic_load(&split->executions);
            tr__meter_tick(meter, &all);
        } else {
            tr__meter_tick(meter, r);
        }
        if (!more) {
            r->complete = true;
            break;
        }
        if (stops_search(c, o, r)) {
            if (split && stream_split)
                lower_to(&split->stop_at, stream);
            break;
        }
        if (split && atomic_load_explicit(&split->stop, memory_order_relaxed))
            break; /* another worker stopped at its finding */
        if (on_wire && tr__wire_lost())
            break; /* the case closed the wire: nothing more can be told (tell_lost) */
        if (max > 0 &&
            (stream_split ? stream + (o->shard_count - 1) : r->executions) >= shard_max)
            break; /* sharded: stop where the unsharded stream of `max` would */
        if (o->time_budget > 0 && tr__monotonic_seconds() - start >= o->time_budget)
            break;
    }
    tr__meter_end(meter);
    if (!(on_wire && tr__wire_lost()))
        minimize(c, o, &col, xo);
    tr__progress_exploring(false);
    if (split && !stream_split && !r->complete && stops_search(c, o, r))
        atomic_store(&split->stop, 1);
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
    explore_end end = {mine.executions, mine.abandoned, mine.complete, mine.preemption_bound};
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
            r->abandoned = end.abandoned;
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

/* ---- one case's search over several workers ------------------------------------------- */

/* Keeps f, or the equal finding already kept, whichever was seen in the earlier execution:
 * what one worker keeps with --minimize 0 (the first story stays), so the workers' shares
 * of a stream, whose findings carry their place in it, keep what the whole stream does. */
static void keep_earliest(tr_result *r, size_t *cap, tr_finding *f)
{
    tr_finding *old = kept(r, f);
    if (!old) {
        tr__result_keep(r, cap, f);
        return;
    }
    if (f->execution < old->execution) {
        tr__finding_free(old);
        *old = *f;
        return;
    }
    tr__finding_free(f);
}

/* r gets what a worker found: the executions add up; complete when every share completed;
 * a bounded search's bound is what every share covered. */
static void merge_share(tr_result *r, size_t *cap, tr_result *part, bool first,
                        bool shorter_wins)
{
    r->executions += part->executions;
    r->abandoned += part->abandoned;
    r->complete = first ? part->complete : r->complete && part->complete;
    if (first || part->preemption_bound < r->preemption_bound)
        r->preemption_bound = part->preemption_bound;
    for (size_t i = 0; i < part->n_findings; i++)
        if (shorter_wins)
            tr__result_keep(r, cap, &part->findings[i]);
        else
            keep_earliest(r, cap, &part->findings[i]);
    r->found |= part->found;
    free(part->findings);
}

/* What the unsplit stream found by its execution `last`: a worker may have run past it
 * before it heard that another stopped there. */
static void end_at(tr_result *r, long last)
{
    size_t kept = 0;
    r->found = 0;
    for (size_t i = 0; i < r->n_findings; i++) {
        if (r->findings[i].execution > last) {
            tr__finding_free(&r->findings[i]);
            continue;
        }
        r->found |= 1u << r->findings[i].kind;
        r->findings[kept++] = r->findings[i];
    }
    r->n_findings = kept;
    r->executions = last;
}

/* Explores c with `workers` forked children, each a share of the search (of this shard's,
 * under --shard: worker k of shard I of N is share I + N*k of N*workers, a subset of what
 * share I of N is, whatever -j the other shards run with). */
static void explore_split(const tr_case *c, const tr_explore_opts *o, int workers, tr_result *r)
{
    tr__wire *wires = calloc((size_t)workers, sizeof *wires);
    /* zeroed, and only the pages of the claims the search reaches are ever touched */
    split_state *shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE,
                               MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    TR_CHECK(wires && shared != MAP_FAILED, "out of memory splitting a search");
    atomic_init(&shared->stop, 0);
    atomic_init(&shared->stop_at, LONG_MAX);
    atomic_init(&shared->executions, 0);
    shared->workers = workers;
    split = shared;
    share_units(); /* read before the fork, once */
    tr__lockorder_share(true);
    int shards = o->shard_count > 1 ? o->shard_count : 1;
    for (int k = 0; k < workers; k++) {
        tr_explore_opts mine = *o;
        mine.shard_index = (o->shard_count > 1 ? o->shard_index : 0) + shards * k;
        mine.shard_count = shards * workers;
        if (k > 0)
            mine.progress = NULL; /* worker 0 draws the line, with every worker's count */
        explore_start(c, &mine, &wires[k]);
    }
    split = NULL;
    size_t cap = 0;
    for (int k = 0; k < workers; k++) {
        tr_result part;
        memset(&part, 0, sizeof part);
        part.c = c;
        part.preemption_bound = -1;
        explore_finish(&wires[k], &part);
        merge_share(r, &cap, &part, k == 0, o->minimize_executions > 0);
    }
    long stop_at = atomic_load(&shared->stop_at);
    if (stop_at != LONG_MAX)
        end_at(r, stop_at);
    tr__lockorder_share(false);
    munmap(shared, sizeof *shared);
    free(wires);
}

/* The workers one case's search gets: -j, unless it runs in this process. */
static int workers_for(const tr_explore_opts *o) { return o->no_fork || o->jobs < 2 ? 1 : o->jobs; }

void tr_explore_many(const tr_case *const *cases, size_t n, const tr_explore_opts *o,
                     void (*done)(tr_result *r, void *ctx), void *ctx)
{
    if (n == 1 && workers_for(o) > 1) { /* one case: its search gets every worker */
        tr_result r;
        memset(&r, 0, sizeof r);
        r.preemption_bound = -1;
        r.c = cases[0];
        double start = tr__monotonic_seconds();
        explore_split(r.c, o, workers_for(o), &r);
        r.seconds = tr__monotonic_seconds() - start;
        done(&r, ctx);
        return;
    }
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
    } else if (workers_for(opts) > 1) {
        explore_split(r.c, opts, workers_for(opts), &r);
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
