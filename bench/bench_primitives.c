/* bench_primitives.c — what the native backend costs over raw pthreads. Prints figures;
 * never fails on a time.
 *
 *   uncontended   tr_lock / tr_rlock acquire+release vs pthread_mutex lock+unlock (normal,
 *                 recursive), with the process single-threaded and with another thread alive
 *   contended     two threads taking one lock in turns, Lock and RLock
 *   ping-pong     semaphore and condition round trips between two threads
 *   misuse        one misuse counted only, logged (TRAMA_MISUSE_LOG=FILE), suppressed by
 *                 the log's rate limit, and given to a reporter
 *
 * Single-thread loops are timed in thread CPU time (CLOCK_THREAD_CPUTIME_ID), so other
 * load on a shared machine does not inflate them; two-thread figures are wall time.
 *
 * Usage: bench_primitives [scale]   (scale multiplies the iteration counts; default 1) */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/stat.h>
#include <trama/trama.h>
#include <unistd.h>

#include "misuse.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- uncontended ---------------------------------------------------------------------- */

static double ns_pthread_mutex(long n)
{
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    double start = cpu_seconds();
    for (long i = 0; i < n; i++) {
        pthread_mutex_lock(&mu);
        pthread_mutex_unlock(&mu);
    }
    double ns = (cpu_seconds() - start) * 1e9 / (double)n;
    pthread_mutex_destroy(&mu);
    return ns;
}

static double ns_tr_lock(long n)
{
    tr_lock *l = tr_lock_new();
    double start = cpu_seconds();
    for (long i = 0; i < n; i++) {
        tr_lock_acquire(l, true, TR_FOREVER);
        tr_lock_release(l);
    }
    double ns = (cpu_seconds() - start) * 1e9 / (double)n;
    tr_lock_free(l);
    return ns;
}

static double ns_pthread_recursive(long n)
{
    pthread_mutexattr_t attr;
    pthread_mutex_t mu;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&mu, &attr);
    double start = cpu_seconds();
    for (long i = 0; i < n; i++) {
        pthread_mutex_lock(&mu);
        pthread_mutex_unlock(&mu);
    }
    double ns = (cpu_seconds() - start) * 1e9 / (double)n;
    pthread_mutex_destroy(&mu);
    pthread_mutexattr_destroy(&attr);
    return ns;
}

static double ns_tr_rlock(long n)
{
    tr_rlock *r = tr_rlock_new();
    double start = cpu_seconds();
    for (long i = 0; i < n; i++) {
        tr_rlock_acquire(r, true, TR_FOREVER);
        tr_rlock_release(r);
    }
    double ns = (cpu_seconds() - start) * 1e9 / (double)n;
    tr_rlock_free(r);
    return ns;
}

/* Best of `runs` runs of each, alternating the two: both see the same share of the other
 * core's noise. */
static void best_of_pair(double (*raw)(long), double (*tr)(long), long n, int runs,
                         double *best_raw, double *best_tr)
{
    *best_raw = raw(n);
    *best_tr = tr(n);
    for (int i = 1; i < runs; i++) {
        double x = raw(n), y = tr(n);
        *best_raw = x < *best_raw ? x : *best_raw;
        *best_tr = y < *best_tr ? y : *best_tr;
    }
}

/* A thread that only waits: with it alive, glibc's pthread mutex stops skipping its
 * atomics (it does while the process has a single thread, __libc_single_threaded). */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    pthread_t thread;
} idle = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0};

static void *idle_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&idle.mu);
    while (!idle.stop)
        pthread_cond_wait(&idle.cv, &idle.mu);
    pthread_mutex_unlock(&idle.mu);
    return NULL;
}

static void idle_stop(void)
{
    pthread_mutex_lock(&idle.mu);
    idle.stop = true;
    pthread_cond_signal(&idle.cv);
    pthread_mutex_unlock(&idle.mu);
    pthread_join(idle.thread, NULL);
}

static void print_pair(const char *raw_name, double raw, const char *tr_name, double tr)
{
    printf("    %-24s %7.1f ns/op\n", raw_name, raw);
    printf("    %-24s %7.1f ns/op   %.2fx raw\n", tr_name, tr, tr / raw);
}

static void uncontended(long n)
{
    double raw, lock, raw_rec, rlock;
    best_of_pair(ns_pthread_mutex, ns_tr_lock, n, 5, &raw, &lock);
    best_of_pair(ns_pthread_recursive, ns_tr_rlock, n, 5, &raw_rec, &rlock);
    print_pair("pthread_mutex", raw, "tr_lock", lock);
    print_pair("pthread_mutex recursive", raw_rec, "tr_rlock", rlock);
}

/* ---- contended lock ------------------------------------------------------------------- */

typedef struct contention {
    tr_lock *lock;
    tr_rlock *rlock;
    pthread_mutex_t mu;
    long n;
    long counter;
} contention;

static void tr_taker(void *arg)
{
    contention *c = arg;
    for (long i = 0; i < c->n; i++) {
        tr_lock_acquire(c->lock, true, TR_FOREVER);
        c->counter++;
        tr_lock_release(c->lock);
    }
}

static void tr_rtaker(void *arg)
{
    contention *c = arg;
    for (long i = 0; i < c->n; i++) {
        tr_rlock_acquire(c->rlock, true, TR_FOREVER);
        c->counter++;
        tr_rlock_release(c->rlock);
    }
}

static void *pthread_taker(void *arg)
{
    contention *c = arg;
    for (long i = 0; i < c->n; i++) {
        pthread_mutex_lock(&c->mu);
        c->counter++;
        pthread_mutex_unlock(&c->mu);
    }
    return NULL;
}

static double ns_contended_tr_with(void (*taker)(void *), long n)
{
    contention c = {.lock = tr_lock_new(), .rlock = tr_rlock_new(), .n = n};
    double start = now_seconds();
    tr_thread *a = tr_thread_new(taker, &c, NULL);
    tr_thread *b = tr_thread_new(taker, &c, NULL);
    tr_thread_start(a);
    tr_thread_start(b);
    tr_thread_join(a, TR_FOREVER);
    tr_thread_join(b, TR_FOREVER);
    double ns = (now_seconds() - start) * 1e9 / (double)(2 * n);
    if (c.counter != 2 * n)
        fprintf(stderr, "bench: lost updates (%ld of %ld)\n", c.counter, 2 * n);
    tr_thread_free(a);
    tr_thread_free(b);
    tr_lock_free(c.lock);
    tr_rlock_free(c.rlock);
    return ns;
}

static double ns_contended_tr(long n) { return ns_contended_tr_with(tr_taker, n); }
static double ns_contended_tr_rlock(long n) { return ns_contended_tr_with(tr_rtaker, n); }

static double ns_contended_pthread_with(int type, long n)
{
    contention c = {.n = n};
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, type);
    pthread_mutex_init(&c.mu, &attr);
    pthread_t a, b;
    double start = now_seconds();
    pthread_create(&a, NULL, pthread_taker, &c);
    pthread_create(&b, NULL, pthread_taker, &c);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    double ns = (now_seconds() - start) * 1e9 / (double)(2 * n);
    pthread_mutex_destroy(&c.mu);
    pthread_mutexattr_destroy(&attr);
    return ns;
}

static double ns_contended_pthread(long n)
{
    return ns_contended_pthread_with(PTHREAD_MUTEX_NORMAL, n);
}

static double ns_contended_recursive(long n)
{
    return ns_contended_pthread_with(PTHREAD_MUTEX_RECURSIVE, n);
}

/* ---- ping-pong ------------------------------------------------------------------------ */

typedef struct pingpong {
    tr_semaphore *ping;
    tr_semaphore *pong;
    tr_condition *cond;
    int turn; /* 0: main's turn, 1: the partner's; under cond's lock */
    long n;
} pingpong;

static void sem_partner(void *arg)
{
    pingpong *p = arg;
    for (long i = 0; i < p->n; i++) {
        tr_semaphore_acquire(p->ping, true, TR_FOREVER);
        tr_semaphore_release(p->pong, 1);
    }
}

static double us_semaphore_round_trip(long n)
{
    pingpong p = {.ping = tr_semaphore_new(0), .pong = tr_semaphore_new(0), .n = n};
    tr_thread *t = tr_thread_new(sem_partner, &p, NULL);
    tr_thread_start(t);
    double start = now_seconds();
    for (long i = 0; i < n; i++) {
        tr_semaphore_release(p.ping, 1);
        tr_semaphore_acquire(p.pong, true, TR_FOREVER);
    }
    double us = (now_seconds() - start) * 1e6 / (double)n;
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
    tr_semaphore_free(p.ping);
    tr_semaphore_free(p.pong);
    return us;
}

static void pass_turn(pingpong *p, int mine, int next)
{
    tr_condition_acquire(p->cond, true, TR_FOREVER);
    while (p->turn != mine)
        tr_condition_wait(p->cond, TR_FOREVER);
    p->turn = next;
    tr_condition_notify(p->cond, 1);
    tr_condition_release(p->cond);
}

static void cond_partner(void *arg)
{
    pingpong *p = arg;
    for (long i = 0; i < p->n; i++)
        pass_turn(p, 1, 0);
}

static double us_condition_round_trip(long n)
{
    pingpong p = {.cond = tr_condition_new(), .n = n};
    tr_thread *t = tr_thread_new(cond_partner, &p, NULL);
    tr_thread_start(t);
    double start = now_seconds();
    for (long i = 0; i < n; i++)
        pass_turn(&p, 0, 1);
    double us = (now_seconds() - start) * 1e6 / (double)n;
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
    tr_condition_free(p.cond);
    return us;
}

/* The raw baseline for a round trip: a pthread mutex + condvar turn variable. */
typedef struct raw_pingpong {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int turn;
    long n;
} raw_pingpong;

static void raw_pass_turn(raw_pingpong *p, int mine, int next)
{
    pthread_mutex_lock(&p->mu);
    while (p->turn != mine)
        pthread_cond_wait(&p->cv, &p->mu);
    p->turn = next;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void *raw_partner(void *arg)
{
    raw_pingpong *p = arg;
    for (long i = 0; i < p->n; i++)
        raw_pass_turn(p, 1, 0);
    return NULL;
}

static double us_raw_round_trip(long n)
{
    raw_pingpong p = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, n};
    pthread_t t;
    pthread_create(&t, NULL, raw_partner, &p);
    double start = now_seconds();
    for (long i = 0; i < n; i++)
        raw_pass_turn(&p, 0, 1);
    double us = (now_seconds() - start) * 1e6 / (double)n;
    pthread_join(t, NULL);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv);
    return us;
}

/* ---- misuse ----------------------------------------------------------------------------- */

/* A Lock released unlocked: RuntimeError, every time. */
static tr_lock *misused;

static void misuse_once(void) { tr_lock_release(misused); }

static double ns_misuse_loop(long n)
{
    double start = cpu_seconds();
    for (long i = 0; i < n; i++)
        misuse_once();
    return (cpu_seconds() - start) * 1e9 / (double)n;
}

/* Logged misuse: the log's site table is cleared before each burst, so the burst's records
 * (the first of their site) are all written; the clearing (a close and an open of the
 * file) is timed alone and taken off. */
static double us_logged(long bursts, int burst)
{
    double start = cpu_seconds();
    for (long i = 0; i < bursts; i++) {
        tr__misuse_log_reopen();
        for (int k = 0; k < burst; k++)
            misuse_once();
    }
    double with = cpu_seconds() - start;
    start = cpu_seconds();
    for (long i = 0; i < bursts; i++) {
        tr__misuse_log_reopen();
        misuse_once(); /* opens the file again; its one record is not counted below */
    }
    double reopen = cpu_seconds() - start;
    return (with - reopen) * 1e6 / (double)(bursts * (burst - 1));
}

static int reporter_calls;
static void count_reporter(const tr_misuse *m, void *ctx)
{
    (void)m, (void)ctx;
    reporter_calls++;
}

static void misuse_costs(long n)
{
    char path[] = "/tmp/trama-bench-misuse-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return;
    close(fd);
    misused = tr_lock_new();
    unsetenv("TRAMA_MISUSE_LOG");
    tr__misuse_log_reopen();
    double counted = ns_misuse_loop(n);
    setenv("TRAMA_MISUSE_LOG", path, 1);
    tr__misuse_log_reopen();
    double t = now_seconds();
    misuse_once();
    double first = now_seconds() - t;
    double logged = us_logged(n / 1000 + 10, 10);
    double suppressed = ns_misuse_loop(n); /* one site, past its burst */
    tr_set_misuse_reporter(count_reporter, NULL);
    double start = cpu_seconds();
    for (long i = 0; i < n / 100; i++)
        misuse_once();
    double reported = (cpu_seconds() - start) * 1e6 / (double)(n / 100);
    tr_set_misuse_reporter(NULL, NULL);
    unsetenv("TRAMA_MISUSE_LOG");
    tr__misuse_log_reopen();
    struct stat st;
    stat(path, &st);
    unlink(path);
    tr_lock_free(misused);
    printf("misuse (a Lock released unlocked; thread CPU time; stacks by %s)\n",
           tr__stack_symbolizer());
    printf("  no log (counted only)      %7.1f ns/misuse\n", counted);
    printf("  first logged record        %7.2f ms (wall: the symbolizer reads the modules)\n",
           first * 1e3);
    printf("  logged record              %7.2f us/record (stack from the cache, one write)\n",
           logged);
    printf("  suppressed (rate limit)    %7.1f ns/misuse\n", suppressed);
    printf("  reporter (full record)     %7.2f us/misuse\n", reported);
    printf("  log file: %lld bytes\n", (long long)st.st_size);
}

int main(int argc, char **argv)
{
    long scale = argc > 1 ? atol(argv[1]) : 1;
    if (scale < 1)
        scale = 1;
    long n_fast = 5000000 * scale, n_contended = 1000000 * scale, n_trip = 50000 * scale;

    printf("uncontended acquire+release (thread CPU time, best of 5 alternating, %ld ops)\n",
           n_fast);
    printf("  process single-threaded (glibc's pthread mutex then skips its atomics)\n");
    uncontended(n_fast);
    pthread_create(&idle.thread, NULL, idle_main, NULL);
    printf("  another thread alive (every lock is then atomic)\n");
    uncontended(n_fast);
    idle_stop();

    double c_raw, c_tr, c_raw_rec, c_rtr;
    best_of_pair(ns_contended_pthread, ns_contended_tr, n_contended, 3, &c_raw, &c_tr);
    best_of_pair(ns_contended_recursive, ns_contended_tr_rlock, n_contended, 3, &c_raw_rec,
                 &c_rtr);
    printf("contended, 2 threads x %ld acquire+release of one lock (wall, best of 3"
           " alternating)\n",
           n_contended);
    print_pair("pthread_mutex", c_raw, "tr_lock", c_tr);
    print_pair("pthread_mutex recursive", c_raw_rec, "tr_rlock", c_rtr);

    double r_raw = us_raw_round_trip(n_trip);
    double r_sem = us_semaphore_round_trip(n_trip);
    double r_cond = us_condition_round_trip(n_trip);
    printf("ping-pong round trips between 2 threads (%ld trips)\n", n_trip);
    printf("  pthread mutex+cond       %7.2f us/trip\n", r_raw);
    printf("  tr_semaphore             %7.2f us/trip   %.2fx raw\n", r_sem, r_sem / r_raw);
    printf("  tr_condition             %7.2f us/trip   %.2fx raw\n", r_cond, r_cond / r_raw);
    misuse_costs(n_fast / 10);
    return 0;
}
