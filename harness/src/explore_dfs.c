/* explore_dfs.c — exhaustive depth-first search over schedules, with an optional
 * preemption bound (CHESS's iterative context bounding, one bound at a time).
 *
 * The search keeps the path of choice points of the last execution; an execution replays
 * the path's prefix and extends it with first choices. Afterwards the deepest point with
 * an untried alternative (within the bound) advances, and everything below it is cut. */
#include <stdlib.h>
#include <string.h>

#include "harness_internal.h"

typedef struct node {
    int n;          /* choices offered */
    int chosen;
    int preemptions; /* on the path before this point */
    int current;    /* the thread that reached this point, -1 if it could not go on */
    tr__choice *choices;
} node;

typedef struct dfs {
    tr__explorer base;
    int bound; /* < 0: unbounded */
    node *path;
    int depth, cap;
    int pos; /* the point the running execution is at */
} dfs;

static bool is_preemption(const node *nd, int i)
{
    if (nd->current < 0 || nd->choices[i].thread == nd->current)
        return false;
    for (int k = 0; k < nd->n; k++)
        if (nd->choices[k].thread == nd->current && !nd->choices[k].timeout)
            return true;
    return false;
}

static int cost(const node *nd, int i) { return nd->preemptions + (is_preemption(nd, i) ? 1 : 0); }

static void dfs_begin(tr__explorer *e) { ((dfs *)e)->pos = 0; }

static int first_allowed(const dfs *d, const node *nd, int from)
{
    for (int i = from; i < nd->n; i++)
        if (d->bound < 0 || cost(nd, i) <= d->bound)
            return i;
    return -1;
}

static int dfs_choose(tr__explorer *e, const tr__choice *choices, int n, int current, int depth)
{
    dfs *d = (dfs *)e;
    (void)depth;
    if (d->pos < d->depth) {
        node *nd = &d->path[d->pos++];
        TR_CHECK(nd->n == n, "dfs: the same prefix offered different choices (nondeterminism)");
        return nd->chosen;
    }
    if (d->depth == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 64;
        d->path = realloc(d->path, (size_t)d->cap * sizeof *d->path);
        TR_CHECK(d->path, "out of memory in dfs");
    }
    node *nd = &d->path[d->depth++];
    nd->n = n;
    nd->current = current;
    nd->preemptions = d->depth > 1 ? cost(&d->path[d->depth - 2], d->path[d->depth - 2].chosen) : 0;
    nd->choices = malloc((size_t)n * sizeof *choices);
    TR_CHECK(nd->choices, "out of memory in dfs");
    memcpy(nd->choices, choices, (size_t)n * sizeof *choices);
    /* the first choice within the bound (with bound 0: the current thread) */
    int i = first_allowed(d, nd, 0);
    nd->chosen = i < 0 ? 0 : i;
    d->pos++;
    return nd->chosen;
}

static bool dfs_end(tr__explorer *e)
{
    dfs *d = (dfs *)e;
    while (d->depth > 0) {
        node *nd = &d->path[d->depth - 1];
        int next = first_allowed(d, nd, nd->chosen + 1);
        if (next >= 0) {
            nd->chosen = next;
            return true;
        }
        free(nd->choices);
        d->depth--;
    }
    return false;
}

static void dfs_destroy(tr__explorer *e)
{
    dfs *d = (dfs *)e;
    for (int i = 0; i < d->depth; i++)
        free(d->path[i].choices);
    free(d->path);
    free(d);
}

tr__explorer *tr__explorer_dfs(int preemption_bound)
{
    dfs *d = calloc(1, sizeof *d);
    TR_CHECK(d, "out of memory");
    d->base = (tr__explorer){"dfs", dfs_begin, dfs_choose, dfs_end, dfs_destroy, NULL, false, NULL, 0};
    d->bound = preemption_bound;
    return &d->base;
}
