/* future_fixtures.h — what the Future tests share: a one-worker thread pool whose worker
 * can be held inside a gated task (so everything submitted next stays PENDING), and
 * futures already finished or failed. Include after <cmocka.h>. */
#ifndef TRAMA_TEST_FUTURE_FIXTURES_H
#define TRAMA_TEST_FUTURE_FIXTURES_H

#include <stdlib.h>
#include <trama/trama.h>

#include "gate.h"

static inline tr_status identity(void *arg, void **result)
{
    *result = arg;
    return TR_OK;
}

static inline tr_status fail_task(void *arg, void **result)
{
    (void)result;
    return tr_lock_release(arg); /* RuntimeError "release unlocked lock" */
}

typedef struct fixture {
    tr_executor *ex;
    gate g;
    tr_lock *unlocked;
} fixture;

static inline int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    tr_pool_opts o = {.max_workers = 1};
    fx->ex = tr_thread_pool_new(&o);
    fx->g = (gate)GATE_INIT;
    fx->unlocked = tr_lock_new();
    *state = fx;
    return 0;
}

static inline int teardown(void **state)
{
    fixture *fx = *state;
    gate_open(&fx->g);
    tr_executor_free(fx->ex);
    tr_lock_free(fx->unlocked);
    free(fx);
    return 0;
}

/* The single worker is inside a gated task: everything submitted next stays PENDING. */
static inline tr_future *block_worker(fixture *fx)
{
    tr_future *f = tr_executor_submit(fx->ex, gated_task, &fx->g);
    gate_wait_started(&fx->g, 1);
    return f;
}

static inline tr_future *finished(fixture *fx, void *value)
{
    tr_future *f = tr_executor_submit(fx->ex, identity, value);
    assert_int_equal(tr_future_result(f, 30.0, NULL), TR_OK);
    return f;
}

static inline tr_future *failed(fixture *fx)
{
    tr_future *f = tr_executor_submit(fx->ex, fail_task, fx->unlocked);
    assert_int_equal(tr_future_result(f, 30.0, NULL), TR_TASK_FAILED);
    return f;
}

#define FX(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

#endif
