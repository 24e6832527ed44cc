/* explore_pct.c — probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010).
 *
 * Each execution gives every thread a random distinct priority above d and picks d-1
 * change points k_1..k_{d-1} among the first k choice points. The enabled thread with the
 * highest priority runs; at point k_i the running thread drops to priority i. A bug of
 * depth d is found with probability >= 1/(n k^(d-1)).
 *
 * k is the case's, measured once before the search by a probe execution (tr__pct_steps,
 * explore_probe.c), and never learned from the executions run: a shard, a -j worker or a
 * portfolio runs only part of the stream, and a k learned from that part would make
 * execution i's choices differ from the whole search's. Execution i draws from its own
 * stream (seed, i) with that k, so its choices are a function of (case, seed, depth, i)
 * wherever it runs. */
#include <stdlib.h>
#include <string.h>

#include "harness_internal.h"

enum { PCT_MAX_THREADS = 256 };

typedef struct pct {
    tr__explorer base;
    uint64_t seed;
    uint64_t execution;
    int depth;
    tr_rng rng;
    int priority[PCT_MAX_THREADS]; /* 0 = not drawn yet */
    int change[16];                /* change points (choice indices) */
    int steps;                     /* k */
    int points;                    /* choice points in this execution */
} pct;

static void pct_begin(tr__explorer *e)
{
    pct *p = (pct *)e;
    p->rng.s = p->seed ^ (0x9e3779b97f4a7c15ull * ++p->execution);
    memset(p->priority, 0, sizeof p->priority);
    for (int i = 0; i < p->depth - 1 && i < 16; i++)
        p->change[i] = (int)tr_rng_below(&p->rng, (uint64_t)p->steps);
    p->points = 0;
}

static int priority_of(pct *p, int thread)
{
    if (thread >= PCT_MAX_THREADS)
        return 1;
    if (!p->priority[thread]) /* distinct: d + a random value scaled by the id */
        p->priority[thread] = p->depth + 1 + (int)tr_rng_below(&p->rng, 1u << 16) * 257 + thread;
    return p->priority[thread];
}

static int pct_choose(tr__explorer *e, const tr__choice *choices, int n, int current, int depth)
{
    pct *p = (pct *)e;
    (void)current, (void)depth;
    int best = -1, best_priority = 0;
    for (int i = 0; i < n; i++) {
        /* time passing (a timed wait expiring) ranks below every runnable thread; a try
         * that fails (timeout 0) is that thread's next step, at its own priority */
        bool waits = choices[i].timeout && !choices[i].polls;
        int pr = waits ? 0 : priority_of(p, choices[i].thread);
        if (best < 0 || pr > best_priority) {
            best = i;
            best_priority = pr;
        }
    }
    /* The i-th change point (drawn in random order, so its place among the steps is
     * independent of i) lowers the thread to priority i + 1: a thread lowered later may
     * land below one lowered earlier, as in the paper. Handing out 1, 2, ... in the
     * order the points are met instead kept every later-lowered thread above the
     * earlier ones, and a bug needing the opposite was never found. */
    for (int i = 0; i < p->depth - 1 && i < 16; i++)
        if (p->change[i] == p->points && choices[best].thread < PCT_MAX_THREADS)
            p->priority[choices[best].thread] = i + 1;
    p->points++;
    return best;
}

static bool pct_end(tr__explorer *e)
{
    (void)e;
    return true;
}

static void pct_destroy(tr__explorer *e) { free(e); }

tr__explorer *tr__explorer_pct(uint64_t seed, int depth, int steps)
{
    pct *p = calloc(1, sizeof *p);
    TR_CHECK(p, "out of memory");
    p->base = (tr__explorer){"pct", pct_begin, pct_choose, pct_end, pct_destroy, NULL, false, NULL, 0,
                             -1, false, false};
    p->seed = seed;
    p->depth = depth < 1 ? 1 : depth;
    p->steps = steps > 1 ? steps : 1;
    return &p->base;
}
