/* explore_pos.c — partial order sampling (Yuan, Yang and Gu, CAV 2018).
 *
 * Every pending step (each thread's next one) carries a random priority; the enabled step
 * with the highest runs. When a step runs, the steps still pending that it races with (same
 * domain, one of the two may change it) draw new priorities, and so does its thread's next
 * step. A uniform random walk over interleavings keeps favouring the orders that many
 * interleavings share; redrawing only what a step races with makes every partial order
 * (every Mazurkiewicz trace) far more even in probability, so a bug that needs two racing
 * steps in one order is found about as often as the other order.
 *
 * Execution k draws from its own stream (seed, k): any execution can be rerun alone, and
 * shards and -j split cleanly. */
#include <stdlib.h>
#include <string.h>

#include "harness_internal.h"

enum { POS_MAX_THREADS = 256 };

typedef struct pending {
    uint64_t priority; /* 0: not drawn (drawn when first offered) */
    int domain;        /* the step's domain when it was last offered, -1 none or unknown */
    bool modifies;
} pending;

typedef struct pos {
    tr__explorer base;
    uint64_t seed;
    uint64_t execution;
    tr_rng rng;
    pending steps[POS_MAX_THREADS];
} pos;

static void pos_begin(tr__explorer *e)
{
    pos *p = (pos *)e;
    p->rng.s = p->seed ^ (0x94d049bb133111ebull * ++p->execution);
    memset(p->steps, 0, sizeof p->steps);
    for (int i = 0; i < POS_MAX_THREADS; i++)
        p->steps[i].domain = -1;
}

static uint64_t priority_of(pos *p, int thread)
{
    pending *s = &p->steps[thread];
    while (!s->priority) /* 0 means "draw": never a drawn value */
        s->priority = tr_rng_next(&p->rng);
    return s->priority;
}

static int pos_choose(tr__explorer *e, const tr__choice *choices, int n, int current, int depth)
{
    pos *p = (pos *)e;
    (void)current, (void)depth;
    int best = 0;
    uint64_t best_priority = 0;
    for (int i = 0; i < n; i++) {
        int t = choices[i].thread;
        if (t >= POS_MAX_THREADS)
            continue;
        p->steps[t].domain = choices[i].domain;
        p->steps[t].modifies = choices[i].modifies;
        uint64_t pr = priority_of(p, t);
        if (pr > best_priority) {
            best = i;
            best_priority = pr;
        }
    }
    return best;
}

static bool races(const pending *s, const tr__event *ev)
{
    return s->domain >= 0 && s->domain == ev->domain && (s->modifies || ev->modifies);
}

/* Told of every step, chosen or the only one possible: its thread's next step is a new
 * one, and the pending steps it races with are reordered afresh. */
static void pos_on_step(tr__explorer *e, const tr__event *ev)
{
    pos *p = (pos *)e;
    for (int t = 0; t < POS_MAX_THREADS; t++)
        if (t != ev->thread && p->steps[t].priority && races(&p->steps[t], ev))
            p->steps[t].priority = 0;
    if (ev->thread >= 0 && ev->thread < POS_MAX_THREADS) {
        p->steps[ev->thread].priority = 0;
        p->steps[ev->thread].domain = -1;
    }
}

static bool pos_end(tr__explorer *e)
{
    (void)e;
    return true;
}

static void pos_destroy(tr__explorer *e) { free(e); }

tr__explorer *tr__explorer_pos(uint64_t seed)
{
    pos *p = calloc(1, sizeof *p);
    TR_CHECK(p, "out of memory");
    p->base = (tr__explorer){"pos", pos_begin, pos_choose, pos_end, pos_destroy, pos_on_step,
                             false, NULL, POS_MAX_THREADS, -1, false, false};
    p->seed = seed;
    return &p->base;
}
