/* wire_seeds.c — writes the wire target's seed corpus (fuzz/corpus/wire/): the bytes
 * real children write. For each case named, one execution runs as --isolate runs it, in
 * a forked child whose records (choices, steps, cuts, findings with their parts,
 * lock-order edges, the end) are saved as they arrive, after the byte that selects the
 * parent's explorer; plus a crash finding as a child's crash handler sends it. The
 * files depend on the binary only through the cases' sources (no address crosses the
 * wire), so they stay valid seeds as the code changes.
 *
 *   fuzz_wire_seeds OUTDIR CASE...    (built with the built-in cases) */
#include "../harness/src/explore_isolate.c" /* run_child(): the --isolate child's side */

#include <errno.h>
#include <unistd.h>

/* Everything the child wrote, until it closed the wire. */
static bool save(tr__wire *w, uint8_t selector, const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    fputc(selector, f);
    char buf[65536];
    ssize_t k;
    while ((k = read(w->fd, buf, sizeof buf)) > 0 || (k < 0 && errno == EINTR))
        if (k > 0)
            fwrite(buf, 1, (size_t)k, f);
    tr_finding lost;
    memset(&lost, 0, sizeof lost);
    tr__wire_end(w, TR__WIRE_CLOSED, true, false, "the case", &lost);
    return fclose(f) == 0;
}

static bool one_execution(const tr_case *c, int which, const char *dir)
{
    tr__explorer *e = which == 0 ? tr__explorer_dfs(-1) : tr__explorer_dpor();
    tr__exec_opts xo = {.explorer = e, .max_steps = 10000, .timeouts = TR_TIMEOUTS_LAZY};
    tr__wire w;
    e->execution_begin(e);
    if (tr__wire_fork(&w, 10, false) == 0)
        run_child(c, &xo);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s_%s", dir, c->name, which == 0 ? "dfs" : "dpor");
    bool ok = save(&w, (uint8_t)which, path);
    e->destroy(e);
    return ok;
}

static bool crash_report(const char *dir)
{
    tr__wire w;
    if (tr__wire_fork(&w, 10, false) == 0) {
        tr_finding f;
        tr__finding_init(&f, TR_CRASH, "the case was killed by signal 11 (Segmentation fault)");
        f.execution = 3;
        snprintf(f.schedule, sizeof f.schedule, "v1:0.1.1");
        tr__wire_put_finding(&f);
        _exit(0);
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/crash_handler_report", dir);
    return save(&w, 1, path);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: fuzz_wire_seeds OUTDIR CASE...\n");
        return 2;
    }
    bool ok = crash_report(argv[1]);
    for (int i = 2; i < argc; i++) {
        const tr_case *c = tr_case_find(argv[i]);
        if (!c) {
            fprintf(stderr, "fuzz_wire_seeds: no case %s\n", argv[i]);
            return 2;
        }
        ok &= one_execution(c, 0, argv[1]);
        ok &= one_execution(c, 1, argv[1]);
    }
    return ok ? 0 : 1;
}
