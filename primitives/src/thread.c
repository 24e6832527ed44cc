/* thread.c — threading.Thread: names, daemon flag, start/join/is_alive, current thread.
 *
 * A tr_thread is shared by its creator and, while it runs, by its host thread: it is
 * freed when both let go (refs). State changes are actions on the thread's own object;
 * start -> the child's first step and the child's last step -> join are the
 * happens-before edges. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "live.h"

typedef enum thread_state { STATE_NEW, STATE_STARTED, STATE_FINISHED } thread_state;

struct tr_thread {
    tr__object obj; /* first: a tr__object * is a tr_thread * */
    tr_target target;
    void *arg;
    char *name;
    bool daemon;
    thread_state state; /* guarded by the thread object's domain */
    unsigned long ident;
    atomic_int refs; /* the creator's handle + the running host */
    bool trama_owned; /* MainThread and Dummy-N: never the user's to free */
    tr__live_node live; /* in live_threads while started and not finished */
};

tr__counters tr__names = {1, 1, 0};
static atomic_ulong next_ident = 1;
static pthread_key_t dummy_key;
static pthread_once_t dummy_key_once = PTHREAD_ONCE_INIT;
static tr_thread *process_main;
static pthread_mutex_t process_main_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_t main_host;

/* What the layers below need of threads (action.c): they never call up into this file. */
static const tr__thread_ops thread_ops = {tr__thread_self, tr__thread_run, tr_thread_name,
                                          tr_thread_ident};

/* This process's pid for tr__thread_gid, kept so that a shared RLock's fast form makes no
 * system call; set at load and in every forked child (relaxed: fork orders it before
 * anything the child does). */
static atomic_int self_pid;

static void pid_after_fork(void) { atomic_store_explicit(&self_pid, getpid(), memory_order_relaxed); }

/* Static initialisers run on the process's main thread: remember it as MainThread's host,
 * and hand the layers below their way up before any action can run. */
__attribute__((constructor)) static void at_load(void)
{
    main_host = pthread_self();
    tr__thread_ops_register(&thread_ops);
    pid_after_fork();
    pthread_atfork(NULL, NULL, pid_after_fork);
}

_Static_assert(sizeof(uintptr_t) >= 8, "a thread's gid is a pid and a 32-bit ident");

/* pid_max is at most 2^22: the pid's bits stay clear of TR__WORD_BUSY. */
int tr__self_pid(void) { return atomic_load_explicit(&self_pid, memory_order_relaxed); }

uintptr_t tr__thread_gid(const tr_thread *t)
{
    return (uintptr_t)tr__self_pid() << 32 | (uint32_t)t->ident;
}

void tr__names_reset(void)
{
    atomic_store(&tr__names.thread, 1);
    atomic_store(&tr__names.process, 1);
    atomic_store(&tr__names.pool, 0);
}

/* Python's _active: the threads started and not yet finished, for tr_threading_shutdown.
 * A thread leaves it after its exit action, when shutdown joined it, or when its object is
 * destroyed without either (an execution the harness abandoned). Its host's reference
 * keeps a listed thread alive. */
static tr__live_list live_threads = TR__LIVE_LIST_INIT;

/* fork() copied only the calling thread: the others are stopped here, as Python's
 * threading._after_fork marks them (is_alive() false, join() returns at once), and leave
 * the list (the child's shutdown does not wait for them). Only this thread runs, so their
 * state is written directly: their monitors may have been held at the fork. */
void tr__threads_after_fork(void)
{
    tr__live_node *n = live_threads.head, *next;
    tr__live_forget_all(&live_threads); /* unlists them all, links kept */
    for (; n; n = next) {
        next = n->next;
        tr_thread *t = TR__LIVE_OF(n, tr_thread, live);
        if (t == tr__actor)
            tr__live_add(&live_threads, n);
        else
            t->state = STATE_FINISHED;
    }
}

static void thread_destroy(tr__object *obj)
{
    tr_thread *t = (tr_thread *)obj;
    tr__live_remove(&live_threads, &t->live);
    tr__object_fini(&t->obj);
    free(t->name);
    free(t);
}

static const tr__type thread_type = {TR__KIND_THREAD, thread_destroy};

static void thread_unref(tr_thread *t)
{
    if (atomic_fetch_sub(&t->refs, 1) == 1)
        thread_destroy(&t->obj);
}

tr__object *tr__thread_object(tr_thread *t) { return &t->obj; }
tr_thread *tr__thread_of(tr__object *obj) { return (tr_thread *)obj; }

static bool ident_char(char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* "worker" from "worker", "&worker" or "(tr_target)worker": the last identifier. */
static void target_spelling(const char *spelling, char *out, size_t size)
{
    size_t end = strlen(spelling), begin;
    while (end > 0 && !ident_char(spelling[end - 1]))
        end--;
    begin = end;
    while (begin > 0 && ident_char(spelling[begin - 1]))
        begin--;
    snprintf(out, size, "%.*s", (int)(end - begin), spelling + begin);
}

static tr_thread *thread_alloc(const char *name, bool daemon, bool trama_owned)
{
    tr_thread *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->name = strdup(name);
    if (!t->name || tr__object_init(&t->obj, &thread_type, NULL) != TR_OK) {
        free(t->name);
        free(t);
        return NULL;
    }
    t->obj.label = t->name;
    t->daemon = daemon;
    t->trama_owned = trama_owned;
    atomic_init(&t->refs, 1);
    return t;
}

/* Python's default name: "Thread-N", plus " (target)" when there is a target (3.10+).
 * The counter is taken only when no name is given, as Python's _newname. */
static void default_name(tr_target target, const char *spelling, char *out, size_t size)
{
    long n = atomic_fetch_add(&tr__names.thread, 1);
    char target_name[96] = "";
    if (target && spelling)
        target_spelling(spelling, target_name, sizeof target_name);
    if (target_name[0])
        snprintf(out, size, "Thread-%ld (%s)", n, target_name);
    else
        snprintf(out, size, "Thread-%ld", n);
}

tr_thread *(tr_thread_new)(tr_target target, void *arg, const tr_thread_opts *opts)
{
    const char *file, *spelling = tr__site.target;
    int line;
    tr__site.target = NULL;
    tr__site_take(&file, &line);
    char generated[128];
    const char *name = opts ? opts->name : NULL;
    if (!name || !name[0]) { /* Python: an empty name means no name */
        default_name(target, spelling, generated, sizeof generated);
        name = generated;
    }
    bool daemon = opts ? opts->daemon : tr__thread_self()->daemon;
    tr_thread *t = thread_alloc(name, daemon, false);
    if (!t) {
        tr__set_error(TR_NO_MEMORY, "");
        return NULL;
    }
    t->target = target;
    t->arg = arg;
    (void)file;
    (void)line;
    return t;
}

/* ---- start ---------------------------------------------------------------------------- */

static void start_effect(tr__action *a)
{
    tr_thread *t = (tr_thread *)a->obj;
    if (t->state != STATE_NEW) {
        tr__fail(a, TR_RUNTIME_ERROR, "threads can only be started once");
        return;
    }
    t->state = STATE_STARTED;
    t->ident = atomic_fetch_add(&next_ident, 1);
    tr__hb(a, a->obj, TR__HB_RELEASE);
}

static void unstart_effect(tr__action *a)
{
    tr_thread *t = (tr_thread *)a->obj;
    t->state = STATE_FINISHED;
}

tr_status (tr_thread_start)(tr_thread *t)
{
    tr__action a = tr__action_make(&t->obj, TR__OP_THREAD_START);
    a.effect = start_effect;
    if (tr__perform(&a) != TR_OK)
        return a.status;
    atomic_fetch_add(&t->refs, 1);
    tr__live_add(&live_threads, &t->live);
    if (tr__spawn(t) != TR_OK) {
        tr__live_remove(&live_threads, &t->live);
        tr__action undo = tr__action_next(&a, &t->obj, TR__OP_THREAD_SET);
        undo.effect = unstart_effect;
        tr__perform(&undo);
        thread_unref(t);
        return tr__raise(TR_RUNTIME_ERROR, "can't start new thread", a.file, a.line);
    }
    return TR_OK;
}

/* ---- the thread's body ---------------------------------------------------------------- */

static void begin_effect(tr__action *a) { tr__hb(a, a->obj, TR__HB_ACQUIRE); }

static void exit_effect(tr__action *a)
{
    tr_thread *t = (tr_thread *)a->obj;
    t->state = STATE_FINISHED;
    tr__hb(a, a->obj, TR__HB_RELEASE);
}

tr_thread *tr__thread_bind(tr_thread *t)
{
    tr_thread *previous = tr__actor;
    tr__actor = t;
    return previous;
}

void tr__thread_run(tr_thread *t)
{
    tr__thread_bind(t);
    tr__action begin = tr__action_next(&(tr__action){0}, &t->obj, TR__OP_THREAD_BEGIN);
    begin.effect = begin_effect;
    tr__perform(&begin);
    if (t->target) /* Thread(target=None).run() does nothing */
        t->target(t->arg);
    tr__action exit = tr__action_next(&(tr__action){0}, &t->obj, TR__OP_THREAD_EXIT);
    exit.effect = exit_effect;
    tr__perform(&exit);
    if (!t->daemon)
        tr__tsan_publish(&live_threads); /* for a shutdown that will not find it listed */
    tr__live_remove(&live_threads, &t->live);
    /* Taken before letting go of t: from then on a harness may restore another backend. */
    tr__host_done_fn done = tr__host_done_hook();
    tr__thread_bind(NULL);
    thread_unref(t);
    done();
}

/* ---- join ----------------------------------------------------------------------------- */

/* 3.13's _ThreadHandle.join converts the timeout after the state checks, even for a
 * finished thread (3.12 accepted anything there); 3.13 is the target. */
static const char *bad_join_timeout(double timeout)
{
    if (isnan(timeout))
        return "Invalid value NaN (not a number)";
    if (tr__timeout_overflows(timeout))
        return "timestamp out of range for platform time_t";
    return NULL;
}

static bool join_guard(const tr__action *a)
{
    const tr_thread *t = (const tr_thread *)a->obj;
    return t->state != STATE_STARTED || t == a->actor;
}

static void join_checks(tr__action *a)
{
    tr_thread *t = (tr_thread *)a->obj;
    const char *bad = bad_join_timeout(*(const double *)a->arg);
    if (t->state == STATE_NEW)
        tr__fail(a, TR_RUNTIME_ERROR, "cannot join thread before it is started");
    else if (t == a->actor)
        tr__fail(a, TR_RUNTIME_ERROR, "cannot join current thread");
    else if (bad)
        tr__fail(a, TR_VALUE_ERROR, bad);
}

static void join_effect(tr__action *a)
{
    join_checks(a);
    if (!a->message)
        tr__hb(a, a->obj, TR__HB_ACQUIRE);
}

tr_status (tr_thread_join)(tr_thread *t, double timeout)
{
    tr__action a = tr__action_make(&t->obj, TR__OP_THREAD_JOIN);
    a.guard = join_guard;
    a.effect = join_effect;
    a.arg = &timeout;
    if (bad_join_timeout(timeout)) {
        /* A live thread fails at once: poll, and raise from on_timeout. */
        a.timeout = 0;
        a.on_timeout = join_checks;
    } else {
        a.timeout = (timeout < 0 && timeout != TR_FOREVER) ? 0 : timeout;
    }
    tr_status s = tr__perform(&a);
    if (s == TR_TIMEOUT)
        tr__set_error(TR_TIMEOUT, "");
    return s;
}

/* ---- interpreter exit ----------------------------------------------------------------- */

/* The first listed non-daemon thread other than the caller, with a reference. */
static tr_thread *next_to_wait_for(const tr_thread *self)
{
    tr_thread *found = NULL;
    tr__live_lock(&live_threads);
    for (tr__live_node *n = live_threads.head; n && !found; n = n->next) {
        tr_thread *t = TR__LIVE_OF(n, tr_thread, live);
        if (t != self && !t->daemon) {
            atomic_fetch_add(&t->refs, 1);
            found = t;
        }
    }
    tr__live_unlock(&live_threads);
    if (found)
        tr__live_found(&found->live);
    return found;
}

/* Python's threading._register_atexit: what runs at the start of every shutdown, the
 * last registered first (the executors tell their workers to finish there). */
enum { MAX_AT_SHUTDOWN = 4 };
static void (*at_shutdown[MAX_AT_SHUTDOWN])(void);
static int n_at_shutdown; /* guarded by live_threads' mutex */

void tr__threading_atexit(void (*fn)(void))
{
    tr__live_lock(&live_threads);
    TR_CHECK(n_at_shutdown < MAX_AT_SHUTDOWN, "too many threading atexit hooks");
    at_shutdown[n_at_shutdown++] = fn;
    tr__live_unlock(&live_threads);
}

static void run_at_shutdown(void)
{
    void (*hooks[MAX_AT_SHUTDOWN])(void);
    tr__live_lock(&live_threads);
    int n = n_at_shutdown;
    memcpy(hooks, at_shutdown, sizeof hooks);
    tr__live_unlock(&live_threads);
    while (n > 0)
        hooks[--n]();
}

/* Threads started while we wait are waited for too, as Python's loop over _shutdown_locks. */
tr_status tr_threading_shutdown(void)
{
    run_at_shutdown();
    tr_thread *self = tr__thread_self(), *t;
    while ((t = next_to_wait_for(self)) != NULL) {
        tr_status s = (tr_thread_join)(t, TR_FOREVER);
        if (s == TR_OK)
            tr__live_remove(&live_threads, &t->live); /* its host may not have yet: no second wait */
        thread_unref(t);
        if (s != TR_OK)
            return s;
    }
    tr__tsan_receive(&live_threads); /* the non-daemon threads that ended before we looked */
    return TR_OK;
}

/* ---- queries and settings ------------------------------------------------------------- */

static void alive_effect(tr__action *a)
{
    const tr_thread *t = (const tr_thread *)a->obj;
    *(bool *)a->arg = t->state == STATE_STARTED;
}

bool (tr_thread_is_alive)(const tr_thread *t)
{
    bool alive = false;
    tr__action a = tr__action_make((tr__object *)&t->obj, TR__OP_THREAD_QUERY);
    a.effect = alive_effect;
    a.arg = &alive;
    tr__perform(&a);
    return alive;
}

const char *tr_thread_name(const tr_thread *t) { return t->name; }

static void set_name_effect(tr__action *a)
{
    tr_thread *t = (tr_thread *)a->obj;
    char *copy = a->arg;
    char *old = t->name;
    t->name = copy;
    t->obj.label = copy;
    a->arg = old; /* freed by the caller, outside the monitor */
}

tr_status tr_thread_set_name(tr_thread *t, const char *name)
{
    tr__action a = tr__action_make(&t->obj, TR__OP_THREAD_SET);
    a.arg = strdup(name ? name : "");
    if (!a.arg)
        return tr__set_error(TR_NO_MEMORY, "");
    a.effect = set_name_effect;
    tr__perform(&a);
    free(a.arg);
    return TR_OK;
}

bool tr_thread_daemon(const tr_thread *t) { return t->daemon; }

static void set_daemon_effect(tr__action *a)
{
    tr_thread *t = (tr_thread *)a->obj;
    if (t->state != STATE_NEW)
        tr__fail(a, TR_RUNTIME_ERROR, "cannot set daemon status of active thread");
    else
        t->daemon = a->arg != NULL;
}

tr_status tr_thread_set_daemon(tr_thread *t, bool daemon)
{
    tr__action a = tr__action_make(&t->obj, TR__OP_THREAD_SET);
    a.arg = daemon ? (void *)t : NULL;
    a.effect = set_daemon_effect;
    return tr__perform(&a);
}

unsigned long tr_thread_ident(const tr_thread *t) { return t->ident; }

void tr_thread_free(tr_thread *t)
{
    if (!t || t->trama_owned)
        return;
    thread_unref(t);
}

/* ---- current thread ------------------------------------------------------------------- */

static void dummy_release(void *t) { thread_unref(t); }
static void dummy_key_create(void) { pthread_key_create(&dummy_key, dummy_release); }

tr_thread *tr__thread_new_main(void)
{
    tr_thread *t = thread_alloc("MainThread", false, true);
    if (t) {
        t->state = STATE_STARTED; /* it is running the caller */
        t->ident = atomic_fetch_add(&next_ident, 1);
    }
    return t;
}

static tr_thread *adopt_foreign_thread(void)
{
    bool is_main = pthread_equal(pthread_self(), main_host);
    if (is_main) {
        pthread_mutex_lock(&process_main_mu);
        if (!process_main)
            process_main = tr__thread_new_main();
        tr_thread *t = process_main;
        pthread_mutex_unlock(&process_main_mu);
        TR_CHECK(t, "out of memory creating MainThread");
        return t;
    }
    char name[32];
    snprintf(name, sizeof name, "Dummy-%ld", atomic_fetch_add(&tr__names.thread, 1));
    tr_thread *t = thread_alloc(name, true, true);
    TR_CHECK(t, "out of memory creating a Dummy thread");
    t->state = STATE_STARTED;
    t->ident = atomic_fetch_add(&next_ident, 1);
    pthread_once(&dummy_key_once, dummy_key_create);
    pthread_setspecific(dummy_key, t);
    return t;
}

tr_thread *tr__thread_self(void)
{
    if (!tr__actor)
        tr__actor = adopt_foreign_thread();
    return tr__actor;
}

tr_thread *(tr_current_thread)(void) { return tr__thread_self(); }
