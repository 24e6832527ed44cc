/* cases.c — the case registry (filled at load time by TR_CASE) and verdict names. */
#include <stdlib.h>
#include <string.h>

#include "harness_internal.h"

static tr_case *registry;
static size_t n_cases;
static const tr_case **sorted;

void tr_case_register(tr_case *c)
{
    c->next = registry;
    registry = c;
    n_cases++;
    free(sorted);
    sorted = NULL;
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(const tr_case *const *)a)->name, (*(const tr_case *const *)b)->name);
}

static void sort_registry(void)
{
    if (sorted)
        return;
    sorted = malloc((n_cases ? n_cases : 1) * sizeof *sorted);
    TR_CHECK(sorted, "out of memory sorting cases");
    size_t i = 0;
    for (tr_case *c = registry; c; c = c->next)
        sorted[i++] = c;
    qsort(sorted, n_cases, sizeof *sorted, by_name);
}

size_t tr_case_count(void) { return n_cases; }

const tr_case *tr_case_at(size_t i)
{
    sort_registry();
    return i < n_cases ? sorted[i] : NULL;
}

const tr_case *tr_case_find(const char *name)
{
    for (tr_case *c = registry; c; c = c->next)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

/* The few cases with a budget of their own (TR_CASE_BOUNDED), outside tr_case so that
 * the struct stays as cases initialise it. */
static struct {
    const tr_case *c;
    long budget;
} budgets[64];
static int n_budgets;

void tr_case_set_budget(const tr_case *c, long max_executions)
{
    for (int i = 0; i < n_budgets; i++)
        if (budgets[i].c == c) {
            budgets[i].budget = max_executions;
            return;
        }
    if (max_executions == 0)
        return; /* every TR_CASE says "none": only the budgets are listed */
    TR_CHECK(n_budgets < 64, "too many cases with a budget of their own");
    budgets[n_budgets].c = c;
    budgets[n_budgets++].budget = max_executions;
}

long tr_case_budget(const tr_case *c)
{
    for (int i = 0; i < n_budgets; i++)
        if (budgets[i].c == c)
            return budgets[i].budget;
    return 0;
}

const char *tr_verdict_name(tr_verdict v)
{
    switch (v) {
#define TR_VERDICT_CASE(e, name)                                                                 \
    case e:                                                                                      \
        return name;
        TR_VERDICT_MAP(TR_VERDICT_CASE)
#undef TR_VERDICT_CASE
    case TR_VERDICT_COUNT:
        break;
    }
    return "?";
}

int tr_verdict_parse(const char *name)
{
    for (int v = 0; v < TR_VERDICT_COUNT; v++)
        if (strcmp(name, tr_verdict_name((tr_verdict)v)) == 0)
            return v;
    return -1;
}
