/* race.c — the data-race detector and its glue. Vector clocks (happens-before through
 * every primitive's tr__hb edges) and, per location, FastTrack-style shadow state: the
 * last write as an epoch (thread, clock) and the last read of each thread. A location is
 * a declared address (its memory object), or an item of a Value or Array (the object and
 * the offset the step names: one object for every process that has it, so accesses from
 * two processes meet here). An access that conflicts with an earlier one the accessing
 * thread has not seen (clock ahead of its vector clock) is a race, reported on the first
 * execution where the two are unordered, whatever values were read: both accesses, with
 * the locks held at each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "execution.h"

enum { VC_THREADS = 64 };

typedef struct vclock {
    uint32_t c[VC_THREADS];
} vclock;

static void vc_join(vclock *into, const vclock *from)
{
    for (int i = 0; i < VC_THREADS; i++)
        if (from->c[i] > into->c[i])
            into->c[i] = from->c[i];
}

typedef struct shadow {
    bool written;
    tr__access write;       /* the last write */
    uint32_t write_clock;   /* its thread's clock then */
    uint64_t readers;       /* threads with a read since the last write */
    tr__access read[VC_THREADS];
    uint32_t read_clock[VC_THREADS];
} shadow;

/* An object's locations: a shadow per offset accessed (one, at 0, for a memory object).
 * Kept across executions: a reset only empties the list; a reused shadow is cleared. */
typedef struct location {
    size_t offset;
    shadow *s;
} location;

typedef struct locations {
    location *at;
    int n, cap;
} locations;

/* The arrays keep their capacity across executions; [0, used) is what this execution
 * touched, all that a reset must clear (the rest is still zero). */
static struct {
    vclock *thread;  /* per thread id */
    int n_threads, used_threads;
    vclock *object;  /* per object index: what its releases published */
    int n_objects, used_objects;
    locations *mem;  /* per object index (objects accessed) */
    int n_mem, used_mem;
} R;

/* memset(NULL, 0, 0) is undefined, and the arrays are NULL until something is used. */
static void clear(void *array, int used, size_t elem)
{
    if (used > 0)
        memset(array, 0, (size_t)used * elem);
}

void tr__race_reset(void)
{
    clear(R.thread, R.used_threads, sizeof *R.thread);
    clear(R.object, R.used_objects, sizeof *R.object);
    for (int i = 0; i < R.used_mem; i++)
        R.mem[i].n = 0;
    R.used_threads = R.used_objects = R.used_mem = 0;
}

static void *use(void *array, int *cap, int *used, int index, size_t elem)
{
    array = tr__grow(array, cap, index + 1, elem);
    if (index >= *used)
        *used = index + 1;
    return array;
}

static vclock *thread_clock(int t)
{
    R.thread = use(R.thread, &R.n_threads, &R.used_threads, t, sizeof *R.thread);
    vclock *c = &R.thread[t];
    if (t < VC_THREADS && c->c[t] == 0)
        c->c[t] = 1;
    return c;
}

static void race_hb(int thread, int object, bool acquire)
{
    if (thread >= VC_THREADS || object < 0)
        return;
    R.object = use(R.object, &R.n_objects, &R.used_objects, object, sizeof *R.object);
    vclock *t = thread_clock(thread);
    if (acquire) {
        vc_join(t, &R.object[object]);
    } else {
        vc_join(&R.object[object], t);
        t->c[thread]++; /* later events of this thread are not covered by this release */
    }
}

void tr__race_edge(int thread, int object, bool acquire) { race_hb(thread, object, acquire); }

/* Earlier accesses: what a race report names. */
static bool unordered(const vclock *now, int thread, uint32_t clock)
{
    return thread < VC_THREADS && clock > now->c[thread];
}

/* The shadow of offset in object, cleared when first used in this execution. */
static shadow *location_of(int object, size_t offset)
{
    R.mem = use(R.mem, &R.n_mem, &R.used_mem, object, sizeof *R.mem);
    locations *l = &R.mem[object];
    for (int i = 0; i < l->n; i++)
        if (l->at[i].offset == offset)
            return l->at[i].s;
    l->at = tr__grow(l->at, &l->cap, l->n + 1, sizeof *l->at);
    location *at = &l->at[l->n++];
    if (!at->s) {
        at->s = malloc(sizeof *at->s);
        TR_CHECK(at->s, "out of memory in the race detector");
    }
    memset(at->s, 0, sizeof *at->s);
    at->offset = offset;
    return at->s;
}

static bool race_access(int object, size_t offset, const tr__access *now, tr__access *other)
{
    int t = now->thread;
    if (t >= VC_THREADS || object < 0)
        return false;
    shadow *s = location_of(object, offset);
    const vclock *c = thread_clock(t);
    bool race = false;
    if (s->written && s->write.thread != t && unordered(c, s->write.thread, s->write_clock)) {
        *other = s->write;
        race = true;
    }
    if (now->write) {
        for (int u = 0; u < VC_THREADS && !race; u++)
            if (u != t && (s->readers >> u & 1) && unordered(c, u, s->read_clock[u])) {
                *other = s->read[u];
                race = true;
            }
        s->written = true;
        s->write = *now;
        s->write_clock = c->c[t];
        s->readers = 0;
    } else {
        s->readers |= (uint64_t)1 << t;
        s->read[t] = *now;
        s->read_clock[t] = c->c[t];
    }
    return race;
}

/* ---- glue: a step's edges and accesses, a race as a finding -------------------------- */

static tr__access_part access_part(const tr__access *x, int object, size_t offset)
{
    tr__access_part p = {.thread = x->thread, .write = x->write, .object = tr__ref_of(object),
                         .offset = offset, .site = {x->file, x->line}};
    const tr__objrec *r = &tr__exec.objects[object];
    p.bytes = x->size ? x->size : r->obj ? tr__memory_bytes(r->obj) : 0;
    for (int i = 0; i < x->n_held && p.n_locks < TR__PART_HOLDS; i++)
        p.locks[p.n_locks++] = tr__ref_of(x->held[i]);
    return p;
}

static void report_race(const tr__access *now, const tr__access *other, int object,
                        size_t offset)
{
    char obj[96], here[128], there[128];
    tr__ref ref = tr__ref_of(object);
    tr__ref_text(&ref, true, obj, sizeof obj);
    if (ref.id.kind == TR__KIND_SHARED) /* which item */
        snprintf(obj + strlen(obj), sizeof obj - strlen(obj), " byte %zu", offset);
    tr__site_text(tr__exec.c, now->file, now->line, here, sizeof here);
    tr__site_text(tr__exec.c, other->file, other->line, there, sizeof there);
    tr_finding f;
    tr__finding_init(&f, TR_DATA_RACE,
                     "data race on %.40s: T%d %s at %.60s and T%d %s at %.60s are not ordered "
                     "by happens-before",
                     obj, now->thread, now->write ? "writes" : "reads", here, other->thread,
                     other->write ? "writes" : "reads", there);
    tr__finding_site(&f, now->file, now->line);
    tr__finding_site(&f, other->file, other->line);
    tr__finding_thread(&f, now->thread);
    tr__finding_thread(&f, other->thread);
    tr__finding_parts *p = tr__finding_parts_of(&f);
    p->accesses[0] = access_part(now, object, offset);
    p->accesses[1] = access_part(other, object, offset);
    p->n_accesses = 2;
    tr__finding_emit(&f, false);
}

/* Plain accesses: declared ones, and a Value's or Array's get and set (an invalid index
 * fails and touches nothing). */
static bool reads(tr__op op) { return op == TR__OP_MEM_READ || op == TR__OP_SHARED_GET; }
static bool writes(tr__op op) { return op == TR__OP_MEM_WRITE || op == TR__OP_SHARED_SET; }

void tr__race_step(const tr__cthread *me, const tr__action *a)
{
    for (int i = 0; i < a->n_hb; i++)
        race_hb(me->id, tr__index_of(a->hb[i].obj), a->hb[i].kind == TR__HB_ACQUIRE);
    if ((!reads(a->op) && !writes(a->op)) || a->timed_out || a->status != TR_OK)
        return;
    tr__access now = {.thread = me->id, .file = a->file, .line = a->line,
                      .write = writes(a->op), .size = a->size};
    now.n_held = tr__held_by(me->id, now.held, 4);
    tr__access other;
    int object = tr__index_of(a->obj);
    if (race_access(object, a->offset, &now, &other))
        report_race(&now, &other, object, a->offset);
}
