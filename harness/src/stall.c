/* stall.c — nothing can run and no timeout is left to fire: the wait-for graph, and the
 * deadlock (or livelock, when the only runnable threads spin in tr_yield) it shows. The
 * finding lists every waiting thread with what it holds and waits for, and the cycle. */
#include <stdbool.h>

#include "execution.h"

/* Who a blocked thread waits for: the holder of the lock it wants, or the thread it
 * joins; -1 when it waits for no one in particular (a notify, a semaphore). */
static int waits_for(const tr__cthread *c, int *object)
{
    const tr__action *a = c->pending;
    *object = tr__index_of(a->obj);
    if (tr__guard_holds(a))
        return -1;
    if (a->op == TR__OP_THREAD_JOIN)
        return tr__exec.objects[*object].id.number;
    if (a->op == TR__OP_LOCK_ACQUIRE || a->op == TR__OP_RLOCK_ACQUIRE ||
        a->op == TR__OP_COND_REACQUIRE) {
        *object = tr__index_of(a->obj->domain);
        return tr__exec.objects[*object].holder;
    }
    return -1;
}

static tr__waiter waiter_of(const tr__cthread *c)
{
    const struct tr__execution *x = &tr__exec;
    const tr__action *a = c->pending;
    tr__waiter w = {.thread = c->id, .op = a->op, .object = tr__ref_of(tr__index_of(a->obj)),
                    .site = {a->file, a->line}, .blocked = !tr__guard_holds(a),
                    .joins_all = a->op == TR__OP_THREAD_EXIT && c->id == 0};
    for (int i = 0; i < x->n_objects && w.n_holds < TR__PART_HOLDS; i++) {
        const tr__objrec *r = &x->objects[i];
        if (r->holder == c->id)
            w.holds[w.n_holds++] = (tr__hold){tr__ref_of(i), {r->held_file, r->held_line}};
    }
    return w;
}

/* Fills the cycle of the wait-for graph when it has one, and the finding's threads and
 * sites with its members (in id order). */
static bool wait_cycle(tr_finding *f, tr__finding_parts *p)
{
    const struct tr__execution *x = &tr__exec;
    for (int start = 0; start < x->n_threads; start++) {
        int path[TR__MAX_THREADS], objs[TR__MAX_THREADS], n = 0, t = start, obj;
        bool on_path[TR__MAX_THREADS] = {false};
        while (t >= 0 && t < x->n_threads && !on_path[t] &&
               x->threads[t].state == TR__CT_PENDING) {
            on_path[t] = true;
            path[n] = t;
            int next = waits_for(&x->threads[t], &obj);
            objs[n++] = obj;
            t = next;
        }
        if (t != start || n < 1)
            continue;
        for (int i = 0; i < n && p->n_cycle < TR__PART_CYCLE; i++) {
            p->cycle_threads[p->n_cycle] = path[i];
            p->cycle_objects[p->n_cycle++] = tr__ref_of(objs[i]);
        }
        for (int id = 0; id < x->n_threads; id++)
            for (int i = 0; i < n; i++)
                if (path[i] == id && f->n_threads < TR_FINDING_THREADS) {
                    const tr__action *a = x->threads[id].pending;
                    tr__finding_thread(f, id);
                    tr__finding_site(f, a->file, a->line);
                }
        return true;
    }
    return false;
}

void tr__tell_blocked_steps(const tr__choice *offered, int n)
{
    const struct tr__execution *x = &tr__exec;
    tr__explorer *e = x->opts->explorer;
    if (!e->on_step)
        return;
    for (int i = 0; i < x->n_threads; i++) {
        const tr__cthread *c = &x->threads[i];
        bool runs = false;
        for (int k = 0; k < n && !runs; k++)
            runs = offered[k].thread == c->id;
        if (c->state != TR__CT_PENDING || !c->pending || runs)
            continue;
        tr__tell_never_ran(c);
    }
}

void tr__tell_never_ran(const tr__cthread *c)
{
    tr__explorer *e = tr__exec.opts->explorer;
    const tr__action *a = c->pending;
    if (!e->on_step || !a || !a->obj)
        return;
    int domain = tr__index_of(a->obj->domain);
    bool acquires = a->op == TR__OP_LOCK_ACQUIRE || a->op == TR__OP_RLOCK_ACQUIRE ||
                    a->op == TR__OP_COND_REACQUIRE;
    tr__event ev = {.thread = c->id, .op = a->op, .domain = domain,
                    .modifies = tr__op_modifies(a->op), .acquired = acquires ? domain : -1,
                    .released = -1, .blocking = a->guard && a->timeout != 0,
                    .never_ran = true, .process = c->process, .wait_kind = a->wait_kind};
    e->on_step(e, &ev);
}

void tr__stall(bool spin)
{
    const struct tr__execution *x = &tr__exec;
    tr_finding f;
    tr__finding_init(&f, TR_DEADLOCK, "deadlock");
    tr__finding_parts *p = tr__finding_parts_of(&f);
    int first = -1, blocked = 0;
    for (int i = 0; i < x->n_threads; i++) {
        const tr__cthread *c = &x->threads[i];
        if (c->state != TR__CT_PENDING)
            continue;
        blocked += !tr__guard_holds(c->pending);
        if (p->n_waiters < TR__PART_THREADS)
            p->waiters[p->n_waiters++] = waiter_of(c);
        /* the site named: a thread other than the main one, and one at a user's line
         * rather than inside trama (a multiprocessing.Queue's feeder) when there is one */
        bool sited = c->pending->file != NULL;
        bool first_sited = first >= 0 && x->threads[first].pending->file != NULL;
        if (first < 0 || (sited && !first_sited) ||
            (sited == first_sited && c->id != 0 && first == 0))
            first = c->id;
    }
    if (spin && blocked == 0) {
        f.kind = TR_HANG;
        snprintf(f.message, sizeof f.message,
                 "livelock: every runnable thread only spins in tr_yield and nothing changes");
    } else if (wait_cycle(&f, p)) {
        snprintf(f.message, sizeof f.message,
                 "deadlock: %d threads wait for each other in a cycle; nothing can run and no "
                 "timeout is pending",
                 f.n_threads);
    } else {
        snprintf(f.message, sizeof f.message,
                 "deadlock: %d thread%s blocked; nothing can run and no timeout is pending",
                 blocked, blocked == 1 ? "" : "s");
    }
    if (f.n_sites == 0 && first >= 0) {
        const tr__action *a = x->threads[first].pending;
        tr__finding_site(&f, a->file, a->line);
        tr__finding_thread(&f, first);
    }
    tr_verdict kind = f.kind;
    tr__finding_emit(&f, true);
    if (kind == TR_DEADLOCK)
        tr__tell_blocked_steps(NULL, 0);
    tr__hosts_end();
}
