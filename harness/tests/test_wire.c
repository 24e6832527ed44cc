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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "../src/finding.h"
#include "../src/wire.h"

/* The child's write end, found the way a stray writer would: an inherited pipe. */
static int find_write_end(void)
{
    for (int fd = 3; fd < 256; fd++) {
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
    assert_ptr_equal(f.sites[0].file, __FILE__); /* the same literal in parent and child */
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

static void test_a_short_or_impossible_finding_is_refused(void **unused)
{
    (void)unused;
    tr_finding f = {.kind = TR_CRASH}, out;
    assert_false(tr__wire_get_finding(&f, sizeof f - 1, &out));
    f.kind = TR_VERDICT_COUNT;
    assert_false(tr__wire_get_finding(&f, sizeof f, &out));
    f.kind = TR_CRASH;
    f.n_sites = TR_FINDING_SITES + 1;
    assert_false(tr__wire_get_finding(&f, sizeof f, &out));
    f.n_sites = 0;
    assert_true(tr__wire_get_finding(&f, sizeof f, &out));
    assert_null(out.parts);
    /* parts whose counts do not match their size */
    size_t size = sizeof f + sizeof(tr__finding_parts);
    char *both = calloc(1, size);
    assert_non_null(both);
    tr__finding_parts p = {.size = sizeof p, .n_steps = 3};
    memcpy(both, &f, sizeof f);
    memcpy(both + sizeof f, &p, sizeof p);
    assert_false(tr__wire_get_finding(both, size, &out));
    p.n_steps = 0;
    p.n_waiters = TR__PART_THREADS + 1;
    memcpy(both + sizeof f, &p, sizeof p);
    assert_false(tr__wire_get_finding(both, size, &out));
    p.n_waiters = 1;
    memcpy(both + sizeof f, &p, sizeof p);
    assert_true(tr__wire_get_finding(both, size, &out));
    free(both);
    assert_int_equal(out.parts->n_waiters, 1);
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

/* A child that does not answer SIGUSR1 is killed 5 s later: a HANG without a schedule. */
static void test_a_child_deaf_to_the_watchdog_is_a_hang(void **unused)
{
    (void)unused;
    tr__wire w;
    if (tr__wire_fork(&w, 0.2, false) == 0) {
        signal(SIGUSR1, SIG_IGN);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records_and_a_finding_arrive_as_sent),
        cmocka_unit_test(test_an_oversized_length_is_a_malformed_record_not_an_allocation),
        cmocka_unit_test(test_a_short_or_impossible_finding_is_refused),
        cmocka_unit_test(test_a_process_the_child_forks_does_not_write_on_the_wire),
        cmocka_unit_test(test_a_child_killed_by_a_signal_is_a_crash),
        cmocka_unit_test(test_a_child_deaf_to_the_watchdog_is_a_hang),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
