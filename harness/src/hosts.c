/* hosts.c — the baton: the hosts case threads run on, and handing the baton from one
 * case thread to the next. The only file that switches a stack or posts a semaphore.
 *
 * Case threads run on pooled hosts that live across executions; T0 runs on the driver's
 * thread and stack. A host is one of two kinds, for the whole process:
 *   fiber   (default) a user-level context on the driver's thread, with a stack of its
 *           own (fiber.c); handing the baton over is one register switch, and the
 *           thread-locals a case thread owns are carried across it (switch_host).
 *   pthread (TRAMA_THREADS=1; ASan builds) a host thread; a hand-over is one semaphore
 *           post and one wait. The reference mode, and the easier one to debug.
 * When an execution ends while threads are parked mid-call (deadlock, failed assertion,
 * step budget): parked fibers are simply never resumed (their contexts are reset for the
 * next job); parked pthreads are woken with the execution over and longjmp back to their
 * loop. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../primitives/src/tsan.h"
#include "execution.h"

_Thread_local tr__cthread *tr__self;

/* What a case thread keeps in the host thread's thread-locals. Fibers share the driver's
 * thread, so each one's copy travels with it (switch_host). */
typedef struct fiber_tls {
    tr_thread *bound;      /* thread.c: tr_current_thread() */
    tr__cthread *self;     /* tr__self */
    tr__site_slot site;    /* a call site set but not yet taken (see switch_host) */
    int err;               /* errno */
    char error[TR__ERROR_TEXT_MAX]; /* tr_last_error() */
} fiber_tls;

struct tr__host {
    int job;               /* the case thread it runs, -1 none */
    struct tr__host *next_idle;
    /* pthread mode */
    pthread_t pthread;
    sem_t wake;            /* posted to hand this host the baton */
    jmp_buf base;
    /* fiber mode */
    tr__fiber fiber;
    fiber_tls tls;         /* saved while switched out */
};

/* The host pool: per process, across executions. */
static struct {
    bool started;
    bool fibers;           /* the kind of every host, chosen at the first execution */
    size_t stack_size;
    tr__host *idle;
    tr__host driver;
    sem_t unwound;         /* a pthread host unwound after the end of an execution */
    bool pinned;
    cpu_set_t cpu;
} pool;

static tr__host *host_of(int id) { return tr__exec.threads[id].host; }

static void host_main(tr__host *h);
static void host_wait(tr__host *h);

static void *host_thread(void *arg)
{
    tr__host *h = arg;
    /* A signal stack of its own, so a crash handler (explore.c's) still runs when a case
     * overflows this thread's stack, as it does on a fiber (they share the driver's). */
    static const size_t altstack_size = 1 << 16;
    stack_t ss = {.ss_sp = malloc(altstack_size), .ss_size = altstack_size};
    if (ss.ss_sp)
        sigaltstack(&ss, NULL);
    host_wait(h); /* for its first job */
    host_main(h);
    return NULL;
}

static void host_fiber(void *arg)
{
    host_main(arg); /* switched to with its first job in hand */
    TR_CHECK(false, "a host fiber ran out of jobs");
}

/* A forked child has only the thread that forked: the pooled host pthreads are gone (their
 * records, copied, would be posted and never answer). Fiber hosts are plain memory and
 * carry over, except under ThreadSanitizer: its child counts every thread but the forking
 * one as ended, fibers included, so a fiber made before the fork and switched to after it
 * is a thread TSan has no order for, and every access it makes to the thread's own state
 * (the thread-locals switch_host carries) is reported as a race. The child makes fresh
 * ones (the idle list is dropped; the copies are never freed, as no fiber is). */
static void forget_host_threads(void)
{
    if (!pool.fibers || TR__TSAN_ENABLED)
        pool.idle = NULL;
}

/* Fibers unless TRAMA_THREADS=1 asks for pthread hosts, or the build cannot switch
 * stacks (fiber.c). Chosen once: the host pool is of one kind. */
static void choose_host_kind(void)
{
    const char *threads = getenv("TRAMA_THREADS");
    bool want_threads = threads && *threads && strcmp(threads, "0") != 0;
    pool.fibers = !want_threads && tr__fiber_supported();
    if (pool.fibers) {
        pool.stack_size = tr__fiber_default_stack();
        tr__fiber_init_current(&pool.driver.fiber);
    }
}

static void pin(pthread_t t)
{
    if (pool.pinned)
        pthread_setaffinity_np(t, sizeof pool.cpu, &pool.cpu);
}

/* Only one case thread runs at a time: keeping them all on one CPU turns each hand-over
 * into a same-core wake-up (about 1.8 us instead of 5 us across cores, measured). The
 * environment variable TRAMA_NO_PIN=1 turns this off. */
static void pin_to_one_cpu(void)
{
    const char *off = getenv("TRAMA_NO_PIN");
    if (off && *off && strcmp(off, "0") != 0)
        return;
    int cpu = sched_getcpu();
    if (cpu < 0)
        return;
    CPU_ZERO(&pool.cpu);
    CPU_SET(cpu, &pool.cpu);
    pool.pinned = pthread_setaffinity_np(pthread_self(), sizeof pool.cpu, &pool.cpu) == 0;
}

void tr__hosts_pin(void)
{
    if (!pool.pinned)
        pin_to_one_cpu();
}

void tr__hosts_start(void)
{
    if (pool.started)
        return;
    pool.started = true;
    choose_host_kind();
    pool.driver.job = 0;
    sem_init(&pool.driver.wake, 0, 0);
    sem_init(&pool.unwound, 0, 0);
    if (!pool.fibers)
        pin_to_one_cpu(); /* fibers all run on the driver's thread anyway */
    pthread_atfork(NULL, NULL, forget_host_threads);
}

tr__host *tr__hosts_driver(void) { return &pool.driver; }

/* An idle host, or a new one: a pthread, or a fiber whose stack is mapped here once and
 * kept for the life of the process. */
static tr__host *host_take(void)
{
    tr__host *h = pool.idle;
    if (h) {
        pool.idle = h->next_idle;
        return h;
    }
    h = calloc(1, sizeof *h);
    TR_CHECK(h, "out of memory creating a host thread");
    h->job = -1;
    if (pool.fibers) {
        TR_CHECK(tr__fiber_create(&h->fiber, pool.stack_size, host_fiber, h),
                 "cannot map a fiber stack");
        return h;
    }
    sem_init(&h->wake, 0, 0);
    TR_CHECK(pthread_create(&h->pthread, NULL, host_thread, h) == 0,
             "cannot create host thread");
    pin(h->pthread);
    return h;
}

static void host_release(tr__host *h)
{
    h->job = -1;
    h->next_idle = pool.idle;
    pool.idle = h;
}

void tr__hosts_wake(int id)
{
    tr__cthread *c = &tr__exec.threads[id];
    if (!c->host) {
        c->host = host_take();
        c->host->job = id;
    }
    tr__exec.running = id;
    if (!pool.fibers)
        sem_post(&c->host->wake);
}

/* Fiber mode: moves the baton from the calling fiber to `to`. All fibers share the
 * driver's thread-locals, so a case thread's own (its tr_thread, tr__self, errno, its
 * tr_last_error() text, a call site not yet taken) are saved on the way out and restored
 * on the way back in. The site slot is taken by every public call before its first
 * scheduling point, so it is almost always empty here. It is carried anyway (three
 * words) for one corner: a scheduling point inside a call's argument list reached
 * without a site of its own, e.g. tr_lock_acquire(pick(), ...) where pick() calls
 * (tr_yield)() or goes through a function pointer. A pthread keeps the outer site
 * across that park; so does a fiber. */
static void switch_host(tr__host *from, tr__host *to)
{
    fiber_tls *t = &from->tls;
    t->err = errno;
    t->bound = tr__thread_bind(NULL);
    t->self = tr__self;
    t->site = tr__site;
    tr__error_save(t->error, sizeof t->error);
    tr__fiber_switch(&from->fiber, &to->fiber);
    tr__error_restore(t->error);
    tr__site = t->site;
    tr__self = t->self;
    tr__thread_bind(t->bound);
    errno = t->err;
}

/* Returns when h is handed the baton. A fiber hands it over right here, to the host
 * wake() chose (itself, when a finished thread's host is taken by the next one). */
static void host_wait(tr__host *h)
{
    if (!pool.fibers) {
        while (sem_wait(&h->wake) != 0 && errno == EINTR)
            ;
        return;
    }
    tr__host *to = host_of(tr__exec.running);
    if (to != h)
        switch_host(h, to);
}

/* Only T0 (the driver) is ever resumed once the execution is over; a pthread host also
 * is, to unwind. */
void tr__hosts_park(tr__cthread *me)
{
    tr__host *h = me->host;
    host_wait(h);
    if (tr__exec.over)
        longjmp(h->base, 1);
}

void tr__hosts_adopt(tr__cthread *me) { me->host->job = me->id; }

/* The thread's body has returned and its exit step is done: the host goes back to the
 * pool (host_main then waits for its next job, and a fiber host switches to the chosen
 * thread there). */
void tr__hosts_release_self(tr__cthread *me)
{
    tr__host *h = me->host;
    me->host = NULL;
    tr__self = NULL;
    host_release(h);
}

/* One case thread's life on host h, started as a new thread would be: errno 0, no last
 * error, no pending site. A fiber never unwinds: one abandoned mid-call is reset instead
 * (unwind_all). */
static void run_job(tr__host *h)
{
    tr__self = &tr__exec.threads[h->job];
    errno = 0;
    tr__error_restore("");
    tr__site = (tr__site_slot){0};
    if (pool.fibers || setjmp(h->base) == 0) {
        tr__thread_run(tr__self->thread);
    } else {
        /* unwound at the end of an execution: tell the driver */
        tr__thread_bind(NULL);
        tr__self = NULL;
        sem_post(&pool.unwound);
    }
}

/* Runs one job after another, until a pthread host is woken with none (shutdown). */
static void host_main(tr__host *h)
{
    while (h->job >= 0) {
        run_job(h);
        host_wait(h);
    }
}

/* Called by whichever thread ends the execution (it holds the baton). T0 jumps to the
 * driver's base. Another thread wakes T0, which jumps there when it sees the execution
 * over; a pthread host itself jumps back to its loop, which tells the driver it has
 * unwound, while a fiber switches to the driver and is never resumed. */
void tr__hosts_end(void)
{
    struct tr__execution *x = &tr__exec;
    tr__trace_snapshot_waiting();
    x->over = true;
    tr__cthread *me = tr__self;
    TR_CHECK(me && me->host, "an execution ends on a case thread");
    if (me->id == 0)
        longjmp(pool.driver.base, 1);
    x->ender = me->id;
    x->running = 0;
    if (pool.fibers) {
        switch_host(me->host, &pool.driver);
        TR_CHECK(false, "a fiber resumed after its execution ended");
    }
    sem_post(&pool.driver.wake);
    longjmp(me->host->base, 1);
}

/* On the driver, the execution over: every host still holding a case thread (parked
 * mid-call, or the ender) goes back to the pool. A fiber's context is discarded: reset,
 * its next job starts afresh on the same stack. A pthread host is woken, and waited for
 * until it has longjmp'd back to its loop. */
static void unwind_all(void)
{
    struct tr__execution *x = &tr__exec;
    int waiting = 0;
    for (int i = 1; i < x->n_threads; i++) {
        tr__cthread *c = &x->threads[i];
        if (!c->host)
            continue;
        if (pool.fibers)
            tr__fiber_reset(&c->host->fiber);
        else if (i != x->ender)
            sem_post(&c->host->wake);
        waiting += !pool.fibers;
    }
    for (; waiting > 0; waiting--)
        while (sem_wait(&pool.unwound) != 0 && errno == EINTR)
            ;
    for (int i = 1; i < x->n_threads; i++) {
        tr__cthread *c = &x->threads[i];
        if (c->host)
            host_release(c->host);
        c->host = NULL;
    }
    x->ender = -1;
}

void tr__hosts_drive(void (*body)(void *), void *arg)
{
    tr__cthread *t0 = &tr__exec.threads[0];
    t0->host = &pool.driver;
    t0->state = TR__CT_RUNNING;
    tr__self = t0;
    tr__exec.running = 0;
    if (setjmp(pool.driver.base) == 0) {
        body(arg);
        tr__trace_snapshot_waiting();
        tr__exec.over = true;
    }
    t0->host = NULL;
    unwind_all();
    tr__self = NULL;
}
