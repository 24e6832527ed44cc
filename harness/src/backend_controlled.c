/* backend_controlled.c — the controlled backend: every action is a scheduling point.
 *
 * One case thread runs at a time. A thread that reaches an action publishes it as its
 * pending action, runs the scheduler itself (there is no scheduler thread: choose.c),
 * and hands the baton straight to the chosen thread (hosts.c). When it is chosen again
 * it performs the action (fire): the effect or the timeout, the detectors, the step's
 * row, the explorer's event. */
#include "execution.h"

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
    tr__account_step(me, a, preempted);
    tr__progress_running();
    tr__processes_signalled(); /* after the step's own event: what it killed races with it */
}

static void controlled_perform(tr__action *a)
{
    struct tr__execution *x = &tr__exec;
    tr__cthread *me = tr__self;
    TR_CHECK(me && x->active, "a trama operation ran outside the running execution");
    if (tr__in_child()) {
        tr__child_perform(a);
        return;
    }
    if (me->begin_granted) { /* chosen for THREAD_BEGIN before the host existed */
        me->begin_granted = false;
        fire(me, a);
        return;
    }
    me->pending = a;
    me->state = TR__CT_PENDING;
    if (tr__is_timed(a))
        me->deadline = x->vtime + a->timeout;
    int next = tr__processes_choose(me->id);
    if (next != me->id) {
        tr__baton_pass(next);
        tr__processes_serve_until_here(); /* another process's until one of ours is chosen */
        tr__hosts_wake(x->running);
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
    if (tr__in_child())
        tr__child_spawned(c);
    return TR_OK;
}

/* The thread's body has returned and its exit step is done: hand the baton on and give
 * the host back (a fiber host switches to the chosen thread as it waits for its next
 * job). */
static void controlled_thread_done(void)
{
    tr__cthread *me = tr__self;
    me->state = TR__CT_FINISHED;
    me->pending = NULL;
    if (tr__in_child()) {
        tr__child_thread_done(me); /* serves until the baton is back here */
    } else {
        tr__baton_pass(tr__processes_choose(-1)); /* may end the execution (a stall) */
        tr__processes_serve_until_here(); /* may end it too: this host is still ours */
    }
    /* released before the next thread is woken: a pthread host runs at once */
    tr__hosts_release_self(me);
    tr__hosts_wake(tr__exec.running);
}

static double controlled_now(void) { return tr__exec.vtime; }

static tr_status controlled_object_init(tr__object *obj)
{
    return tr__in_child() ? tr__child_object_init(obj) : tr__objects_init(obj);
}

static void controlled_object_fini(tr__object *obj)
{
    if (obj->backend && obj->type->kind == TR__KIND_CONNECTION)
        tr__outside_step(TR__OP_CONN_CLOSE); /* its descriptor closes */
    if (tr__in_child())
        tr__child_object_fini(obj);
    else if (obj->shared && obj->backend)
        tr__processes_let_go(tr__index_of(obj), 0); /* others may have it still */
    else
        tr__objects_fini(obj);
}

/* The controlled backend's unmodelled: like a failed assertion, the execution ends at the
 * call, told as what it is. */
static _Noreturn void unmodelled(const char *what, const char *file, int line)
{
    tr_finding f;
    tr__finding_init(&f, TR_UNMODELLED,
                     "%s is not modelled by trama's scheduler: the case's executions end at "
                     "this call, so nothing after it was explored (run it natively)", what);
    if (file)
        tr__finding_site(&f, file, line);
    tr__finding_thread(&f, tr__self->id);
    tr__finding_emit(&f, true);
    if (tr__in_child())
        tr__child_cut();
    tr__cut_execution();
}

const tr__backend tr__controlled_backend = {
    .name = "controlled",
    .object_init = controlled_object_init,
    .object_fini = controlled_object_fini,
    .perform = controlled_perform,
    .spawn = controlled_spawn,
    .now = controlled_now,
    .thread_done = controlled_thread_done,
    .fork_process = tr__processes_fork,
    .process_exit = tr__processes_exit,
    .signal_process = tr__processes_signal,
    .hold = tr__held_keep,
    .unmodelled = unmodelled,
};
