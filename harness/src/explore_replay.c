/* explore_replay.c — follows a schedule string choice by choice; a choice that is not
 * offered at its point is a mismatch, reported with the point's number. Past the end of
 * the string the lowest thread id runs (a finding's schedule may stop at the finding). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_internal.h"

typedef struct replay {
    tr__explorer base;
    tr__choice *schedule;
    int n, pos;
    char error[256];
} replay;

static void replay_begin(tr__explorer *e) { ((replay *)e)->pos = 0; }

static int replay_choose(tr__explorer *e, const tr__choice *choices, int n, int current, int depth)
{
    replay *r = (replay *)e;
    (void)current, (void)depth;
    if (r->pos >= r->n)
        return 0;
    tr__choice want = r->schedule[r->pos++];
    int i = tr__choice_find(choices, n, want);
    if (i >= 0)
        return i;
    snprintf(r->error, sizeof r->error, "at choice %d: thread %d%s", r->pos, want.thread,
             want.timeout ? " cannot time out here" : " is not runnable");
    return -1;
}

static bool replay_end(tr__explorer *e)
{
    (void)e;
    return false;
}

static void replay_destroy(tr__explorer *e)
{
    free(((replay *)e)->schedule);
    free(e);
}

tr__explorer *tr__explorer_replay(const tr__choice *schedule, int n)
{
    replay *r = calloc(1, sizeof *r);
    TR_CHECK(r, "out of memory");
    r->base = (tr__explorer){"replay", replay_begin, replay_choose, replay_end, replay_destroy,
                                NULL, false, NULL, 0, -1, false, false};
    r->schedule = malloc((size_t)(n > 0 ? n : 1) * sizeof *schedule);
    TR_CHECK(r->schedule, "out of memory");
    if (n > 0)
        memcpy(r->schedule, schedule, (size_t)n * sizeof *schedule);
    r->n = n;
    return &r->base;
}

const char *tr__replay_error(const tr__explorer *e) { return ((const replay *)e)->error; }

int tr__replay_used(const tr__explorer *e) { return ((const replay *)e)->pos; }
