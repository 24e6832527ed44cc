/* test_shared_processes.c — objects shared between processes under the scheduler: one
 * record for every process that has it (processes.c), a step on it seen by the threads of
 * other processes that wait on it, accesses to its items from two processes meeting in the
 * race detector (declared ones included), and its life when the process that made it lets
 * go first or is itself a child. Each property is checked over every schedule, with DPOR
 * and with DFS (whose complete searches are the reference). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <trama/harness.h>

/* ---- cases ---------------------------------------------------------------------------- */

/* The child blocks on the Value's lock, which the parent holds; the parent's release must
 * wake it while the parent goes on into join (no step of either process's exit between). */
static void read_after_the_parent(void *arg)
{
    int x = 0;
    tr_shared_get(arg, 0, &x);
    TR_ASSERT(x == 1);
}

TR_CASE(case_child_waits_for_the_parents_lock, TR_PASS)
{
    tr_shared *v = tr_shared_value_new('i', true);
    int one = 1;
    tr_rlock_acquire(tr_shared_get_lock(v), true, TR_FOREVER);
    tr_process *p = tr_process_new(read_after_the_parent, v, NULL);
    TR_ASSERT(tr_process_start(p) == TR_OK);
    tr_shared_set(v, 0, &one);
    tr_rlock_release(tr_shared_get_lock(v));
    TR_ASSERT(tr_process_join(p, TR_FOREVER) == TR_OK);
    TR_ASSERT(tr_process_exitcode(p) == 0);
    tr_process_free(p);
    tr_shared_free(v);
}

/* `items[0] += 1` on raw storage in two processes: declared accesses to one location. */
static void raw_increment(void *arg)
{
    int *items = tr_shared_data(arg);
    TR_STORE(items[0], TR_LOAD(items[0]) + 1);
}

TR_CASE(case_raw_increments_in_two_processes, TR_DATA_RACE)
{
    tr_shared *v = tr_shared_value_new('i', false);
    tr_process *p1 = tr_process_new(raw_increment, v, NULL);
    tr_process *p2 = tr_process_new(raw_increment, v, NULL);
    tr_process_start(p1);
    tr_process_start(p2);
    tr_process_join(p1, TR_FOREVER);
    tr_process_join(p2, TR_FOREVER);
    tr_process_free(p1);
    tr_process_free(p2);
    tr_shared_free(v);
}

/* Each child writes its own item: different locations, no race. */
typedef struct job {
    tr_shared *a;
    int item;
} job;

static void write_own_item(void *arg)
{
    const job *j = arg;
    int x = 10 + j->item;
    tr_shared_set(j->a, j->item, &x);
}

TR_CASE(case_children_write_their_own_items, TR_PASS)
{
    job *jobs = tr_case_alloc(2 * sizeof *jobs);
    tr_shared *a = tr_shared_array_new('i', 2, false);
    tr_process *p[2];
    for (int i = 0; i < 2; i++) {
        jobs[i] = (job){a, i};
        p[i] = tr_process_new(write_own_item, &jobs[i], NULL);
        tr_process_start(p[i]);
    }
    for (int i = 0; i < 2; i++) {
        tr_process_join(p[i], TR_FOREVER);
        tr_process_free(p[i]);
    }
    int *items = tr_shared_data(a);
    TR_ASSERT(TR_LOAD(items[0]) == 10 && TR_LOAD(items[1]) == 11);
    tr_shared_free(a);
}

/* The parent lets go of its handle while the child still uses its own. */
static void use_the_value(void *arg)
{
    long x = 5; /* a Value('l'): items are longs */
    tr_shared_set(arg, 0, &x);
    tr_shared_get(arg, 0, &x);
    TR_ASSERT(x == 5);
}

TR_CASE(case_parent_frees_while_the_child_uses_it, TR_PASS)
{
    tr_shared *v = tr_shared_value_new('l', true);
    tr_process *p = tr_process_new(use_the_value, v, NULL);
    tr_process_start(p);
    tr_shared_free(v);
    TR_ASSERT(tr_process_join(p, TR_FOREVER) == TR_OK);
    TR_ASSERT(tr_process_exitcode(p) == 0);
    tr_process_free(p);
}

/* A child makes a Value and starts a grandchild that sets it: the object is P1's, and
 * P2 has it too. join_first: the child reads after joining (else before: a race). */
static bool join_first;

static void set_seven(void *arg)
{
    int x = 7;
    tr_shared_set(arg, 0, &x);
}

static void make_and_hand_down(void *arg)
{
    (void)arg;
    tr_shared *v = tr_shared_value_new('i', false);
    tr_process *p = tr_process_new(set_seven, v, NULL);
    int x = 0;
    tr_process_start(p);
    if (!join_first)
        tr_shared_get(v, 0, &x);
    tr_process_join(p, TR_FOREVER);
    if (join_first) {
        tr_shared_get(v, 0, &x);
        TR_ASSERT(x == 7);
    }
    tr_process_free(p);
    tr_shared_free(v);
}

static void hand_down(void)
{
    tr_process *p = tr_process_new(make_and_hand_down, NULL, NULL);
    tr_process_start(p);
    TR_ASSERT(tr_process_join(p, TR_FOREVER) == TR_OK);
    TR_ASSERT(tr_process_exitcode(p) == 0);
    tr_process_free(p);
}

TR_CASE(case_grandchild_sets_its_parents_value_before_the_join, TR_PASS)
{
    join_first = true;
    hand_down();
}

TR_CASE(case_grandchild_sets_its_parents_value_unordered, TR_DATA_RACE)
{
    join_first = false;
    hand_down();
}

/* ---- tests ---------------------------------------------------------------------------- */

static tr_result explore(const char *name, tr_strategy strategy, bool until_found)
{
    tr_explore_opts o;
    tr_explore_opts_init(&o);
    o.strategy = strategy;
    o.max_executions = 20000;
    o.stop_on_expected = until_found;
    return tr_explore(name, &o);
}

/* Every schedule, by DPOR and by a complete DFS: nothing found. */
static void expect_pass(const char *name)
{
    const tr_strategy strategies[] = {TR_STRATEGY_DPOR, TR_STRATEGY_DFS};
    for (int i = 0; i < 2; i++) {
        tr_result r = explore(name, strategies[i], false);
        if (r.found)
            fail_msg("%s (%s): found %#x: %s", name, i ? "dfs" : "dpor", r.found,
                     r.n_findings ? r.findings[0].message : "");
        assert_true(r.complete);
        tr_result_free(&r);
    }
}

/* Found by DPOR and by DFS; the race's two accesses are by threads of two processes. */
static void expect_race(const char *name)
{
    const tr_strategy strategies[] = {TR_STRATEGY_DPOR, TR_STRATEGY_DFS};
    for (int i = 0; i < 2; i++) {
        tr_result r = explore(name, strategies[i], true);
        assert_true(r.found & 1u << TR_DATA_RACE);
        for (size_t k = 0; k < r.n_findings; k++)
            if (r.findings[k].kind == TR_DATA_RACE)
                assert_non_null(strstr(r.findings[k].message, "data race on A1"));
        tr_result_free(&r);
    }
}

static void test_release_in_one_process_wakes_a_waiter_in_another(void **state)
{
    (void)state;
    expect_pass("case_child_waits_for_the_parents_lock");
}

static void test_declared_accesses_from_two_processes_race(void **state)
{
    (void)state;
    expect_race("case_raw_increments_in_two_processes");
}

static void test_different_items_are_different_locations(void **state)
{
    (void)state;
    expect_pass("case_children_write_their_own_items");
}

static void test_object_outlives_the_parents_free_in_the_child(void **state)
{
    (void)state;
    expect_pass("case_parent_frees_while_the_child_uses_it");
}

static void test_object_made_by_a_child_is_shared_with_its_child(void **state)
{
    (void)state;
    expect_pass("case_grandchild_sets_its_parents_value_before_the_join");
    expect_race("case_grandchild_sets_its_parents_value_unordered");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_release_in_one_process_wakes_a_waiter_in_another),
        cmocka_unit_test(test_declared_accesses_from_two_processes_race),
        cmocka_unit_test(test_different_items_are_different_locations),
        cmocka_unit_test(test_object_outlives_the_parents_free_in_the_child),
        cmocka_unit_test(test_object_made_by_a_child_is_shared_with_its_child),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
