/* meter.c — the progress line of a long run on a terminal:
 *
 *   lock4x3: 123,456 executions  61,234/s  1 finding  ~246,144 left
 *
 * Drawn (carriage return, then the line, then erase-to-end-of-line) by the process that runs
 * the executions, once the run has gone on for a second, and at most every half second
 * after; erased when the run ends, before its result is printed. Between executions only:
 * the clock is read every CHECK_EVERY executions, so a tick costs an increment. For dfs and
 * dpor the first drawing also probes the case for an estimate of the whole search (below
 * the prefix of replay --continue; explore_estimate.c, in this process and for a quarter
 * of a second at most; not under --isolate), and the line says how many executions it
 * leaves, up to the run's budget. */
#include <stdio.h>
#include <stdlib.h>

#include "harness_internal.h"

enum { CHECK_EVERY = 64 };
static const double QUIET_SECONDS = 1.0; /* a shorter run draws nothing */
static const double REDRAW_SECONDS = 0.5;
static const double PROBE_SECONDS = 0.25;

struct tr__meter {
    FILE *out;
    const tr_case *c;
    tr_explore_opts o; /* the run's, with no_fork: the probes run here */
    long max;          /* the run's budget of executions, <= 0 none */
    unsigned long ticks;
    double start, last_drawn;
    double probing;    /* seconds the estimate took, left out of the rate */
    bool drawn, probed;
    double total;      /* the estimate of the search's executions, 0 none */
};

tr__meter *tr__meter_start(const tr_case *c, const tr_explore_opts *o, long max)
{
    if (!o->progress)
        return NULL;
    tr__meter *m = calloc(1, sizeof *m);
    TR_CHECK(m, "out of memory");
    m->out = o->progress;
    m->c = c;
    m->o = *o;
    m->o.no_fork = true;
    m->max = max;
    m->start = tr__monotonic_seconds();
    return m;
}

/* n with a comma every three digits, into buf. */
static const char *grouped(long n, char *buf, size_t size)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%ld", n < 0 ? 0 : n);
    size_t k = 0;
    for (int i = 0; i < len && k + 2 < size; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            buf[k++] = ',';
        buf[k++] = digits[i];
    }
    buf[k] = '\0';
    return buf;
}

static void estimate(tr__meter *m)
{
    m->probed = true;
    /* --isolate: the probes would run here, not each in a child of its own */
    if ((m->o.strategy != TR_STRATEGY_DFS && m->o.strategy != TR_STRATEGY_DPOR) || m->o.isolate)
        return;
    double before = tr__monotonic_seconds();
    tr_estimate e;
    char err[256];
    if (tr__estimate(m->c, &m->o, 0, PROBE_SECONDS, &e, err, sizeof err) && e.executions >= 1)
        m->total = e.executions;
    m->probing = tr__monotonic_seconds() - before;
}

static void draw(tr__meter *m, const tr_result *r, double now)
{
    char done[32], rate[32], left[32], whole[32];
    double running = now - m->start - m->probing;
    fprintf(m->out, "\r%s: %s executions  %s/s  %zu finding%s", m->c->name,
            grouped(r->executions, done, sizeof done),
            grouped(running > 0 ? (long)(r->executions / running) : 0, rate, sizeof rate),
            r->n_findings, r->n_findings == 1 ? "" : "s");
    if (m->total > 0) {
        bool budget = m->max > 0 && (double)m->max < m->total;
        double end = budget ? (double)m->max : m->total;
        if (end > (double)r->executions && budget)
            fprintf(m->out, "  ~%s left (budget; the search ~%s)",
                    grouped((long)(end - (double)r->executions), left, sizeof left),
                    grouped((long)m->total, whole, sizeof whole));
        else if (end > (double)r->executions)
            fprintf(m->out, "  ~%s left", grouped((long)(end - (double)r->executions), left,
                                                  sizeof left));
        else
            fprintf(m->out, "  past the estimate of %s",
                    grouped((long)m->total, left, sizeof left));
    }
    fputs("\033[K", m->out);
    fflush(m->out);
    m->drawn = true;
    m->last_drawn = now;
}

void tr__meter_tick(tr__meter *m, const tr_result *r)
{
    if (!m || ++m->ticks % CHECK_EVERY != 0)
        return;
    double now = tr__monotonic_seconds();
    if (now - m->start < QUIET_SECONDS || (m->drawn && now - m->last_drawn < REDRAW_SECONDS))
        return;
    if (!m->probed) {
        estimate(m);
        now = tr__monotonic_seconds();
    }
    draw(m, r, now);
}

void tr__meter_end(tr__meter *m)
{
    if (!m)
        return;
    if (m->drawn) {
        fputs("\r\033[K", m->out);
        fflush(m->out);
    }
    free(m);
}
