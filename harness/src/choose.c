/* choose.c — the choices at a scheduling point and the explorer's pick: which threads
 * may run (guard true), which timed waits may time out, fairness towards spinning
 * threads, lazy virtual time; and ending an execution early on the explorer's terms. */
#include "execution.h"

/* Waits whose timing out leaves every object as it was (they only looked): acquires that
 * got nothing, an Event.wait that saw no set(). */
bool tr__timeout_only_reads(tr__op op)
{
    return op == TR__OP_LOCK_ACQUIRE || op == TR__OP_RLOCK_ACQUIRE || op == TR__OP_SEM_ACQUIRE ||
           op == TR__OP_EVENT_WAIT || op == TR__OP_EVENT_WAKE;
}

static bool spinning(const tr__cthread *c)
{
    return c->pending->op == TR__OP_YIELD && c->yielded_once &&
           c->yield_epoch == tr__exec.mod_epoch;
}

static tr__choice choice_of(const tr__cthread *c)
{
    const tr__action *a = c->pending;
    return (tr__choice){.thread = c->id, .op = a->op, .object = tr__index_of(a->obj),
                        .domain = a->obj ? tr__index_of(a->obj->domain) : -1,
                        .modifies = tr__op_modifies(a->op), .yield = a->op == TR__OP_YIELD};
}

/* The choices at this point, in thread-id order. Returns how many. */
static int collect(tr__choice *out, bool *only_spinning)
{
    const struct tr__execution *x = &tr__exec;
    int n = 0, n_real = 0;
    for (int i = 0; i < x->n_threads; i++) {
        const tr__cthread *c = &x->threads[i];
        if (c->state != TR__CT_PENDING && c->state != TR__CT_READY)
            continue;
        const tr__action *a = c->pending;
        tr__choice ch = choice_of(c);
        if (tr__guard_holds(a)) {
            out[n++] = ch;
            n_real += !spinning(c);
        } else if (a->timeout == 0 ||
                   (tr__is_timed(a) && x->opts->timeouts == TR_TIMEOUTS_ANY)) {
            ch.timeout = true;
            ch.polls = a->timeout == 0;
            ch.modifies = !tr__timeout_only_reads(a->op);
            out[n++] = ch;
            n_real++;
        }
    }
    *only_spinning = n > 0 && n_real == 0;
    /* Fairness: a yielding thread waits while any other thread can make progress. */
    int m = 0;
    bool any_other = false;
    for (int i = 0; i < n; i++)
        any_other |= !out[i].yield;
    for (int i = 0; i < n; i++)
        if (!any_other || !out[i].yield)
            out[m++] = out[i];
    return m;
}

/* Lazy time: nothing can run, so the earliest deadlines fire. */
static int collect_timeouts(tr__choice *out)
{
    struct tr__execution *x = &tr__exec;
    double earliest = 0;
    bool any = false;
    for (int i = 0; i < x->n_threads; i++) {
        const tr__cthread *c = &x->threads[i];
        if (c->state == TR__CT_PENDING && tr__is_timed(c->pending) &&
            (!any || c->deadline < earliest)) {
            earliest = c->deadline;
            any = true;
        }
    }
    int n = 0;
    for (int i = 0; any && i < x->n_threads; i++) {
        const tr__cthread *c = &x->threads[i];
        if (c->state == TR__CT_PENDING && tr__is_timed(c->pending) && c->deadline == earliest) {
            tr__choice ch = choice_of(c);
            ch.timeout = true;
            ch.yield = false;
            ch.modifies = !tr__timeout_only_reads(c->pending->op);
            out[n++] = ch;
        }
    }
    if (any)
        x->vtime = earliest;
    return n;
}

int tr__choose_next(int me)
{
    struct tr__execution *x = &tr__exec;
    tr__choice choices[TR__MAX_THREADS];
    bool only_spinning;
    int n = collect(choices, &only_spinning);
    if (n == 0 || only_spinning) {
        int t = collect_timeouts(choices);
        if (t > 0)
            n = t;
        else
            tr__stall(only_spinning);
    }
    int pick = 0;
    tr__explorer *e = x->opts->explorer;
    if (n > 1 || e->every_point) {
        pick = e->choose(e, choices, n, me, x->n_choices);
        if (pick == TR__CHOOSE_ABANDON) {
            x->abandoned = true;
            tr__tell_blocked_steps(choices, n);
            tr__hosts_end();
        }
        if (pick < 0) {
            x->mismatch = true;
            tr__hosts_end();
        }
    }
    if (n > 1) {
        x->choices = tr__grow(x->choices, &x->cap_choices, x->n_choices + 1, sizeof *x->choices);
        x->choices[x->n_choices++] = choices[pick];
    }
    tr__cthread *next = &x->threads[choices[pick].thread];
    next->fire_timeout = choices[pick].timeout;
    next->preempting = false;
    for (int i = 0; me >= 0 && next->id != me && i < n; i++)
        next->preempting |= choices[i].thread == me && !choices[i].timeout;
    return next->id;
}

void tr__cut_execution(void)
{
    const struct tr__execution *x = &tr__exec;
    tr__explorer *e = x->opts->explorer;
    if (e->execution_cut) {
        int unfinished[TR__MAX_THREADS], n = 0;
        for (int i = 0; i < x->n_threads; i++)
            if (x->threads[i].state == TR__CT_PENDING || x->threads[i].state == TR__CT_READY ||
                x->threads[i].state == TR__CT_RUNNING)
                unfinished[n++] = x->threads[i].id;
        e->execution_cut(e, unfinished, n);
    }
    tr__hosts_end();
}
