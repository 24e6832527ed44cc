/* test_reports.c — SARIF and JUnit rendering from hand-made results.
 *
 * The documents themselves are validated against the vendored SARIF schema and parsed as
 * XML by tests/scripts (Python); here: what each field says, escaping, fingerprints, and
 * relative URIs. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../src/report.h"

static tr_case race_case = {"unsynchronized_counter_2threads", TR_DATA_RACE, NULL,
                            "/nowhere/cases/unsynchronized_counter_2threads.c", 14, NULL};
static tr_case pass_case = {"counter_under_lock_2threads", TR_PASS, NULL,
                            "/nowhere/cases/counter_under_lock_2threads.c", 20, NULL};

static tr_finding finding(tr_verdict kind, const char *message, const char *site1, int line1,
                          const char *site2, int line2)
{
    tr_finding f;
    memset(&f, 0, sizeof f);
    f.kind = kind;
    snprintf(f.message, sizeof f.message, "%s", message);
    snprintf(f.schedule, sizeof f.schedule, "v1:0.1.1");
    f.execution = 3;
    if (site1)
        f.sites[f.n_sites++] = (tr_site_ref){site1, line1};
    if (site2)
        f.sites[f.n_sites++] = (tr_site_ref){site2, line2};
    f.threads[f.n_threads++] = 2;
    f.threads[f.n_threads++] = 1;
    return f;
}

/* Renders a SARIF log of the given results into a malloc'd string. */
static char *sarif_of(const tr_result *results, int n)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    assert_non_null(mem);
    tr__sarif s;
    tr__sarif_begin(&s, mem);
    for (int i = 0; i < n; i++)
        tr__sarif_case(&s, &results[i], "dpor");
    tr__sarif_end(&s, 0);
    fclose(mem);
    return text;
}

static int count(const char *text, const char *what)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, what)) != NULL; p += strlen(what))
        n++;
    return n;
}

static void test_sarif_uri_is_relative_to_the_root_and_percent_encoded(void **state)
{
    (void)state;
    char uri[256];
    bool rel;
    tr__sarif_uri("/repo/", "/repo/cases/a b#1.c", uri, sizeof uri, &rel);
    assert_true(rel);
    assert_string_equal(uri, "cases/a%20b%231.c");
    tr__sarif_uri("/repo/", "/elsewhere/x.c", uri, sizeof uri, &rel);
    assert_false(rel);
    assert_string_equal(uri, "file:///elsewhere/x.c");
    tr__sarif_uri(NULL, "cases/x.c", uri, sizeof uri, &rel);
    assert_false(rel);
    assert_string_equal(uri, "cases/x.c");
}

static void test_sarif_root_is_the_enclosing_git_work_tree(void **state)
{
    (void)state;
    char dir[] = "/tmp/trama-test-reports-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[512], root[4096];
    snprintf(path, sizeof path, "%s/.git", dir); /* a worktree's .git is a file */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(path, sizeof path, "%s/cases", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/cases/x.c", dir);
    tr__sarif_find_root(path, root, sizeof root);
    char want[512];
    snprintf(want, sizeof want, "%s/", dir);
    assert_string_equal(root, want);
    tr__sarif_find_root("relative/x.c", root, sizeof root);
    assert_string_equal(root, "");
    snprintf(path, sizeof path, "%s/.git", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/cases", dir);
    rmdir(path);
    rmdir(dir);
}

static void test_sarif_has_one_rule_per_kind_and_one_result_per_finding(void **state)
{
    (void)state;
    tr_finding fs[2] = {
        finding(TR_DATA_RACE, "data race on M1", "/nowhere/cases/u.c", 11, "/nowhere/cases/u.c", 12),
        finding(TR_ASSERTION, "TR_ASSERT(x == 2) failed", "/nowhere/cases/u.c", 30, NULL, 0),
    };
    tr_result r = {.c = &race_case, .found = 1u << TR_DATA_RACE | 1u << TR_ASSERTION,
                   .executions = 4, .complete = true, .n_findings = 2, .findings = fs};
    char *text = sarif_of(&r, 1);
    assert_int_equal(count(text, "\"defaultConfiguration\""), TR_VERDICT_COUNT - 1);
    assert_int_equal(count(text, "\"ruleId\""), 2);
    assert_non_null(strstr(text, "\"version\":\"2.1.0\""));
    assert_non_null(strstr(text, "\"name\":\"trama\""));
    assert_non_null(strstr(text, "{\"ruleId\":\"data_race\",\"ruleIndex\":1,\"level\":\"error\""));
    assert_non_null(strstr(text, "\"expected\":true"));  /* the race this case is about */
    assert_non_null(strstr(text, "\"expected\":false")); /* the assertion is "also found" */
    assert_non_null(strstr(text, "replay unsynchronized_counter_2threads v1:0.1.1 --trace"));
    assert_non_null(strstr(text, "\"uri\":\"file:///nowhere/cases/u.c\""));
    assert_non_null(strstr(text, "\"region\":{\"startLine\":12}"));
    assert_non_null(strstr(text, "\"schedule\":\"v1:0.1.1\""));
    assert_null(strstr(text, "SRCROOT")); /* /nowhere has no git work tree */
    free(text);
}

static void test_sarif_fingerprint_is_kind_and_sorted_sites(void **state)
{
    (void)state;
    tr_finding fs[2] = {
        finding(TR_DATA_RACE, "m", "/nowhere/u.c", 12, "/nowhere/u.c", 11),
        finding(TR_DATA_RACE, "m", "/nowhere/u.c", 11, "/nowhere/u.c", 12),
    };
    tr_result r = {.c = &race_case, .found = 1u << TR_DATA_RACE, .n_findings = 2, .findings = fs};
    char *text = sarif_of(&r, 1);
    assert_int_equal(
        count(text, "{\"trama/v1\":\"data_race|file:///nowhere/u.c:11;file:///nowhere/u.c:12\"}"), 2);
    free(text);
}

static void test_sarif_finding_without_sites_points_at_the_case(void **state)
{
    (void)state;
    tr_finding f = finding(TR_CRASH, "killed by SIGSEGV", NULL, 0, NULL, 0);
    tr_result r = {.c = &pass_case, .found = 1u << TR_CRASH, .n_findings = 1, .findings = &f};
    char *text = sarif_of(&r, 1);
    assert_non_null(strstr(text, "counter_under_lock_2threads.c\"},\"region\":{\"startLine\":20}"));
    free(text);
}

static char *junit_of(const tr_result *results, int n)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    assert_non_null(mem);
    tr__junit j;
    assert_true(tr__junit_begin(&j));
    for (int i = 0; i < n; i++)
        tr__junit_case(&j, &results[i], "dpor");
    tr__junit_end(&j, mem);
    fclose(mem);
    return text;
}

static void test_junit_counts_cases_and_failures(void **state)
{
    (void)state;
    /* A crash is not replayed by the text report, so no registered case is needed. */
    tr_finding f = finding(TR_CRASH, "killed by <SIGSEGV> & \"more\"", "/nowhere/c.c", 9, NULL, 0);
    tr_result rs[2] = {
        {.c = &race_case, .found = 1u << TR_DATA_RACE, .executions = 4, .seconds = 0.25},
        {.c = &pass_case, .found = 1u << TR_CRASH, .executions = 1, .seconds = 0.5,
         .n_findings = 1, .findings = &f},
    };
    char *text = junit_of(rs, 2);
    assert_non_null(strstr(text, "<testsuite name=\"trama\" tests=\"2\" failures=\"1\""));
    assert_non_null(strstr(text, "time=\"0.750\""));
    assert_non_null(
        strstr(text, "<testcase classname=\"trama\" name=\"unsynchronized_counter_2threads\" "
                     "time=\"0.250\">"));
    assert_int_equal(count(text, "<failure "), 1);
    assert_non_null(strstr(text, "<failure message=\"expected=pass found=crash executions=1 "
                                 "complete=no\" type=\"crash\">"));
    assert_non_null(strstr(text, "killed by &lt;SIGSEGV&gt; &amp; &quot;more&quot;"));
    assert_null(strstr(text, "<SIGSEGV>"));
    free(text);
}

static void test_junit_missed_bug_fails_with_the_expected_kind(void **state)
{
    (void)state;
    tr_result r = {.c = &race_case, .found = 0, .executions = 7, .complete = true};
    char *text = junit_of(&r, 1);
    assert_non_null(strstr(text, "type=\"data_race\""));
    assert_non_null(strstr(text, "expected data_race was not found in 7 executions"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sarif_uri_is_relative_to_the_root_and_percent_encoded),
        cmocka_unit_test(test_sarif_root_is_the_enclosing_git_work_tree),
        cmocka_unit_test(test_sarif_has_one_rule_per_kind_and_one_result_per_finding),
        cmocka_unit_test(test_sarif_fingerprint_is_kind_and_sorted_sites),
        cmocka_unit_test(test_sarif_finding_without_sites_points_at_the_case),
        cmocka_unit_test(test_junit_counts_cases_and_failures),
        cmocka_unit_test(test_junit_missed_bug_fails_with_the_expected_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
