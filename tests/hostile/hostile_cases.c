/* hostile_cases.c — cases that attack the process they run in: its descriptors, its
 * signals, its exit, its children, its resource limits, its memory. None is an example of
 * a concurrency bug; each checks that the harness survives what a case can do to the
 * process the harness runs it in, and says what happened: a finding that names the act,
 * never a false verdict, and the run goes on with the next case. test_hostile.py asserts
 * each one's kind and message; the cases linked after these (lock_order_*) must keep their
 * verdicts.
 *
 * The act is done by a worker thread where that matters (exit from a worker, a worker's
 * signal mask), by T0 otherwise. Each case is one idea, as in cases/. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <trama/harness.h>

/* Two threads take one lock in turn: enough scheduling points to interleave, no finding. */
static void take_and_release(tr_lock *l)
{
    tr_lock_acquire(l, true, TR_FOREVER);
    tr_lock_release(l);
}

typedef struct worker {
    tr_lock *lock;
    void (*act)(void);
} worker;

/* The worker does the case's act, then takes the lock. */
static void act_then_take(void *arg)
{
    worker *w = arg;
    if (w->act)
        w->act();
    take_and_release(w->lock);
}

/* T0 starts a worker "w" that does act, takes the lock too, and joins it. */
static void with_a_worker(void (*act)(void))
{
    worker *w = tr_case_alloc(sizeof *w);
    w->lock = tr_lock_new();
    w->act = act;
    tr_thread *t = tr_thread_new(act_then_take, w, &(tr_thread_opts){.name = "w"});
    tr_thread_start(t);
    take_and_release(w->lock);
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
    tr_lock_free(w->lock);
}

/* ---- descriptors ------------------------------------------------------------------------ */

/* Every descriptor below 1024 closed, the harness's pipe to its parent among them. */
static void close_everything(void)
{
    for (int fd = 0; fd < 1024; fd++)
        close(fd);
}

TR_CASE(hostile_closes_every_descriptor, TR_CRASH) { with_a_worker(close_everything); }

/* Every descriptor below 1024 made a copy of /dev/null: the harness's pipe now leads
 * nowhere, though a write to it still succeeds. */
static void dup2_over_everything(void)
{
    int null = open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 1024; fd++)
        if (fd != null)
            dup2(null, fd);
}

TR_CASE(hostile_dup2s_over_every_descriptor, TR_CRASH) { with_a_worker(dup2_over_everything); }

/* ---- signals ---------------------------------------------------------------------------- */

static void block_and_ignore_everything(void)
{
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    const int ignored[] = {SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2, SIGPIPE, SIGTERM};
    for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++)
        signal(ignored[i], SIG_IGN);
}

/* A worker blocks every signal and ignores SIGCHLD, SIGALRM, SIGUSR1...: the lock exchange
 * is still a pass, in every execution. */
TR_CASE(hostile_blocks_and_ignores_signals, TR_PASS) { with_a_worker(block_and_ignore_everything); }

/* Plain spins the watchdog must catch, each after making the watchdog's question
 * (SIGUSR1) one the process cannot answer: blocked in every thread, ignored, or put back
 * to its default action (which would end the process: a crash, if the harness believed
 * it). */
static void spin(void)
{
    for (volatile int spinning = 1; spinning;)
        ;
}

static void block_everything_then_spin(void)
{
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    spin();
}

static void ignore_usr1_then_spin(void)
{
    signal(SIGUSR1, SIG_IGN);
    spin();
}

static void default_usr1_then_spin(void)
{
    signal(SIGUSR1, SIG_DFL);
    spin();
}

TR_CASE(hostile_blocks_signals_then_spins, TR_HANG) { with_a_worker(block_everything_then_spin); }
TR_CASE(hostile_ignores_usr1_then_spins, TR_HANG) { with_a_worker(ignore_usr1_then_spin); }
TR_CASE(hostile_resets_usr1_then_spins, TR_HANG) { with_a_worker(default_usr1_then_spin); }

/* SIGSEGV ignored, then a store through a null pointer: the kernel kills it anyway. */
static void store_through_null(void)
{
    static int *volatile nowhere; /* NULL, read at run time: no compiler sees it */
    signal(SIGSEGV, SIG_IGN);
    *nowhere = 1;
}

TR_CASE(hostile_ignores_sigsegv_then_crashes, TR_CRASH) { with_a_worker(store_through_null); }

/* SIGCHLD ignored: the kernel reaps children itself and waitpid finds none, so a joined
 * process's exitcode stays None, as in Python (multiprocessing's poll() returns None on
 * ECHILD). The harness's own reaping of the process must not mind. */
static void exits_at_once(void *arg) { (void)arg; }

TR_CASE(hostile_ignores_sigchld_then_joins_a_process, TR_PASS)
{
    signal(SIGCHLD, SIG_IGN);
    tr_process *p = tr_process_new(exits_at_once, NULL, NULL);
    TR_ASSERT(tr_process_start(p) == TR_OK);
    TR_ASSERT(tr_process_join(p, TR_FOREVER) == TR_OK);
    TR_ASSERT(tr_process_exitcode(p) == TR_EXITCODE_NONE);
    tr_process_free(p);
}

/* ---- the end of the process from a worker ------------------------------------------------ */

static void call_exit(void) { exit(7); }
static void call__exit(void) { _exit(9); }
static void call_abort(void) { abort(); }

TR_CASE(hostile_worker_calls_exit, TR_CRASH) { with_a_worker(call_exit); }
TR_CASE(hostile_worker_calls__exit, TR_CRASH) { with_a_worker(call__exit); }
TR_CASE(hostile_worker_calls_abort, TR_CRASH) { with_a_worker(call_abort); }

/* ---- processes the harness did not start ------------------------------------------------- */

/* fork() itself: the child does a little work, exits through exit() (atexit handlers and
 * all), and the case waits for it. */
static void fork_and_wait(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        char *buf = malloc(4096);
        memset(buf, 1, 4096);
        exit(buf[17] == 1 ? 0 : 1);
    }
    int status = -1;
    TR_ASSERT(pid > 0 && waitpid(pid, &status, 0) == pid);
    TR_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TR_CASE(hostile_raw_fork_child_exits, TR_PASS) { with_a_worker(fork_and_wait); }

/* fork() twice, as a daemon does: the first child leaves a grandchild in a session of its
 * own, which waits for ever, and exits. Nobody in the case ever takes the grandchild back. */
static void leave_a_daemon(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (fork() == 0) {
            setsid();
            for (;;)
                pause();
        }
        _exit(0);
    }
    TR_ASSERT(pid > 0 && waitpid(pid, NULL, 0) == pid);
}

TR_CASE(hostile_raw_fork_leaves_a_daemon, TR_PASS) { with_a_worker(leave_a_daemon); }

/* A child that waits for ever, never waited for. */
static void leave_a_child(void)
{
    if (fork() == 0)
        for (;;)
            pause();
}

TR_CASE(hostile_raw_fork_child_lingers, TR_PASS) { with_a_worker(leave_a_child); }

/* ---- resource limits --------------------------------------------------------------------- */

static void lower_soft_limit(int resource, rlim_t to)
{
    struct rlimit r;
    getrlimit(resource, &r);
    r.rlim_cur = to;
    setrlimit(resource, &r);
}

/* No descriptor can be opened any more, then a process started (its channel is a new
 * socket pair): the start fails as Python's would, with an OSError. */
static void no_more_descriptors(void) { lower_soft_limit(RLIMIT_NOFILE, 3); }

TR_CASE(hostile_lowers_nofile_then_starts_a_process, TR_OS_ERROR_FOUND)
{
    with_a_worker(no_more_descriptors);
    tr_process *p = tr_process_new(exits_at_once, NULL, NULL);
    if (tr_process_start(p) == TR_OK)
        tr_process_join(p, TR_FOREVER);
    tr_process_free(p);
}

/* RLIMIT_NPROC at 1, soft and hard, then a process started: an OSError for a user bound by
 * it, a plain start and join for root (whom the kernel exempts). */
static void one_process_only(void)
{
    struct rlimit one = {1, 1};
    setrlimit(RLIMIT_NPROC, &one);
}

TR_CASE(hostile_lowers_nproc_then_starts_a_process, TR_PASS)
{
    with_a_worker(one_process_only);
    tr_process *p = tr_process_new(exits_at_once, NULL, NULL);
    if (tr_process_start(p) == TR_OK)
        TR_ASSERT(tr_process_join(p, TR_FOREVER) == TR_OK && tr_process_exitcode(p) == 0);
    tr_process_free(p);
}

/* The address space a little larger than what is mapped now. */
static void bound_address_space(rlim_t extra)
{
    long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld", &pages) != 1)
            pages = 0;
        fclose(f);
    }
    lower_soft_limit(RLIMIT_AS, (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + extra);
}

typedef struct block {
    struct block *next;
} block;

/* malloc until it fails (1 MiB at a time, each touched once); returns what it took. */
static block *take_all_memory(void)
{
    block *taken = NULL;
    for (;;) {
        block *b = malloc(1 << 20);
        if (!b)
            return taken;
        b->next = taken;
        taken = b;
    }
}

/* Memory filled under a 64 MiB bound, then given back: the exchange that follows is fine. */
static void fill_then_free(void)
{
    bound_address_space(64 << 20);
    block *taken = take_all_memory();
    while (taken) {
        block *next = taken->next;
        free(taken);
        taken = next;
    }
}

TR_CASE(hostile_fills_memory_then_frees_it, TR_PASS) { with_a_worker(fill_then_free); }

/* Memory filled under a 64 MiB bound and kept; then T0 takes more steps than the
 * harness has room for in its trace: its own allocation fails, and it says so. */
static block *kept_memory;

static void fill_and_keep(void)
{
    bound_address_space(64 << 20);
    kept_memory = take_all_memory();
}

TR_CASE(hostile_fills_memory_and_keeps_it, TR_CRASH)
{
    with_a_worker(fill_and_keep);
    int *counter = tr_case_alloc(sizeof *counter);
    for (int i = 0; i < 5000; i++)
        TR_STORE(*counter, i);
}
