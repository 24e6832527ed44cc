/* gate.h — a test-only handshake on raw pthreads: tasks announce that they started and
 * block until the test opens the gate. Orders threads without sleeping; the 30 s
 * deadline only turns a hang into a failure. Include after <cmocka.h>. */
#ifndef TRAMA_TEST_GATE_H
#define TRAMA_TEST_GATE_H

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int started;
    bool open;
} gate;

#define GATE_INIT {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, false}

static inline struct timespec gate_deadline(void)
{
    struct timespec d;
    clock_gettime(CLOCK_REALTIME, &d);
    d.tv_sec += 30;
    return d;
}

/* In a task: count myself started, then wait until the gate opens. */
static inline void gate_pass(gate *g)
{
    struct timespec d = gate_deadline();
    pthread_mutex_lock(&g->mu);
    g->started++;
    pthread_cond_broadcast(&g->cv);
    int rc = 0;
    while (!g->open && rc == 0)
        rc = pthread_cond_timedwait(&g->cv, &g->mu, &d);
    pthread_mutex_unlock(&g->mu);
    if (rc != 0) { /* a worker thread cannot fail a cmocka test: stop the run */
        fprintf(stderr, "gate: never opened (hang)\n");
        abort();
    }
}

/* In the test: wait until n tasks are blocked at the gate. */
static inline void gate_wait_started(gate *g, int n)
{
    struct timespec d = gate_deadline();
    pthread_mutex_lock(&g->mu);
    int rc = 0;
    while (g->started < n && rc == 0)
        rc = pthread_cond_timedwait(&g->cv, &g->mu, &d);
    pthread_mutex_unlock(&g->mu);
    assert_int_equal(rc, 0);
}

static inline void gate_open(gate *g)
{
    pthread_mutex_lock(&g->mu);
    g->open = true;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

static inline int gate_started(gate *g)
{
    pthread_mutex_lock(&g->mu);
    int n = g->started;
    pthread_mutex_unlock(&g->mu);
    return n;
}

/* A task that passes the gate given as arg and returns it. */
static inline tr_status gated_task(void *arg, void **result)
{
    gate_pass(arg);
    *result = arg;
    return TR_OK;
}

#endif
