/* condition.c — threading.Condition over a Lock or an RLock.
 *
 * The condition lives in its lock's domain, so its actions and the lock's state share one
 * monitor. wait is three actions, as Python's Condition.wait:
 *   COND_WAIT_BEGIN  ownership check, join the FIFO waiter list, release the lock fully
 *   COND_WAIT        until this waiter is notified (or the timeout passes: leave the list)
 *   COND_REACQUIRE   until the lock is free for us: take it back, restore an RLock's count
 * A waiter is notified only by notify (no spurious returns). notify -> the woken wait's
 * return is a happens-before edge through the condition. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "lockish.h"

typedef struct waiter {
    struct waiter *next; /* toward the newest; guarded by the domain, as all fields */
    struct waiter *prev;
    bool notified;
    long saved; /* the lock's state from release_save */
} waiter;

struct tr_condition {
    tr__object obj;
    tr__object *lock;
    const tr__lockish *ops;
    tr_rlock *owned; /* Condition(): the RLock it made; NULL when borrowed */
    waiter *oldest;
    waiter *newest;
};

static void condition_destroy(tr__object *obj)
{
    tr_condition *c = (tr_condition *)obj;
    tr__object_fini(&c->obj);
    tr_rlock_free(c->owned);
    free(c);
}

static const tr__type condition_type = {TR__KIND_CONDITION, condition_destroy};

static tr_condition *condition_make(tr__object *lock, const tr__lockish *ops, tr_rlock *owned)
{
    tr_condition *c = calloc(1, sizeof *c);
    if (!c || tr__object_init(&c->obj, &condition_type, lock) != TR_OK) {
        free(c);
        tr_rlock_free(owned);
        tr__set_error(TR_NO_MEMORY, "");
        return NULL;
    }
    c->lock = lock;
    c->ops = ops;
    c->owned = owned;
    if (owned)
        lock->owner = &c->obj;
    return c;
}

tr_condition *(tr_condition_new)(void)
{
    /* The RLock takes the caller's site from the slot. */
    tr_rlock *r = (tr_rlock_new)();
    if (!r)
        return NULL;
    return condition_make((tr__object *)r, &tr__rlock_lockish, r);
}

tr_condition *(tr_condition_new_lock)(tr_lock *l)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    return condition_make((tr__object *)l, &tr__lock_lockish, NULL);
}

tr_condition *(tr_condition_new_rlock)(tr_rlock *r)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    return condition_make((tr__object *)r, &tr__rlock_lockish, NULL);
}

void tr_condition_free(tr_condition *c)
{
    if (c)
        condition_destroy(&c->obj);
}

/* acquire/release are the lock's own calls; the site stays in the slot for them. */
tr_status (tr_condition_acquire)(tr_condition *c, bool blocking, double timeout)
{
    return c->ops->acquire(c->lock, blocking, timeout);
}

tr_status (tr_condition_release)(tr_condition *c) { return c->ops->release(c->lock); }

/* ---- the waiter list (FIFO) ----------------------------------------------------------- */

static void enqueue(tr_condition *c, waiter *w)
{
    w->next = NULL;
    w->prev = c->newest;
    if (c->newest)
        c->newest->next = w;
    else
        c->oldest = w;
    c->newest = w;
}

static void unlink_waiter(tr_condition *c, waiter *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        c->oldest = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        c->newest = w->prev;
    w->next = w->prev = NULL;
}

/* ---- wait ----------------------------------------------------------------------------- */

typedef struct wait_args {
    waiter w;
    double timeout;
} wait_args;

static void begin_effect(tr__action *a)
{
    tr_condition *c = (tr_condition *)a->obj;
    wait_args *w = a->arg;
    if (!c->ops->is_owned(c->lock, a->actor)) {
        tr__fail(a, TR_RUNTIME_ERROR, "cannot wait on un-acquired lock");
        return;
    }
    /* Python raises this from waiter.acquire after releasing, then restores the lock and
     * drops the waiter: the same visible state as failing here. */
    if (tr__timeout_overflows(w->timeout)) {
        tr__fail(a, TR_VALUE_ERROR, "timestamp out of range for platform time_t");
        return;
    }
    w->w.notified = false;
    enqueue(c, &w->w);
    w->w.saved = c->ops->release_save(c->lock);
    tr__hb(a, c->lock, TR__HB_RELEASE);
    a->mutex_released = c->lock;
}

static bool notified_guard(const tr__action *a) { return ((const wait_args *)a->arg)->w.notified; }

static void notified_effect(tr__action *a) { tr__hb(a, a->obj, TR__HB_ACQUIRE); }

static void wait_timeout(tr__action *a)
{
    unlink_waiter((tr_condition *)a->obj, &((wait_args *)a->arg)->w);
}

static bool reacquire_guard(const tr__action *a)
{
    const tr_condition *c = (const tr_condition *)a->obj;
    return c->ops->can_restore(c->lock, a->actor);
}

static void reacquire_effect(tr__action *a)
{
    tr_condition *c = (tr_condition *)a->obj;
    c->ops->restore(c->lock, a->actor, ((wait_args *)a->arg)->w.saved);
    tr__hb(a, c->lock, TR__HB_ACQUIRE);
    a->mutex_acquired = c->lock;
}

/* Python's Condition.wait: "timeout > 0" waits, anything else (NaN too) polls once. */
static double wait_timeout_of(double timeout)
{
    if (timeout == TR_FOREVER)
        return TR_FOREVER;
    return timeout > 0 ? timeout : 0;
}

/* The three actions of one wait, at the site of `site`. */
static tr_status wait_once(tr_condition *c, const tr__action *site, double timeout)
{
    wait_args w = {.timeout = timeout};
    tr__action begin = tr__action_next(site, &c->obj, TR__OP_COND_WAIT_BEGIN);
    begin.effect = begin_effect;
    begin.arg = &w;
    if (tr__perform(&begin) != TR_OK)
        return begin.status;

    tr__action wake = tr__action_next(site, &c->obj, TR__OP_COND_WAIT);
    wake.guard = notified_guard;
    wake.effect = notified_effect;
    wake.on_timeout = wait_timeout;
    wake.timeout = wait_timeout_of(timeout);
    wake.arg = &w;
    tr__perform(&wake);

    tr__action back = tr__action_next(site, &c->obj, TR__OP_COND_REACQUIRE);
    back.guard = reacquire_guard;
    back.effect = reacquire_effect;
    back.arg = &w;
    tr__perform(&back);
    return wake.status;
}

tr_status (tr_condition_wait)(tr_condition *c, double timeout)
{
    tr__action site = tr__action_make(&c->obj, TR__OP_COND_WAIT_BEGIN);
    return wait_once(c, &site, timeout);
}

/* ---- wait_for ------------------------------------------------------------------------- */


/* Python's Condition.wait_for: the predicate first (no ownership check), then wait with
 * the time left until one deadline; the predicate's last value decides. A NaN timeout
 * makes Python spin until the predicate holds; trama waits without limit instead (same
 * outcome, no busy loop). */
tr_status (tr_condition_wait_for)(tr_condition *c, tr_predicate pred, void *arg, double timeout)
{
    tr__action site = tr__action_make(&c->obj, TR__OP_COND_WAIT_BEGIN);
    bool timed = timeout != TR_FOREVER && !isnan(timeout);
    double waittime = timed ? timeout : TR_FOREVER;
    double deadline = 0;
    bool started = false;
    bool result = pred(arg);
    while (!result) {
        if (timed && !started) {
            deadline = tr__now() + waittime;
            started = true;
        } else if (timed) {
            waittime = deadline - tr__now();
            if (waittime <= 0)
                break;
        }
        tr_status s = wait_once(c, &site, waittime);
        if (s != TR_OK && s != TR_TIMEOUT)
            return s;
        result = pred(arg);
    }
    return result ? TR_OK : TR_TIMEOUT;
}

/* ---- notify --------------------------------------------------------------------------- */

static void notify_effect(tr__action *a)
{
    tr_condition *c = (tr_condition *)a->obj;
    if (!c->ops->is_owned(c->lock, a->actor)) {
        tr__fail(a, TR_RUNTIME_ERROR, "cannot notify on un-acquired lock");
        return;
    }
    long n = *(const long *)a->arg;
    for (; n > 0 && c->oldest; n--) {
        waiter *w = c->oldest;
        unlink_waiter(c, w);
        w->notified = true;
    }
    tr__hb(a, a->obj, TR__HB_RELEASE);
}

static tr_status notify_n(tr_condition *c, long n)
{
    tr__action a = tr__action_make(&c->obj, TR__OP_COND_NOTIFY);
    a.effect = notify_effect;
    a.arg = &n;
    return tr__perform(&a);
}

tr_status (tr_condition_notify)(tr_condition *c, int n) { return notify_n(c, n); }

/* notify(len(waiters)): every waiter present at this moment. */
tr_status (tr_condition_notify_all)(tr_condition *c) { return notify_n(c, LONG_MAX); }
