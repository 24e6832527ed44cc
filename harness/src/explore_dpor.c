/* explore_dpor.c — source-set DPOR with sleep sets (Abdulla, Aronis, Jonsson, Sagonas:
 * "Optimal dynamic partial order reduction", POPL 2014, Algorithm 1).
 *
 * The explorer keeps one state per scheduling point of the current execution (what was
 * enabled, what was chosen, its backtrack, done and sleep sets) and one event per step with
 * a vector clock of the execution's happens-before (program order plus dependence: two
 * events on one domain, at least one modifying it). Each new event is checked against the
 * earlier events of its domain for immediate races; for a race e < e' the state before e
 * gets a thread that can start the reversed order ("initials" of notdep(e).e'), unless one
 * is there already. Sleep sets stop re-exploring orders already covered; an execution whose
 * every enabled thread sleeps is abandoned (and counted), its waiting threads' next steps
 * told as at a deadlock. Locks: a blocking acquire cannot be reversed with what the holder
 * did in its critical section (down to the release that enabled it), so its races are
 * sought among earlier acquires (as Nidhugg does); likewise a join with its thread's exit
 * and a thread's first step with its start. Any other wait is enabled by a step, not racing
 * with it, when its thread was not offered at all before that step, or when that step
 * opened its domain (a Semaphore's release from 0); the looks before it changed nothing.
 * The wait could still have timed out instead where every thread was blocked: that timeout
 * is scheduled there. A wait that timed out lazily did not race with a step that found its
 * kind of wait closed (a Queue tells): it could neither pass nor time out before that step.
 * A lazy timeout (time moves only when no thread can run) comes after every step before the
 * first point where it could have fired, and timeouts offered at one such point are not
 * independent of each other.
 *
 * A share of the search (tr__share): the states above the split get every key offered as
 * their backtrack set, so the races found below, in any share, have nothing to add there;
 * at the split, keys whose unit is another share's are marked done without running, in the
 * order one search would have taken them, so the sleep sets below are the same in every
 * share. */
#include <stdlib.h>
#include <string.h>

#include "harness_internal.h"

enum { DPOR_THREADS = 32 }; /* keys are thread*2 + timeout in a 64-bit set */

typedef uint64_t keyset;

typedef struct clock {
    uint32_t c[DPOR_THREADS];
} clock;

typedef struct state {
    int n;
    tr__choice *choices; /* enabled here, by key order of the controlled backend */
    int chosen;          /* key */
    keyset backtrack, done, sleep;
    double reach;        /* the product of the awake choices (not asleep) before this state */
    uint64_t path_hash;  /* of the keys chosen before this state */
} state;

typedef struct event {
    tr__event ev;
    uint32_t local; /* this thread's event count, from 1 */
    clock vc;
} event;

typedef struct domain_info {
    clock writes; /* join of the clocks of its modifying events */
    clock all;    /* join of the clocks of all its events */
    int *events;  /* indices, in order */
    int n, cap;
} domain_info;

typedef struct dpor {
    tr__explorer base;
    state *states;
    int depth, cap; /* states kept from the last execution (the prefix to replay) */
    int pos;        /* current scheduling point */
    event *events;
    int n_events, cap_events;
    domain_info *domains;
    int n_domains;
    clock thread_clock[DPOR_THREADS];
    uint32_t local[DPOR_THREADS];
    bool forked; /* a process was started in this execution */
    bool killed; /* a process was signalled in this execution */
    tr__share share;
} dpor;

static int key_of(const tr__choice *c) { return c->thread * 2 + (c->timeout ? 1 : 0); }
static keyset bit(int key) { return (keyset)1 << key; }

static void join(clock *into, const clock *from)
{
    for (int i = 0; i < DPOR_THREADS; i++)
        if (from->c[i] > into->c[i])
            into->c[i] = from->c[i];
}

/* e happens before (or is) whatever carries clock c */
static bool before(const event *e, const clock *c) { return c->c[e->ev.thread] >= e->local; }

static void *grow(void *p, int *cap, int need, size_t elem)
{
    if (need <= *cap)
        return p;
    int n = *cap ? *cap * 2 : 64;
    while (n < need)
        n *= 2;
    p = realloc(p, (size_t)n * elem);
    TR_CHECK(p, "out of memory in dpor");
    *cap = n;
    return p;
}

static void dpor_begin(tr__explorer *x)
{
    dpor *d = (dpor *)x;
    d->pos = 0;
    d->n_events = 0;
    d->killed = false;
    d->forked = false;
    d->base.skipped = d->base.abandoned = false;
    for (int i = 0; i < d->n_domains; i++) {
        free(d->domains[i].events);
    }
    free(d->domains);
    d->domains = NULL;
    d->n_domains = 0;
    memset(d->thread_clock, 0, sizeof d->thread_clock);
    memset(d->local, 0, sizeof d->local);
}

static const tr__choice *choice_with_key(const state *s, int key)
{
    for (int i = 0; i < s->n; i++)
        if (key_of(&s->choices[i]) == key)
            return &s->choices[i];
    return NULL;
}

/* Above the split: explored whole by every share. */
static int awake(const state *s)
{
    int n = 0;
    for (int i = 0; i < s->n; i++)
        n += !(s->sleep & bit(key_of(&s->choices[i])));
    return n;
}
/* The split is where the awake choices multiply to the share's target: a choice asleep
 * leads nowhere new, so counting it would split where there is nothing to share. */
static double factor(const dpor *d, const state *s)
{
    return tr__share_factor((int)(s - d->states), awake(s));
}
static bool above_split(const dpor *d, const state *s)
{
    return s->reach < tr__share_target(&d->share);
}
static bool at_split(const dpor *d, const state *s)
{
    return tr__share_cut(&d->share, s->reach, factor(d, s));
}
static bool takes_unit(dpor *d, const state *s, int key)
{
    return tr__share_takes(&d->share, tr__path_hash(s->path_hash, key));
}
static keyset every_key(const state *s)
{
    keyset all = 0;
    for (int i = 0; i < s->n; i++)
        all |= bit(key_of(&s->choices[i]));
    return all;
}

/* A Process start forks: it reads every object (see coarse_races). */
static bool forks(const tr__choice *a) { return a->op == TR__OP_PROCESS_START; }

/* A timed wait timing out where nothing could run (lazy time): the others offered there
 * time out too only if it leaves every thread blocked, which running its thread undoes. */
static bool waited_out(const tr__choice *a) { return a->timeout && !a->polls; }

/* A Process terminate/kill may end every thread of another process (see coarse_races). */
static bool kills(const tr__choice *a) { return a->op == TR__OP_PROCESS_SIGNAL; }

static bool independent(const tr__choice *a, const tr__choice *b)
{
    if (kills(a) || kills(b))
        return a->thread == b->thread;
    if ((forks(a) && b->modifies) || (forks(b) && a->modifies))
        return a->thread == b->thread;
    if (waited_out(a) && waited_out(b))
        return a->thread == b->thread;
    return a->thread != b->thread &&
           (a->domain != b->domain || a->domain < 0 || (!a->modifies && !b->modifies));
}

/* The sleep set of the state after s, where s's chosen action ran. */
static keyset child_sleep(const state *s)
{
    const tr__choice *ran = choice_with_key(s, s->chosen);
    keyset sleep = 0, candidates = (s->sleep | s->done) & ~bit(s->chosen);
    for (int k = 0; k < 64; k++) {
        if (!(candidates & bit(k)))
            continue;
        const tr__choice *q = choice_with_key(s, k);
        if (q && ran && independent(q, ran))
            sleep |= bit(k);
    }
    return sleep;
}

static int index_of_key(const tr__choice *choices, int n, int key)
{
    for (int i = 0; i < n; i++)
        if (key_of(&choices[i]) == key)
            return i;
    return -1;
}

static int dpor_choose(tr__explorer *x, const tr__choice *choices, int n, int current, int depth)
{
    dpor *d = (dpor *)x;
    (void)depth;
    for (int i = 0; i < n; i++)
        TR_CHECK(choices[i].thread < DPOR_THREADS, "dpor handles at most 32 threads");
    if (d->pos < d->depth) { /* replaying the prefix */
        state *s = &d->states[d->pos++];
        int i = index_of_key(choices, n, s->chosen);
        TR_CHECK(s->n == n && i >= 0, "dpor: the same prefix offered different choices");
        return i;
    }
    keyset sleep = d->pos > 0 ? child_sleep(&d->states[d->pos - 1]) : 0;
    /* prefer the thread that is running (fewer preemptions), then the lowest key */
    int pick = -1;
    for (int i = 0; i < n; i++) {
        if (sleep & bit(key_of(&choices[i])))
            continue;
        if (choices[i].thread == current && !choices[i].timeout) {
            pick = i;
            break;
        }
        if (pick < 0)
            pick = i;
    }
    d->states = grow(d->states, &d->cap, d->depth + 1, sizeof *d->states);
    state *s = &d->states[d->depth++];
    d->pos++;
    s->n = n;
    s->choices = malloc((size_t)n * sizeof *choices);
    TR_CHECK(s->choices, "out of memory in dpor");
    memcpy(s->choices, choices, (size_t)n * sizeof *choices);
    s->sleep = sleep;
    s->done = 0;
    const state *up = d->depth > 1 ? &d->states[d->depth - 2] : NULL;
    s->reach = up ? up->reach * factor(d, up) : 1;
    s->path_hash = up ? tr__path_hash(up->path_hash, up->chosen) : TR__PATH_HASH;
    if (pick < 0) { /* every enabled thread sleeps: this order was covered already */
        s->chosen = key_of(&choices[0]);
        s->backtrack = 0;
        d->base.abandoned = true;
        return TR__CHOOSE_ABANDON;
    }
    s->chosen = key_of(&choices[pick]);
    s->backtrack = tr__share_splits(&d->share) && above_split(d, s) ? every_key(s) : bit(s->chosen);
    if (tr__share_splits(&d->share) && at_split(d, s) && !takes_unit(d, s, s->chosen)) {
        d->base.skipped = true; /* another share's unit: dpor_end goes on to the next key */
        return TR__CHOOSE_ABANDON;
    }
    return pick;
}

/* Thread t, waiting at point j, times out at the latest point up to j where every thread
 * was blocked while it waited (lazy time offers its timeout only there). False when there
 * is none. */
static bool time_out_before(dpor *d, int j, int t)
{
    for (int k = j < d->depth ? j : d->depth - 1; k >= 0; k--) {
        if (d->events[k].ev.thread == t)
            return false; /* before it, its thread was not waiting there yet */
        state *s = &d->states[k];
        const tr__choice *c = choice_with_key(s, t * 2 + 1);
        if (c && waited_out(c)) {
            s->backtrack |= bit(t * 2 + 1);
            return true;
        }
    }
    return false;
}

/* A race e_j < e_i: make sure the state before e_j can start the reversed order. */
static void reverse_race(dpor *d, int j, int i)
{
    if (j >= d->depth)
        return;
    state *s = &d->states[j];
    const event *e = &d->events[j];
    keyset initials = 0, seen_threads = 0;
    /* v = notdep(e).e_i: the events after e that do not happen after it, then e_i */
    for (int k = j + 1; k <= i; k++) {
        const event *ek = &d->events[k];
        if (k < i && before(e, &ek->vc))
            continue;
        if (seen_threads & bit(ek->ev.thread))
            continue; /* a thread's later events follow its first */
        seen_threads |= bit(ek->ev.thread);
        bool initial = true;
        for (int m = j + 1; m < k && initial; m++) {
            const event *em = &d->events[m];
            if (!before(e, &em->vc) && before(em, &ek->vc))
                initial = false;
        }
        if (initial)
            initials |= bit(ek->ev.thread * 2);
    }
    /* A thread offered at s only by its timeout (a try-acquire that would fail there, a
     * wait that would time out) starts the reversed order that way: the action it would
     * have run later cannot run at s, its failing form can, and that is the other order. */
    keyset offered = 0, candidates = 0;
    for (int k = 0; k < s->n; k++)
        offered |= bit(key_of(&s->choices[k]));
    for (int key = 0; key < 64; key += 2) {
        if (!(initials & bit(key)))
            continue;
        if (offered & bit(key))
            candidates |= bit(key);
        else if (offered & bit(key + 1))
            candidates |= bit(key + 1);
    }
    if (!candidates) {
        /* No initial can run at s at all: each waits there, and its first step after s is
         * a lazy timeout (nothing before e_i in v enabled it). That timeout could have come
         * at a point before s where every thread was blocked: the reversed order starts
         * there. */
        for (int key = 0; key < 64; key += 2)
            if ((initials & bit(key)) && time_out_before(d, j, key / 2))
                return;
        return;
    }
    if (candidates & s->backtrack)
        return;
    /* e_i's thread, else a thread whose step in v runs as it did (a failing form is another
     * step: once that other initial has run first, its branch is all asleep), else e_i's
     * failing form */
    const keyset steps = 0x5555555555555555ull; /* the keys that are no timeout */
    int want = d->events[i].ev.thread * 2;
    if (!(candidates & bit(want)))
        want = candidates & steps ? __builtin_ctzll(candidates & steps)
               : candidates & bit(want + 1) ? want + 1 : __builtin_ctzll(candidates);
    s->backtrack |= bit(want);
}

/* Enabling pairs: e_i could not have run before e_j, and is found racing further back.
 * A blocking acquire cannot pass anything its lock's holder did inside the critical
 * section (the release, a notify): its race is with the holder's acquire. A join cannot
 * pass its thread's run (begin .. exit), but it can pass the start (and then fails). A
 * thread's first step cannot pass its start. */
static bool enabled_by(const tr__event *ei, const tr__event *ej)
{
    if (ei->blocking && ei->acquired >= 0 && ej->in_critical_section &&
        ej->acquired != ei->acquired)
        return true;
    if (ei->op == TR__OP_THREAD_BEGIN)
        return true;
    return ei->op == TR__OP_THREAD_JOIN &&
           (ej->op == TR__OP_THREAD_EXIT || ej->op == TR__OP_THREAD_BEGIN);
}

/* Whether what enabled e_i also tells it everything e_j knew (a lock's previous holder
 * does not: its acquire is what e_i races with; a thread's run does not: its start is). */
static bool transparent(const tr__event *ei, const tr__event *ej)
{
    return (ei->acquired >= 0 && ej->in_critical_section) || ei->op == TR__OP_THREAD_JOIN;
}

/* Whether e_i's thread could not run at all at the state before e_j, where its next step
 * was e_i itself: then no reordering puts e_i before e_j (what changes its domain after
 * e_j comes after e_j), and the race is with what made e_i's wait end (an enabling
 * pair, not transparent). Unknown when the thread took other steps in between: a race. */
static bool blocked_at(const dpor *d, int j, int i)
{
    int t = d->events[i].ev.thread;
    if (j >= d->depth)
        return false;
    for (int k = j + 1; k < i; k++)
        if (d->events[k].ev.thread == t)
            return false;
    const state *s = &d->states[j];
    for (int k = 0; k < s->n; k++)
        if (s->choices[k].thread == t)
            return false;
    return true;
}

/* Whether step i is a wait that timed out (its choice was the timeout). A step that never
 * ran has no choice of its own (at an abandon, the state at its index is the one given up). */
static bool timed_out(const dpor *d, int i)
{
    return i < d->depth && !d->events[i].ev.never_ran && (d->states[i].chosen & 1);
}

/* Whether e_i, a blocking step, could not have passed its wait in the state e_j found, so
 * that what ended its wait came after e_j. Where the domain tells which of its kinds of
 * wait would pass before each step (a Queue: a put opens the item wait a get closed), that
 * is the answer, however far apart the two steps are; otherwise e_i's thread was not
 * offered at all before e_j, or e_j opened the domain to every wait. */
static bool wait_closed_at(const dpor *d, int j, int i)
{
    const tr__event *ei = &d->events[i].ev, *ej = &d->events[j].ev;
    if (timed_out(d, i))
        return blocked_at(d, j, i) || (ei->wait_kind && !(ej->waits_open & ei->wait_kind));
    if (ei->wait_kind)
        return !(ej->waits_open & ei->wait_kind);
    return blocked_at(d, j, i) || ej->opens;
}

/* e_i, a wait that some step before it ended, could have timed out instead where every
 * thread was blocked: the latest such point before e_j, while its thread waited there,
 * gets that timeout (another event, so another trace). */
static void timeout_instead(dpor *d, int j, int i)
{
    int t = d->events[i].ev.thread;
    for (int k = i - 1; k > j; k--)
        if (d->events[k].ev.thread == t)
            return;
    time_out_before(d, j, t);
}

/* The first point where step i, a lazy timeout, could have fired: the earliest where its
 * thread already waited and its timeout was offered (every thread blocked). Another
 * thread's timeout taken there instead may have let it end its wait otherwise. */
static int first_stall(const dpor *d, int i)
{
    int t = d->events[i].ev.thread, first = i;
    for (int k = i < d->depth ? i : d->depth - 1; k >= 0; k--) {
        if (k < i && d->events[k].ev.thread == t)
            break;
        const tr__choice *c = choice_with_key(&d->states[k], t * 2 + 1);
        if (c && waited_out(c))
            first = k;
    }
    return first;
}

/* Joins into c every step before point k (each thread's last one carries the rest). */
static void after_all_before(const dpor *d, int k, clock *c)
{
    keyset seen = 0;
    for (int j = k - 1; j >= 0; j--) {
        int u = d->events[j].ev.thread;
        if (!(seen & bit(u))) {
            seen |= bit(u);
            join(c, &d->events[j].vc);
        }
    }
}

static void ensure_domain(dpor *d, int domain)
{
    if (domain < d->n_domains)
        return;
    int old = d->n_domains;
    d->domains = realloc(d->domains, (size_t)(domain + 1) * sizeof *d->domains);
    TR_CHECK(d->domains, "out of memory in dpor");
    memset(d->domains + old, 0, (size_t)(domain + 1 - old) * sizeof *d->domains);
    d->n_domains = domain + 1;
}

/* e_i's immediate races with the earlier events of its domain, newest first: each gets
 * its reversal scheduled. acc is what e_i knows through other paths than the race at
 * hand; it is e_i's clock while reverse_race asks whether e_i can start the reversed
 * order (e_i's real clock would include the race itself). */
static void find_races(dpor *d, int i)
{
    event *e = &d->events[i];
    int t = e->ev.thread;
    domain_info *dom = &d->domains[e->ev.domain];
    clock acc = d->thread_clock[t];
    acc.c[t] = e->local;
    /* e_i could not run here (its wait had not ended yet): nor before a look at its domain,
     * which leaves the domain as it was. A step that never ran never could. */
    bool blocked = e->ev.never_ran;
    bool enabled = false; /* the step that ended its wait was seen */
    for (int k = dom->n - 1; k >= 0; k--) {
        int j = dom->events[k];
        const event *ej = &d->events[j];
        if (ej->ev.thread == t || (!ej->ev.modifies && !e->ev.modifies) || before(ej, &acc))
            continue;
        if (blocked && !ej->ev.modifies)
            continue;
        bool by = enabled_by(&e->ev, &ej->ev);
        if (by || (e->ev.blocking && wait_closed_at(d, j, i))) {
            if (by && !transparent(&e->ev, &ej->ev))
                join(&acc, &ej->vc);
            if (e->ev.blocking && !e->ev.never_ran && !enabled)
                timeout_instead(d, j, i);
            enabled = blocked = true;
            continue;
        }
        e->vc = acc;
        reverse_race(d, j, i);
        join(&acc, &ej->vc);
    }
}

/* Races no domain shows, coarser than per-domain races (no clock is carried along), so
 * they only add reversals:
 * - a fork reads every object of its process: it races with each step of another thread
 *   of that process that changed one, and each later such step races with it;
 * - a signal may end another process, whose threads' steps then never run: it races with
 *   every step of another thread, and every later step (the killed threads' next steps
 *   among them, told as never run) races with it, whichever process it ends. */
static bool coarse_race(const tr__event *a, const tr__event *b)
{
    if (a->kills || b->kills)
        return true;
    return a->process == b->process &&
           ((a->forks && b->modifies) || (b->forks && a->modifies));
}

/* Event i's coarse races with the events before it that are not before it. */
static void coarse_races(dpor *d, int i)
{
    const event *e = &d->events[i];
    clock acc = d->thread_clock[e->ev.thread];
    acc.c[e->ev.thread] = e->local;
    for (int j = i - 1; j >= 0; j--) {
        const event *ej = &d->events[j];
        if (ej->ev.thread != e->ev.thread && coarse_race(&e->ev, &ej->ev) && !before(ej, &acc))
            reverse_race(d, j, i);
    }
}

static void dpor_on_step(tr__explorer *x, const tr__event *ev)
{
    dpor *d = (dpor *)x;
    int t = ev->thread;
    TR_CHECK(t < DPOR_THREADS, "dpor handles at most 32 threads");
    if (ev->never_ran && d->base.skipped)
        return; /* another share's unit: its races are that share's to find */
    ensure_domain(d, ev->domain);
    d->events = grow(d->events, &d->cap_events, d->n_events + 1, sizeof *d->events);
    int i = d->n_events++;
    event *e = &d->events[i];
    e->ev = *ev;
    e->local = d->local[t] + 1;
    /* a lazy timeout's races are reversed by its thread's step running instead, where it
     * could (reverse_race) */
    find_races(d, i);
    if (ev->forks || ev->kills || (ev->modifies && d->forked) || d->killed)
        coarse_races(d, i);
    d->forked |= ev->forks;
    d->killed |= ev->kills;
    if (ev->never_ran) { /* its races are all it has to say: it is no event */
        d->n_events--;
        return;
    }
    d->local[t]++;
    domain_info *dom = &d->domains[ev->domain];
    e->vc = d->thread_clock[t];
    join(&e->vc, ev->modifies ? &dom->all : &dom->writes);
    if (ev->lazy_timeout) /* it could not have timed out while any of them could run */
        after_all_before(d, first_stall(d, i), &e->vc);
    e->vc.c[t] = e->local;
    d->thread_clock[t] = e->vc;
    if (ev->modifies)
        join(&dom->writes, &e->vc);
    join(&dom->all, &e->vc);
    dom->events = grow(dom->events, &dom->cap, dom->n + 1, sizeof *dom->events);
    dom->events[dom->n++] = i;
}

/* An execution that ended above the split is overhead for every share but the one its whole
 * path hashes to. */
static void count_above_split(dpor *d)
{
    if (!tr__share_splits(&d->share) || d->base.skipped)
        return;
    if (d->pos == 0) { /* no scheduling point at all: the one execution is the first share's */
        d->base.skipped = d->share.index != 0;
        return;
    }
    const state *last = &d->states[d->pos - 1];
    if (!above_split(d, last) || at_split(d, last))
        return; /* it went below the split, into a unit of this share */
    d->base.skipped = !tr__share_owns(&d->share, tr__path_hash(last->path_hash, last->chosen));
}

static bool dpor_end(tr__explorer *x)
{
    dpor *d = (dpor *)x;
    count_above_split(d);
    /* states past the last point reached belong to no execution any more */
    while (d->depth > d->pos) {
        free(d->states[d->depth - 1].choices);
        d->depth--;
    }
    while (d->depth > 0) {
        state *s = &d->states[d->depth - 1];
        s->done |= bit(s->chosen);
        keyset left = s->backtrack & ~s->done & ~s->sleep;
        bool split = tr__share_splits(&d->share) && at_split(d, s);
        while (split && left && !takes_unit(d, s, __builtin_ctzll(left))) {
            s->done |= left & -left; /* another share's unit, taken in this order there */
            left &= left - 1;
        }
        if (left) {
            s->chosen = __builtin_ctzll(left);
            return true;
        }
        free(s->choices);
        d->depth--;
    }
    return false;
}

/* A cut execution is not maximal: the unfinished threads' missing steps might race with
 * anything that ran, so every point where one of them could have gone instead gets it
 * as an alternative (a plain DFS over them, pruned by sleep sets). */
static void dpor_cut(tr__explorer *x, const int *threads, int n)
{
    dpor *d = (dpor *)x;
    keyset unfinished = 0;
    for (int i = 0; i < n; i++)
        if (threads[i] < DPOR_THREADS)
            unfinished |= bit(threads[i] * 2);
    for (int j = 0; j < d->pos && j < d->depth; j++) {
        state *s = &d->states[j];
        for (int k = 0; k < s->n; k++) {
            int key = key_of(&s->choices[k]);
            if (!s->choices[k].timeout && (unfinished & bit(key)))
                s->backtrack |= bit(key);
        }
    }
}

static void dpor_destroy(tr__explorer *x)
{
    dpor *d = (dpor *)x;
    for (int i = 0; i < d->depth; i++)
        free(d->states[i].choices);
    for (int i = 0; i < d->n_domains; i++)
        free(d->domains[i].events);
    free(d->domains);
    free(d->states);
    free(d->events);
    free(d);
}

tr__explorer *tr__explorer_dpor(void)
{
    return tr__explorer_dpor_share((tr__share){0, 1, TR__SHARE_UNITS, NULL, 1, 0});
}

tr__explorer *tr__explorer_dpor_share(tr__share share)
{
    dpor *d = calloc(1, sizeof *d);
    TR_CHECK(d, "out of memory");
    d->base = (tr__explorer){"dpor",       dpor_begin,   dpor_choose, dpor_end,
                             dpor_destroy, dpor_on_step, true,       dpor_cut,
                             DPOR_THREADS, -1, false, false};
    d->share = share;
    return &d->base;
}
