/* test_misuse_log.c — misuse reports from a native run: the reporter's record (object,
 * thread, process, the user's functions on the stack), the TRAMA_MISUSE_LOG file and text
 * forms, the per-site rate limit and its repeats, the size cap, an unwritable path, a
 * forked child appending to the same file, and the harness's observer keeping the log
 * silent. The many-threads-and-processes test of whole records is
 * tests/scripts/test_misuse_log.py. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "helpers.h"
#include "misuse.h"

static char dir[64];
static char path[128];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/trama-misuse-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof path, "%s/m.jsonl", dir);
    unlink(path);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unsetenv("TRAMA_MISUSE_LOG");
    unsetenv("TRAMA_MISUSE_LOG_MAX");
    tr__misuse_log_reopen();
    unlink(path);
    rmdir(dir);
    return 0;
}

/* The log as TRAMA_MISUSE_LOG=value (and the cap) asks, read afresh. */
static void log_to(const char *value, const char *max)
{
    setenv("TRAMA_MISUSE_LOG", value, 1);
    if (max)
        setenv("TRAMA_MISUSE_LOG_MAX", max, 1);
    else
        unsetenv("TRAMA_MISUSE_LOG_MAX");
    tr__misuse_log_reopen();
}

/* The whole file (malloc'ed, NUL-terminated; "" when absent). */
static char *slurp(const char *file)
{
    FILE *f = fopen(file, "r");
    char *text = calloc(1, 1 << 20);
    if (f) {
        size_t n = fread(text, 1, (1 << 20) - 1, f);
        text[n] = '\0';
        fclose(f);
    }
    return text;
}

static int count(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* The sum of every "repeats":N in text. */
static long repeats_in(const char *text)
{
    long sum = 0;
    for (const char *p = strstr(text, "\"repeats\":"); p; p = strstr(p + 1, "\"repeats\":"))
        sum += strtol(p + 10, NULL, 10);
    return sum;
}

/* stderr into a file while a test runs. */
static int saved_stderr = -1;
static char err_path[160];

static void capture_stderr(void)
{
    snprintf(err_path, sizeof err_path, "%s/stderr.txt", dir);
    fflush(stderr);
    saved_stderr = dup(2);
    int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 2);
    close(fd);
}

static char *captured_stderr(void)
{
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    char *text = slurp(err_path);
    unlink(err_path);
    return text;
}

/* ---- the reporter ----------------------------------------------------------------------- */

typedef struct kept {
    int calls;
    tr_misuse m;
    char object_id[32], thread_name[64], operation[32], process[64];
    char functions[8][64];
    int depth;
    bool named;
} kept;

static void keep_misuse(const tr_misuse *m, void *ctx)
{
    kept *k = ctx;
    k->calls++;
    k->m = *m;
    snprintf(k->object_id, sizeof k->object_id, "%s", m->object_id ? m->object_id : "");
    snprintf(k->thread_name, sizeof k->thread_name, "%s", m->thread_name);
    snprintf(k->operation, sizeof k->operation, "%s", m->operation ? m->operation : "");
    snprintf(k->process, sizeof k->process, "%s", m->process_name);
    k->depth = m->stack_depth;
    for (int i = 0; i < m->stack_depth && i < 8; i++)
        snprintf(k->functions[i], sizeof k->functions[i], "%s",
                 m->stack[i].function ? m->stack[i].function : "");
    k->m.stack = NULL;
    k->m.file = NULL;
}

static int release_line;

/* noinline with work after the call, so it is a frame of its own on the stack. */
__attribute__((noinline)) static int release_unlocked(tr_lock *l)
{
    release_line = __LINE__ + 1;
    int s = tr_lock_release(l);
    __asm__ volatile("" ::: "memory");
    return s;
}

typedef struct releaser {
    tr_lock *lock;
} releaser;

__attribute__((noinline)) static void releaser_main(void *arg)
{
    releaser *r = arg;
    release_unlocked(r->lock);
    __asm__ volatile("" ::: "memory");
}

static void test_reporter_gets_object_thread_process_and_the_users_stack(void **state)
{
    (void)state;
    kept k = {0};
    tr_lock *l = tr_lock_new();
    releaser r = {l};
    tr_thread *t = tr_thread_new(releaser_main, &r, &(tr_thread_opts){.name = "releaser"});
    tr_set_misuse_reporter(keep_misuse, &k);
    tr_thread_start(t);
    tr_thread_join(t, HANG);
    tr_set_misuse_reporter(NULL, NULL);
    assert_int_equal(k.calls, 1);
    assert_int_equal(k.m.status, TR_RUNTIME_ERROR);
    assert_string_equal(k.m.kind, "runtime_error");
    assert_string_equal(k.m.exception, "RuntimeError");
    assert_int_equal(k.m.line, release_line);
    assert_string_equal(k.operation, "lock.release");
    assert_string_equal(k.m.object_kind, "lock");
    assert_true(k.object_id[0] == 'L' && atoi(k.object_id + 1) >= 1);
    assert_string_equal(k.thread_name, "releaser");
    assert_int_equal(k.m.thread_ident, tr_thread_ident(t));
    assert_true(k.m.thread_native_id > 0);
    assert_int_equal(k.m.pid, getpid());
    assert_string_equal(k.process, "MainProcess");
    assert_true(k.m.monotonic > 0 && k.m.time > 1e9);
    assert_true(k.depth >= 1);
    if (strcmp(k.m.symbolizer, "libdw") == 0) { /* trama's own frames left out */
        assert_string_equal(k.functions[0], "release_unlocked");
        assert_string_equal(k.functions[1], "releaser_main");
        assert_int_equal(k.depth, 2);
    } else {
        assert_string_equal(k.m.symbolizer, "backtrace");
    }
    tr_thread_free(t);
    tr_lock_free(l);
}

static void test_objects_are_numbered_per_kind_in_creation_order(void **state)
{
    (void)state;
    kept a = {0}, b = {0};
    tr_lock *first = tr_lock_new(), *second = tr_lock_new();
    tr_set_misuse_reporter(keep_misuse, &a);
    tr_lock_release(first);
    tr_set_misuse_reporter(keep_misuse, &b);
    tr_lock_release(second);
    tr_set_misuse_reporter(NULL, NULL);
    assert_int_equal(atoi(b.object_id + 1), atoi(a.object_id + 1) + 1);
    tr_lock_free(first);
    tr_lock_free(second);
}

static void test_a_constructors_argument_misuse_has_no_object(void **state)
{
    (void)state;
    kept k = {0};
    tr_set_misuse_reporter(keep_misuse, &k);
    tr_semaphore *s = tr_semaphore_new(-1);
    tr_set_misuse_reporter(NULL, NULL);
    assert_null(s);
    assert_int_equal(k.calls, 1);
    assert_int_equal(k.m.status, TR_VALUE_ERROR);
    assert_null(k.m.object_id);
    assert_string_equal(k.object_id, "");
}

static int hook_calls;
static void count_hook(tr_status s, const char *message, const char *file, int line, void *ctx)
{
    (void)s, (void)message, (void)file, (void)line, (void)ctx;
    hook_calls++;
}

static void test_hook_and_reporter_are_both_called_and_the_log_stays_silent(void **state)
{
    (void)state;
    log_to(path, NULL);
    kept k = {0};
    hook_calls = 0;
    tr_lock *l = tr_lock_new();
    tr_set_misuse_hook(count_hook, NULL);
    tr_set_misuse_reporter(keep_misuse, &k);
    tr_lock_release(l);
    tr_set_misuse_reporter(NULL, NULL);
    tr_lock_release(l);
    tr_set_misuse_hook(NULL, NULL);
    assert_int_equal(hook_calls, 2);
    assert_int_equal(k.calls, 1);
    char *text = slurp(path);
    assert_string_equal(text, "");
    free(text);
    tr_lock_free(l);
}

static int observed;
static void observe(tr_status s, const char *message, const char *file, int line, void *ctx)
{
    (void)s, (void)message, (void)file, (void)line, (void)ctx;
    observed++;
}

static void test_under_the_harness_observer_the_log_stays_silent(void **state)
{
    (void)state;
    log_to(path, NULL);
    observed = 0;
    tr_lock *l = tr_lock_new();
    tr__set_misuse_observer(observe, NULL);
    tr_lock_release(l);
    tr__set_misuse_observer(NULL, NULL);
    assert_int_equal(observed, 1);
    char *text = slurp(path);
    assert_string_equal(text, "");
    free(text);
    tr_lock_free(l);
}

/* ---- the log ---------------------------------------------------------------------------- */

static void test_log_file_gets_one_json_line_per_misuse(void **state)
{
    (void)state;
    log_to(path, NULL);
    tr_lock *l = tr_lock_new();
    tr_semaphore *s = tr_bounded_semaphore_new(1);
    int lock_line = __LINE__ + 1;
    tr_lock_release(l);
    tr_semaphore_release(s, 1);
    char *text = slurp(path);
    assert_int_equal(count(text, "\n"), 2);
    assert_int_equal(count(text, "{\"type\":\"misuse\","), 2);
    assert_int_equal(count(text, "}\n"), 2);
    char site[256];
    snprintf(site, sizeof site, "\"site\":{\"file\":\"%s\",\"line\":%d}", __FILE__, lock_line);
    assert_non_null(strstr(text, site));
    assert_non_null(strstr(text, "\"kind\":\"value_error\",\"exception\":\"ValueError\","
                                 "\"message\":\"Semaphore released too many times\""));
    assert_non_null(strstr(text, "\"op\":\"sem.release\",\"object\":{\"kind\":\"semaphore\""));
    assert_non_null(strstr(text, "\"thread\":{\"id\":"));
    assert_non_null(strstr(text, "\"name\":\"MainThread\"},\"pid\":"));
    assert_non_null(strstr(text, "\"process\":\"MainProcess\",\"program\":\"test_misuse_log\""));
    assert_non_null(strstr(text, "\"stack\":[{\"function\":"));
    assert_null(strstr(text, "\"repeats\""));
    free(text);
    tr_lock_free(l);
    tr_semaphore_free(s);
}

static void test_text_form_is_one_line_on_stderr(void **state)
{
    (void)state;
    log_to("1", NULL);
    tr_lock *l = tr_lock_new();
    capture_stderr();
    int line = __LINE__ + 1;
    tr_lock_release(l);
    char *text = captured_stderr();
    char want[256];
    snprintf(want, sizeof want, "trama: RuntimeError: release unlocked lock (at %s:%d)\n",
             __FILE__, line);
    assert_string_equal(text, want);
    free(text);
    tr_lock_free(l);
}

static void test_a_repeated_site_is_written_in_a_burst_then_at_doublings(void **state)
{
    (void)state;
    log_to(path, NULL);
    tr_lock *l = tr_lock_new();
    for (int i = 0; i < 100; i++)
        tr_lock_release(l);
    char *text = slurp(path);
    /* 1..10, then the 20th, 40th and 80th (one more only if a minute passed between two) */
    int records = count(text, "{\"type\":\"misuse\",");
    long repeats = repeats_in(text);
    assert_in_range(records, 13, 20);
    assert_int_equal(count(text, "\"repeats\":9,"), 1); /* the 20th: 11..19 left out */
    free(text);
    tr__misuse_log_flush();
    text = slurp(path);
    assert_int_equal(count(text, "{\"type\":\"misuse_repeats\","), 1);
    repeats = repeats_in(text);
    assert_int_equal(count(text, "{\"type\":\"misuse\",") + repeats, 100);
    free(text);
    tr_lock_free(l);
}

static void test_the_cap_keeps_the_file_under_its_size_and_warns_once(void **state)
{
    (void)state;
    log_to(path, "2500");
    tr_lock *l = tr_lock_new();
    capture_stderr();
    for (int i = 0; i < 10; i++) { /* five sites, 60 misuses: about 50 records */
        tr_lock_release(l), tr_lock_release(l);
        tr_lock_release(l);
        tr_lock_release(l);
        tr_lock_release(l);
        tr_lock_release(l);
    }
    char *err = captured_stderr();
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 0 && st.st_size <= 2500);
    assert_int_equal(count(err, "is full (TRAMA_MISUSE_LOG_MAX=2500 bytes)"), 1);
    char *text = slurp(path);
    assert_int_equal(count(text, "}\n"), count(text, "\n")); /* whole records only */
    free(text);
    free(err);
    tr_lock_free(l);
}

static void test_an_unwritable_path_warns_once_then_writes_text(void **state)
{
    (void)state;
    char bad[160];
    snprintf(bad, sizeof bad, "%s/no-such-dir/m.jsonl", dir);
    log_to(bad, NULL);
    tr_lock *l = tr_lock_new();
    capture_stderr();
    tr_lock_release(l);
    tr_semaphore *s = tr_bounded_semaphore_new(1);
    tr_semaphore_release(s, 1);
    char *err = captured_stderr();
    assert_int_equal(count(err, "cannot open it (No such file or directory); misuse goes to "
                                "stderr as text\n"),
                     1);
    assert_int_equal(count(err, "trama: RuntimeError: release unlocked lock (at "), 1);
    assert_int_equal(count(err, "trama: ValueError: Semaphore released too many times (at "), 1);
    free(err);
    tr_semaphore_free(s);
    tr_lock_free(l);
}

/* ---- fork ------------------------------------------------------------------------------- */

typedef struct forked {
    tr_lock *lock;
} forked;

static void child_misuses(void *arg)
{
    forked *f = arg;
    for (int i = 0; i < 3; i++)
        tr_lock_release(f->lock); /* the child's own count: all three written */
}

static void test_a_forked_child_appends_whole_records_with_its_own_counts(void **state)
{
    (void)state;
    log_to(path, NULL);
    forked f = {tr_lock_new()};
    for (int i = 0; i < 12; i++)
        child_misuses(&f); /* 36 at one site: 1..10 and the 20th written, 25 left out */
    tr_process *p = tr_process_new(child_misuses, &f, &(tr_process_opts){.name = "kid"});
    assert_int_equal(tr_process_start(p), TR_OK);
    assert_int_equal(tr_process_join(p, HANG), TR_OK);
    assert_int_equal(tr_process_exitcode(p), 0);
    char pid_field[64];
    snprintf(pid_field, sizeof pid_field, "\"pid\":%d,\"process\":\"kid\"", tr_process_pid(p));
    char *text = slurp(path);
    assert_int_equal(count(text, pid_field), 3);
    assert_null(strstr(text, "misuse_repeats")); /* the parent's repeats are the parent's */
    free(text);
    tr__misuse_log_flush();
    text = slurp(path);
    assert_int_equal(count(text, "{\"type\":\"misuse_repeats\","), 1);
    assert_int_equal(count(text, "{\"type\":\"misuse\",") + repeats_in(text), 36 + 3);
    free(text);
    tr_process_free(p);
    tr_lock_free(f.lock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reporter_gets_object_thread_process_and_the_users_stack),
        cmocka_unit_test(test_objects_are_numbered_per_kind_in_creation_order),
        cmocka_unit_test(test_a_constructors_argument_misuse_has_no_object),
        cmocka_unit_test_setup_teardown(
            test_hook_and_reporter_are_both_called_and_the_log_stays_silent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_under_the_harness_observer_the_log_stays_silent,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_file_gets_one_json_line_per_misuse, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_text_form_is_one_line_on_stderr, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_a_repeated_site_is_written_in_a_burst_then_at_doublings, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_the_cap_keeps_the_file_under_its_size_and_warns_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_unwritable_path_warns_once_then_writes_text,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_a_forked_child_appends_whole_records_with_its_own_counts, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
