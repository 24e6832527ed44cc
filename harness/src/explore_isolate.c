/* explore_isolate.c — --isolate: every execution in a forked process of its own.
 *
 * The child runs the execution with a copy of the explorer and logs every call it makes
 * to it (choose with its arguments and answer, each step); the parent replays those calls
 * on its own explorer, so the search goes on exactly as in process; the lock-order edges
 * the execution added go back too, so lockdep sees every execution. A child that dies
 * (a crash) or goes silent (a spin without scheduling points) becomes a finding with the
 * schedule replayed so far, and the exploration continues with the next execution.
 *
 * Records on the wire (wire.c): 'C' a choice (int n, current, depth, pick; n choices),
 * 'S' a step (tr__event), 'X' a cut (int n; n thread ids), 'F' a finding, 'O' a
 * lock-order edge (a file table and two tr__lock_site), 'E' the end of the execution. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "execution.h"
#include "finding.h"
#include "wire.h"

/* MAX_INDEX bounds the object and domain indices a child's record may name: a garbage
 * index would make an explorer grow its per-domain state to it. */
enum { MAX_LOGGED_CHOICES = 256, MAX_CUT = 256, MAX_INDEX = 1 << 16 };

typedef struct logger {
    tr__explorer base;
    tr__explorer *inner;
} logger;

static void log_begin(tr__explorer *x) { ((logger *)x)->inner->execution_begin(((logger *)x)->inner); }

static int log_choose(tr__explorer *x, const tr__choice *choices, int n, int current, int depth)
{
    logger *l = (logger *)x;
    int pick = l->inner->choose(l->inner, choices, n, current, depth);
    TR_CHECK(n <= MAX_LOGGED_CHOICES, "too many choices to log");
    int head[4] = {n, current, depth, pick};
    tr__wire_put('C', head, sizeof head, choices, (size_t)n * sizeof *choices);
    return pick;
}

static void log_step(tr__explorer *x, const tr__event *ev)
{
    logger *l = (logger *)x;
    if (l->inner->on_step)
        l->inner->on_step(l->inner, ev);
    tr__wire_put('S', ev, sizeof *ev, NULL, 0);
}

static void log_cut(tr__explorer *x, const int *threads, int n)
{
    logger *l = (logger *)x;
    if (l->inner->execution_cut)
        l->inner->execution_cut(l->inner, threads, n);
    tr__wire_put('X', &n, sizeof n, threads, (size_t)n * sizeof *threads);
}

static bool log_end(tr__explorer *x)
{
    (void)x;
    return false;
}

static void log_destroy(tr__explorer *x) { (void)x; }

static void sink_to_wire(tr_finding *f, void *ctx)
{
    (void)ctx;
    tr__wire_put_finding(f);
    tr__finding_free(f);
}

/* In the child: the execution, then the lock-order edges it added, then 'E'. A crash
 * signal kills it plainly: the parent tells the story with the schedule replayed. */
static _Noreturn void run_child(const tr_case *c, const tr__exec_opts *xo)
{
    logger l = {.base = {"isolated", log_begin, log_choose, log_end, log_destroy, log_step,
                         xo->explorer->every_point, log_cut, xo->explorer->max_threads, -1,
                         false, false},
                .inner = xo->explorer};
    tr__exec_opts mine = *xo;
    mine.explorer = &l.base;
    int known_edges = tr__lockorder_count();
    tr__progress_exploring(true);
    tr__execute(c, &mine, sink_to_wire, NULL, NULL);
    tr__leftovers_reap(); /* what the case started without fork() */
    for (int i = known_edges; i < tr__lockorder_count(); i++) {
        tr__lock_site edge[2];
        tr__wire_files t = {.n = 0};
        tr__lockorder_edge(i, &edge[0], &edge[1]);
        tr__wire_file_out(&t, &edge[0].file);
        tr__wire_file_out(&t, &edge[1].file);
        tr__wire_put_files('O', &t, edge, sizeof edge, NULL, 0);
    }
    tr__wire_put('E', NULL, 0, NULL, 0);
    _exit(0);
}

/* The parent's replay of the child's calls. */
typedef struct replay {
    tr__explorer *e;
    tr__choice *schedule; /* the choices made where there was a choice */
    int n_schedule;
    bool ok;              /* no replay mismatch */
    bool told;            /* the child reported its own crash or hang */
    tr__finding_sink sink;
    void *ctx;
} replay;

/* A flag read from the wire is any byte; loading a bool that is neither 0 nor 1 is
 * undefined, so each is read as a byte and stored back. */
static void wire_flag(bool *b)
{
    unsigned char v;
    memcpy(&v, b, 1);
    *b = v != 0;
}

static bool thread_ok(const replay *rp, int thread)
{
    int max = rp->e->max_threads ? rp->e->max_threads : TR__MAX_THREADS;
    return thread >= 0 && thread < max;
}

static bool index_ok(int index) { return index >= -1 && index < MAX_INDEX; }

/* A choice as a child's explorer could have been offered it. */
static bool choice_ok(const replay *rp, tr__choice *c)
{
    wire_flag(&c->timeout);
    wire_flag(&c->polls);
    wire_flag(&c->yield);
    wire_flag(&c->modifies);
    return thread_ok(rp, c->thread) && (unsigned)c->op < TR__OP_COUNT && index_ok(c->object) &&
           index_ok(c->domain);
}

static bool take_choice(replay *rp, const char *p, size_t len)
{
    int head[4];
    if (len < sizeof head)
        return false;
    memcpy(head, p, sizeof head);
    int n = head[0], current = head[1], depth = head[2];
    if (n < 1 || n > MAX_LOGGED_CHOICES || len != sizeof head + (size_t)n * sizeof(tr__choice) ||
        (current != -1 && !thread_ok(rp, current)) || depth < 0)
        return false;
    tr__choice choices[MAX_LOGGED_CHOICES];
    memcpy(choices, p + sizeof head, (size_t)n * sizeof *choices);
    for (int i = 0; i < n; i++)
        if (!choice_ok(rp, &choices[i]))
            return false;
    int pick = rp->e->choose(rp->e, choices, n, current, depth);
    /* the child's copy of this explorer, given the same calls, chose head[3]: another
     * answer means the record is not what that child sent */
    if (pick != head[3])
        return false;
    if (pick >= 0 && n > 1 && rp->n_schedule < TR__SCHEDULE_MAX)
        rp->schedule[rp->n_schedule++] = choices[pick];
    rp->ok &= pick != TR__CHOOSE_MISMATCH;
    return true;
}

static bool take_cut(replay *rp, const char *p, size_t len)
{
    int n, cut[MAX_CUT];
    if (len < sizeof n)
        return false;
    memcpy(&n, p, sizeof n);
    if (n < 0 || n > MAX_CUT || len != sizeof n + (size_t)n * sizeof *cut)
        return false;
    memcpy(cut, p + sizeof n, (size_t)n * sizeof *cut);
    for (int i = 0; i < n; i++)
        if (!thread_ok(rp, cut[i]))
            return false;
    if (rp->e->execution_cut)
        rp->e->execution_cut(rp->e, cut, n);
    return true;
}

/* An executed step, as the child's explorer was told it. */
static bool take_step(replay *rp, const void *p, size_t len)
{
    tr__event ev;
    if (len != sizeof ev)
        return false;
    memcpy(&ev, p, sizeof ev);
    wire_flag(&ev.modifies);
    wire_flag(&ev.in_critical_section);
    wire_flag(&ev.blocking);
    wire_flag(&ev.never_ran);
    wire_flag(&ev.forks);
    wire_flag(&ev.kills);
    wire_flag(&ev.lazy_timeout);
    wire_flag(&ev.opens);
    if (!thread_ok(rp, ev.thread) || (unsigned)ev.op >= TR__OP_COUNT || ev.domain < 0 ||
        !index_ok(ev.domain) || !index_ok(ev.acquired) || !index_ok(ev.released))
        return false;
    if (rp->e->on_step)
        rp->e->on_step(rp->e, &ev);
    return true;
}

/* A lock-order edge the execution added: two lock sites, their files in the table. */
static bool take_edge(const void *p, size_t len)
{
    tr__wire_files t;
    tr__lock_site edge[2];
    const void *body;
    size_t n;
    if (!tr__wire_get_files(p, len, &t, &body, &n) || n != sizeof edge)
        return false;
    memcpy(edge, body, sizeof edge);
    for (int i = 0; i < 2; i++)
        if (!tr__wire_file_in(&t, &edge[i].file) || (unsigned)edge[i].lock.kind >= TR__KIND_COUNT)
            return false;
    tr__lockorder_add(&edge[0], &edge[1]);
    return true;
}

/* Replays one record; false if it is not one the child sends. */
static bool take(replay *rp, char tag, const void *p, size_t len)
{
    tr_finding f;
    switch (tag) {
    case 'C':
        return take_choice(rp, p, len);
    case 'X':
        return take_cut(rp, p, len);
    case 'S':
        return take_step(rp, p, len);
    case 'O':
        return take_edge(p, len);
    case 'F':
        if (!tr__wire_get_finding(p, len, &f))
            return false;
        rp->told |= f.kind == TR_CRASH || f.kind == TR_HANG;
        rp->sink(&f, rp->ctx);
        return true;
    case 'E':
        return len == 0;
    }
    return false;
}

bool tr__execute_isolated(const tr_case *c, const tr__exec_opts *xo, double step_timeout,
                          tr__finding_sink sink, void *ctx)
{
    tr__wire w;
    if (tr__wire_fork(&w, step_timeout, false) == 0)
        run_child(c, xo);
    replay rp = {.e = xo->explorer, .ok = true, .sink = sink, .ctx = ctx};
    rp.schedule = malloc(TR__SCHEDULE_MAX * sizeof *rp.schedule);
    TR_CHECK(rp.schedule, "out of memory");
    rp.e->execution_begin(rp.e);
    bool ended = false;
    tr__wire_status s = TR__WIRE_CLOSED;
    char tag;
    const void *payload;
    size_t len;
    while (!ended && (s = tr__wire_get(&w, &tag, &payload, &len)) == TR__WIRE_RECORD) {
        if (!take(&rp, tag, payload, len)) {
            s = tr__wire_reject(&w, tag, len);
            break;
        }
        ended = tag == 'E';
    }
    tr_finding lost;
    memset(&lost, 0, sizeof lost);
    tr__schedule_format(rp.schedule, rp.n_schedule,
                        (tr__schedule_mode){xo->timeouts, xo->spurious_wakeups}, lost.schedule,
                        sizeof lost.schedule);
    if (tr__wire_end(&w, s, ended, rp.told, "the case", &lost))
        sink(&lost, ctx);
    tr__leftovers_reap(); /* what the case forked, orphaned when its process died */
    free(rp.schedule);
    return rp.ok;
}
