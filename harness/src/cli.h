/* cli.h — the trama command line as data. Never installed.
 *
 * tr_main parses its arguments into a tr__cli with tr__cli_parse, then runs the command.
 * The parser is the whole syntax of the command line (commands, options, their values
 * and ranges, positional arguments) and has no effects: it never prints, never exits,
 * never opens a file and never looks at the registered cases, so the fuzz target
 * (fuzz/fuzz_cli.c) drives exactly the parser the program uses. What needs the world
 * (a glob that matches no case, a file that cannot be written) is checked by the
 * command that runs. */
#ifndef TRAMA_HARNESS_CLI_H
#define TRAMA_HARNESS_CLI_H

#include <stddef.h>

#include "harness_internal.h"

typedef enum tr__command {
    TR__CMD_LIST,
    TR__CMD_RUN,
    TR__CMD_VERIFY,
    TR__CMD_REPLAY,
    TR__CMD_HELP,
} tr__command;

enum { TR__CLI_GLOBS = 256 };

/* Strings are borrowed from argv. */
typedef struct tr__cli {
    tr__command command;
    tr_explore_opts o;               /* tr_explore_opts_init, then the options */
    const char *globs[TR__CLI_GLOBS]; /* run, verify: the case patterns */
    int n_globs;
    const char *excludes[TR__CLI_GLOBS]; /* --exclude: cases left out even if selected */
    int n_excludes;
    const char *json, *sarif, *junit; /* report files */
    /* --shard auto[/N]: the shard comes from the batch system's environment, read by the
     * command (the parser looks at nothing but argv); N, when given, is the count. */
    bool shard_auto;
    int shard_auto_count;
    bool minimize_set; /* --minimize was given */
    /* --timeouts, --spurious-wakeups were given: replay takes them from its schedule, and
     * one given that says otherwise is an error */
    bool timeouts_set, spurious_set;
    bool quiet;
    bool trace;                       /* replay --trace */
    bool estimate;                    /* run --estimate: the executions needed, not a run */
    bool replay_continue;             /* replay --continue: explore below the schedule */
    const char *replay_case;          /* replay's two positional arguments */
    const char *replay_schedule;
} tr__cli;

/* The whole string is one decimal integer in [lo, hi]. */
bool tr__cli_long(const char *s, long lo, long hi, long *out);
/* "I/N" with 0 <= I < N, each a decimal integer that fits an int. */
bool tr__cli_shard(const char *s, int *index, int *count);

/* The usage text `trama help` prints and every usage error follows. */
extern const char tr__cli_usage[];

/* Parses argv[1..argc-1] (argv[0] is the program) into *c. Returns 0, or 2 (the usage
 * exit code) with one sentence saying what is wrong in err. */
int tr__cli_parse(int argc, char **argv, tr__cli *c, char *err, size_t err_size);

#endif
