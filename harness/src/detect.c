/* detect.c — the two detectors that look past the schedule actually run:
 *
 * Data races: vector clocks (happens-before through every primitive's tr__hb edges) and,
 * per declared address, FastTrack-style shadow state: the last write as an epoch (thread,
 * clock) and the last read of each thread. An access that conflicts with an earlier one
 * the accessing thread has not seen (clock ahead of its vector clock) is a race, reported
 * on the first execution where the two are unordered, whatever values were read.
 *
 * Lock order: lockdep's graph. An edge A -> B when B is acquired by a wait that can last
 * forever while A is held; the graph lives across all executions of a case, so a cycle is
 * reported even when no explored schedule deadlocked. */
#include <stdlib.h>
#include <string.h>

#include "harness_internal.h"

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

static struct {
    vclock *thread;  /* per thread id */
    int n_threads;
    vclock *object;  /* per object index: what its releases published */
    int n_objects;
    shadow **mem;    /* per object index (memory objects only) */
    int n_mem;
} R;

static void *grow_zeroed(void *p, int *n, int need, size_t elem)
{
    if (need <= *n)
        return p;
    int m = *n ? *n : 16;
    while (m < need)
        m *= 2;
    p = realloc(p, (size_t)m * elem);
    TR_CHECK(p, "out of memory in the race detector");
    memset((char *)p + (size_t)*n * elem, 0, (size_t)(m - *n) * elem);
    *n = m;
    return p;
}

void tr__race_reset(void)
{
    if (R.thread)
        memset(R.thread, 0, (size_t)R.n_threads * sizeof *R.thread);
    if (R.object)
        memset(R.object, 0, (size_t)R.n_objects * sizeof *R.object);
    for (int i = 0; i < R.n_mem; i++)
        if (R.mem[i])
            memset(R.mem[i], 0, sizeof *R.mem[i]);
}

static vclock *thread_clock(int t)
{
    R.thread = grow_zeroed(R.thread, &R.n_threads, t + 1, sizeof *R.thread);
    vclock *c = &R.thread[t];
    if (t < VC_THREADS && c->c[t] == 0)
        c->c[t] = 1;
    return c;
}

void tr__race_hb(int thread, int object, bool acquire)
{
    if (thread >= VC_THREADS || object < 0)
        return;
    R.object = grow_zeroed(R.object, &R.n_objects, object + 1, sizeof *R.object);
    vclock *t = thread_clock(thread);
    if (acquire) {
        vc_join(t, &R.object[object]);
    } else {
        vc_join(&R.object[object], t);
        t->c[thread]++; /* later events of this thread are not covered by this release */
    }
}

/* Earlier accesses: what a race report names. */
static bool unordered(const vclock *now, int thread, uint32_t clock)
{
    return thread < VC_THREADS && clock > now->c[thread];
}

bool tr__race_access(int object, const tr__access *now, tr__access *other)
{
    int t = now->thread;
    if (t >= VC_THREADS || object < 0)
        return false;
    if (object >= R.n_mem) {
        R.mem = grow_zeroed(R.mem, &R.n_mem, object + 1, sizeof *R.mem);
    }
    if (!R.mem[object]) {
        R.mem[object] = calloc(1, sizeof *R.mem[object]);
        TR_CHECK(R.mem[object], "out of memory in the race detector");
    }
    shadow *s = R.mem[object];
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

/* ---- lock order ------------------------------------------------------------------------ */

typedef struct edge {
    int from, to; /* lock keys */
    tr__lock_site from_site, to_site;
} edge;

static struct {
    edge *edges;
    int n, cap;
} G;

void tr__lockorder_reset(void) { G.n = 0; }

static bool has_edge(int from, int to)
{
    for (int i = 0; i < G.n; i++)
        if (G.edges[i].from == from && G.edges[i].to == to)
            return true;
    return false;
}

/* Depth-first search for a path from -> to; writes its edges (indices) into path. */
static int find_path(int from, int to, int *path, int depth, int max, uint8_t *seen)
{
    if (from == to)
        return depth;
    if (depth == max)
        return -1;
    for (int i = 0; i < G.n; i++) {
        if (G.edges[i].from != from || seen[i])
            continue;
        seen[i] = 1;
        path[depth] = i;
        int found = find_path(G.edges[i].to, to, path, depth + 1, max, seen);
        if (found >= 0)
            return found;
    }
    return -1;
}

static void add_edge(const tr__lock_site *from, const tr__lock_site *to)
{
    if (G.n == G.cap) {
        G.cap = G.cap ? G.cap * 2 : 32;
        G.edges = realloc(G.edges, (size_t)G.cap * sizeof *G.edges);
        TR_CHECK(G.edges, "out of memory in the lock-order graph");
    }
    G.edges[G.n++] = (edge){from->lock, to->lock, *from, *to};
}

int tr__lockorder_count(void) { return G.n; }

void tr__lockorder_edge(int i, tr__lock_site *from, tr__lock_site *to)
{
    *from = G.edges[i].from_site;
    *to = G.edges[i].to_site;
}

void tr__lockorder_add(const tr__lock_site *from, const tr__lock_site *to)
{
    if (!has_edge(from->lock, to->lock))
        add_edge(from, to);
}

int tr__lockorder_acquire(const tr__lock_site *held, int n_held, const tr__lock_site *acquired,
                          tr__lock_site *cycle, int max)
{
    int closed = 0;
    for (int h = 0; h < n_held; h++) {
        if (held[h].lock == acquired->lock || has_edge(held[h].lock, acquired->lock))
            continue;
        add_edge(&held[h], acquired);
        if (closed)
            continue;
        /* a path back from the acquired lock to the held one closes a cycle */
        int path[16];
        uint8_t *seen = calloc((size_t)G.n, 1);
        TR_CHECK(seen, "out of memory in the lock-order graph");
        int len = find_path(acquired->lock, held[h].lock, path, 0, 16, seen);
        free(seen);
        if (len < 0 || 2 * (len + 1) > max)
            continue;
        cycle[0] = held[h];
        cycle[1] = *acquired;
        for (int k = 0; k < len; k++) {
            cycle[2 + 2 * k] = G.edges[path[k]].from_site;
            cycle[3 + 2 * k] = G.edges[path[k]].to_site;
        }
        closed = 2 * (len + 1);
    }
    return closed;
}
