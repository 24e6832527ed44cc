/* trace.c — the steps of the execution as rows: every step that ran, in order, and the
 * threads still waiting at a point (blocked, or able to run but not chosen). Findings
 * copy them (finding.c); the trace table of `replay --trace` is rendered from them. */
#include "execution.h"

void tr__trace_step(const tr__cthread *me, const tr__action *a, bool preempted)
{
    struct tr__execution *x = &tr__exec;
    x->trace = tr__grow(x->trace, &x->cap_trace, x->n_trace + 1, sizeof *x->trace);
    x->trace[x->n_trace++] = (tr__step){me->id,    a->op,        tr__index_of(a->obj),
                                        a->file,   a->line,      a->timed_out,
                                        preempted, a->status,    TR__ROW_RAN};
}

int tr__trace_waiting(tr__step *out, int max)
{
    const struct tr__execution *x = &tr__exec;
    int n = 0;
    for (int i = 0; i < x->n_threads && n < max; i++) {
        const tr__cthread *c = &x->threads[i];
        if (c->state != TR__CT_PENDING || !c->pending)
            continue;
        const tr__action *a = c->pending;
        out[n++] = (tr__step){c->id,  a->op, tr__index_of(a->obj), a->file, a->line, false,
                              false,  TR_OK,
                              tr__guard_holds(a) ? TR__ROW_NOT_RUN : TR__ROW_BLOCKED};
    }
    return n;
}

void tr__trace_snapshot_waiting(void)
{
    struct tr__execution *x = &tr__exec;
    x->n_waiting = 0;
    if (!x->opts->record_trace)
        return;
    x->waiting = tr__grow(x->waiting, &x->cap_waiting, x->n_threads + 1, sizeof *x->waiting);
    x->n_waiting = tr__trace_waiting(x->waiting, x->n_threads);
}
