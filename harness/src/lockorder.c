/* lockorder.c — the lock-order detector (lockdep) and its glue. An edge A -> B when B
 * is acquired by a wait that can last forever while A is held; the graph lives across
 * all executions of a case, so a cycle is reported even when no explored schedule
 * deadlocked: each link with the thread, where the held lock was taken and where the
 * next one was.
 *
 * The workers of one split search (explore.c) share one graph, in memory mapped before
 * they were forked, so a cycle whose edges two workers' executions added is found as in
 * one search: by whichever adds its last edge. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "execution.h"

typedef struct edge {
    tr__object_id from, to;
    tr__lock_site from_site, to_site;
} edge;

/* The shared graph: a fixed capacity (mapped lazily), a lock that survives a worker that
 * dies holding it (a robust mutex). */
enum { SHARED_EDGES = 1 << 16 };
typedef struct shared_graph {
    pthread_mutex_t lock;
    int n;
    edge edges[SHARED_EDGES];
} shared_graph;

/* Documented per-process state: this process's graph, or (shared set) the split search's. */
static struct {
    edge *edges;
    int n, cap;
} G;
static shared_graph *shared;
static bool full_told;

static edge *edges(void) { return shared ? shared->edges : G.edges; }
static int *count(void) { return shared ? &shared->n : &G.n; }

static void graph_lock(void)
{
    if (shared && pthread_mutex_lock(&shared->lock) == EOWNERDEAD)
        pthread_mutex_consistent(&shared->lock); /* a worker died: its edges are whole */
}

static void graph_unlock(void)
{
    if (shared)
        pthread_mutex_unlock(&shared->lock);
}

void tr__lockorder_share(bool on)
{
    if (!on) {
        if (shared)
            munmap(shared, sizeof *shared);
        shared = NULL;
        return;
    }
    shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    TR_CHECK(shared != MAP_FAILED, "cannot map the shared lock-order graph");
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&shared->lock, &a);
    pthread_mutexattr_destroy(&a);
}

/* A worker's exploration starts on the graph its search shares, which the others fill. */
void tr__lockorder_reset(void)
{
    if (!shared)
        G.n = 0;
}

tr__lockorder_mark tr__lockorder_aside(void)
{
    tr__lockorder_mark m = {shared, G.n};
    shared = NULL;
    return m;
}

void tr__lockorder_back(tr__lockorder_mark m)
{
    if (m.n < G.n)
        G.n = m.n;
    shared = m.shared;
}

static bool has_edge(tr__object_id from, tr__object_id to)
{
    const edge *e = edges();
    for (int i = 0; i < *count(); i++)
        if (tr__object_id_equal(e[i].from, from) && tr__object_id_equal(e[i].to, to))
            return true;
    return false;
}

/* Depth-first search for a path from -> to; writes its edges (indices) into path. */
static int find_path(tr__object_id from, tr__object_id to, int *path, int depth, int max, uint8_t *seen)
{
    if (tr__object_id_equal(from, to))
        return depth;
    if (depth == max)
        return -1;
    const edge *e = edges();
    for (int i = 0; i < *count(); i++) {
        if (!tr__object_id_equal(e[i].from, from) || seen[i])
            continue;
        seen[i] = 1;
        path[depth] = i;
        int found = find_path(e[i].to, to, path, depth + 1, max, seen);
        if (found >= 0)
            return found;
    }
    return -1;
}

static void add_edge(const tr__lock_site *from, const tr__lock_site *to)
{
    if (shared) {
        if (shared->n < SHARED_EDGES)
            shared->edges[shared->n++] = (edge){from->lock, to->lock, *from, *to};
        else if (!full_told) /* a cycle through later edges is missed: say so */
            fprintf(stderr, "trama: the lock-order graph is full (%d edges); later lock orders "
                            "are not checked\n", SHARED_EDGES), full_told = true;
        return;
    }
    if (G.n == G.cap) {
        G.cap = G.cap ? G.cap * 2 : 32;
        G.edges = realloc(G.edges, (size_t)G.cap * sizeof *G.edges);
        TR_CHECK(G.edges, "out of memory in the lock-order graph");
    }
    G.edges[G.n++] = (edge){from->lock, to->lock, *from, *to};
}

int tr__lockorder_count(void)
{
    graph_lock();
    int n = *count();
    graph_unlock();
    return n;
}

void tr__lockorder_edge(int i, tr__lock_site *from, tr__lock_site *to)
{
    graph_lock();
    *from = edges()[i].from_site;
    *to = edges()[i].to_site;
    graph_unlock();
}

void tr__lockorder_add(const tr__lock_site *from, const tr__lock_site *to)
{
    graph_lock();
    if (!has_edge(from->lock, to->lock))
        add_edge(from, to);
    graph_unlock();
}

/* Adds the edges held -> acquired; returns the length of a cycle it closed (pairs of
 * from-site, to-site written to cycle), or 0. */
static int lockorder_acquire(const tr__lock_site *held, int n_held, const tr__lock_site *acquired,
                             tr__lock_site *cycle, int max)
{
    int closed = 0;
    for (int h = 0; h < n_held; h++) {
        if (tr__object_id_equal(held[h].lock, acquired->lock) || has_edge(held[h].lock, acquired->lock))
            continue;
        add_edge(&held[h], acquired);
        if (closed)
            continue;
        /* a path back from the acquired lock to the held one closes a cycle */
        int path[16];
        uint8_t *seen = calloc((size_t)*count(), 1);
        TR_CHECK(seen, "out of memory in the lock-order graph");
        int len = find_path(acquired->lock, held[h].lock, path, 0, 16, seen);
        free(seen);
        if (len < 0 || 2 * (len + 1) > max)
            continue;
        cycle[0] = held[h];
        cycle[1] = *acquired;
        for (int k = 0; k < len; k++) {
            cycle[2 + 2 * k] = edges()[path[k]].from_site;
            cycle[3 + 2 * k] = edges()[path[k]].to_site;
        }
        closed = 2 * (len + 1);
    }
    return closed;
}

/* ---- glue: a step's acquisition, a cycle as a finding ----------------------------------- */

/* Whether edge (pair) i of a cycle sorts before edge j: by where the lock is taken. */
static bool edge_before(const tr__lock_site *cycle, int i, int j)
{
    const tr__lock_site *a = &cycle[i + 1], *b = &cycle[j + 1];
    int files = strcmp(a->file ? a->file : "", b->file ? b->file : "");
    if (files != 0)
        return files < 0;
    return a->line != b->line ? a->line < b->line : cycle[i].line < cycle[j].line;
}

/* One cycle, told from the edge whose take comes first in the sources: which worker, or
 * which order of executions, closed it does not change the finding (its sites). */
static void report_lock_order(const tr__lock_site *found, int n)
{
    int start = 0;
    for (int k = 2; k + 1 < n; k += 2)
        if (edge_before(found, k, start))
            start = k;
    tr__lock_site cycle[32];
    for (int k = 0; k < n && k < 32; k++)
        cycle[k] = found[(start + k) % n];
    tr_finding f;
    tr__finding_init(&f, TR_LOCK_ORDER,
                     "potential deadlock: %d locks are taken in inconsistent orders", n / 2);
    tr__finding_parts *p = tr__finding_parts_of(&f);
    for (int k = 0; k + 1 < n && p->n_edges < TR__PART_EDGES; k += 2) {
        p->edges[p->n_edges++] = (tr__edge_part){
            .thread = cycle[k + 1].thread,
            .holds = {.id = cycle[k].lock},
            .held_at = {cycle[k].file, cycle[k].line},
            .takes = {.id = cycle[k + 1].lock},
            .taken_at = {cycle[k + 1].file, cycle[k + 1].line}};
        tr__finding_site(&f, cycle[k + 1].file, cycle[k + 1].line);
        tr__finding_thread(&f, cycle[k + 1].thread);
    }
    tr__finding_emit(&f, false);
}

void tr__lockorder_step(const tr__cthread *me, const tr__action *a)
{
    const struct tr__execution *x = &tr__exec;
    if (!a->mutex_acquired || a->timeout != TR_FOREVER ||
        tr__rec_of(a->mutex_acquired)->holder == me->id)
        return;
    int held[16], n = tr__held_by(me->id, held, 16);
    tr__lock_site sites[16], cycle[32];
    for (int i = 0; i < n; i++)
        sites[i] = (tr__lock_site){x->objects[held[i]].id, me->id, x->objects[held[i]].held_file,
                                   x->objects[held[i]].held_line};
    tr__lock_site acquired = {tr__rec_of(a->mutex_acquired)->id, me->id, a->file, a->line};
    graph_lock();
    int len = lockorder_acquire(sites, n, &acquired, cycle, 32);
    graph_unlock();
    if (len)
        report_lock_order(cycle, len);
}
