/* step.c — what follows a step wherever its effect ran (this process, or another one of
 * the execution: processes.c): the detectors, the holders of lock-like objects, the
 * trace row, the explorer's event, the step budget; and handing the baton to the thread
 * chosen next, in this process or another. */
#include "channel.h"

/* Whether a step that ran may have changed its object: any timeout other than a look
 * may have (a Barrier's wait that times out breaks the barrier, which a spinning thread
 * may watch). */
static bool step_modifies(const tr__action *a)
{
    return tr__op_modifies(a->op) && !(a->timed_out && tr__timeout_only_reads(a->op));
}

/* Who holds the lock-like objects, after the detectors saw the step. */
static void track_mutex(const tr__action *a, int thread)
{
    if (a->mutex_acquired) {
        tr__objrec *r = tr__rec_of(a->mutex_acquired);
        if (r->holder == thread) {
            r->depth++;
        } else {
            r->holder = thread;
            r->depth = 1;
            r->held_file = a->file;
            r->held_line = a->line;
        }
    }
    if (a->mutex_released) {
        tr__objrec *r = tr__rec_of(a->mutex_released);
        if (--r->depth <= 0) {
            r->holder = -1;
            r->depth = 0;
        }
    }
}

static void tell_explorer(const tr__cthread *me, const tr__action *a, bool in_cs)
{
    tr__explorer *e = tr__exec.opts->explorer;
    if (!e->on_step)
        return;
    tr__event ev = {.thread = me->id, .op = a->op,
                    .domain = a->obj ? tr__index_of(a->obj->domain) : -1,
                    .modifies = step_modifies(a),
                    .acquired = a->mutex_acquired ? tr__index_of(a->mutex_acquired->domain) : -1,
                    .released = a->mutex_released ? tr__index_of(a->mutex_released->domain) : -1,
                    .in_critical_section = in_cs,
                    .blocking = a->guard && a->timeout != 0,
                    .process = me->process,
                    .forks = a->op == TR__OP_PROCESS_START,
                    .kills = a->op == TR__OP_PROCESS_SIGNAL,
                    .lazy_timeout = a->timed_out && tr__is_timed(a) &&
                                    tr__exec.opts->timeouts == TR_TIMEOUTS_LAZY,
                    .opens = a->opened,
                    .wait_kind = a->wait_kind,
                    .waits_open = a->waits_open};
    e->on_step(e, &ev);
}

static void over_budget(const tr__cthread *me, const tr__action *a)
{
    tr_finding f;
    tr__finding_init(&f, TR_HANG, "execution exceeded %ld steps (livelock or unbounded loop)",
                     tr__exec.opts->max_steps);
    if (a->file)
        tr__finding_site(&f, a->file, a->line);
    tr__finding_thread(&f, me->id);
    tr__finding_emit(&f, true);
    tr__cut_execution();
}

void tr__account_step(tr__cthread *me, const tr__action *a, bool preempted)
{
    struct tr__execution *x = &tr__exec;
    if (a->op == TR__OP_YIELD) {
        me->yield_epoch = x->mod_epoch;
        me->yielded_once = true;
    }
    bool in_cs = a->obj && tr__rec_of(a->obj->domain)->holder == me->id;
    tr__race_step(me, a);
    tr__lockorder_step(me, a);
    track_mutex(a, me->id);
    x->steps++;
    tr__progress_step();
    if (step_modifies(a))
        x->mod_epoch++;
    tr__outside_step(a->op);
    if (a->obj && a->obj->domain->shared && step_modifies(a))
        x->outside_epoch++; /* threads of other processes may wait on it */
    tr__trace_step(me, a, preempted);
    tell_explorer(me, a, in_cs);
    if (x->opts->max_steps > 0 && x->steps > x->opts->max_steps)
        over_budget(me, a);
}

void tr__baton_pass(int next)
{
    struct tr__execution *x = &tr__exec;
    if (x->threads[next].state == TR__CT_READY)
        x->threads[next].begin_granted = true;
    x->running = next;
    if (!tr__runs_here(next))
        tr__channel_run(next); /* another process's thread: its process is told */
}


void tr__outside_step(tr__op op)
{
    if (op == TR__OP_CONN_SEND || op == TR__OP_CONN_RECV || op == TR__OP_CONN_CLOSE ||
        op == TR__OP_PROCESS_START || op == TR__OP_PROCESS_SIGNAL ||
        op == TR__OP_PROCESS_JOIN || op == TR__OP_PROCESS_EXIT || op == TR__OP_THREAD_EXIT)
        tr__exec.outside_epoch++;
}
