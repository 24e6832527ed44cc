/* event.c — threading.Event.
 *
 * A flag and a count of set() calls, guarded by the event's own domain. wait is one
 * action when it only looks (a timeout <= 0 polls the flag), else one or two, as
 * Python's Condition.wait under the event's lock:
 *   EVENT_WAIT  the flag is set: return at once; else remember how many sets happened
 *   EVENT_WAKE  until a later set() (or the timeout passes)
 * Waking on the count rather than the flag is what makes a wait woken by set() return
 * true even when clear() ran before the waiter did (Python's notified Condition.wait).
 * set() -> a wait or is_set() that returns true is a happens-before edge through the
 * event. Neither wait nor is_set changes the event, so they commute with each other. */
#include <stdlib.h>

#include "internal.h"

struct tr_event {
    tr__object obj;
    /* guarded by the domain */
    bool flag;
    unsigned long sets; /* set() calls so far; wraps harmlessly (only compared for change) */
    int waiting;        /* waits that noted the count and have not woken yet */
};

static void event_destroy(tr__object *obj)
{
    tr__object_fini(obj);
    free(obj);
}

static const tr__type event_type = {TR__KIND_EVENT, event_destroy};

tr_event *(tr_event_new)(void)
{
    const char *file;
    int line;
    tr__site_take(&file, &line);
    tr_event *e = calloc(1, sizeof *e);
    if (!e || tr__object_init(&e->obj, &event_type, NULL) != TR_OK) {
        free(e);
        tr__set_error(TR_NO_MEMORY, "");
        return NULL;
    }
    return e;
}

void tr_event_free(tr_event *e)
{
    if (e)
        event_destroy(&e->obj);
}

/* ---- set, clear, is_set --------------------------------------------------------------- */

static void set_effect(tr__action *a)
{
    tr_event *e = (tr_event *)a->obj;
    e->flag = true;
    e->sets++;
    tr__hb(a, a->obj, TR__HB_RELEASE);
}

tr_status (tr_event_set)(tr_event *e)
{
    tr__action a = tr__action_make(&e->obj, TR__OP_EVENT_SET);
    a.effect = set_effect;
    return tr__perform(&a);
}

static void clear_effect(tr__action *a) { ((tr_event *)a->obj)->flag = false; }

tr_status (tr_event_clear)(tr_event *e)
{
    tr__action a = tr__action_make(&e->obj, TR__OP_EVENT_CLEAR);
    a.effect = clear_effect;
    return tr__perform(&a);
}

static void query_effect(tr__action *a)
{
    bool *flag = a->arg;
    *flag = ((const tr_event *)a->obj)->flag;
    if (*flag)
        tr__hb(a, a->obj, TR__HB_ACQUIRE);
}

bool (tr_event_is_set)(const tr_event *e)
{
    bool flag = false;
    tr__action a = tr__action_make((tr__object *)&e->obj, TR__OP_EVENT_QUERY);
    a.effect = query_effect;
    a.arg = &flag;
    tr__perform(&a);
    return flag;
}

/* ---- wait ----------------------------------------------------------------------------- */

typedef struct wait_args {
    double timeout;
    bool signaled;      /* the flag was set on entry */
    unsigned long seen; /* else: the set() count on entry */
} wait_args;

static bool flag_guard(const tr__action *a) { return ((const tr_event *)a->obj)->flag; }

static void signaled_effect(tr__action *a) { tr__hb(a, a->obj, TR__HB_ACQUIRE); }

static void begin_effect(tr__action *a)
{
    const tr_event *e = (const tr_event *)a->obj;
    wait_args *w = a->arg;
    if (e->flag) {
        w->signaled = true;
        tr__hb(a, a->obj, TR__HB_ACQUIRE);
        return;
    }
    /* Python converts the timeout only when it has to wait. */
    if (tr__timeout_overflows(w->timeout)) {
        tr__fail(a, TR_VALUE_ERROR, "timestamp out of range for platform time_t");
        return;
    }
    w->seen = e->sets;
    ((tr_event *)a->obj)->waiting++;
}

static bool set_since_guard(const tr__action *a)
{
    return ((const tr_event *)a->obj)->sets != ((const wait_args *)a->arg)->seen;
}

static void woken_effect(tr__action *a)
{
    ((tr_event *)a->obj)->waiting--;
    tr__hb(a, a->obj, TR__HB_ACQUIRE);
}

static void timed_out_effect(tr__action *a) { ((tr_event *)a->obj)->waiting--; }

static void waiting_effect(tr__action *a)
{
    *(int *)a->arg = ((const tr_event *)a->obj)->waiting;
}

/* From the moment it counts here, a wait returns true for any later set(): what a test
 * needs to know to order a set() after it without sleeping. */
int tr__event_waiting(const tr_event *e)
{
    int n = 0;
    tr__action a = tr__action_make((tr__object *)&e->obj, TR__OP_EVENT_QUERY);
    a.effect = waiting_effect;
    a.arg = &n;
    tr__perform(&a);
    return n;
}

tr_status (tr_event_wait)(tr_event *e, double timeout)
{
    tr__action begin = tr__action_make(&e->obj, TR__OP_EVENT_WAIT);
    /* Python's Condition.wait: "timeout > 0" waits, anything else (NaN too) polls. */
    if (timeout != TR_FOREVER && !(timeout > 0)) {
        begin.guard = flag_guard;
        begin.effect = signaled_effect;
        begin.timeout = 0;
        return tr__perform(&begin);
    }
    wait_args w = {.timeout = timeout};
    begin.effect = begin_effect;
    begin.arg = &w;
    if (tr__perform(&begin) != TR_OK || w.signaled)
        return begin.status;

    tr__action wake = tr__action_next(&begin, &e->obj, TR__OP_EVENT_WAKE);
    wake.guard = set_since_guard;
    wake.effect = woken_effect;
    wake.on_timeout = timed_out_effect;
    wake.timeout = timeout;
    wake.arg = &w;
    return tr__perform(&wake);
}
