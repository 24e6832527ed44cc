/* test_wire.c — the wire between a harness process and a forked child (wire.c): records
 * arrive as sent, a finding keeps its parts, a malformed record or a lost child becomes a
 * finding (never an abort or a huge allocation), and only the child itself writes. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "../src/finding.h"
#include "../src/wire.h"

/* The child's write end, found the way a stray writer would: an inherited pipe, the
 * highest one (the wire's end sits above the descriptors a program usually holds). */
static int find_write_end(void)
{
    for (int fd = 1023; fd >= 3; fd--) {
        struct stat st;
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0 && (fl & O_ACCMODE) == O_WRONLY && fstat(fd, &st) == 0 &&
            S_ISFIFO(st.st_mode))
            return fd;
    }
    return -1;
}

static tr__wire_status next(tr__wire *w, char *tag, const void **p, size_t *len)
{
    return tr__wire_get(w, tag, p, len);
}

static void test_records_and_a_finding_arrive_as_sent(void **unused)
{
    (void)unused;
    tr__wire w;
    if (tr__wire_fork(&w, 10, false) == 0) {
        int head = 7;
        tr__wire_put('A', &head, sizeof head, "xyz", 3);
        tr_finding f = {.kind = TR_DEADLOCK, .execution = 3, .n_sites = 1};
        f.sites[0] = (tr_site_ref){__FILE__, 42};
        snprintf(f.message, sizeof f.message, "two threads wait");
        tr__finding_parts *parts = tr__finding_parts_of(&f);
        parts->n_cycle = 1;
        parts->cycle_threads[0] = 2;
        tr__wire_put_finding(&f);
        tr__wire_put('E', NULL, 0, NULL, 0);
        _exit(0);
    }
    assert_true(fcntl(w.fd, F_GETFD) & FD_CLOEXEC);
    char tag;
    const void *p;
    size_t len;
    assert_int_equal(next(&w, &tag, &p, &len), TR__WIRE_RECORD);
    assert_int_equal(tag, 'A');
    assert_int_equal(len, sizeof(int) + 3);
    assert_memory_equal((const char *)p + sizeof(int), "xyz", 3);
    assert_int_equal(next(&w, &tag, &p, &len), TR__WIRE_RECORD);
    tr_finding f;
    assert_int_equal(tag, 'F');
    assert_true(tr__wire_get_finding(p, len, &f));
    assert_int_equal(f.kind, TR_DEADLOCK);
    assert_int_equal(f.execution, 3);
    assert_string_equal(f.sites[0].file, __FILE__); /* sent as its name, not its address */
    assert_string_equal(f.message, "two threads wait");
    assert_non_null(f.parts);
    assert_int_equal(f.parts->n_cycle, 1);
    assert_int_equal(f.parts->cycle_threads[0], 2);
    tr__finding_free(&f);
    assert_int_equal(next(&w, &tag, &p, &len), TR__WIRE_RECORD);
    assert_int_equal(tag, 'E');
    assert_int_equal(next(&w, &tag, &p, &len), TR__WIRE_CLOSED);
    tr_finding lost = {0};
    assert_false(tr__wire_end(&w, TR__WIRE_CLOSED, true, false, "the child", &lost));
}

static void test_an_oversized_length_is_a_malformed_record_not_an_allocation(void **unused)
{
    (void)unused;
    tr__wire w;
    if (tr__wire_fork(&w, 10, false) == 0) {
        unsigned char junk[5] = {'F', 0xf0, 0xff, 0xff, 0xff}; /* ~4 GB */
        if (write(find_write_end(), junk, sizeof junk) != sizeof junk)
            _exit(1);
        pause(); /* the parent must stop it */
        _exit(0);
    }
    char tag;
    const void *p;
    size_t len;
    tr__wire_status s = next(&w, &tag, &p, &len);
    assert_int_equal(s, TR__WIRE_BROKEN);
    tr_finding lost = {0};
    assert_true(tr__wire_end(&w, s, false, false, "the child", &lost));
    assert_int_equal(lost.kind, TR_CRASH);
    assert_non_null(strstr(lost.message, "the child sent a malformed record"));
}

/* A finding's payload as a child writes it: the file table (file: one name, or none),
 * the struct, then the parts when p is given. Returns its length; free *out. */
static size_t payload(char **out, const tr_finding *f, size_t flen, const void *p, size_t plen,
                      const char *file)
{
    uint32_t n = file ? 1 : 0;
    size_t names = file ? strlen(file) + 1 : 0;
    size_t len = sizeof n + names + flen + plen;
    char *b = calloc(1, len);
    assert_non_null(b);
    memcpy(b, &n, sizeof n);
    if (file)
        memcpy(b + sizeof n, file, names);
    memcpy(b + sizeof n + names, f, flen);
    if (p)
        memcpy(b + sizeof n + names + flen, p, plen);
    *out = b;
    return len;
}

static bool read_back(const tr_finding *f, size_t flen, const void *p, size_t plen,
                      const char *file, tr_finding *out)
{
    char *b;
    size_t len = payload(&b, f, flen, p, plen, file);
    bool ok = tr__wire_get_finding(b, len, out);
    free(b);
    return ok;
}

static void test_a_short_or_impossible_finding_is_refused(void **unused)
{
    (void)unused;
    tr_finding f = {.kind = TR_CRASH}, out;
    assert_false(read_back(&f, sizeof f - 1, NULL, 0, NULL, &out));
    f.kind = TR_VERDICT_COUNT;
    assert_false(read_back(&f, sizeof f, NULL, 0, NULL, &out));
    f.kind = TR_CRASH;
    f.n_sites = TR_FINDING_SITES + 1;
    assert_false(read_back(&f, sizeof f, NULL, 0, NULL, &out));
    f.n_sites = 0;
    assert_true(read_back(&f, sizeof f, NULL, 0, NULL, &out));
    assert_null(out.parts);
    /* parts whose counts do not match their size */
    tr__finding_parts p = {.size = sizeof p, .n_steps = 3};
    assert_false(read_back(&f, sizeof f, &p, sizeof p, NULL, &out));
    p.n_steps = 0;
    p.n_waiters = TR__PART_THREADS + 1;
    assert_false(read_back(&f, sizeof f, &p, sizeof p, NULL, &out));
    p.n_waiters = 1;
    p.waiters[0].n_holds = TR__PART_HOLDS + 1;
    assert_false(read_back(&f, sizeof f, &p, sizeof p, NULL, &out));
    p.waiters[0].n_holds = 0;
    p.waiters[0].op = TR__OP_COUNT;
    assert_false(read_back(&f, sizeof f, &p, sizeof p, NULL, &out));
    p.waiters[0].op = 0;
    assert_true(read_back(&f, sizeof f, &p, sizeof p, NULL, &out));
    assert_int_equal(out.parts->n_waiters, 1);
    tr__finding_free(&out);
}

static void test_a_site_file_is_a_name_in_the_table_never_an_address(void **unused)
{
    (void)unused;
    tr_finding f = {.kind = TR_ASSERTION, .n_sites = 2}, out;
    f.sites[0] = (tr_site_ref){(const char *)(uintptr_t)1, 7}; /* the table's first name */
    f.sites[1] = (tr_site_ref){NULL, 0};                       /* none */
    assert_true(read_back(&f, sizeof f, NULL, 0, "/src/case.c", &out));
    assert_string_equal(out.sites[0].file, "/src/case.c");
    assert_null(out.sites[1].file);
    tr_finding again;
    assert_true(read_back(&f, sizeof f, NULL, 0, "/src/case.c", &again));
    assert_ptr_equal(again.sites[0].file, out.sites[0].file); /* each name kept once */
    /* an address (or any number past the table) is refused */
    f.sites[0].file = __FILE__;
    assert_false(read_back(&f, sizeof f, NULL, 0, "/src/case.c", &out));
    f.sites[0].file = (const char *)(uintptr_t)2;
    assert_false(read_back(&f, sizeof f, NULL, 0, "/src/case.c", &out));
    /* a table whose name has no end is refused */
    char *b;
    size_t len = payload(&b, &f, 0, NULL, 0, "/src/case.c");
    assert_false(tr__wire_get_finding(b, len - 1, &out));
    free(b);
}

static void test_flags_labels_and_names_are_made_safe_to_read(void **unused)
{
    (void)unused;
    tr_finding f = {.kind = TR_DEADLOCK}, out;
    tr__finding_parts p = {.size = sizeof p, .n_names = 1, .n_waiters = 1};
    memset(p.names[0], 'x', sizeof p.names[0]);
    memset(p.waiters[0].object.label, 'y', sizeof p.waiters[0].object.label);
    memset(&p.waiters[0].blocked, 7, 1); /* not a bool */
    assert_true(read_back(&f, sizeof f, &p, sizeof p, NULL, &out));
    assert_int_equal(strlen(out.parts->names[0]), TR__PART_NAME - 1);
    assert_int_equal(strlen(out.parts->waiters[0].object.label), TR__PART_LABEL - 1);
    unsigned char flag;
    memcpy(&flag, &out.parts->waiters[0].blocked, 1);
    assert_int_equal(flag, 1);
    tr__finding_free(&out);
}

static void test_a_process_the_child_forks_does_not_write_on_the_wire(void **unused)
{
    (void)unused;
    tr__wire w;
    if (tr__wire_fork(&w, 10, false) == 0) {
        pid_t stray = fork();
        if (stray == 0)
            _exit(tr__wire_put('G', "garbage", 7, NULL, 0) ? 1 : 0);
        int status = 0;
        waitpid(stray, &status, 0);
        tr__wire_put('E', &status, sizeof status, NULL, 0);
        _exit(0);
    }
    char tag;
    const void *p;
    size_t len;
    assert_int_equal(next(&w, &tag, &p, &len), TR__WIRE_RECORD);
    assert_int_equal(tag, 'E');
    int status;
    memcpy(&status, p, sizeof status);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    tr_finding lost = {0};
    assert_false(tr__wire_end(&w, TR__WIRE_CLOSED, true, false, "the child", &lost));
}

static void test_a_child_killed_by_a_signal_is_a_crash(void **unused)
{
    (void)unused;
    tr__wire w;
    if (tr__wire_fork(&w, 10, false) == 0)
        raise(SIGKILL);
    char tag;
    const void *p;
    size_t len;
    tr__wire_status s = next(&w, &tag, &p, &len);
    assert_int_equal(s, TR__WIRE_CLOSED);
    tr_finding lost = {0};
    assert_true(tr__wire_end(&w, s, false, false, "the child", &lost));
    assert_int_equal(lost.kind, TR_CRASH);
    assert_string_equal(lost.message, "the child was killed by signal 9 (Killed)");
}

/* A child that catches SIGUSR1 but never answers is killed 5 s later: a HANG without a
 * schedule (under ThreadSanitizer, a spinning thread's handler never runs). */
static void do_nothing(int sig) { (void)sig; }

static void test_a_child_deaf_to_the_watchdog_is_a_hang(void **unused)
{
    (void)unused;
    tr__wire w;
    if (tr__wire_fork(&w, 0.2, false) == 0) {
        signal(SIGUSR1, do_nothing);
        tr__progress_exploring(true);
        for (;;)
            pause();
    }
    char tag;
    const void *p;
    size_t len;
    tr__wire_status s = next(&w, &tag, &p, &len);
    assert_int_equal(s, TR__WIRE_SILENT);
    tr_finding lost = {0};
    assert_true(tr__wire_end(&w, s, false, false, "the child", &lost));
    assert_int_equal(lost.kind, TR_HANG);
    assert_non_null(strstr(lost.message, "did not answer the watchdog (no schedule)"));
}

/* A child that cannot hear the question (SIGUSR1 ignored, left at its default action, or
 * blocked in every thread) is killed at once, and the finding says why. */
static void ignore_usr1(void) { signal(SIGUSR1, SIG_IGN); }
static void default_usr1(void) { signal(SIGUSR1, SIG_DFL); }
static void block_usr1(void)
{
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
}

static void test_a_child_that_cannot_hear_the_watchdog_is_a_hang_at_once(void **unused)
{
    (void)unused;
    static const struct {
        void (*deafen)(void);
        const char *why;
    } rows[] = {
        {ignore_usr1, "could not answer the watchdog: the case ignores SIGUSR1"},
        {default_usr1, "could not answer the watchdog: the case put SIGUSR1, the watchdog's "
                       "question, back to its default action"},
        {block_usr1, "could not answer the watchdog: every thread of the case blocks SIGUSR1"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        tr__wire w;
        if (tr__wire_fork(&w, 0.2, false) == 0) {
            rows[i].deafen();
            tr__progress_exploring(true);
            for (;;)
                pause();
        }
        char tag;
        const void *p;
        size_t len;
        tr__wire_status s = next(&w, &tag, &p, &len);
        tr_finding lost = {0};
        assert_true(tr__wire_end(&w, s, false, false, "the child", &lost));
        assert_int_equal(s, TR__WIRE_SILENT);
        assert_int_equal(lost.kind, TR_HANG);
        if (!strstr(lost.message, rows[i].why))
            fail_msg("row %zu: %s", i, lost.message);
    }
}

/* The question's handler put back to the default action as it arrives: the process ends
 * by SIGUSR1, which is the watchdog's doing, not a crash of the case. */
static void reset_and_reraise(int sig)
{
    signal(sig, SIG_DFL);
    raise(sig);
}

static void test_a_child_ended_by_the_question_is_a_hang_not_a_crash(void **unused)
{
    (void)unused;
    tr__wire w;
    if (tr__wire_fork(&w, 0.2, false) == 0) {
        signal(SIGUSR1, reset_and_reraise);
        tr__progress_exploring(true);
        for (;;)
            pause();
    }
    char tag;
    const void *p;
    size_t len;
    tr__wire_status s = next(&w, &tag, &p, &len);
    assert_int_equal(s, TR__WIRE_CLOSED);
    tr_finding lost = {0};
    assert_true(tr__wire_end(&w, s, false, false, "the child", &lost));
    assert_int_equal(lost.kind, TR_HANG);
    assert_non_null(strstr(lost.message, "asked by the watchdog (SIGUSR1), the child was killed "
                                         "by signal 10 (User defined signal 1): the case had put "
                                         "SIGUSR1 back to its default action"));
}

/* The case closes the child's end of the wire, or puts /dev/null in its place: nothing
 * more is written there, the child can tell (tr__wire_lost), and its parent names the
 * descriptor. The parent sees the end of the pipe at once, but waits for the child. */
static void test_a_closed_or_replaced_wire_is_a_crash_naming_the_descriptor(void **unused)
{
    (void)unused;
    for (int replace = 0; replace < 2; replace++) {
        tr__wire w;
        if (tr__wire_fork(&w, 10, false) == 0) {
            int fd = find_write_end();
            if (replace)
                dup2(open("/dev/null", O_WRONLY), fd);
            else
                close(fd);
            bool put = tr__wire_put('A', "x", 1, NULL, 0);
            _exit(!put && tr__wire_lost() ? 0 : 1);
        }
        char tag;
        const void *p;
        size_t len;
        tr__wire_status s = next(&w, &tag, &p, &len);
        assert_int_equal(s, TR__WIRE_CLOSED);
        tr_finding lost = {0};
        assert_true(tr__wire_end(&w, s, false, false, "the child", &lost));
        assert_int_equal(lost.kind, TR_CRASH);
        char want[160];
        snprintf(want, sizeof want, "the case %s descriptor 512, the harness's pipe from the "
                 "child (noticed: what was found from then on is lost); the child exited with "
                 "status 0", replace ? "replaced (dup2?)" : "closed");
        assert_string_equal(lost.message, want);
    }
}

/* The child ends while a process it forked holds the pipe open: the end is seen (no wait
 * for that process, no watchdog), and the process, in the child's group, is killed. */
static void test_a_child_that_ended_is_seen_though_its_child_holds_the_pipe(void **unused)
{
    (void)unused;
    prctl(PR_SET_CHILD_SUBREAPER, 1); /* the grandchild comes back here, to be checked */
    tr__wire w;
    if (tr__wire_fork(&w, 10, false) == 0) {
        pid_t holder = fork();
        if (holder == 0)
            for (;;)
                pause();
        tr__wire_put('P', &holder, sizeof holder, NULL, 0);
        _exit(3);
    }
    char tag;
    const void *p;
    size_t len;
    assert_int_equal(next(&w, &tag, &p, &len), TR__WIRE_RECORD);
    pid_t holder;
    assert_int_equal(tag, 'P');
    memcpy(&holder, p, sizeof holder);
    tr__wire_status s = next(&w, &tag, &p, &len);
    assert_int_equal(s, TR__WIRE_CLOSED);
    tr_finding lost = {0};
    assert_true(tr__wire_end(&w, s, false, false, "the child", &lost));
    assert_string_equal(lost.message, "the child exited with status 3, before finishing (did "
                                      "the case call exit or _exit?)");
    int status = 0;
    assert_int_equal(waitpid(holder, &status, 0), holder);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    prctl(PR_SET_CHILD_SUBREAPER, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records_and_a_finding_arrive_as_sent),
        cmocka_unit_test(test_an_oversized_length_is_a_malformed_record_not_an_allocation),
        cmocka_unit_test(test_a_short_or_impossible_finding_is_refused),
        cmocka_unit_test(test_a_site_file_is_a_name_in_the_table_never_an_address),
        cmocka_unit_test(test_flags_labels_and_names_are_made_safe_to_read),
        cmocka_unit_test(test_a_process_the_child_forks_does_not_write_on_the_wire),
        cmocka_unit_test(test_a_child_killed_by_a_signal_is_a_crash),
        cmocka_unit_test(test_a_child_deaf_to_the_watchdog_is_a_hang),
        cmocka_unit_test(test_a_child_that_cannot_hear_the_watchdog_is_a_hang_at_once),
        cmocka_unit_test(test_a_child_ended_by_the_question_is_a_hang_not_a_crash),
        cmocka_unit_test(test_a_closed_or_replaced_wire_is_a_crash_naming_the_descriptor),
        cmocka_unit_test(test_a_child_that_ended_is_seen_though_its_child_holds_the_pipe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
