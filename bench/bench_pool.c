/* bench_pool.c — executor figures: one task's round trip (submit + result) through a
 * thread pool and a process pool, and the throughput of 10,000 tiny tasks with 4 workers.
 * Prints figures; never fails on a time. Usage: bench_pool [round_trips] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <trama/trama.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static tr_status tiny(void *arg, void **result)
{
    *result = arg;
    return TR_OK;
}

static tr_status tiny_bytes(const tr_bytes *arg, tr_bytes *result)
{
    (void)arg;
    result->data = NULL;
    result->len = 0;
    return TR_OK;
}

static void report(const char *what, int n, double seconds)
{
    printf("%-44s %8d tasks %9.2f us/task %11.0f tasks/s\n", what, n, seconds / n * 1e6,
           n / seconds);
}

static int round_trips(tr_executor *ex, bool bytes, int n)
{
    for (int i = 0; i < n; i++) {
        tr_future *f = bytes ? tr_executor_submit_bytes(ex, tiny_bytes, "x", 1)
                             : tr_executor_submit(ex, tiny, NULL);
        tr_status s = bytes ? tr_future_result_bytes(f, TR_FOREVER, NULL)
                            : tr_future_result(f, TR_FOREVER, NULL);
        tr_future_free(f);
        if (s != TR_OK)
            return 1;
    }
    return 0;
}

static int bench_round_trip(bool process, int n)
{
    tr_pool_opts o = {.max_workers = 1};
    tr_executor *ex = process ? tr_process_pool_new(&o) : tr_thread_pool_new(&o);
    if (!ex || round_trips(ex, process, 100)) /* warm-up: workers started */
        return 1;
    double t0 = now();
    int bad = round_trips(ex, process, n);
    double t = now() - t0;
    tr_executor_free(ex);
    report(process ? "round trip, process pool (1 worker)" : "round trip, thread pool (1 worker)",
           n, t);
    return bad;
}

static int bench_throughput(bool process, int n)
{
    tr_pool_opts o = {.max_workers = 4};
    tr_executor *ex = process ? tr_process_pool_new(&o) : tr_thread_pool_new(&o);
    tr_future **fs = calloc((size_t)n, sizeof *fs);
    if (!ex || !fs)
        return 1;
    double t0 = now();
    for (int i = 0; i < n; i++)
        fs[i] = process ? tr_executor_submit_bytes(ex, tiny_bytes, "x", 1)
                        : tr_executor_submit(ex, tiny, (void *)(intptr_t)i);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        bad |= (process ? tr_future_result_bytes(fs[i], TR_FOREVER, NULL)
                        : tr_future_result(fs[i], TR_FOREVER, NULL)) != TR_OK;
        tr_future_free(fs[i]);
    }
    double t = now() - t0;
    tr_executor_free(ex);
    free(fs);
    report(process ? "throughput, process pool (4 workers)" : "throughput, thread pool (4 workers)",
           n, t);
    return bad;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    int bad = 0;
    bad |= bench_round_trip(false, n);
    bad |= bench_round_trip(true, n);
    bad |= bench_throughput(false, 10000);
    bad |= bench_throughput(true, 10000);
    if (bad)
        fprintf(stderr, "bench_pool: a task did not return TR_OK\n");
    return bad;
}
