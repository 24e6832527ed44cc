/* fuzz_wire.c — what a parent reads from a child it forked (harness/src/wire.c and the
 * records' readers): a child can write anything (its case may corrupt memory, or fork a
 * process that writes on the inherited pipe), and the parent must turn it into a
 * finding, never crash or abort.
 *
 * The input is one byte choosing the parent's explorer (dfs, dpor, random, pct), then
 * the bytes a child wrote: records as wire.h frames them. They go through a real pipe
 * to tr__wire_get, and each record is read as both parents read it: explore.c's (a
 * finding, 'F', kept in the case's result) and explore_isolate.c's take() (choices,
 * steps, cuts, lock-order edges and findings replayed on the explorer). Every finding
 * kept is then rendered in all four report formats. */
#include "../harness/src/explore_isolate.c" /* take(): the --isolate parent's reader */

#include <fcntl.h>
#include <unistd.h>

#include "../harness/src/report.h"
#include "fuzz.h"

static tr_case fuzz_case = {.name = "fuzz_case", .expected = TR_DEADLOCK,
                            .file = "/src/cases/fuzz_case.c", .line = 12};

static tr__explorer *explorer(uint8_t which)
{
    switch (which % 4) {
    case 0:
        return tr__explorer_dfs(-1);
    case 1:
        return tr__explorer_dpor();
    case 2:
        return tr__explorer_random(7);
    default:
        return tr__explorer_pct(7, 3, 20);
    }
}

/* explore.c's reading of a record (explore_finish): a finding is kept in the result. */
static void explore_take(tr_result *r, size_t *cap, char tag, const void *p, size_t len)
{
    tr_finding f;
    if (tag == 'F' && tr__wire_get_finding(p, len, &f))
        tr__result_keep(r, cap, &f);
}

static void keep_finding(tr_finding *f, void *ctx)
{
    void **keep = ctx;
    tr__result_keep(keep[0], keep[1], f);
}

static void render(FILE *out, tr_result *r)
{
    tr__report_case_line(out, r, "dpor");
    tr__report_findings(out, r, "dpor", false);
    tr__report_json(out, r, "dpor", NULL);
    tr__sarif sarif;
    tr__sarif_begin(&sarif, out);
    tr__sarif_case(&sarif, r, "dpor");
    tr__sarif_end(&sarif, 1);
    tr__junit junit;
    if (tr__junit_begin(&junit)) {
        tr__junit_case(&junit, r, "dpor");
        tr__junit_end(&junit, out);
    }
}

/* The child's bytes in a pipe, its write end closed: the wire's reader sees exactly what
 * a child that wrote them and exited leaves. */
static int pipe_of(const uint8_t *data, size_t size)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    int room = fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
    if (room < 0 || size > (size_t)room || write(p[1], data, size) != (ssize_t)size) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    close(p[1]);
    return p[0];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static tr__progress_counter *progress;
    static FILE *out;
    static tr__choice *schedule; /* the replayed choices: 2 MB, so once */
    if (!schedule)
        schedule = malloc(TR__SCHEDULE_MAX * sizeof *schedule);
    if (!progress)
        progress = tr__progress_shared_new();
    if (!out)
        out = fopen("/dev/null", "w");
    if (size < 1 || !progress || !out || !schedule)
        return 0;
    int fd = pipe_of(data + 1, size - 1);
    if (fd < 0)
        return 0;
    tr__wire w = {.pid = -1, .fd = fd, .progress = progress, .step_timeout = 1e9};
    tr_result mine = {.c = &fuzz_case}, theirs = {.c = &fuzz_case};
    size_t cap_mine = 0, cap_theirs = 0;
    void *keep[2] = {&theirs, &cap_theirs};
    replay rp = {.e = explorer(data[0]), .ok = true, .sink = keep_finding, .ctx = keep};
    rp.schedule = schedule;
    tr__lockorder_reset();
    rp.e->execution_begin(rp.e);
    bool isolate_ok = true;
    char tag;
    const void *p;
    size_t len;
    while (tr__wire_get(&w, &tag, &p, &len) == TR__WIRE_RECORD) {
        explore_take(&mine, &cap_mine, tag, p, len);
        if (isolate_ok)
            isolate_ok = take(&rp, tag, p, len); /* the parent stops at a bad record */
    }
    close(fd);
    free(w.payload);
    rp.e->execution_end(rp.e);
    rp.e->destroy(rp.e);
    render(out, &mine);
    render(out, &theirs);
    tr_result_free(&mine);
    tr_result_free(&theirs);
    return 0;
}
