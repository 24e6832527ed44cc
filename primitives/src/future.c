/* future.c — concurrent.futures.Future: its states, result(), cancel(), the queries, done
 * callbacks, and the watch list through which wait() and as_completed() hear of it.
 *
 * A future is shared by its submitter and its pool (refs); every state change is an
 * action on the future's own object. Completing it (FUTURE_SET, or FUTURE_RUN finding it
 * cancelled) detaches what must hear of it while inside the action; the completing thread
 * then signals the waiters and runs the callbacks outside the monitor, in Python's order:
 * waiters first (Future.set_result notifies them under its lock), callbacks after. */
#include <stdlib.h>
#include <string.h>

#include "futures.h"

typedef enum future_state {
    PENDING,
    RUNNING,
    CANCELLED,
    CANCELLED_AND_NOTIFIED,
    FINISHED
} future_state;

typedef struct callback {
    void (*fn)(tr_future *, void *);
    void *arg;
    struct callback *next;
} callback;

struct tr_future {
    tr__object obj; /* first */
    atomic_int refs; /* the submitter's handle + the pool's while it holds the work */
    /* guarded by the future's domain */
    future_state state;
    tr_status status; /* FINISHED: TR_OK, or how the task failed */
    void *value;
    tr_bytes bytes;     /* process pools' result until result_bytes hands it over */
    char *message;      /* a failure's text; immutable once FINISHED */
    callback *callbacks; /* in the order added; detached when the future is done */
    callback **callbacks_tail;
    tr__watch *watchers; /* waiters to signal on completion; detached then */
};

/* What a completing action detached, to be delivered outside the monitor. */
typedef struct delivery {
    callback *callbacks;
    tr__watch *waiters; /* copies of the nodes: each waiter referenced inside the action */
    size_t n_waiters;
    bool failed;
    bool ok; /* the transition happened */
} delivery;

static void future_destroy(tr__object *obj)
{
    tr_future *f = (tr_future *)obj;
    while (f->callbacks) {
        callback *next = f->callbacks->next;
        tr__held_free(f->callbacks);
        f->callbacks = next;
    }
    free(f->bytes.data);
    tr__held_free(f->message);
    tr__object_fini(obj);
    free(f);
}

static const tr__type future_type = {TR__KIND_FUTURE, future_destroy};

tr_future *tr__future_new(void)
{
    tr_future *f = calloc(1, sizeof *f);
    if (!f || tr__object_init(&f->obj, &future_type, NULL) != TR_OK) {
        free(f);
        return NULL;
    }
    atomic_init(&f->refs, 1);
    f->callbacks_tail = &f->callbacks;
    return f;
}

void tr__future_ref(tr_future *f) { atomic_fetch_add(&f->refs, 1); }

void tr__future_unref(tr_future *f)
{
    if (atomic_fetch_sub(&f->refs, 1) == 1)
        future_destroy(&f->obj);
}

void tr_future_free(tr_future *f)
{
    if (f)
        tr__future_unref(f);
}

/* Python takes the future's condition lock for every call: each action is ordered with
 * every other on the same future (tr__hb_locked). */

static bool is_done(future_state s) { return s != PENDING && s != RUNNING; }

/* wait() and as_completed() count only these two as done (not a plain CANCELLED). */
static tr__doneness doneness(const tr_future *f)
{
    if (f->state == CANCELLED_AND_NOTIFIED)
        return TR__DONE;
    if (f->state == FINISHED)
        return f->status == TR_OK ? TR__DONE : TR__DONE_FAILED;
    return TR__NOT_DONE;
}

/* Inside an action: take the watchers (each waiter referenced) and the callbacks. */
static void detach(tr_future *f, delivery *d, bool watchers, bool callbacks)
{
    if (watchers) {
        size_t n = 0;
        for (tr__watch *w = f->watchers; w; w = w->next)
            n++;
        d->waiters = n ? malloc(n * sizeof *d->waiters) : NULL;
        TR_CHECK(!n || d->waiters, "out of memory signalling a future's waiters");
        for (tr__watch *w = f->watchers; w; w = w->next) {
            w->attached = false;
            w->ops->ref(w->waiter);
            d->waiters[d->n_waiters++] = *w; /* the node is the waiting call's: it may go */
        }
        f->watchers = NULL;
        d->failed = doneness(f) == TR__DONE_FAILED;
    }
    if (callbacks) {
        d->callbacks = f->callbacks;
        f->callbacks = NULL;
        f->callbacks_tail = &f->callbacks;
    }
}

static void deliver(tr_future *f, delivery *d)
{
    for (size_t i = 0; i < d->n_waiters; i++)
        d->waiters[i].ops->signal(d->waiters[i].waiter, f, d->failed);
    free(d->waiters);
    while (d->callbacks) {
        callback *c = d->callbacks;
        d->callbacks = c->next;
        c->fn(f, c->arg);
        tr__held_free(c);
    }
}

/* ---- the pool's side: start and finish ----------------------------------------------- */

static void start_effect(tr__action *a)
{
    tr_future *f = (tr_future *)a->obj;
    delivery *d = a->arg;
    tr__hb_locked(a);
    if (f->state == PENDING) {
        f->state = RUNNING;
        d->ok = true;
    } else if (f->state == CANCELLED) {
        f->state = CANCELLED_AND_NOTIFIED;
        detach(f, d, true, false);
    } else {
        tr__fail(a, TR_RUNTIME_ERROR, "Future in unexpected state");
    }
}

bool tr__future_start(tr_future *f)
{
    delivery d = {0};
    tr__action a = tr__action_next(&(tr__action){0}, &f->obj, TR__OP_FUTURE_RUN);
    a.effect = start_effect;
    a.arg = &d;
    tr__perform(&a);
    deliver(f, &d);
    return d.ok;
}

typedef struct finish_args {
    tr_status status;
    void *value;
    const tr_bytes *bytes;
    char *message; /* held (tr__held_alloc); handed to the future, or freed by the caller */
    delivery d;
} finish_args;

static void finish_effect(tr__action *a)
{
    tr_future *f = (tr_future *)a->obj;
    finish_args *fa = a->arg;
    tr__hb_locked(a); /* the task's end -> result() and the done callbacks */
    if (is_done(f->state))
        return;
    f->state = FINISHED;
    f->status = fa->status;
    f->value = fa->value;
    if (fa->bytes) { /* the caller's are held until here; the future's are the user's to free */
        f->bytes.len = fa->bytes->len;
        f->bytes.data = malloc(f->bytes.len ? f->bytes.len : 1);
        TR_CHECK(f->bytes.data, "out of memory finishing a future");
        memcpy(f->bytes.data, fa->bytes->data, f->bytes.len);
    }
    f->message = fa->message;
    tr__held_hand_over(fa->message); /* the future's now, not the finishing frame's */
    fa->message = NULL;
    fa->d.ok = true;
    detach(f, &fa->d, true, true);
}

bool tr__future_finish(tr_future *f, tr_status status, void *value, const tr_bytes *bytes,
                       const char *message)
{
    finish_args fa = {status, status == TR_OK ? value : NULL, bytes, NULL, {0}};
    if (status != TR_OK) {
        size_t len = strlen(message ? message : "");
        fa.message = tr__held_alloc(len + 1);
        TR_CHECK(fa.message, "out of memory finishing a future");
        memcpy(fa.message, message ? message : "", len);
    }
    tr__action a = tr__action_next(&(tr__action){0}, &f->obj, TR__OP_FUTURE_SET);
    a.effect = finish_effect;
    a.arg = &fa;
    tr__perform(&a);
    tr__held_free(fa.message);
    deliver(f, &fa.d);
    return fa.d.ok;
}

/* ---- result --------------------------------------------------------------------------- */

static bool done_guard(const tr__action *a) { return is_done(((const tr_future *)a->obj)->state); }

typedef struct result_args {
    void *value;
    tr_bytes *bytes; /* result_bytes: the caller's; NULL for result */
    const char *message;
} result_args;

static void result_effect(tr__action *a)
{
    tr_future *f = (tr_future *)a->obj;
    result_args *ra = a->arg;
    tr__hb_locked(a);
    if (f->state != FINISHED) {
        a->status = TR_CANCELLED;
        ra->message = "";
        return;
    }
    /* A pool that broke fails its futures with TR_BROKEN (BrokenThreadPool); any other
     * failure the task reported is TR_TASK_FAILED, never mistaken for our own timeout. */
    if (f->status != TR_OK)
        a->status = f->status == TR_BROKEN ? TR_BROKEN : TR_TASK_FAILED;
    ra->value = f->value;
    ra->message = f->message ? f->message : "";
    if (ra->bytes && f->status == TR_OK) {
        *ra->bytes = f->bytes; /* handed over: a second call gets an empty result */
        f->bytes = (tr_bytes){NULL, 0};
    }
}

static void overflowing_timeout(tr__action *a)
{
    tr__fail(a, TR_VALUE_ERROR, "timestamp out of range for platform time_t");
}

/* Waits until the future is done: its status as result() reports it. */
static tr_status await_done(double timeout, result_args *ra, tr__action *a)
{
    a->guard = done_guard;
    a->effect = result_effect;
    a->arg = ra;
    if (timeout == TR_FOREVER) {
        a->timeout = TR_FOREVER;
    } else if (!(timeout > 0)) { /* Python's Condition.wait: <= 0 and NaN poll once */
        a->timeout = 0;
    } else if (tr__timeout_overflows(timeout)) {
        /* Python's OverflowError, only when it has to wait: a done future returns. */
        a->timeout = 0;
        a->on_timeout = overflowing_timeout;
    } else {
        a->timeout = timeout;
    }
    return tr__perform(a);
}

static tr_status result_wait(double timeout, result_args *ra, tr__action *a)
{
    tr_status s = await_done(timeout, ra, a);
    if (s == TR_TIMEOUT)
        return tr__set_error(TR_TIMEOUT, "");
    if (s != TR_OK && s != TR_VALUE_ERROR) /* a ValueError has its text already */
        tr__set_error(s, ra->message);
    return s;
}

tr_status (tr_future_result)(tr_future *f, double timeout, void **result)
{
    tr__action a = tr__action_make(&f->obj, TR__OP_FUTURE_RESULT);
    result_args ra = {0};
    tr_status s = result_wait(timeout, &ra, &a);
    if (result)
        *result = s == TR_OK ? ra.value : NULL;
    return s;
}

tr_status (tr_future_result_bytes)(tr_future *f, double timeout, tr_bytes *result)
{
    tr__action a = tr__action_make(&f->obj, TR__OP_FUTURE_RESULT);
    tr_bytes got = {NULL, 0};
    result_args ra = {.bytes = &got};
    tr_status s = result_wait(timeout, &ra, &a);
    if (result)
        *result = got;
    else
        free(got.data);
    return s;
}

/* Python's exception() waits as result() does (the same edge from the task's end) but
 * returns the failure instead of raising it; cancelled and not done in time raise. */
tr_status (tr_future_exception)(tr_future *f, double timeout, tr_status *failure, char **message)
{
    tr__action a = tr__action_make(&f->obj, TR__OP_FUTURE_RESULT);
    result_args ra = {0};
    tr_status s = await_done(timeout, &ra, &a);
    char *text = NULL;
    if (s == TR_TASK_FAILED || s == TR_BROKEN) {
        if (message && !(text = strdup(ra.message)))
            return tr__set_error(TR_NO_MEMORY, "");
    } else if (s == TR_VALUE_ERROR) {
        return s; /* its text is set */
    } else if (s != TR_OK) {
        return tr__set_error(s, ""); /* TimeoutError(), CancelledError() */
    }
    if (failure)
        *failure = s;
    if (message)
        *message = text;
    return TR_OK;
}

/* ---- cancel and the queries ----------------------------------------------------------- */

static void cancel_effect(tr__action *a)
{
    tr_future *f = (tr_future *)a->obj;
    delivery *d = a->arg;
    tr__hb_locked(a);
    if (f->state == RUNNING || f->state == FINISHED)
        return;
    d->ok = true;
    if (f->state == PENDING) {
        /* Python's cancel() runs the callbacks but leaves the waiters to
         * set_running_or_notify_cancel(): wait() does not count it done yet. */
        f->state = CANCELLED;
        detach(f, d, false, true);
    }
}

bool tr_future_cancel(tr_future *f)
{
    delivery d = {0};
    tr__action a = tr__action_make(&f->obj, TR__OP_FUTURE_CANCEL);
    a.effect = cancel_effect;
    a.arg = &d;
    tr__perform(&a);
    deliver(f, &d);
    return d.ok;
}

static void state_effect(tr__action *a)
{
    tr__hb_locked(a);
    *(future_state *)a->arg = ((const tr_future *)a->obj)->state;
}

static future_state query_state(const tr_future *f)
{
    future_state s = PENDING;
    tr__action a = tr__action_make((tr__object *)&f->obj, TR__OP_FUTURE_QUERY);
    a.effect = state_effect;
    a.arg = &s;
    tr__perform(&a);
    return s;
}

bool tr_future_cancelled(const tr_future *f)
{
    future_state s = query_state(f);
    return s == CANCELLED || s == CANCELLED_AND_NOTIFIED;
}

bool tr_future_running(const tr_future *f) { return query_state(f) == RUNNING; }
bool tr_future_done(const tr_future *f) { return is_done(query_state(f)); }

/* ---- done callbacks ------------------------------------------------------------------- */

static void callback_effect(tr__action *a)
{
    tr_future *f = (tr_future *)a->obj;
    callback *c = a->arg;
    tr__hb_locked(a);
    if (is_done(f->state))
        return; /* the caller runs it at once */
    *f->callbacks_tail = c;
    f->callbacks_tail = &c->next;
    a->arg = NULL;
}

tr_status tr_future_add_done_callback(tr_future *f, void (*fn)(tr_future *, void *), void *arg)
{
    tr__action a = tr__action_make(&f->obj, TR__OP_FUTURE_CALLBACK);
    callback *c = tr__held_alloc(sizeof *c);
    if (!c)
        return tr__set_error(TR_NO_MEMORY, "");
    c->fn = fn;
    c->arg = arg;
    a.effect = callback_effect;
    a.arg = c;
    tr__perform(&a);
    if (a.arg) { /* already done: Python calls fn(self) at once, in the caller */
        fn(f, arg);
        tr__held_free(c);
    }
    return TR_OK;
}

/* ---- watch lists (wait, as_completed) ------------------------------------------------- */

typedef struct watch_args {
    tr__watch *node;
    tr__doneness done;
} watch_args;

static void watch_effect(tr__action *a)
{
    tr_future *f = (tr_future *)a->obj;
    watch_args *wa = a->arg;
    tr__hb_locked(a);
    wa->done = doneness(f);
    if (wa->done != TR__NOT_DONE)
        return;
    wa->node->prev = NULL;
    wa->node->next = f->watchers;
    if (f->watchers)
        f->watchers->prev = wa->node;
    f->watchers = wa->node;
    wa->node->attached = true;
}

tr__doneness tr__future_watch(tr_future *f, tr__watch *node, tr__waiter *w,
                              const tr__watcher_ops *ops)
{
    watch_args wa = {node, TR__NOT_DONE};
    node->waiter = w;
    node->ops = ops;
    node->attached = false;
    tr__action a = tr__action_next(&(tr__action){0}, &f->obj, TR__OP_FUTURE_WATCH);
    a.effect = watch_effect;
    a.arg = &wa;
    tr__perform(&a);
    return wa.done;
}

static void unwatch_effect(tr__action *a)
{
    tr_future *f = (tr_future *)a->obj;
    watch_args *wa = a->arg;
    tr__watch *n = wa->node;
    tr__hb_locked(a);
    wa->done = doneness(f);
    if (!n->attached)
        return;
    if (n->prev)
        n->prev->next = n->next;
    else
        f->watchers = n->next;
    if (n->next)
        n->next->prev = n->prev;
    n->attached = false;
}

tr__doneness tr__future_unwatch(tr_future *f, tr__watch *node)
{
    watch_args wa = {node, TR__NOT_DONE};
    tr__action a = tr__action_next(&(tr__action){0}, &f->obj, TR__OP_FUTURE_UNWATCH);
    a.effect = unwatch_effect;
    a.arg = &wa;
    tr__perform(&a);
    return wa.done;
}
