/* backend_controlled.c — the controlled backend: every action is a scheduling point.
 *
 * One case thread runs at a time. A thread that reaches an action publishes it as its
 * pending action, runs the scheduler itself (there is no scheduler thread: choose.c),
 * and hands the baton straight to the chosen thread (hosts.c). When it is chosen again
 * it performs the action (fire): the effect or the timeout, the detectors, the step's
 * row, the explorer's event. */
#include "execution.h"

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
    tr__event ev = {.thread = me->id, .op = a->op, .domain = tr__index_of(a->obj->domain),
                    .modifies = step_modifies(a),
                    .acquired = a->mutex_acquired ? tr__index_of(a->mutex_acquired->domain) : -1,
                    .released = a->mutex_released ? tr__index_of(a->mutex_released->domain) : -1,
                    .in_critical_section = in_cs,
                    .blocking = a->guard && a->timeout != 0};
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

/* The chosen thread performs its pending action. */
static void fire(tr__cthread *me, tr__action *a)
{
    struct tr__execution *x = &tr__exec;
    bool preempted = me->preempting;
    me->preempting = false;
    x->running = me->id;
    me->state = TR__CT_RUNNING;
    bool timed_out = me->fire_timeout;
    if (timed_out && tr__is_timed(a) && me->deadline > x->vtime)
        x->vtime = me->deadline; /* a timeout happens at its deadline */
    tr__action_finish(a, timed_out);
    me->fire_timeout = false;
    me->pending = NULL;
    if (a->op == TR__OP_YIELD) {
        me->yield_epoch = x->mod_epoch;
        me->yielded_once = true;
    }
    bool in_cs = tr__rec_of(a->obj->domain)->holder == me->id;
    tr__race_step(me, a);
    tr__lockorder_step(me, a);
    track_mutex(a, me->id);
    x->steps++;
    tr__progress_step();
    if (step_modifies(a))
        x->mod_epoch++;
    tr__trace_step(me, a, preempted);
    tell_explorer(me, a, in_cs);
    if (x->opts->max_steps > 0 && x->steps > x->opts->max_steps)
        over_budget(me, a);
}

static void controlled_perform(tr__action *a)
{
    struct tr__execution *x = &tr__exec;
    tr__cthread *me = tr__self;
    TR_CHECK(me && x->active, "a trama operation ran outside the running execution");
    if (me->begin_granted) { /* chosen for THREAD_BEGIN before the host existed */
        me->begin_granted = false;
        fire(me, a);
        return;
    }
    me->pending = a;
    me->state = TR__CT_PENDING;
    if (tr__is_timed(a))
        me->deadline = x->vtime + a->timeout;
    int next = tr__choose_next(me->id);
    if (next != me->id) {
        if (x->threads[next].state == TR__CT_READY)
            x->threads[next].begin_granted = true;
        tr__hosts_wake(next);
        tr__hosts_park(me);
    }
    fire(me, a);
}

static tr_status controlled_spawn(tr_thread *t)
{
    tr__cthread *c = &tr__exec.threads[tr__rec_of(tr__thread_object(t))->id.number];
    c->begin = (tr__action){.obj = tr__thread_object(t), .op = TR__OP_THREAD_BEGIN,
                            .timeout = TR_FOREVER, .wait_fd = -1, .actor = t};
    c->pending = &c->begin;
    c->state = TR__CT_READY;
    snprintf(c->name, sizeof c->name, "%s", tr_thread_name(t));
    return TR_OK;
}

/* The thread's body has returned and its exit step is done: hand the baton on and give
 * the host back (a fiber host switches to the chosen thread as it waits for its next
 * job). */
static void controlled_thread_done(void)
{
    struct tr__execution *x = &tr__exec;
    tr__cthread *me = tr__self;
    me->state = TR__CT_FINISHED;
    me->pending = NULL;
    int next = tr__choose_next(-1); /* may end the execution (a stall) */
    tr__hosts_release_self(me);
    if (x->threads[next].state == TR__CT_READY)
        x->threads[next].begin_granted = true;
    tr__hosts_wake(next);
}

static double controlled_now(void) { return tr__exec.vtime; }

const tr__backend tr__controlled_backend = {
    .name = "controlled",
    .object_init = tr__objects_init,
    .object_fini = tr__objects_fini,
    .perform = controlled_perform,
    .spawn = controlled_spawn,
    .now = controlled_now,
    .thread_done = controlled_thread_done,
    .hold = tr__held_keep,
};
