/* test_thread.c — threading.Thread (PYTHON_SEMANTICS.md §5), what a thread object is:
 * names, daemon inheritance, is_alive, ident, current thread.
 * Starting, joining, freeing and interpreter exit: test_thread_lifecycle.c. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "helpers.h"
#include "thread_fixtures.h"

/* The N of "Thread-N..." / "Dummy-N". */
static long number_in(const char *name, const char *prefix)
{
    size_t len = strlen(prefix);
    if (strncmp(name, prefix, len) != 0)
        fail_msg("\"%s\" does not start with %s", name, prefix);
    return strtol(name + len, NULL, 10);
}

/* ---- names ---------------------------------------------------------------------------- */

static void test_default_name_is_thread_n_with_the_target_name(void **state)
{
    (void)state;
    tr_thread *a = tr_thread_new(noop, NULL, NULL);
    tr_thread *b = tr_thread_new(noop, NULL, NULL);
    long n = number_in(tr_thread_name(a), "Thread-");
    char want[64];
    snprintf(want, sizeof want, "Thread-%ld (noop)", n);
    assert_string_equal(tr_thread_name(a), want);
    snprintf(want, sizeof want, "Thread-%ld (noop)", n + 1);
    assert_string_equal(tr_thread_name(b), want);
    tr_thread_free(a);
    tr_thread_free(b);
}

static void test_target_spelled_with_address_or_cast_keeps_its_name(void **state)
{
    (void)state;
    tr_thread *a = tr_thread_new(&noop, NULL, NULL);
    tr_thread *b = tr_thread_new((tr_target)noop, NULL, NULL);
    assert_non_null(strstr(tr_thread_name(a), " (noop)"));
    assert_non_null(strstr(tr_thread_name(b), " (noop)"));
    tr_thread_free(a);
    tr_thread_free(b);
}

static void test_given_name_is_used_and_takes_no_number(void **state)
{
    (void)state;
    tr_thread_opts named = {.name = "worker-x"};
    tr_thread *a = tr_thread_new(noop, NULL, NULL);
    tr_thread *b = tr_thread_new(noop, NULL, &named);
    tr_thread *c = tr_thread_new(noop, NULL, NULL);
    assert_string_equal(tr_thread_name(b), "worker-x");
    assert_int_equal(number_in(tr_thread_name(c), "Thread-"),
                     number_in(tr_thread_name(a), "Thread-") + 1);
    tr_thread_free(a);
    tr_thread_free(b);
    tr_thread_free(c);
}

static void test_empty_name_means_no_name(void **state)
{
    (void)state;
    tr_thread_opts empty = {.name = ""};
    tr_thread *t = tr_thread_new(noop, NULL, &empty);
    number_in(tr_thread_name(t), "Thread-");
    assert_non_null(strstr(tr_thread_name(t), " (noop)"));
    tr_thread_free(t);
}

static void test_name_is_copied_and_kept_whole(void **state)
{
    (void)state;
    char name[400];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    tr_thread_opts opts = {.name = name};
    tr_thread *t = tr_thread_new(noop, NULL, &opts);
    name[0] = 'X';
    assert_int_equal(strlen(tr_thread_name(t)), sizeof name - 1);
    assert_int_equal(tr_thread_name(t)[0], 'n');
    tr_thread_free(t);
}

static void test_without_target_the_name_is_plain_thread_n_and_it_runs_nothing(void **state)
{
    (void)state;
    tr_thread *t = tr_thread_new(NULL, NULL, NULL);
    long n = number_in(tr_thread_name(t), "Thread-");
    char want[32];
    snprintf(want, sizeof want, "Thread-%ld", n);
    assert_string_equal(tr_thread_name(t), want);
    assert_int_equal(tr_thread_start(t), TR_OK);
    join_thread(t);
}

static void test_set_name_replaces_the_name(void **state)
{
    (void)state;
    tr_thread *t = tr_thread_new(noop, NULL, NULL);
    assert_int_equal(tr_thread_set_name(t, "renamed"), TR_OK);
    assert_string_equal(tr_thread_name(t), "renamed");
    assert_int_equal(tr_thread_set_name(t, ""), TR_OK); /* the setter keeps "" as Python */
    assert_string_equal(tr_thread_name(t), "");
    tr_thread_free(t);
}

static void test_main_thread_is_mainthread_and_not_a_daemon(void **state)
{
    (void)state;
    tr_thread *main_thread = tr_current_thread();
    assert_string_equal(tr_thread_name(main_thread), "MainThread");
    assert_false(tr_thread_daemon(main_thread));
    assert_true(tr_thread_is_alive(main_thread));
    assert_true(tr_thread_ident(main_thread) != 0);
    tr_thread_free(main_thread); /* trama's, not ours: a no-op */
    assert_string_equal(tr_thread_name(tr_current_thread()), "MainThread");
}

typedef struct foreign {
    char name[64];
    bool daemon;
    char child_name[64];
    bool child_daemon;
} foreign;

static void *foreign_main(void *arg)
{
    foreign *f = arg;
    tr_thread *self = tr_current_thread();
    snprintf(f->name, sizeof f->name, "%s", tr_thread_name(self));
    f->daemon = tr_thread_daemon(self);
    tr_thread *child = tr_thread_new(noop, NULL, NULL);
    snprintf(f->child_name, sizeof f->child_name, "%s", tr_thread_name(child));
    f->child_daemon = tr_thread_daemon(child);
    tr_thread_free(child);
    return NULL;
}

static void test_foreign_thread_is_dummy_n_a_daemon_sharing_the_thread_counter(void **state)
{
    (void)state;
    foreign f;
    pthread_t host;
    tr_thread *before = tr_thread_new(noop, NULL, NULL);
    long n = number_in(tr_thread_name(before), "Thread-");
    assert_int_equal(pthread_create(&host, NULL, foreign_main, &f), 0);
    assert_int_equal(pthread_join(host, NULL), 0);
    assert_int_equal(number_in(f.name, "Dummy-"), n + 1);
    assert_true(f.daemon);
    assert_int_equal(number_in(f.child_name, "Thread-"), n + 2);
    assert_true(f.child_daemon); /* inherited from the Dummy thread */
    tr_thread_free(before);
}

/* ---- daemon --------------------------------------------------------------------------- */

static void test_daemon_is_inherited_from_the_main_thread_as_false(void **state)
{
    (void)state;
    tr_thread *t = tr_thread_new(noop, NULL, NULL);
    assert_false(tr_thread_daemon(t));
    tr_thread_free(t);
}

typedef struct spawner {
    bool child_daemon;
    char child_name[64];
} spawner;

static void spawn_child(void *arg)
{
    spawner *s = arg;
    tr_thread *child = tr_thread_new(noop, NULL, NULL);
    s->child_daemon = tr_thread_daemon(child);
    tr_thread_free(child);
}

static void test_daemon_thread_creates_daemon_children_by_default(void **state)
{
    (void)state;
    spawner s = {false, ""};
    tr_thread_opts daemon = {.daemon = true};
    tr_thread *t = tr_thread_new(spawn_child, &s, &daemon);
    assert_true(tr_thread_daemon(t));
    assert_int_equal(tr_thread_start(t), TR_OK);
    join_thread(t);
    assert_true(s.child_daemon);
}

static void test_non_daemon_thread_creates_non_daemon_children_by_default(void **state)
{
    (void)state;
    spawner s = {true, ""};
    tr_thread_opts plain = {.daemon = false};
    join_thread(start_thread_(tr_thread_new(spawn_child, &s, &plain)));
    assert_false(s.child_daemon);
}

static void test_set_daemon_before_start_takes_effect(void **state)
{
    (void)state;
    tr_thread *t = tr_thread_new(noop, NULL, NULL);
    assert_int_equal(tr_thread_set_daemon(t, true), TR_OK);
    assert_true(tr_thread_daemon(t));
    assert_int_equal(tr_thread_set_daemon(t, false), TR_OK);
    assert_false(tr_thread_daemon(t));
    tr_thread_free(t);
}

static void test_set_daemon_while_running_is_runtime_error(void **state)
{
    (void)state;
    parked p;
    tr_thread *t = start_parked(&p);
    assert_misuse(tr_thread_set_daemon(t, true), TR_RUNTIME_ERROR,
                  "cannot set daemon status of active thread");
    assert_false(tr_thread_daemon(t));
    finish_parked(&p, t);
    tr_thread_free(t);
}

static void test_set_daemon_after_the_end_is_runtime_error(void **state)
{
    (void)state;
    tr_thread *t = start_thread(noop, NULL);
    assert_int_equal(tr_thread_join(t, HANG), TR_OK);
    assert_misuse(tr_thread_set_daemon(t, true), TR_RUNTIME_ERROR,
                  "cannot set daemon status of active thread");
    tr_thread_free(t);
}

/* ---- is_alive, ident, current_thread -------------------------------------------------- */

static void test_is_alive_false_before_start_true_while_running_false_after_join(void **state)
{
    (void)state;
    parked p;
    tr_thread *t = tr_thread_new(noop, NULL, NULL);
    assert_false(tr_thread_is_alive(t));
    tr_thread_free(t);
    t = start_parked(&p);
    assert_true(tr_thread_is_alive(t));
    assert_true(p.alive_inside);
    finish_parked(&p, t);
    assert_false(tr_thread_is_alive(t));
    tr_thread_free(t);
}

static void test_current_thread_inside_the_target_is_its_thread_object(void **state)
{
    (void)state;
    parked p;
    tr_thread *t = start_parked(&p);
    assert_ptr_equal(p.self_seen, t);
    finish_parked(&p, t);
    tr_thread_free(t);
}

static void test_ident_is_0_before_start_and_unique_among_live_threads(void **state)
{
    (void)state;
    parked p1, p2;
    tr_thread *fresh = tr_thread_new(noop, NULL, NULL);
    assert_int_equal(tr_thread_ident(fresh), 0);
    tr_thread_free(fresh);
    tr_thread *a = start_parked(&p1);
    tr_thread *b = start_parked(&p2);
    assert_true(tr_thread_ident(a) != 0);
    assert_true(tr_thread_ident(b) != 0);
    assert_true(tr_thread_ident(a) != tr_thread_ident(b));
    assert_true(tr_thread_ident(a) != tr_thread_ident(tr_current_thread()));
    finish_parked(&p1, a);
    finish_parked(&p2, b);
    tr_thread_free(a);
    tr_thread_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_name_is_thread_n_with_the_target_name),
        cmocka_unit_test(test_target_spelled_with_address_or_cast_keeps_its_name),
        cmocka_unit_test(test_given_name_is_used_and_takes_no_number),
        cmocka_unit_test(test_empty_name_means_no_name),
        cmocka_unit_test(test_name_is_copied_and_kept_whole),
        cmocka_unit_test(test_without_target_the_name_is_plain_thread_n_and_it_runs_nothing),
        cmocka_unit_test(test_set_name_replaces_the_name),
        cmocka_unit_test(test_main_thread_is_mainthread_and_not_a_daemon),
        cmocka_unit_test(test_foreign_thread_is_dummy_n_a_daemon_sharing_the_thread_counter),
        cmocka_unit_test(test_daemon_is_inherited_from_the_main_thread_as_false),
        cmocka_unit_test(test_daemon_thread_creates_daemon_children_by_default),
        cmocka_unit_test(test_non_daemon_thread_creates_non_daemon_children_by_default),
        cmocka_unit_test(test_set_daemon_before_start_takes_effect),
        cmocka_unit_test(test_set_daemon_while_running_is_runtime_error),
        cmocka_unit_test(test_set_daemon_after_the_end_is_runtime_error),
        cmocka_unit_test(test_is_alive_false_before_start_true_while_running_false_after_join),
        cmocka_unit_test(test_current_thread_inside_the_target_is_its_thread_object),
        cmocka_unit_test(test_ident_is_0_before_start_and_unique_among_live_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
