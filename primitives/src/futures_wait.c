/* futures_wait.c — concurrent.futures.wait() and as_completed(), and the waiter object
 * they install in every future they watch (Python's _Waiter family).
 *
 * A waiter is its own object: futures signal it (WAITER_SIGNAL) after they complete, the
 * waiting call blocks on it (WAITER_WAIT). Watching a future is an action on that future
 * (FUTURE_WATCH) that either finds it done or links the waiter in; so no completion is
 * missed between the check and the wait. A future that completes takes a reference on
 * each waiter it will signal, so a waiter outlives a wait() that returned meanwhile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "futures.h"

struct tr__waiter {
    tr__object obj; /* first */
    atomic_int refs; /* the waiting call + each completing future about to signal */
    /* guarded by the waiter's domain */
    size_t n_done, n_failed; /* signals received; failed: FINISHED with a failure */
    tr_future **order;       /* as_completed: completed futures in completion order */
    size_t head, tail;
};

static void waiter_destroy(tr__object *obj)
{
    tr__waiter *w = (tr__waiter *)obj;
    free(w->order);
    tr__object_fini(obj);
    free(w);
}

static const tr__type waiter_type = {TR__KIND_WAITER, waiter_destroy};

static tr__waiter *waiter_new(size_t order_cap)
{
    tr__waiter *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    if (order_cap && !(w->order = calloc(order_cap, sizeof *w->order))) {
        free(w);
        return NULL;
    }
    if (tr__object_init(&w->obj, &waiter_type, NULL) != TR_OK) {
        free(w->order);
        free(w);
        return NULL;
    }
    atomic_init(&w->refs, 1);
    return w;
}

static void waiter_ref(tr__waiter *w) { atomic_fetch_add(&w->refs, 1); }

static void waiter_unref(tr__waiter *w)
{
    if (w && atomic_fetch_sub(&w->refs, 1) == 1)
        waiter_destroy(&w->obj);
}

/* A future's completion -> the waiting call's return: every action on a waiter is
 * tr__hb_locked. */

typedef struct signal_args {
    tr_future *f;
    bool failed;
} signal_args;

static void signal_effect(tr__action *a)
{
    tr__waiter *w = (tr__waiter *)a->obj;
    const signal_args *sa = a->arg;
    tr__hb_locked(a);
    w->n_done++;
    w->n_failed += sa->failed;
    if (w->order)
        w->order[w->tail++] = sa->f;
}

static void waiter_signal(tr__waiter *w, tr_future *f, bool failed)
{
    signal_args sa = {f, failed};
    tr__action a = tr__action_next(&(tr__action){0}, &w->obj, TR__OP_WAITER_SIGNAL);
    a.effect = signal_effect;
    a.arg = &sa;
    tr__perform(&a);
    waiter_unref(w);
}

/* What a future that completes calls on a waiter watching it (futures.h). */
static const tr__watcher_ops waiter_ops = {waiter_ref, waiter_signal};

/* ---- wait ----------------------------------------------------------------------------- */

typedef struct wait_args {
    tr_return_when when;
    size_t n, done, failed; /* done/failed: found at watch time, signals added in the guard */
} wait_args;

/* Python's wait(): FIRST_COMPLETED once any is done; FIRST_EXCEPTION once one failed or
 * all are done; ALL_COMPLETED once all are. Cancelled futures never count as failed. */
static bool condition_met(tr_return_when when, size_t n, size_t done, size_t failed)
{
    if (done == n)
        return true;
    switch (when) {
    case TR_FIRST_COMPLETED:
        return done > 0;
    case TR_FIRST_EXCEPTION:
        return failed > 0;
    case TR_ALL_COMPLETED:
        return false;
    }
    return false;
}

static bool wait_guard(const tr__action *a)
{
    const tr__waiter *w = (const tr__waiter *)a->obj;
    const wait_args *wa = a->arg;
    return condition_met(wa->when, wa->n, wa->done + w->n_done, wa->failed + w->n_failed);
}

static void wait_effect(tr__action *a) { tr__hb_locked(a); }

static bool valid_when(tr_return_when when)
{
    return when == TR_FIRST_COMPLETED || when == TR_FIRST_EXCEPTION || when == TR_ALL_COMPLETED;
}

/* Done ones first, each group in its original order. */
static void partition(tr_future **fs, const bool *done, size_t n, tr_future **tmp)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (done[i])
            tmp[k++] = fs[i];
    for (size_t i = 0; i < n; i++)
        if (!done[i])
            tmp[k++] = fs[i];
    if (n > 0) /* fs may be NULL then, and memcpy's pointers may never be */
        memcpy(fs, tmp, n * sizeof *fs);
}

static size_t unwatch_all(tr_future **fs, size_t n, tr__watch *nodes, bool *done)
{
    size_t n_done = 0;
    for (size_t i = 0; i < n; i++) {
        done[i] = tr__future_unwatch(fs[i], &nodes[i]) != TR__NOT_DONE;
        n_done += done[i];
    }
    return n_done;
}

tr_status (tr_wait)(tr_future **fs, size_t n, double timeout, tr_return_when when,
                    size_t *n_done)
{
    tr__waiter *w = waiter_new(0);
    tr__action a = tr__action_make(w ? &w->obj : NULL, TR__OP_WAITER_WAIT);
    tr__watch *nodes = tr__held_alloc(n * sizeof *nodes);
    bool *done = tr__held_alloc(n * sizeof *done);
    tr_future **tmp = tr__held_alloc(n * sizeof *tmp);
    wait_args wa = {when, n, 0, 0};
    tr_status s = TR_OK;
    if (!w || !nodes || !done || !tmp) {
        s = tr__set_error(TR_NO_MEMORY, "");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        tr__doneness d = tr__future_watch(fs[i], &nodes[i], w, &waiter_ops);
        wa.done += d != TR__NOT_DONE;
        wa.failed += d == TR__DONE_FAILED;
    }
    if (!condition_met(when, n, wa.done, wa.failed)) {
        if (!valid_when(when)) /* Python checks it only when it has to wait */
            s = tr__raisef(TR_VALUE_ERROR, a.file, a.line, "Invalid return condition: %d",
                           (int)when);
        else {
            a.guard = wait_guard;
            a.effect = wait_effect;
            a.arg = &wa;
            a.timeout = (timeout < 0 && timeout != TR_FOREVER) ? 0 : timeout;
            tr__perform(&a); /* a timeout is no error: wait() returns what is done */
        }
    }
    /* Done = done when the waiter comes off each future: what Python's waiter heard. */
    size_t count = unwatch_all(fs, n, nodes, done);
    partition(fs, done, n, tmp);
    if (n_done)
        *n_done = count;
out:
    tr__held_free(tmp);
    tr__held_free(done);
    tr__held_free(nodes);
    waiter_unref(w);
    return s;
}

/* ---- as_completed --------------------------------------------------------------------- */

struct tr_as_completed {
    tr__waiter *w;
    tr_future **fs; /* distinct, each referenced until free */
    tr__watch *nodes;
    size_t n;
    tr_future **ready; /* done when watched: yielded first */
    size_t n_ready, next_ready;
    size_t yielded;
    bool forever;
    double deadline; /* on the backend's clock (tr__now) */
};

static bool contains(tr_future *const *fs, size_t n, const tr_future *f)
{
    for (size_t i = 0; i < n; i++)
        if (fs[i] == f)
            return true;
    return false;
}

static double seconds_left(const double *deadline) { return *deadline - tr__now(); }

void tr_as_completed_free(tr_as_completed *it)
{
    if (!it)
        return;
    for (size_t i = 0; i < it->n; i++) {
        tr__future_unwatch(it->fs[i], &it->nodes[i]);
        tr__future_unref(it->fs[i]);
    }
    waiter_unref(it->w);
    free(it->fs);
    free(it->nodes);
    free(it->ready);
    free(it);
}

static void start_clock(tr_as_completed *it, double timeout)
{
    it->forever = timeout == TR_FOREVER;
    it->deadline = tr__now() + (timeout > 0 ? timeout : 0);
}

tr_as_completed *tr_as_completed_new(tr_future **fs, size_t n, double timeout)
{
    tr_as_completed *it = calloc(1, sizeof *it);
    size_t cap = n ? n : 1;
    if (!it || !(it->fs = calloc(cap, sizeof *it->fs)) ||
        !(it->nodes = calloc(cap, sizeof *it->nodes)) ||
        !(it->ready = calloc(cap, sizeof *it->ready)) || !(it->w = waiter_new(cap))) {
        tr_as_completed_free(it);
        tr__set_error(TR_NO_MEMORY, "");
        return NULL;
    }
    start_clock(it, timeout); /* Python: end_time = timeout + monotonic(), at the call */
    for (size_t i = 0; i < n; i++) {
        if (contains(it->fs, it->n, fs[i])) /* Python works on set(fs) */
            continue;
        tr__future_ref(fs[i]);
        it->fs[it->n] = fs[i];
        if (tr__future_watch(fs[i], &it->nodes[it->n], it->w, &waiter_ops) != TR__NOT_DONE)
            it->ready[it->n_ready++] = fs[i];
        it->n++;
    }
    return it;
}

static bool order_guard(const tr__action *a)
{
    const tr__waiter *w = (const tr__waiter *)a->obj;
    return w->head < w->tail;
}

static void order_effect(tr__action *a)
{
    tr__waiter *w = (tr__waiter *)a->obj;
    tr__hb_locked(a);
    a->arg = w->order[w->head++];
}

static tr_status unfinished(tr_as_completed *it, const tr__action *a)
{
    return tr__raisef(TR_TIMEOUT, a->file, a->line, "%zu (of %zu) futures unfinished",
                      it->n - it->yielded, it->n);
}

tr_status tr_as_completed_next(tr_as_completed *it, tr_future **next)
{
    tr__action a = tr__action_make(&it->w->obj, TR__OP_WAITER_WAIT);
    *next = NULL;
    if (it->next_ready < it->n_ready) {
        *next = it->ready[it->next_ready++];
        it->yielded++;
        return TR_OK;
    }
    if (it->yielded == it->n)
        return tr__set_error(TR_EOF, "");
    double left = it->forever ? TR_FOREVER : seconds_left(&it->deadline);
    if (!it->forever && left <= 0)
        return unfinished(it, &a);
    a.guard = order_guard;
    a.effect = order_effect;
    a.timeout = left;
    if (tr__perform(&a) == TR_TIMEOUT)
        return unfinished(it, &a);
    *next = a.arg;
    it->yielded++;
    return TR_OK;
}
