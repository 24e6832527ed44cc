/* explore_estimate.c — how many executions an exhaustive search of a case needs, before
 * running it: Knuth's estimator (D. E. Knuth, "Estimating the efficiency of backtrack
 * programs", Math. Comp. 29, 1975).
 *
 * A probe is one execution that follows a random path down the tree of schedules: at each
 * point it picks one of the d children, uniformly, and multiplies d into its weight W. A
 * leaf is reached with probability 1/W, so the mean of f(leaf) * W over many probes
 * estimates the sum of f over the leaves; the spread of the samples gives its standard
 * error. Probing stops when that error is under a tenth of the mean (after MIN_PROBES,
 * since a few probes can agree by chance) or after a second.
 *
 * dfs: the tree is every schedule within the preemption bound (iterative bounding ends with
 * every schedule), each one execution: f = 1, and the estimate is of the very count dfs
 * reports.
 *
 * dpor: it runs one execution per Mazurkiewicz trace (and some more that its sleep sets
 * abandon), so the estimate is of the number of traces: the probe walks every schedule,
 * and f(leaf) = 1 / the number of schedules in the leaf's trace, which sums to 1 over each
 * trace. That number is the count of the orders of the execution's events that keep its
 * happens-before (program order, and the order of two steps on one object when one of
 * them changes it, as explore_dpor.c's clocks have it), counted over the downsets of the
 * order (linear_extensions). Knuth's probe over DPOR's own tree would need its backtrack
 * sets, which grow as later executions find races; the tree of its sleep sets is known on
 * the way down, but most of its leaves are abandoned and the few that count lie on unlikely
 * paths (a walk of it gave 1 for philosophers_3's 7 traces after 60,000 probes, with a
 * tenth of the mean as its error). What these clocks do not
 * know makes the count of a trace's schedules too high, and the estimate low: a lazy
 * timeout fires only when nothing else can run, and a thread that yields waits while
 * another can go on (conditions on the whole state, not on one object). A process start
 * copies every object of its process: here it reads them all, which DPOR's clocks do not
 * say (its races with a fork only add reversals), so with processes the two counts of
 * traces differ; and even dfs's count is not what the probes see there (process_fork_
 * after_join: dfs runs 10 executions, every probe weighs 9; why is not known yet). With
 * processes, and for dpor with yields and timeouts, the estimate says it is rough. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "execution.h"
#include "wire.h"

enum { MIN_PROBES = 100 };
static const double SETTLED = 0.10;  /* standard error over the mean */
static const double MAX_SECONDS = 1.0;

/* ---- happens-before of one execution, and the schedules of its trace ------------------- */

/* MAX_DOWNSETS: a level's table holds twice as many slots, 32 MB at 32 threads */
enum { HB_THREADS = 32, MAX_DOWNSETS = 1 << 18 };

typedef struct hb_clock {
    uint32_t c[HB_THREADS];
} hb_clock;

typedef struct hb_event {
    int thread;
    hb_clock vc; /* vc.c[u]: how many of u's events happen before it (or are it) */
} hb_event;

typedef struct hb_domain {
    hb_clock writes, all; /* joins of its modifying events' clocks, of all its events' */
} hb_domain;

typedef struct happens_before {
    hb_event *events;
    int n, cap;
    hb_domain *domains;
    int n_domains;
    hb_clock thread_clock[HB_THREADS];
    int threads; /* thread ids are below this */
    bool too_many_threads;
    /* a process started, or (dpor) a thread yielded or a timeout fired: some probe's
     * clocks knew less than the schedule depended on (see the top of the file) */
    bool rough;
} happens_before;

static void hb_join(hb_clock *into, const hb_clock *from)
{
    for (int i = 0; i < HB_THREADS; i++)
        if (from->c[i] > into->c[i])
            into->c[i] = from->c[i];
}

static void hb_reset(happens_before *hb)
{
    hb->n = 0;
    if (hb->domains) /* none before the first probe's first step */
        memset(hb->domains, 0, (size_t)hb->n_domains * sizeof *hb->domains);
    memset(hb->thread_clock, 0, sizeof hb->thread_clock);
    hb->threads = 0;
    hb->too_many_threads = false; /* rough stays: it is about the whole estimate */
}

static void hb_add(happens_before *hb, const tr__event *ev)
{
    int t = ev->thread;
    if (t >= HB_THREADS) {
        hb->too_many_threads = true;
        return;
    }
    if (ev->domain >= hb->n_domains) {
        int n = ev->domain + 1;
        hb->domains = realloc(hb->domains, (size_t)n * sizeof *hb->domains);
        TR_CHECK(hb->domains, "out of memory estimating");
        memset(hb->domains + hb->n_domains, 0, (size_t)(n - hb->n_domains) * sizeof *hb->domains);
        hb->n_domains = n;
    }
    hb->events = tr__grow(hb->events, &hb->cap, hb->n + 1, sizeof *hb->events);
    hb_event *e = &hb->events[hb->n++];
    hb_domain *d = &hb->domains[ev->domain];
    e->thread = t;
    e->vc = hb->thread_clock[t];
    hb_join(&e->vc, ev->modifies ? &d->all : &d->writes);
    for (int i = 0; ev->forks && i < hb->n_domains; i++)
        hb_join(&e->vc, &hb->domains[i].writes); /* a fork copies every object: it reads them */
    e->vc.c[t]++;
    hb->thread_clock[t] = e->vc;
    if (ev->modifies)
        hb_join(&d->writes, &e->vc);
    hb_join(&d->all, &e->vc);
    for (int i = 0; ev->forks && i < hb->n_domains; i++)
        hb_join(&hb->domains[i].all, &e->vc); /* ... and a later change of one follows it */
    if (t + 1 > hb->threads)
        hb->threads = t + 1;
}

/* One level of downsets (each a vector of per-thread prefix lengths) with the number of
 * orders that reach it: an open-addressing table. */
typedef struct level {
    uint16_t *keys; /* slot i's vector at keys[i * width] */
    double *ways;   /* 0: an empty slot (every reached downset has a way) */
    size_t cap, n;
    int width;
} level;

static size_t slot_of(const level *l, const uint16_t *key)
{
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < l->width; i++)
        h = (h ^ key[i]) * 0x100000001b3ull;
    size_t s = (size_t)(h ^ (h >> 29)) & (l->cap - 1);
    while (l->ways[s] != 0 && memcmp(&l->keys[s * (size_t)l->width], key,
                                     (size_t)l->width * sizeof *key) != 0)
        s = (s + 1) & (l->cap - 1);
    return s;
}

static void level_init(level *l, int width, size_t cap)
{
    l->width = width;
    l->cap = cap;
    l->n = 0;
    l->keys = calloc(cap * (size_t)width, sizeof *l->keys);
    l->ways = calloc(cap, sizeof *l->ways);
    TR_CHECK(l->keys && l->ways, "out of memory estimating");
}

static void level_free(level *l)
{
    free(l->keys);
    free(l->ways);
}

/* Adds ways to key's entry; false when the level would pass MAX_DOWNSETS. */
static bool level_add(level *l, const uint16_t *key, double ways)
{
    if (2 * (l->n + 1) > l->cap) {
        if (l->cap >= 2 * (size_t)MAX_DOWNSETS)
            return false;
        level bigger;
        level_init(&bigger, l->width, l->cap * 2);
        for (size_t i = 0; i < l->cap; i++)
            if (l->ways[i] != 0)
                level_add(&bigger, &l->keys[i * (size_t)l->width], l->ways[i]);
        level_free(l);
        *l = bigger;
    }
    size_t s = slot_of(l, key);
    if (l->ways[s] == 0) {
        memcpy(&l->keys[s * (size_t)l->width], key, (size_t)l->width * sizeof *key);
        l->n++;
    }
    l->ways[s] += ways;
    return true;
}

/* The number of orders of hb's events that keep its happens-before, 0 when there are too
 * many downsets to count. */
static double linear_extensions(const happens_before *hb)
{
    int width = hb->threads;
    int *first = calloc((size_t)width + 1, sizeof *first); /* thread t's events, in order */
    int *order = malloc((size_t)(hb->n ? hb->n : 1) * sizeof *order);
    uint16_t *key = calloc((size_t)width, sizeof *key);
    TR_CHECK(first && order && key, "out of memory estimating");
    for (int i = 0; i < hb->n; i++)
        first[hb->events[i].thread + 1]++;
    for (int t = 0; t < width; t++)
        first[t + 1] += first[t];
    int *fill = calloc((size_t)width, sizeof *fill);
    TR_CHECK(fill, "out of memory estimating");
    for (int i = 0; i < hb->n; i++) {
        int t = hb->events[i].thread;
        order[first[t] + fill[t]++] = i;
    }
    level now, next;
    level_init(&now, width, 64);
    level_add(&now, key, 1);
    bool fits = true;
    for (int step = 0; step < hb->n && fits; step++) {
        level_init(&next, width, 64);
        for (size_t s = 0; s < now.cap && fits; s++) {
            if (now.ways[s] == 0)
                continue;
            const uint16_t *down = &now.keys[s * (size_t)width];
            for (int t = 0; t < width && fits; t++) {
                if (down[t] == first[t + 1] - first[t])
                    continue; /* t's events are all in */
                const hb_event *e = &hb->events[order[first[t] + down[t]]];
                bool ready = true;
                for (int u = 0; u < width && ready; u++)
                    ready = u == t || down[u] >= e->vc.c[u];
                if (!ready)
                    continue;
                memcpy(key, down, (size_t)width * sizeof *key);
                key[t]++;
                fits = level_add(&next, key, now.ways[s]);
            }
        }
        level_free(&now);
        now = next;
    }
    double ways = 0;
    for (size_t s = 0; fits && s < now.cap; s++)
        ways += now.ways[s]; /* the one full downset */
    level_free(&now);
    free(first);
    free(order);
    free(key);
    free(fill);
    return fits ? ways : 0;
}

/* ---- probes ----------------------------------------------------------------------------- */

typedef struct probe {
    tr__explorer base;
    bool traces;     /* dpor: weigh each schedule by 1 / its trace's schedules */
    int bound;       /* dfs: the preemptions a schedule may have, < 0 any */
    tr_rng rng;
    double weight;   /* the product of the branching factors met */
    int preemptions; /* dfs: on the path so far */
    happens_before hb;
} probe;

static void probe_begin(tr__explorer *e)
{
    probe *p = (probe *)e;
    p->weight = 1;
    p->preemptions = 0;
    hb_reset(&p->hb);
}

static bool within_bound(const probe *p, const tr__choice *choices, int n, int current, int i)
{
    return p->bound < 0 ||
           p->preemptions + (tr__choice_preempts(choices, n, current, i) ? 1 : 0) <= p->bound;
}

/* The children within the bound (there is one at least: the thread that reached the point,
 * or any when it cannot go on, costs no preemption). */
static int probe_choose(tr__explorer *e, const tr__choice *choices, int n, int current, int depth)
{
    probe *p = (probe *)e;
    (void)depth;
    int allowed = 0;
    for (int i = 0; i < n; i++)
        allowed += within_bound(p, choices, n, current, i);
    int r = (int)tr_rng_below(&p->rng, (uint64_t)allowed);
    for (int i = 0; i < n; i++) {
        if (!within_bound(p, choices, n, current, i) || r-- > 0)
            continue;
        p->weight *= allowed;
        p->preemptions += tr__choice_preempts(choices, n, current, i) ? 1 : 0;
        p->hb.rough |= p->traces && choices[i].timeout;
        return i;
    }
    TR_CHECK(false, "estimate: no choice within the bound");
    return 0;
}

static void probe_step(tr__explorer *e, const tr__event *ev)
{
    probe *p = (probe *)e;
    p->hb.rough |= ev->forks || (p->traces && ev->op == TR__OP_YIELD);
    if (p->traces && !ev->never_ran) /* a blocked thread's next step at a deadlock: no event */
        hb_add(&p->hb, ev);
}

static bool probe_end(tr__explorer *e)
{
    (void)e;
    return true; /* the driver decides when to stop */
}

static void probe_destroy(tr__explorer *e)
{
    (void)e; /* it lives on probe_case's stack */
}

static void drop_finding(tr_finding *f, void *ctx)
{
    (void)ctx;
    tr__finding_free(f); /* a probe only counts */
}

/* Running mean and sum of squared deviations (Welford), and when they have settled. */
typedef struct tally {
    long n;
    double mean, m2;
} tally;

static void tally_add(tally *t, double x)
{
    t->n++;
    double delta = x - t->mean;
    t->mean += delta / (double)t->n;
    t->m2 += delta * (x - t->mean);
}

static double tally_error(const tally *t)
{
    return t->n > 1 ? sqrt(t->m2 / (double)(t->n - 1) / (double)t->n) : 0;
}

/* What a probing run says: an estimate, or why there is none. */
typedef struct probed {
    bool ok;
    tr_estimate estimate;
    char why[200];
} probed;

/* A probe's sample: its weight, over its trace's schedules for dpor; false when those
 * cannot be counted. */
static bool sample(probe *p, double *x, probed *out)
{
    if (!p->traces) {
        *x = p->weight;
        return true;
    }
    double ways = p->hb.too_many_threads ? 0 : linear_extensions(&p->hb);
    if (ways > 0) {
        *x = p->weight / ways;
        return true;
    }
    snprintf(out->why, sizeof out->why, "%s",
             p->hb.too_many_threads ? "an execution has more than 32 threads"
                                    : "an execution's steps have too many orders to count");
    return false;
}

/* probes > 0: exactly that many, however long; 0: until settled or `seconds` passed. */
static void probe_case(const tr_case *c, const tr_explore_opts *o, long probes, double seconds,
                       probed *out)
{
    bool traces = o->strategy == TR_STRATEGY_DPOR;
    probe p = {.base = {"estimate", probe_begin, probe_choose, probe_end, probe_destroy,
                        probe_step, false, NULL, 0, -1, false, false},
               .traces = traces,
               .bound = traces ? -1 : o->preemption_bound,
               .rng = {o->seed ^ 0x6b6e757468ull}};
    /* under a prefix (replay --continue) the probes walk the tree below it */
    tr__explorer *e = tr__explorer_below(&p.base, o->prefix);
    tr__schedule_mode mode = tr__schedule_mode_of(o);
    tr__exec_opts xo = {.explorer = e, .max_steps = o->max_steps > 0 ? o->max_steps : 10000,
                        .timeouts = mode.timeouts,
                        .spurious_wakeups = mode.spurious_wakeups};
    tally t = {0};
    double start = tr__monotonic_seconds(), now = start;
    memset(out, 0, sizeof *out);
    out->ok = true;
    tr__lockorder_mark graph = tr__lockorder_aside();
    while (out->ok) {
        double x = 0;
        if (!o->no_fork) /* the probing child's: a crash report names the probe */
            tr__wire_set_execution(t.n + 1);
        tr__execute(c, &xo, drop_finding, NULL, NULL);
        out->ok = sample(&p, &x, out);
        tally_add(&t, x);
        now = tr__monotonic_seconds();
        if (probes > 0 ? t.n >= probes
                       : (t.n >= MIN_PROBES && tally_error(&t) <= SETTLED * t.mean) ||
                             now - start >= seconds)
            break;
    }
    tr__lockorder_back(graph);
    e->destroy(e);
    /* every search runs one execution at least: a lower mean is known to be low */
    double mean = t.mean < 1 ? 1 : t.mean;
    out->estimate = (tr_estimate){mean, tally_error(&t), t.n, now - start, p.hb.rough};
    free(p.hb.events);
    free(p.hb.domains);
}

/* In a forked child, as exploration runs: a case that crashes or hangs in a probe costs
 * the child, not this process. Its one record: 'S', what it probed. */
static void probe_in_child(const tr_case *c, const tr_explore_opts *o, long probes,
                           double seconds, probed *out)
{
    tr__wire w;
    if (tr__wire_fork(&w, o->step_timeout > 0 ? o->step_timeout : 10, true) == 0) {
        probed mine;
        tr__progress_exploring(true);
        probe_case(c, o, probes, seconds, &mine);
        tr__progress_exploring(false);
        tr__leftovers_reap();
        tr__wire_put('S', &mine, sizeof mine, NULL, 0);
        _exit(0);
    }
    bool ended = false, told = false;
    tr_finding lost;
    memset(&lost, 0, sizeof lost);
    snprintf(lost.schedule, sizeof lost.schedule, "v1:");
    tr__wire_status s;
    char tag;
    const void *payload;
    size_t len;
    while (!ended && (s = tr__wire_get(&w, &tag, &payload, &len)) == TR__WIRE_RECORD) {
        tr_finding f;
        if (tag == 'S' && len == sizeof *out) {
            memcpy(out, payload, sizeof *out);
            out->why[sizeof out->why - 1] = '\0';
            ended = true;
        } else if (tag == 'F' && tr__wire_get_finding(payload, len, &f)) {
            told = true; /* its crash handler's word */
            snprintf(lost.message, sizeof lost.message, "%s", f.message);
            lost.kind = f.kind;
            tr__finding_free(&f);
        } else {
            s = tr__wire_reject(&w, tag, len);
            break;
        }
    }
    tr__wire_end(&w, s, ended, told, "the probing child", &lost);
    if (!ended) {
        memset(out, 0, sizeof *out);
        snprintf(out->why, sizeof out->why, "a probe was lost (%s: %.150s)",
                 tr_verdict_name(lost.kind), lost.message);
    }
}

bool tr__estimate(const tr_case *c, const tr_explore_opts *o, long probes, double seconds,
                  tr_estimate *out, char *err, size_t err_size)
{
    memset(out, 0, sizeof *out);
    if (o->strategy != TR_STRATEGY_DFS && o->strategy != TR_STRATEGY_DPOR) {
        snprintf(err, err_size, "an estimate counts the executions of dfs or dpor, which "
                                "explore every schedule; other strategies run their budget");
        return false;
    }
    probed got;
    if (seconds <= 0)
        seconds = MAX_SECONDS;
    if (o->no_fork)
        probe_case(c, o, probes, seconds, &got);
    else
        probe_in_child(c, o, probes, seconds, &got);
    if (!got.ok)
        snprintf(err, err_size, "no estimate for %s: %s", c->name, got.why);
    *out = got.estimate;
    return got.ok;
}

bool tr_explore_estimate(const char *case_name, const tr_explore_opts *opts, tr_estimate *out,
                         char *err, size_t err_size)
{
    memset(out, 0, sizeof *out);
    const tr_case *c = tr_case_find(case_name);
    if (!c) {
        snprintf(err, err_size, "no case named %s (see `trama list`)", case_name);
        return false;
    }
    if (!opts) { /* tr_explore_opts_init's defaults live above this file (explore.c) */
        snprintf(err, err_size, "an estimate needs the options of the run it is for");
        return false;
    }
    return tr__estimate(c, opts, 0, 0, out, err, err_size);
}
