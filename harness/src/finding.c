/* finding.c — the one builder of findings: producers (the stall and step-budget checks,
 * the detectors, misuse, assertions, the explorers' crash and hang reports) start one,
 * fill its typed parts, and emit it; the parts then carry the execution's names and its
 * steps so far, so every report renders a finding without running the case again. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "execution.h"

void tr__finding_init(tr_finding *f, tr_verdict kind, const char *fmt, ...)
{
    memset(f, 0, sizeof *f);
    f->kind = kind;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof f->message, fmt, ap);
    va_end(ap);
    snprintf(f->schedule, sizeof f->schedule, "v1:");
}

void tr__finding_site(tr_finding *f, const char *file, int line)
{
    if (!file || !*file)
        return; /* an action made inside trama (a feeder thread's) names no user line */
    if (f->n_sites < TR_FINDING_SITES)
        f->sites[f->n_sites++] = (tr_site_ref){file, line};
}

void tr__finding_thread(tr_finding *f, int thread)
{
    if (thread >= 0 && f->n_threads < TR_FINDING_THREADS)
        f->threads[f->n_threads++] = thread;
}

static tr__finding_parts *parts_new(int n_steps)
{
    size_t size = sizeof(tr__finding_parts) + (size_t)n_steps * sizeof(tr__row);
    tr__finding_parts *p = calloc(1, size);
    TR_CHECK(p, "out of memory building a finding");
    p->size = size;
    return p;
}

tr__finding_parts *tr__finding_parts_of(tr_finding *f)
{
    if (!f->parts)
        f->parts = parts_new(0);
    return f->parts;
}

int tr__finding_preemptions(const tr_finding *f)
{
    int n = 0;
    for (int i = 0; f->parts && i < f->parts->n_steps; i++)
        n += f->parts->steps[i].state == TR__ROW_RAN && f->parts->steps[i].preemption;
    return n;
}

int tr__finding_steps(const tr_finding *f)
{
    int n = 0;
    for (int i = 0; f->parts && i < f->parts->n_steps; i++)
        n += f->parts->steps[i].state == TR__ROW_RAN;
    return n;
}

void tr__finding_free(tr_finding *f)
{
    free(f->parts);
    f->parts = NULL;
}

static tr__row row_of(const tr__step *s)
{
    return (tr__row){.thread = s->thread, .op = s->op, .object = tr__ref_of(s->object),
                     .site = {s->file, s->line}, .preemption = s->preemption,
                     .timeout = s->timeout,
                     .error = s->status != TR_OK && s->status != TR_TIMEOUT,
                     .state = s->state};
}

void tr__finding_rows(tr_finding *f, const tr__step *waiting, int n_waiting)
{
    const struct tr__execution *x = &tr__exec;
    int n = x->n_trace + n_waiting;
    if (n > TR__PART_STEPS_MAX)
        n = TR__PART_STEPS_MAX;
    tr__finding_parts *p = parts_new(n);
    if (f->parts) {
        size_t size = p->size;
        memcpy(p, f->parts, sizeof *p);
        p->size = size;
        free(f->parts);
    }
    f->parts = p;
    p->n_steps = 0;
    for (int i = 0; i < x->n_trace && p->n_steps < n; i++)
        p->steps[p->n_steps++] = row_of(&x->trace[i]);
    for (int i = 0; i < n_waiting && p->n_steps < n; i++)
        p->steps[p->n_steps++] = row_of(&waiting[i]);
    p->n_names = x->n_threads < TR__PART_NAMES ? x->n_threads : TR__PART_NAMES;
    for (int i = 0; i < p->n_names; i++) {
        snprintf(p->names[i], sizeof p->names[i], "%s", x->threads[i].name);
        p->processes[i] = x->threads[i].process;
    }
}

void tr__finding_emit(tr_finding *f, bool ends)
{
    const struct tr__execution *x = &tr__exec;
    tr__step waiting[TR__MAX_THREADS];
    int n_waiting = ends ? tr__trace_waiting(waiting, TR__MAX_THREADS) : 0;
    tr__finding_rows(f, waiting, n_waiting);
    tr__schedule_format(x->choices, x->n_choices, tr__exec_mode(), f->schedule,
                        sizeof f->schedule);
    x->sink(f, x->sink_ctx);
}

const char *tr__finding_name(const tr_finding *f, int thread)
{
    if (!f->parts || thread < 0 || thread >= f->parts->n_names)
        return "?";
    return f->parts->names[thread];
}

int tr__finding_process(const tr_finding *f, int thread)
{
    if (!f->parts || thread < 0 || thread >= f->parts->n_names)
        return 0;
    return f->parts->processes[thread];
}

void tr__thread_ref_text(const tr_finding *f, int thread, char *out, size_t size)
{
    int process = tr__finding_process(f, thread);
    if (process > 0)
        snprintf(out, size, "P%d/T%d", process, thread);
    else
        snprintf(out, size, "T%d", thread);
}

void tr__ref_text(const tr__ref *r, bool with_label, char *out, size_t size)
{
    if (r->id.kind == TR__KIND_COUNT)
        snprintf(out, size, "-");
    else if (with_label && r->label[0])
        snprintf(out, size, "%s%d %s", tr__kind_prefix(r->id.kind), r->id.number, r->label);
    else
        snprintf(out, size, "%s%d", tr__kind_prefix(r->id.kind), r->id.number);
}

void tr__site_text(const tr_case *c, const char *file, int line, char *out, size_t size)
{
    if (!file)
        snprintf(out, size, "-");
    else if (c && c->file && strcmp(file, c->file) == 0)
        snprintf(out, size, ":%d", line);
    else
        snprintf(out, size, "%s:%d", file, line);
}
