/* explore_portfolio.c — DPOR, random, PCT and POS side by side in one search.
 *
 * No one strategy is best on every bug: DPOR proves a small case correct and finds a bug
 * in a narrow corner of a large one only by luck of its order; the randomized strategies
 * find shallow bugs fast in any case but never prove anything. The portfolio alternates
 * executions between them: execution i goes to member i mod 4, so each member runs its own
 * search at a quarter of the pace, and a bug is found about as soon as by the fastest
 * member for it, times four.
 * When DPOR completes, the search is complete (every trace ran) and the portfolio ends.
 *
 * Each member is the explorer its strategy uses alone, and sees only its own executions,
 * so the portfolio's executions are a function of (case, seed, depth, share) as each
 * member's are. Under a share (--shard I/N, -j), DPOR explores its share of subtrees and
 * each randomized member the executions I, I+N, ... of its own stream, as each does alone. */
#include <stdlib.h>
#include <string.h>

#include "harness_internal.h"

enum { MEMBERS = 4, DPOR_MEMBER = 0 };

typedef struct portfolio {
    tr__explorer base;
    tr__explorer *member[MEMBERS]; /* dpor, random, pct, pos */
    long begun[MEMBERS];           /* execution_begin calls a randomized member has had */
    long ran[MEMBERS];             /* executions it ran in this process */
    long executions;               /* begun by the portfolio */
    int current;                   /* the member of this execution */
    tr__share share;
} portfolio;

static void portfolio_begin(tr__explorer *e)
{
    portfolio *p = (portfolio *)e;
    int m = (int)(p->executions % MEMBERS);
    p->current = m;
    p->executions++;
    tr__explorer *x = p->member[m];
    if (m == DPOR_MEMBER) {
        x->execution_begin(x);
        return;
    }
    /* its ran-th execution here is execution ran*N + I + 1 of its own stream */
    int count = tr__share_splits(&p->share) ? p->share.count : 1;
    int index = tr__share_splits(&p->share) ? p->share.index : 0;
    long want = p->ran[m] * count + index + 1;
    while (p->begun[m] < want) {
        x->execution_begin(x);
        p->begun[m]++;
    }
    p->ran[m]++;
}

static int portfolio_choose(tr__explorer *e, const tr__choice *choices, int n, int current,
                            int depth)
{
    portfolio *p = (portfolio *)e;
    tr__explorer *x = p->member[p->current];
    if (n < 2 && !x->every_point) /* asked only for DPOR's sake */
        return 0;
    return x->choose(x, choices, n, current, depth);
}

static void portfolio_step(tr__explorer *e, const tr__event *ev)
{
    portfolio *p = (portfolio *)e;
    tr__explorer *x = p->member[p->current];
    if (x->on_step)
        x->on_step(x, ev);
}

static void portfolio_cut(tr__explorer *e, const int *threads, int n)
{
    portfolio *p = (portfolio *)e;
    tr__explorer *x = p->member[p->current];
    if (x->execution_cut)
        x->execution_cut(x, threads, n);
}

/* False once DPOR has nothing left: every trace ran, so the others can add nothing. The
 * randomized members never run out. */
static bool portfolio_end(tr__explorer *e)
{
    portfolio *p = (portfolio *)e;
    tr__explorer *x = p->member[p->current];
    bool more = x->execution_end(x);
    e->skipped = x->skipped;
    e->abandoned = x->abandoned;
    return more || p->current != DPOR_MEMBER;
}

static void portfolio_destroy(tr__explorer *e)
{
    portfolio *p = (portfolio *)e;
    for (int m = 0; m < MEMBERS; m++)
        p->member[m]->destroy(p->member[m]);
    free(p);
}

tr__explorer *tr__explorer_portfolio(uint64_t seed, int pct_depth, int pct_steps,
                                     tr__share share)
{
    portfolio *p = calloc(1, sizeof *p);
    TR_CHECK(p, "out of memory");
    p->member[DPOR_MEMBER] = tr__explorer_dpor_share(share);
    p->member[1] = tr__explorer_random(seed);
    p->member[2] = tr__explorer_pct(seed, pct_depth, pct_steps);
    p->member[3] = tr__explorer_pos(seed);
    int max_threads = 0; /* the fewest any member takes */
    for (int m = 0; m < MEMBERS; m++) {
        int t = p->member[m]->max_threads;
        if (t && (!max_threads || t < max_threads))
            max_threads = t;
    }
    p->base = (tr__explorer){"portfolio",     portfolio_begin, portfolio_choose, portfolio_end,
                             portfolio_destroy, portfolio_step, true,          portfolio_cut,
                             max_threads,     -1,              false,           false};
    p->share = share;
    return &p->base;
}
