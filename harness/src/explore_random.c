/* explore_random.c — a uniform choice at every point; execution k draws from its own
 * stream (seed, k), so any execution can be rerun alone and -j/shards split cleanly. */
#include <stdlib.h>

#include "harness_internal.h"

typedef struct random_explorer {
    tr__explorer base;
    uint64_t seed;
    uint64_t execution;
    tr_rng rng;
} random_explorer;

static void random_begin(tr__explorer *e)
{
    random_explorer *r = (random_explorer *)e;
    r->rng.s = r->seed ^ (0xd1b54a32d192ed03ull * ++r->execution);
}

static int random_choose(tr__explorer *e, const tr__choice *choices, int n, int current, int depth)
{
    (void)choices, (void)current, (void)depth;
    return (int)tr_rng_below(&((random_explorer *)e)->rng, (uint64_t)n);
}

static bool random_end(tr__explorer *e)
{
    (void)e;
    return true;
}

static void random_destroy(tr__explorer *e) { free(e); }

tr__explorer *tr__explorer_random(uint64_t seed)
{
    random_explorer *r = calloc(1, sizeof *r);
    TR_CHECK(r, "out of memory");
    r->base = (tr__explorer){"random", random_begin, random_choose, random_end, random_destroy,
                                NULL, false, NULL, 0, -1, false, false};
    r->seed = seed;
    return &r->base;
}
