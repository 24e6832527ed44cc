/* explore_dfs.c — exhaustive depth-first search over schedules under a preemption bound:
 * a fixed one, or CHESS's iterative context bounding (Musuvathi and Qadeer, PLDI 2007):
 * every schedule with no preemption, then every one with exactly 1, 2, ... until a round
 * leaves nothing out (the space is exhausted) or the budget ends. Most concurrency bugs
 * need one or two preemptions, so they fall in the first rounds, where an unbounded
 * search spends its budget permuting the last steps of one long prefix.
 *
 * The search keeps the path of choice points of the last execution; an execution replays
 * the path's prefix and extends it with first choices. Afterwards the deepest point with
 * an untried alternative (within the bound) advances, and everything below it is cut.
 *
 * Rounds without repeats. An alternative that would pass the bound b is left out, and
 * (iterative) kept as a root for round b + 1: its prefix and the alternative, which costs
 * exactly b + 1 (a step adds at most one preemption). Round b + 1 searches below each root
 * in turn, with the prefix fixed. Every schedule of exactly b + 1 preemptions has one first
 * point where its count reached b + 1, so it lies below exactly one root, and nothing
 * below a root has fewer: each schedule runs once over all rounds.
 *
 * A share of the search (tr__share) runs the same rounds and skips, at the split, the
 * alternatives whose unit is another share's; a root below the split is found, and
 * searched, only by its unit's share. Roots above the split and at it are every share's,
 * in the same order, so every share meets the units below them in one order. */
#include <stdlib.h>
#include <string.h>

#include "harness_internal.h"

typedef struct node {
    int n;          /* choices offered */
    int chosen;
    int preemptions; /* on the path before this point */
    int current;    /* the thread that reached this point, -1 if it could not go on */
    tr__choice *choices;
    double reach;       /* the product of the choices offered before this point */
    uint64_t path_hash; /* of the choices made before this point */
} node;

/* Roots of the next round: each a prefix of choice indices ending with the alternative
 * left out (an index is below TR__MAX_THREADS <= 256: one byte). */
typedef struct roots {
    unsigned char *bytes;
    size_t n_bytes, cap_bytes;
    size_t *ends; /* entry i is bytes[ends[i-1] (or 0), ends[i]) */
    size_t n, cap;
} roots;

typedef struct dfs {
    tr__explorer base;
    int bound;      /* schedules with at most this many preemptions */
    bool iterative; /* when this round is done and left something out: bound + 1 */
    node *path;
    int depth, cap;
    int pos;        /* the point the running execution is at */
    /* the root being searched below: its first `fixed` choices are forced */
    unsigned char *forced;
    int fixed;
    roots now, next; /* this round's roots not searched yet (from `taken`), the next's */
    size_t taken;
    tr__share share;
} dfs;

static void roots_add(roots *r, const node *path, int depth, int alternative)
{
    if (r->n_bytes + (size_t)depth + 1 > r->cap_bytes) {
        r->cap_bytes = r->cap_bytes ? r->cap_bytes * 2 : 4096;
        while (r->cap_bytes < r->n_bytes + (size_t)depth + 1)
            r->cap_bytes *= 2;
        r->bytes = realloc(r->bytes, r->cap_bytes);
        TR_CHECK(r->bytes, "out of memory in dfs");
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 256;
        r->ends = realloc(r->ends, r->cap * sizeof *r->ends);
        TR_CHECK(r->ends, "out of memory in dfs");
    }
    for (int i = 0; i < depth; i++)
        r->bytes[r->n_bytes++] = (unsigned char)path[i].chosen;
    r->bytes[r->n_bytes++] = (unsigned char)alternative;
    r->ends[r->n++] = r->n_bytes;
}

static void roots_clear(roots *r)
{
    r->n_bytes = 0;
    r->n = 0;
}

static bool is_preemption(const node *nd, int i)
{
    return tr__choice_preempts(nd->choices, nd->n, nd->current, i);
}

static int cost(const node *nd, int i) { return nd->preemptions + (is_preemption(nd, i) ? 1 : 0); }

static void dfs_begin(tr__explorer *e)
{
    ((dfs *)e)->pos = 0;
    e->skipped = false;
}

static double factor(const dfs *d, const node *nd)
{
    return tr__share_factor((int)(nd - d->path), nd->n);
}

static bool at_split(const dfs *d, const node *nd)
{
    return tr__share_cut(&d->share, nd->reach, factor(d, nd));
}

static bool owns_unit(const dfs *d, const node *nd, int i)
{
    return tr__share_owns(&d->share, tr__path_hash(nd->path_hash, i));
}

static bool takes_unit(dfs *d, const node *nd, int i)
{
    return tr__share_takes(&d->share, tr__path_hash(nd->path_hash, i));
}

/* An execution that ended above the split counts for the share its whole path hashes to. */
static void count_above_split(dfs *d)
{
    if (!tr__share_splits(&d->share) || d->base.skipped)
        return;
    if (d->pos == 0) { /* no choice at all: the one execution is the first share's */
        d->base.skipped = d->share.index != 0;
        return;
    }
    const node *last = &d->path[d->pos - 1];
    if (last->reach * factor(d, last) < tr__share_target(&d->share))
        d->base.skipped = !owns_unit(d, last, last->chosen);
}

/* The first alternative from `from` within the bound; those over it are left out (and
 * kept as roots of the next round). Each index of a node is scanned once. */
static int first_allowed(dfs *d, const node *nd, int from)
{
    for (int i = from; i < nd->n; i++) {
        if (cost(nd, i) <= d->bound)
            return i;
        if (d->iterative)
            roots_add(&d->next, d->path, (int)(nd - d->path), i);
    }
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
    const node *up = d->depth > 1 ? &d->path[d->depth - 2] : NULL;
    nd->reach = up ? up->reach * factor(d, up) : 1;
    nd->path_hash = up ? tr__path_hash(up->path_hash, up->chosen) : TR__PATH_HASH;
    if (d->depth <= d->fixed) { /* on the root's prefix */
        nd->chosen = d->forced[d->depth - 1];
        TR_CHECK(nd->chosen < n, "dfs: a root's prefix offered fewer choices (nondeterminism)");
    } else { /* the first choice within the bound (with bound 0: the current thread) */
        int i = first_allowed(d, nd, 0);
        nd->chosen = i < 0 ? 0 : i;
    }
    d->pos++;
    /* A root that goes on below the split was found in a unit this share took: only the
     * alternative a root ends with is a unit to take (every share has that root). */
    bool passes = d->depth < d->fixed;
    if (!passes && at_split(d, nd) && !takes_unit(d, nd, nd->chosen)) {
        e->skipped = true; /* another share's unit: dfs_end goes on to the next one */
        return TR__CHOOSE_ABANDON;
    }
    return nd->chosen;
}

static void path_clear(dfs *d)
{
    for (int i = 0; i < d->depth; i++)
        free(d->path[i].choices);
    d->depth = 0;
}

/* The next root to search below, this round's or (a new round) the next's. */
static bool next_root(dfs *d)
{
    if (d->taken == d->now.n) {
        if (d->next.n == 0)
            return false;
        roots swap = d->now;
        d->now = d->next;
        d->next = swap;
        roots_clear(&d->next);
        d->taken = 0;
        d->bound++;
    }
    size_t from = d->taken ? d->now.ends[d->taken - 1] : 0;
    d->forced = d->now.bytes + from;
    d->fixed = (int)(d->now.ends[d->taken] - from);
    d->taken++;
    return true;
}

static bool dfs_end(tr__explorer *e)
{
    dfs *d = (dfs *)e;
    count_above_split(d);
    while (d->depth > d->fixed) {
        node *nd = &d->path[d->depth - 1];
        int next = first_allowed(d, nd, nd->chosen + 1);
        while (next >= 0 && at_split(d, nd) && !takes_unit(d, nd, next))
            next = first_allowed(d, nd, next + 1);
        if (next >= 0) {
            nd->chosen = next;
            return true;
        }
        free(nd->choices);
        d->depth--;
    }
    path_clear(d); /* below this root: done */
    if (d->taken == d->now.n) /* it was this round's last */
        d->base.bound_complete = d->bound;
    return d->iterative && next_root(d);
}

static void dfs_destroy(tr__explorer *e)
{
    dfs *d = (dfs *)e;
    path_clear(d);
    free(d->path);
    free(d->now.bytes);
    free(d->now.ends);
    free(d->next.bytes);
    free(d->next.ends);
    free(d);
}

/* preemption_bound < 0: iterative, from bound 0. */
tr__explorer *tr__explorer_dfs(int preemption_bound)
{
    tr__share whole = {0, 1, TR__SHARE_UNITS, NULL, 1, 0};
    return tr__explorer_dfs_share(preemption_bound, whole);
}

tr__explorer *tr__explorer_dfs_share(int preemption_bound, tr__share share)
{
    dfs *d = calloc(1, sizeof *d);
    TR_CHECK(d, "out of memory");
    d->base = (tr__explorer){"dfs", dfs_begin, dfs_choose, dfs_end, dfs_destroy, NULL, false, NULL, 0,
                             -1, false, false};
    d->iterative = preemption_bound < 0;
    d->share = share;
    d->bound = d->iterative ? 0 : preemption_bound;
    return &d->base;
}
