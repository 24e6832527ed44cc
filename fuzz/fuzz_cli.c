/* fuzz_cli.c — the trama command line (harness/src/cli_options.c, the parser tr_main
 * uses). The input is argv after the program name, its arguments separated by NUL bytes
 * ("run\0--seed\07"). Besides memory safety: a refused command line says why, and an
 * accepted one is within every documented range, with its strings taken from argv. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/src/cli.h"
#include "fuzz.h"

enum { MAX_ARGS = 1024 };

/* s is one of the arguments (borrowed, not copied). */
static bool from_argv(const char *s, char **argv, int argc)
{
    for (int i = 1; i < argc; i++)
        if (s == argv[i])
            return true;
    return false;
}

static void check_accepted(const tr__cli *c, char **argv, int argc)
{
    const tr_explore_opts *o = &c->o;
    FUZZ_CHECK(o->jobs == 0 || (o->jobs >= 1 && o->jobs <= 256));
    FUZZ_CHECK(o->shard_count == 0 || (o->shard_index >= 0 && o->shard_index < o->shard_count));
    FUZZ_CHECK(o->pct_depth >= 1 && o->pct_depth <= 16);
    FUZZ_CHECK(o->preemption_bound >= -1 && o->preemption_bound <= 1000);
    FUZZ_CHECK(o->max_executions >= 0 && o->max_steps >= 0);
    FUZZ_CHECK(o->time_budget >= 0 && o->step_timeout > 0);
    FUZZ_CHECK(c->n_globs >= 0 && c->n_globs <= TR__CLI_GLOBS);
    for (int i = 0; i < c->n_globs; i++)
        FUZZ_CHECK(from_argv(c->globs[i], argv, argc));
    FUZZ_CHECK(!c->json || from_argv(c->json, argv, argc));
    FUZZ_CHECK(!c->sarif || from_argv(c->sarif, argv, argc));
    FUZZ_CHECK(!c->junit || from_argv(c->junit, argv, argc));
    if (c->command == TR__CMD_REPLAY)
        FUZZ_CHECK(from_argv(c->replay_case, argv, argc) &&
                   from_argv(c->replay_schedule, argv, argc) && c->n_globs == 0);
    else
        FUZZ_CHECK(!c->replay_case && !c->replay_schedule);
    FUZZ_CHECK(o->stop_on_expected == (c->command == TR__CMD_VERIFY));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    char **argv = malloc((MAX_ARGS + 2) * sizeof *argv);
    if (!text || !argv)
        goto out;
    memcpy(text, data, size);
    text[size] = '\0';
    int argc = 0;
    argv[argc++] = "trama";
    for (char *p = text; p <= text + size && argc <= MAX_ARGS; p += strlen(p) + 1)
        argv[argc++] = p;
    if (size == 0)
        argc = 1; /* no argument at all */
    argv[argc] = NULL;
    tr__cli c;
    char err[512];
    memset(err, 'x', sizeof err);
    if (tr__cli_parse(argc, argv, &c, err, sizeof err) == 0)
        check_accepted(&c, argv, argc);
    else
        FUZZ_CHECK(memchr(err, '\0', sizeof err) && err[0] != '\0');
out:
    free(argv);
    free(text);
    return 0;
}
