/* barrier.c — threading.Barrier.
 *
 * Python's Barrier is a Condition over a Lock, a count and a state (filling, draining,
 * resetting, broken). Here the barrier is its own domain and wait is two or three
 * actions, cut where Python's wait releases the lock:
 *   BARRIER_WAIT     (Python's _enter) until neither draining nor resetting: arrive and
 *                    take an index. The last to arrive releases the others at once, or,
 *                    with an action, becomes the actor.
 *   BARRIER_RELEASE  the actor, once the user's action returned (it runs between two
 *                    trama actions, so it may use trama): release the others.
 *   BARRIER_WAKE     the others, until the pass ends (or the timeout breaks it): leave.
 * Python holds the barrier's lock while the action runs; `acting` stands for that lock:
 * every action that takes it in Python waits while it is set (the queries do not).
 * A thread counts in `count` from its arrival until it leaves, so a pass drains (and the
 * next one may fill) only when every thread of the pass left.
 * Every action but the queries takes and releases the barrier, as each of Python's calls
 * takes and releases its lock: a party's steps before wait happen before every return of
 * that pass, the action after every arrival and before every return. */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

typedef enum barrier_state { FILLING, DRAINING, RESETTING, BROKEN } barrier_state;

struct tr_barrier {
    tr__object obj;
    long parties; /* >= 1; constant */
    void (*action)(void *);
    void *action_arg;
    double timeout; /* wait's default; TR_FOREVER: none */
    /* guarded by the domain: */
    barrier_state state;
    long count;  /* threads inside wait that arrived and have not left */
    bool acting; /* the last arriver runs the action */
};

static void barrier_destroy(tr__object *obj)
{
    tr__object_fini(obj);
    free(obj);
}

static const tr__type barrier_type = {TR__KIND_BARRIER, barrier_destroy};

tr_barrier *(tr_barrier_new)(long parties, void (*action)(void *), void *action_arg,
                             double timeout)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    if (parties < 1) {
        tr__raise(TR_VALUE_ERROR, "parties must be > 0", file, line);
        return NULL;
    }
    tr_barrier *b = calloc(1, sizeof *b);
    if (!b || tr__object_init(&b->obj, &barrier_type, NULL) != TR_OK) {
        free(b);
        tr__set_error(TR_NO_MEMORY, "");
        return NULL;
    }
    b->parties = parties;
    b->action = action;
    b->action_arg = action_arg;
    b->timeout = timeout;
    b->state = FILLING;
    return b;
}

void tr_barrier_free(tr_barrier *b)
{
    if (b)
        barrier_destroy(&b->obj);
}


static void fail_broken(tr__action *a) { tr__fail(a, TR_BROKEN_BARRIER, ""); }

/* Python's `_count -= 1; _exit()`: the last thread out of a draining or resetting pass
 * opens the barrier for the next one. */
static void leave(tr_barrier *b)
{
    b->count--;
    if (b->count == 0 && (b->state == DRAINING || b->state == RESETTING))
        b->state = FILLING;
}

static bool not_acting(const tr__action *a) { return !((const tr_barrier *)a->obj)->acting; }

/* ---- wait ----------------------------------------------------------------------------- */

typedef enum arrival { MUST_WAIT, MUST_ACT, PASSED } arrival;

typedef struct wait_args {
    double timeout; /* this wait's, the default applied */
    long index;
    arrival arrival;
    bool late; /* timed out while the action ran: wait on for the release */
} wait_args;

static bool arrive_guard(const tr__action *a)
{
    const tr_barrier *b = (const tr_barrier *)a->obj;
    return !b->acting && b->state != DRAINING && b->state != RESETTING;
}

static void arrive_effect(tr__action *a)
{
    tr_barrier *b = (tr_barrier *)a->obj;
    wait_args *w = a->arg;
    tr__hb_locked(a);
    if (b->state == BROKEN) {
        fail_broken(a);
        return;
    }
    w->index = b->count;
    if (w->index + 1 < b->parties) {
        /* Python converts the timeout in Condition.wait, then restores the lock and
         * leaves: the same visible state as not arriving. */
        if (tr__timeout_overflows(w->timeout)) {
            tr__fail(a, TR_VALUE_ERROR, "timestamp out of range for platform time_t");
            return;
        }
        b->count++;
        w->arrival = MUST_WAIT;
    } else if (b->action) {
        b->count++;
        b->acting = true;
        w->arrival = MUST_ACT;
    } else {
        /* Python's _release without an action, then its _exit: one step. */
        b->count++;
        b->state = DRAINING;
        leave(b);
        w->arrival = PASSED;
    }
}

static void release_effect(tr__action *a)
{
    tr_barrier *b = (tr_barrier *)a->obj;
    tr__hb_locked(a);
    b->acting = false;
    b->state = DRAINING;
    leave(b);
}

static bool released_guard(const tr__action *a)
{
    return ((const tr_barrier *)a->obj)->state != FILLING;
}

/* Python's _wait once wait_for returned true: a reset or a break ends the pass too. */
static void released_effect(tr__action *a)
{
    tr_barrier *b = (tr_barrier *)a->obj;
    tr__hb_locked(a);
    if (b->state != DRAINING)
        fail_broken(a);
    leave(b);
}

/* Python's wait_for timed out, then took the lock back: if the action holds it, the pass
 * is released by the time it gets it (wait_for's last check passes); otherwise the
 * timeout breaks the barrier. */
static void released_timeout(tr__action *a)
{
    tr_barrier *b = (tr_barrier *)a->obj;
    if (b->acting) {
        ((wait_args *)a->arg)->late = true;
        return;
    }
    tr__hb_locked(a);
    b->state = BROKEN;
    fail_broken(a);
    leave(b);
}

/* Condition.wait's rule: "timeout > 0" waits, anything else polls once. NaN: Python's
 * wait_for polls without end until released; trama waits without limit instead. */
static double wake_timeout_of(double timeout)
{
    if (timeout == TR_FOREVER || isnan(timeout))
        return TR_FOREVER;
    return timeout > 0 ? timeout : 0;
}

static tr_status await_release(tr_barrier *b, const tr__action *site, wait_args *w)
{
    tr__action wake;
    double timeout = wake_timeout_of(w->timeout);
    do { /* once more, without a deadline, when the first passed during the action */
        wake = tr__action_next(site, &b->obj, TR__OP_BARRIER_WAKE);
        wake.guard = released_guard;
        wake.effect = released_effect;
        wake.on_timeout = released_timeout;
        wake.timeout = timeout;
        wake.arg = w;
        w->late = false;
        tr__perform(&wake);
        timeout = TR_FOREVER;
    } while (w->late);
    return wake.status;
}

static tr_status act_and_release(tr_barrier *b, const tr__action *site)
{
    b->action(b->action_arg);
    tr__action release = tr__action_next(site, &b->obj, TR__OP_BARRIER_RELEASE);
    release.effect = release_effect;
    return tr__perform(&release);
}

tr_status (tr_barrier_wait)(tr_barrier *b, double timeout, long *index)
{
    tr__action a = tr__action_make(&b->obj, TR__OP_BARRIER_WAIT);
    wait_args w = {.timeout = timeout == TR_FOREVER ? b->timeout : timeout};
    a.guard = arrive_guard;
    a.effect = arrive_effect;
    a.arg = &w;
    tr_status s = tr__perform(&a);
    if (s == TR_OK && w.arrival == MUST_WAIT)
        s = await_release(b, &a, &w);
    else if (s == TR_OK && w.arrival == MUST_ACT)
        s = act_and_release(b, &a);
    if (s == TR_OK && index)
        *index = w.index;
    return s;
}

/* ---- reset and abort ------------------------------------------------------------------ */

static void reset_effect(tr__action *a)
{
    tr_barrier *b = (tr_barrier *)a->obj;
    tr__hb_locked(a);
    if (b->count == 0)
        b->state = FILLING;
    else if (b->state == FILLING || b->state == BROKEN)
        b->state = RESETTING; /* until the last waiter leaves */
}

static void abort_effect(tr__action *a)
{
    tr__hb_locked(a);
    ((tr_barrier *)a->obj)->state = BROKEN;
}

static tr_status perform_locked(tr_barrier *b, tr__op op, tr__effect_fn effect)
{
    tr__action a = tr__action_make(&b->obj, op);
    a.guard = not_acting;
    a.effect = effect;
    return tr__perform(&a);
}

tr_status (tr_barrier_reset)(tr_barrier *b)
{
    return perform_locked(b, TR__OP_BARRIER_RESET, reset_effect);
}

tr_status (tr_barrier_abort)(tr_barrier *b)
{
    return perform_locked(b, TR__OP_BARRIER_ABORT, abort_effect);
}

/* ---- queries (Python reads them without the lock) ------------------------------------- */

long tr_barrier_parties(const tr_barrier *b) { return b->parties; }

/* One query action: effect reads the state into out. */
static void query(const tr_barrier *b, tr__effect_fn effect, void *out)
{
    tr__action a = tr__action_make((tr__object *)&b->obj, TR__OP_BARRIER_QUERY);
    a.effect = effect;
    a.arg = out;
    tr__perform(&a);
}

static void n_waiting_effect(tr__action *a)
{
    const tr_barrier *b = (const tr_barrier *)a->obj;
    *(long *)a->arg = b->state == FILLING ? b->count : 0;
}

long (tr_barrier_n_waiting)(const tr_barrier *b)
{
    long n = 0;
    query(b, n_waiting_effect, &n);
    return n;
}

static void broken_effect(tr__action *a)
{
    *(bool *)a->arg = ((const tr_barrier *)a->obj)->state == BROKEN;
}

bool (tr_barrier_broken)(const tr_barrier *b)
{
    bool broken = false;
    query(b, broken_effect, &broken);
    return broken;
}
