/* controlled.c — the controlled backend and one execution of a case under it.
 *
 * One case thread runs at a time. A thread that reaches an action publishes it as its
 * pending action, runs the scheduler itself (there is no scheduler thread), and hands
 * the baton straight to the chosen thread. Case threads run on pooled hosts that live
 * across executions; T0 runs on the driver's thread and stack. A host is one of two kinds,
 * for the whole process:
 *   fiber   (default) a user-level context on the driver's thread, with a stack of its
 *           own (fiber.c); handing the baton over is one register switch, and the
 *           thread-locals a case thread owns are carried across it (switch_host).
 *   pthread (TRAMA_THREADS=1; ASan builds) a host thread; a hand-over is one semaphore
 *           post and one wait. The reference mode, and the easier one to debug.
 * When an execution ends while threads are parked mid-call (deadlock, failed assertion,
 * step budget): parked fibers are simply never resumed (their contexts are reset for the
 * next job); parked pthreads are woken with X.over set and longjmp back to their loop.
 * Then every object the case left behind is reclaimed. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_internal.h"

enum { MAX_THREADS = 256 };

/* What a case thread keeps in the host thread's thread-locals. Fibers share the driver's
 * thread, so each one's copy travels with it (switch_host). */
typedef struct fiber_tls {
    tr_thread *bound;      /* thread.c: tr_current_thread() */
    struct cthread *self;  /* self_ct */
    tr__site_slot site;    /* a call site set but not yet taken (see switch_host) */
    int err;               /* errno */
    char error[TR__ERROR_TEXT_MAX]; /* tr_last_error() */
} fiber_tls;

typedef struct host {
    struct cthread *job;
    struct host *next_idle;
    /* pthread mode */
    pthread_t pthread;
    sem_t wake; /* posted to hand this host the baton */
    jmp_buf base;
    /* fiber mode */
    tr__fiber fiber;
    fiber_tls tls; /* saved while switched out */
} host;

typedef enum ct_state { CT_NEW, CT_READY, CT_PENDING, CT_RUNNING, CT_FINISHED } ct_state;

typedef struct cthread {
    int id;
    tr_thread *thread;
    host *host;             /* NULL until it first runs; T0: the driver */
    ct_state state;
    tr__action *pending;    /* READY: &begin */
    tr__action begin;       /* the first step, published by spawn */
    bool begin_granted;     /* chosen for its first step before its host ran */
    bool fire_timeout;      /* chosen to time out */
    bool preempting;        /* chosen while the thread that chose could have gone on */
    double deadline;        /* virtual, for the pending timed action */
    unsigned long yield_epoch; /* mod_epoch at its last yield; spinning if unchanged */
    char name[48];          /* for reports after the case freed its thread object */
    bool yielded_once;
} cthread;

typedef struct objrec {
    tr__object *obj;  /* NULL once finalised */
    tr__kind kind;
    int number;       /* per-kind creation order: L1, L2; threads T0, T1 */
    int holder;       /* lock-like: owning thread id or -1 */
    int depth;        /* re-entry depth of the holder */
    const char *held_file;
    int held_line;
} objrec;

static struct {
    /* per execution */
    bool active;
    bool over;
    const tr_case *c;
    const tr__exec_opts *opts;
    tr__finding_sink sink;
    void *sink_ctx;
    cthread threads[MAX_THREADS];
    int n_threads;
    cthread *running;
    objrec *objects;
    int n_objects, cap_objects;
    int kind_counts[TR__KIND_COUNT];
    double vtime;
    long steps;
    unsigned long mod_epoch;
    tr__step *trace;
    int n_trace, cap_trace;
    tr__choice *choices; /* the schedule so far */
    int n_choices, cap_choices;
    void **allocs;
    int n_allocs, cap_allocs;
    bool mismatch;
    bool abandoned; /* the explorer gave this execution up (sleep-set blocked) */
    struct cthread *ender; /* the non-T0 thread that ended the execution, or NULL */
    char *waiting_text;    /* snapshot_waiting */
    int n_waiting_text, cap_waiting_text;
    /* across executions */
    bool fibers; /* the kind of every host, chosen at the first execution */
    size_t stack_size;
    host *idle;
    host driver;
    sem_t unwound;
    bool started;
    bool pinned;
    cpu_set_t cpu;
} X;

static _Thread_local cthread *self_ct;

static void end_execution(void) __attribute__((noreturn));
static void cut_execution(void) __attribute__((noreturn));
static void snapshot_waiting(void);

/* ---- growing arrays ------------------------------------------------------------------- */

static void *grow(void *array, int *cap, int need, size_t elem)
{
    if (need <= *cap)
        return array;
    int n = *cap ? *cap * 2 : 64;
    while (n < need)
        n *= 2;
    void *p = realloc(array, (size_t)n * elem);
    TR_CHECK(p, "out of memory growing an execution array");
    *cap = n;
    return p;
}

/* ---- findings ------------------------------------------------------------------------- */

static void emit(tr_verdict kind, const char *file, int line, int thread, char *story,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void emit(tr_verdict kind, const char *file, int line, int thread, char *story,
                 const char *fmt, ...)
{
    tr_finding f;
    memset(&f, 0, sizeof f);
    f.kind = kind;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f.message, sizeof f.message, fmt, ap);
    va_end(ap);
    if (file) {
        f.sites[0].file = file;
        f.sites[0].line = line;
        f.n_sites = 1;
    }
    if (thread >= 0) {
        f.threads[0] = thread;
        f.n_threads = 1;
    }
    f.story = story;
    tr__schedule_format(X.choices, X.n_choices, f.schedule, sizeof f.schedule);
    X.sink(&f, X.sink_ctx);
}

tr_verdict tr__verdict_of_status(tr_status s)
{
    switch (s) {
    case TR_VALUE_ERROR:
        return TR_VALUE_ERROR_FOUND;
    case TR_OS_ERROR:
        return TR_OS_ERROR_FOUND;
    default:
        return TR_RUNTIME_ERROR_FOUND;
    }
}

static void on_misuse(tr_status s, const char *message, const char *file, int line, void *ctx)
{
    (void)ctx;
    if (!X.active || !self_ct)
        return;
    emit(tr__verdict_of_status(s), file, line, self_ct->id, NULL, "%s: %s", tr_status_name(s),
         message);
}

/* ---- objects -------------------------------------------------------------------------- */

static objrec *rec_of(const tr__object *obj) { return &X.objects[(intptr_t)obj->backend - 1]; }
static int index_of(const tr__object *obj) { return obj ? (int)(intptr_t)obj->backend - 1 : -1; }

static tr_status controlled_object_init(tr__object *obj)
{
    TR_CHECK(X.active, "a trama object was created outside the running execution");
    X.objects = grow(X.objects, &X.cap_objects, X.n_objects + 1, sizeof *X.objects);
    objrec *r = &X.objects[X.n_objects++];
    tr__kind k = obj->type->kind;
    *r = (objrec){.obj = obj, .kind = k, .holder = -1};
    r->number = k == TR__KIND_THREAD ? X.kind_counts[k]++ : ++X.kind_counts[k];
    obj->backend = (void *)(intptr_t)X.n_objects;
    if (k == TR__KIND_THREAD) {
        TR_CHECK(X.n_threads < MAX_THREADS, "too many threads in one execution");
        cthread *c = &X.threads[X.n_threads];
        memset(c, 0, sizeof *c);
        c->id = X.n_threads++;
        c->thread = tr__thread_of(obj);
        c->state = CT_NEW;
        snprintf(c->name, sizeof c->name, "%s", obj->label ? obj->label : "");
        TR_CHECK(c->id == r->number, "thread ids follow creation order");
    }
    return TR_OK;
}

static void controlled_object_fini(tr__object *obj)
{
    if (!obj->backend)
        return;
    rec_of(obj)->obj = NULL;
    obj->backend = NULL;
}

/* Frees what the case left behind. Owners go first, oldest first (a pool before the
 * futures it still references); an object with a live owner is left to the owner's
 * destroy; whatever is still registered afterwards (a worker thread whose host never
 * let go) is freed directly. Ownership is read before anything is freed. */
static void reclaim_objects(void)
{
    bool *owned = calloc((size_t)X.n_objects + 1, sizeof *owned);
    TR_CHECK(owned, "out of memory reclaiming objects");
    for (int i = 0; i < X.n_objects; i++) {
        tr__object *obj = X.objects[i].obj;
        owned[i] = obj && obj->owner && obj->owner->backend;
    }
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < X.n_objects; i++) {
            tr__object *obj = X.objects[i].obj;
            if (obj && (pass == 1 || !owned[i]))
                obj->type->destroy(obj);
        }
    free(owned);
    X.n_objects = 0;
    for (int i = 0; i < X.n_allocs; i++)
        free(X.allocs[i]);
    X.n_allocs = 0;
}

void *(tr_case_alloc)(size_t size)
{
    void *p = calloc(1, size ? size : 1);
    TR_CHECK(p, "out of memory in tr_case_alloc");
    if (X.active) {
        X.allocs = grow(X.allocs, &X.cap_allocs, X.n_allocs + 1, sizeof *X.allocs);
        X.allocs[X.n_allocs++] = p;
    }
    return p;
}

/* ---- names for traces ----------------------------------------------------------------- */

static void object_name(int index, char *out, size_t size)
{
    if (index < 0) {
        snprintf(out, size, "-");
        return;
    }
    const objrec *r = &X.objects[index];
    const char *label = r->obj ? r->obj->label : NULL;
    if (label && r->kind != TR__KIND_THREAD)
        snprintf(out, size, "%s%d %s", tr__kind_prefix(r->kind), r->number, label);
    else
        snprintf(out, size, "%s%d", tr__kind_prefix(r->kind), r->number);
}

static const char *thread_label(int id) { return id >= 0 && id < X.n_threads ? X.threads[id].name : "?"; }

/* ":24" for the case's own file, "file:24" elsewhere. */
static void site_text(const char *file, int line, char *out, size_t size)
{
    if (!file)
        snprintf(out, size, "-");
    else if (X.c && X.c->file && strcmp(file, X.c->file) == 0)
        snprintf(out, size, ":%d", line);
    else
        snprintf(out, size, "%s:%d", file, line);
}

/* ---- the baton ------------------------------------------------------------------------ */

static void host_main(host *h);
static void host_wait(host *h);

static void *host_thread(void *arg)
{
    host *h = arg;
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
 * carry over. */
static void forget_host_threads(void)
{
    if (!X.fibers)
        X.idle = NULL;
}

/* Fibers unless TRAMA_THREADS=1 asks for pthread hosts, or the build cannot switch
 * stacks (fiber.c). Chosen once: the host pool is of one kind. */
static void choose_host_kind(void)
{
    const char *threads = getenv("TRAMA_THREADS");
    bool want_threads = threads && *threads && strcmp(threads, "0") != 0;
    X.fibers = !want_threads && tr__fiber_supported();
    if (X.fibers) {
        X.stack_size = tr__fiber_default_stack();
        tr__fiber_init_current(&X.driver.fiber);
    }
}

static void pin(pthread_t t)
{
    if (X.pinned)
        pthread_setaffinity_np(t, sizeof X.cpu, &X.cpu);
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
    CPU_ZERO(&X.cpu);
    CPU_SET(cpu, &X.cpu);
    X.pinned = pthread_setaffinity_np(pthread_self(), sizeof X.cpu, &X.cpu) == 0;
}

/* An idle host, or a new one: a pthread, or a fiber whose stack is mapped here once and
 * kept for the life of the process. */
static host *host_take(void)
{
    host *h = X.idle;
    if (h) {
        X.idle = h->next_idle;
        return h;
    }
    h = calloc(1, sizeof *h);
    TR_CHECK(h, "out of memory creating a host thread");
    if (X.fibers) {
        TR_CHECK(tr__fiber_create(&h->fiber, X.stack_size, host_fiber, h),
                 "cannot map a fiber stack");
        return h;
    }
    sem_init(&h->wake, 0, 0);
    TR_CHECK(pthread_create(&h->pthread, NULL, host_thread, h) == 0,
             "cannot create host thread");
    pin(h->pthread);
    return h;
}

static void host_release(host *h)
{
    h->job = NULL;
    h->next_idle = X.idle;
    X.idle = h;
}

/* Gives the baton to c (finding it a host if it has none). A pthread host is posted at
 * once; a fiber is switched to by the caller's next host_wait. */
static void wake(cthread *c)
{
    if (!c->host) {
        c->host = host_take();
        c->host->job = c;
    }
    X.running = c;
    if (!X.fibers)
        sem_post(&c->host->wake);
}

/* Fiber mode: moves the baton from the calling fiber to `to`. All fibers share the
 * driver's thread-locals, so a case thread's own (its tr_thread, self_ct, errno, its
 * tr_last_error() text, a call site not yet taken) are saved on the way out and restored
 * on the way back in. The site slot is taken by every public call before its first
 * scheduling point, so it is almost always empty here. It is carried anyway (three
 * words) for one corner: a scheduling point inside a call's argument list reached
 * without a site of its own, e.g. tr_lock_acquire(pick(), ...) where pick() calls
 * (tr_yield)() or goes through a function pointer. A pthread keeps the outer site
 * across that park; so does a fiber. */
static void switch_host(host *from, host *to)
{
    fiber_tls *t = &from->tls;
    t->err = errno;
    t->bound = tr__thread_bind(NULL);
    t->self = self_ct;
    t->site = tr__site;
    tr__error_save(t->error, sizeof t->error);
    tr__fiber_switch(&from->fiber, &to->fiber);
    tr__error_restore(t->error);
    tr__site = t->site;
    self_ct = t->self;
    tr__thread_bind(t->bound);
    errno = t->err;
}

/* Returns when h is handed the baton. A fiber hands it over right here, to the host
 * wake() chose (itself, when a finished thread's host is taken by the next one). */
static void host_wait(host *h)
{
    if (!X.fibers) {
        while (sem_wait(&h->wake) != 0 && errno == EINTR)
            ;
        return;
    }
    host *to = X.running->host;
    if (to != h)
        switch_host(h, to);
}

/* Parks the calling case thread until it is handed the baton again. Only T0 (the driver)
 * is ever resumed once the execution is over; a pthread host also is, to unwind. */
static void park(cthread *me)
{
    host *h = me->host;
    host_wait(h);
    if (X.over)
        longjmp(h->base, 1);
}

/* ---- choosing ------------------------------------------------------------------------- */

static bool guard_holds(const tr__action *a) { return !a->guard || a->guard(a); }

/* Waits whose timing out leaves every object as it was (they only looked): acquires that
 * got nothing, an Event.wait that saw no set(). */
static bool timeout_only_reads(tr__op op)
{
    return op == TR__OP_LOCK_ACQUIRE || op == TR__OP_RLOCK_ACQUIRE || op == TR__OP_SEM_ACQUIRE ||
           op == TR__OP_EVENT_WAIT || op == TR__OP_EVENT_WAKE;
}
static bool is_timed(const tr__action *a) { return a->timeout != TR_FOREVER && a->timeout > 0; }

/* Whether a step that ran may have changed its object: any other timeout may have (a
 * Barrier's wait that times out breaks the barrier, which a spinning thread may watch). */
static bool step_modifies(const tr__action *a)
{
    return tr__op_modifies(a->op) && !(a->timed_out && timeout_only_reads(a->op));
}

static bool spinning(const cthread *c)
{
    return c->pending->op == TR__OP_YIELD && c->yielded_once && c->yield_epoch == X.mod_epoch;
}

/* The choices at this point, in thread-id order. Returns how many. */
static int collect(tr__choice *out, bool *only_spinning)
{
    int n = 0, n_real = 0;
    for (int i = 0; i < X.n_threads; i++) {
        cthread *c = &X.threads[i];
        if (c->state != CT_PENDING && c->state != CT_READY)
            continue;
        const tr__action *a = c->pending;
        tr__choice ch = {.thread = c->id, .op = a->op, .object = index_of(a->obj),
                         .domain = a->obj ? index_of(a->obj->domain) : -1,
                         .modifies = tr__op_modifies(a->op)};
        ch.yield = a->op == TR__OP_YIELD;
        if (guard_holds(a)) {
            out[n++] = ch;
            n_real += !spinning(c);
        } else if (a->timeout == 0 || (is_timed(a) && X.opts->timeouts == TR_TIMEOUTS_ANY)) {
            ch.timeout = true;
            ch.modifies = !timeout_only_reads(a->op);
            out[n++] = ch;
            n_real++;
        }
    }
    *only_spinning = n > 0 && n_real == 0;
    /* Fairness: a yielding thread waits while any other thread can make progress. */
    int m = 0;
    bool any_other = false;
    for (int i = 0; i < n; i++)
        any_other |= !out[i].yield;
    for (int i = 0; i < n; i++)
        if (!any_other || !out[i].yield)
            out[m++] = out[i];
    return m;
}

/* Lazy time: nothing can run, so the earliest deadlines fire. */
static int collect_timeouts(tr__choice *out)
{
    double earliest = 0;
    bool any = false;
    for (int i = 0; i < X.n_threads; i++) {
        cthread *c = &X.threads[i];
        if (c->state == CT_PENDING && is_timed(c->pending) &&
            (!any || c->deadline < earliest)) {
            earliest = c->deadline;
            any = true;
        }
    }
    int n = 0;
    for (int i = 0; any && i < X.n_threads; i++) {
        cthread *c = &X.threads[i];
        if (c->state == CT_PENDING && is_timed(c->pending) && c->deadline == earliest)
            out[n++] = (tr__choice){.thread = c->id, .timeout = true, .op = c->pending->op,
                                    .object = index_of(c->pending->obj),
                                    .domain = index_of(c->pending->obj->domain),
                                    .modifies = !timeout_only_reads(c->pending->op)};
    }
    if (any)
        X.vtime = earliest;
    return n;
}

static void report_stall(bool spin);

/* Picks the next thread to run from `me`'s scheduling point (me == NULL: me cannot run
 * any more). Returns the chosen thread, with fire_timeout set. */
static cthread *choose_next(cthread *me)
{
    tr__choice choices[MAX_THREADS];
    bool only_spinning;
    int n = collect(choices, &only_spinning);
    if (n == 0 || only_spinning) {
        int t = collect_timeouts(choices);
        if (t > 0)
            n = t;
        else
            report_stall(only_spinning);
    }
    int pick = 0;
    tr__explorer *e = X.opts->explorer;
    if (n > 1 || e->every_point) {
        pick = e->choose(e, choices, n, me ? me->id : -1, X.n_choices);
        if (pick == TR__CHOOSE_ABANDON) {
            X.abandoned = true;
            end_execution();
        }
        if (pick < 0) {
            X.mismatch = true;
            end_execution();
        }
    }
    if (n > 1) {
        X.choices = grow(X.choices, &X.cap_choices, X.n_choices + 1, sizeof *X.choices);
        X.choices[X.n_choices++] = choices[pick];
    }
    cthread *next = &X.threads[choices[pick].thread];
    next->fire_timeout = choices[pick].timeout;
    next->preempting = false;
    for (int i = 0; me && next != me && i < n; i++)
        next->preempting |= choices[i].thread == me->id && !choices[i].timeout;
    return next;
}

/* ---- stalls: deadlock and livelock ---------------------------------------------------- */

static void append(char **buf, size_t *len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char **buf, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = realloc(*buf, *len + (size_t)n + 1);
    TR_CHECK(p, "out of memory writing a report");
    va_start(ap, fmt);
    vsnprintf(p + *len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    *buf = p;
    *len += (size_t)n;
}

static void describe_thread(char **story, size_t *len, const cthread *c)
{
    char obj[96], site[128];
    append(story, len, "  T%d \"%s\"", c->id, thread_label(c->id));
    for (int i = 0; i < X.n_objects; i++) {
        const objrec *r = &X.objects[i];
        if (r->holder != c->id)
            continue;
        object_name(i, obj, sizeof obj);
        site_text(r->held_file, r->held_line, site, sizeof site);
        append(story, len, " holds %s (taken at %s),", obj, site);
    }
    const tr__action *a = c->pending;
    site_text(a->file, a->line, site, sizeof site);
    if (a->op == TR__OP_THREAD_EXIT && c->id == 0) {
        append(story, len, " waits for its threads to finish\n");
        return;
    }
    object_name(index_of(a->obj), obj, sizeof obj);
    append(story, len, " %s %s on %s at %s\n", guard_holds(a) ? "spins in" : "waits in",
           tr__op_name(a->op), obj, site);
}

/* Who a blocked thread waits for: the holder of the lock it wants, or the thread it
 * joins; -1 when it waits for no one in particular (a notify, a semaphore). */
static int waits_for(const cthread *c, int *object)
{
    const tr__action *a = c->pending;
    *object = index_of(a->obj);
    if (guard_holds(a))
        return -1;
    if (a->op == TR__OP_THREAD_JOIN)
        return X.objects[*object].number;
    if (a->op == TR__OP_LOCK_ACQUIRE || a->op == TR__OP_RLOCK_ACQUIRE ||
        a->op == TR__OP_COND_REACQUIRE) {
        *object = index_of(a->obj->domain);
        return X.objects[*object].holder;
    }
    return -1;
}

/* Appends "cycle: T1 -> L2 -> T2 -> L1 -> T1" when the wait-for graph has one; fills the
 * finding's threads and sites with the cycle's members (in id order). */
static bool wait_cycle(char **story, size_t *len, tr_finding *f)
{
    for (int start = 0; start < X.n_threads; start++) {
        int path[MAX_THREADS], objs[MAX_THREADS], n = 0, t = start, obj;
        bool on_path[MAX_THREADS] = {false};
        while (t >= 0 && t < X.n_threads && !on_path[t] && X.threads[t].state == CT_PENDING) {
            on_path[t] = true;
            path[n] = t;
            int next = waits_for(&X.threads[t], &obj);
            objs[n++] = obj;
            t = next;
        }
        if (t != start || n < 1)
            continue;
        char name[96];
        append(story, len, "  cycle: ");
        for (int i = 0; i < n; i++) {
            object_name(objs[i], name, sizeof name);
            append(story, len, "T%d -> %s -> ", path[i], name);
        }
        append(story, len, "T%d\n", start);
        for (int id = 0; id < X.n_threads; id++)
            for (int i = 0; i < n; i++)
                if (path[i] == id && f->n_threads < TR_FINDING_THREADS) {
                    const tr__action *a = X.threads[id].pending;
                    f->threads[f->n_threads++] = id;
                    if (f->n_sites < TR_FINDING_SITES)
                        f->sites[f->n_sites++] = (tr_site_ref){a->file, a->line};
                }
        return true;
    }
    return false;
}

/* The next steps of the blocked threads, for an explorer that reasons from steps. */
static void tell_blocked_steps(void)
{
    tr__explorer *e = X.opts->explorer;
    if (!e->on_step)
        return;
    for (int i = 0; i < X.n_threads; i++) {
        const cthread *c = &X.threads[i];
        if (c->state != CT_PENDING || !c->pending)
            continue;
        const tr__action *a = c->pending;
        int domain = index_of(a->obj->domain);
        bool acquires = a->op == TR__OP_LOCK_ACQUIRE || a->op == TR__OP_RLOCK_ACQUIRE ||
                        a->op == TR__OP_COND_REACQUIRE;
        tr__event ev = {.thread = c->id, .op = a->op, .domain = domain,
                        .modifies = tr__op_modifies(a->op), .acquired = acquires ? domain : -1,
                        .released = -1, .blocking = a->guard && a->timeout != 0,
                        .never_ran = true};
        e->on_step(e, &ev);
    }
}

static void report_stall(bool spin)
{
    char *story = NULL;
    size_t len = 0;
    int first = -1, blocked = 0;
    for (int i = 0; i < X.n_threads; i++) {
        cthread *c = &X.threads[i];
        if (c->state != CT_PENDING)
            continue;
        if (!guard_holds(c->pending))
            blocked++;
        describe_thread(&story, &len, c);
        if (first < 0 || (c->id != 0 && first == 0))
            first = c->id;
    }
    tr_finding f;
    memset(&f, 0, sizeof f);
    if (spin && blocked == 0) {
        f.kind = TR_HANG;
        snprintf(f.message, sizeof f.message,
                 "livelock: every runnable thread only spins in tr_yield and nothing changes");
    } else if (wait_cycle(&story, &len, &f)) {
        f.kind = TR_DEADLOCK;
        snprintf(f.message, sizeof f.message,
                 "deadlock: %d threads wait for each other in a cycle; nothing can run and no "
                 "timeout is pending",
                 f.n_threads);
    } else {
        f.kind = TR_DEADLOCK;
        snprintf(f.message, sizeof f.message,
                 "deadlock: %d thread%s blocked; nothing can run and no timeout is pending",
                 blocked, blocked == 1 ? "" : "s");
    }
    if (f.n_sites == 0 && first >= 0) {
        const tr__action *a = X.threads[first].pending;
        f.sites[f.n_sites++] = (tr_site_ref){a->file, a->line};
        f.threads[f.n_threads++] = first;
    }
    f.story = story;
    tr__schedule_format(X.choices, X.n_choices, f.schedule, sizeof f.schedule);
    X.sink(&f, X.sink_ctx);
    if (f.kind == TR_DEADLOCK)
        tell_blocked_steps();
    end_execution();
}

/* ---- performing ----------------------------------------------------------------------- */

static void track_mutex(const tr__action *a, int thread)
{
    if (a->mutex_acquired) {
        objrec *r = rec_of(a->mutex_acquired);
        if (r->holder == thread) {
            r->depth++;
        } else {
            r->holder = thread;
            r->depth = 1;
            r->held_file = a->file;
            r->held_line = a->line;
        }
    }
    if (a->mutex_released) {
        objrec *r = rec_of(a->mutex_released);
        if (--r->depth <= 0) {
            r->holder = -1;
            r->depth = 0;
        }
    }
}

static int held_by(int thread, int *out, int max)
{
    int n = 0;
    for (int i = 0; i < X.n_objects && n < max; i++)
        if (X.objects[i].holder == thread)
            out[n++] = i;
    return n;
}

static int lock_key(int index) { return (int)X.objects[index].kind * 65536 + X.objects[index].number; }

static void report_race(const tr__access *now, const tr__access *other, int object)
{
    char obj[96], here[128], there[128], *story = NULL;
    size_t len = 0;
    object_name(object, obj, sizeof obj);
    site_text(now->file, now->line, here, sizeof here);
    site_text(other->file, other->line, there, sizeof there);
    const tr__access *both[2] = {now, other};
    for (int k = 0; k < 2; k++) {
        const tr__access *x = both[k];
        char site[128], lock[96];
        site_text(x->file, x->line, site, sizeof site);
        append(&story, &len, "  T%d \"%s\" %s %s at %s, holding ", x->thread, thread_label(x->thread),
               x->write ? "writes" : "reads", obj, site);
        for (int i = 0; i < x->n_held; i++) {
            object_name(x->held[i], lock, sizeof lock);
            append(&story, &len, "%s%s", i ? ", " : "", lock);
        }
        append(&story, &len, "%s\n", x->n_held ? "" : "no lock");
    }
    tr_finding f;
    memset(&f, 0, sizeof f);
    f.kind = TR_DATA_RACE;
    snprintf(f.message, sizeof f.message,
             "data race on %.40s: T%d %s at %.60s and T%d %s at %.60s are not ordered by "
             "happens-before",
             obj, now->thread, now->write ? "writes" : "reads", here, other->thread,
             other->write ? "writes" : "reads", there);
    f.sites[0] = (tr_site_ref){now->file, now->line};
    f.sites[1] = (tr_site_ref){other->file, other->line};
    f.n_sites = 2;
    f.threads[0] = now->thread;
    f.threads[1] = other->thread;
    f.n_threads = 2;
    f.story = story;
    tr__schedule_format(X.choices, X.n_choices, f.schedule, sizeof f.schedule);
    X.sink(&f, X.sink_ctx);
}

static void report_lock_order(const tr__lock_site *cycle, int n)
{
    char *story = NULL, a[96], b[96], sa[128], sb[128];
    size_t len = 0;
    tr_finding f;
    memset(&f, 0, sizeof f);
    f.kind = TR_LOCK_ORDER;
    append(&story, &len, "  lock-order cycle (lockdep): each lock was taken while holding the one before\n");
    for (int k = 0; k + 1 < n; k += 2) {
        snprintf(a, sizeof a, "%s%d", tr__kind_prefix((tr__kind)(cycle[k].lock / 65536)),
                 cycle[k].lock % 65536);
        snprintf(b, sizeof b, "%s%d", tr__kind_prefix((tr__kind)(cycle[k + 1].lock / 65536)),
                 cycle[k + 1].lock % 65536);
        site_text(cycle[k].file, cycle[k].line, sa, sizeof sa);
        site_text(cycle[k + 1].file, cycle[k + 1].line, sb, sizeof sb);
        append(&story, &len, "  T%d \"%s\" holds %s (taken at %s) and takes %s at %s\n",
               cycle[k + 1].thread, thread_label(cycle[k + 1].thread), a, sa, b, sb);
        if (f.n_sites < TR_FINDING_SITES)
            f.sites[f.n_sites++] = (tr_site_ref){cycle[k + 1].file, cycle[k + 1].line};
        if (f.n_threads < TR_FINDING_THREADS)
            f.threads[f.n_threads++] = cycle[k + 1].thread;
    }
    snprintf(f.message, sizeof f.message,
             "potential deadlock: %d locks are taken in inconsistent orders", n / 2);
    f.story = story;
    tr__schedule_format(X.choices, X.n_choices, f.schedule, sizeof f.schedule);
    X.sink(&f, X.sink_ctx);
}

/* Runs after the effect and before the holders are updated. */
static void detect(cthread *me, tr__action *a)
{
    for (int i = 0; i < a->n_hb; i++)
        tr__race_hb(me->id, index_of(a->hb[i].obj), a->hb[i].kind == TR__HB_ACQUIRE);
    if ((a->op == TR__OP_MEM_READ || a->op == TR__OP_MEM_WRITE) && !a->timed_out) {
        tr__access now = {.thread = me->id, .file = a->file, .line = a->line,
                          .write = a->op == TR__OP_MEM_WRITE};
        now.n_held = held_by(me->id, now.held, 4);
        tr__access other;
        if (tr__race_access(index_of(a->obj), &now, &other))
            report_race(&now, &other, index_of(a->obj));
    }
    if (a->mutex_acquired && a->timeout == TR_FOREVER &&
        rec_of(a->mutex_acquired)->holder != me->id) {
        int held[16], n = held_by(me->id, held, 16);
        tr__lock_site sites[16], cycle[32];
        for (int i = 0; i < n; i++)
            sites[i] = (tr__lock_site){lock_key(held[i]), me->id, X.objects[held[i]].held_file,
                                       X.objects[held[i]].held_line};
        tr__lock_site acquired = {lock_key(index_of(a->mutex_acquired)), me->id, a->file, a->line};
        int len = tr__lockorder_acquire(sites, n, &acquired, cycle, 32);
        if (len)
            report_lock_order(cycle, len);
    }
}

static void record_step(cthread *me, tr__action *a, bool preempted)
{
    X.steps++;
    tr__progress_step();
    if (step_modifies(a))
        X.mod_epoch++;
    if (X.opts->record_trace) {
        X.trace = grow(X.trace, &X.cap_trace, X.n_trace + 1, sizeof *X.trace);
        X.trace[X.n_trace++] = (tr__step){me->id, a->op, index_of(a->obj), a->file, a->line,
                                          a->timed_out, preempted, a->status};
    }
}

static void detect(cthread *me, tr__action *a);

static void fire(cthread *me, tr__action *a)
{
    bool preempted = me->preempting;
    me->preempting = false;
    X.running = me;
    me->state = CT_RUNNING;
    if (me->fire_timeout) {
        if (is_timed(a) && me->deadline > X.vtime)
            X.vtime = me->deadline; /* a timeout happens at its deadline */
        a->status = TR_TIMEOUT;
        a->timed_out = true;
        if (a->on_timeout)
            a->on_timeout(a);
    } else {
        a->status = TR_OK;
        if (a->effect)
            a->effect(a);
    }
    me->fire_timeout = false;
    me->pending = NULL;
    if (a->op == TR__OP_YIELD) {
        me->yield_epoch = X.mod_epoch;
        me->yielded_once = true;
    }
    bool in_cs = rec_of(a->obj->domain)->holder == me->id;
    detect(me, a);
    track_mutex(a, me->id);
    record_step(me, a, preempted);
    if (X.opts->explorer->on_step) {
        tr__event ev = {.thread = me->id, .op = a->op, .domain = index_of(a->obj->domain),
                        .modifies = step_modifies(a),
                        .acquired = a->mutex_acquired ? index_of(a->mutex_acquired->domain) : -1,
                        .released = a->mutex_released ? index_of(a->mutex_released->domain) : -1,
                        .in_critical_section = in_cs,
                        .blocking = a->guard && a->timeout != 0};
        X.opts->explorer->on_step(X.opts->explorer, &ev);
    }
    if (X.opts->max_steps > 0 && X.steps > X.opts->max_steps) {
        emit(TR_HANG, a->file, a->line, me->id, NULL,
             "execution exceeded %ld steps (livelock or unbounded loop)", X.opts->max_steps);
        cut_execution();
    }
}

static void controlled_perform(tr__action *a)
{
    cthread *me = self_ct;
    TR_CHECK(me && X.active, "a trama operation ran outside the running execution");
    if (me->begin_granted) { /* chosen for THREAD_BEGIN before the host existed */
        me->begin_granted = false;
        fire(me, a);
        return;
    }
    me->pending = a;
    me->state = CT_PENDING;
    if (is_timed(a))
        me->deadline = X.vtime + a->timeout;
    cthread *next = choose_next(me);
    if (next != me) {
        if (next->state == CT_READY)
            next->begin_granted = true;
        wake(next);
        park(me);
    }
    fire(me, a);
}

static tr_status controlled_spawn(tr_thread *t)
{
    cthread *c = &X.threads[rec_of(tr__thread_object(t))->number];
    c->begin = (tr__action){.obj = tr__thread_object(t), .op = TR__OP_THREAD_BEGIN,
                            .timeout = TR_FOREVER, .wait_fd = -1, .actor = t};
    c->pending = &c->begin;
    c->state = CT_READY;
    snprintf(c->name, sizeof c->name, "%s", tr_thread_name(t));
    return TR_OK;
}

/* The thread's body has returned and its exit step is done: hand the baton on and give
 * the host back to the pool (host_main then waits for its next job, and a fiber host
 * switches to the chosen thread there). */
static void controlled_thread_done(void)
{
    cthread *me = self_ct;
    me->state = CT_FINISHED;
    me->pending = NULL;
    cthread *next = choose_next(NULL); /* may end the execution (a stall) */
    host *h = me->host;
    me->host = NULL;
    self_ct = NULL;
    host_release(h);
    if (next->state == CT_READY)
        next->begin_granted = true;
    wake(next);
}

static double controlled_now(void) { return X.vtime; }

static const tr__backend controlled_backend = {
    .name = "controlled",
    .object_init = controlled_object_init,
    .object_fini = controlled_object_fini,
    .perform = controlled_perform,
    .spawn = controlled_spawn,
    .now = controlled_now,
    .thread_done = controlled_thread_done,
};

/* One case thread's life on host h, started as a new thread would be: errno 0, no last
 * error, no pending site. A fiber never unwinds: one abandoned mid-call is reset instead
 * (unwind_all). */
static void run_job(host *h)
{
    self_ct = h->job;
    errno = 0;
    tr__error_restore("");
    tr__site = (tr__site_slot){0};
    if (X.fibers || setjmp(h->base) == 0) {
        tr__thread_run(h->job->thread);
    } else {
        /* unwound at the end of an execution: tell the driver */
        tr__thread_bind(NULL);
        self_ct = NULL;
        sem_post(&X.unwound);
    }
}

/* Runs one job after another, until a pthread host is woken with none (shutdown). */
static void host_main(host *h)
{
    while (h->job) {
        run_job(h);
        host_wait(h);
    }
}

/* ---- ending an execution -------------------------------------------------------------- */

/* Ends an execution before its threads are done (a failed assertion, the step budget):
 * an explorer that reasons from executed steps is told who still had work, since their
 * missing steps may race with what ran. */
static void cut_execution(void)
{
    tr__explorer *e = X.opts->explorer;
    if (e->execution_cut) {
        int unfinished[MAX_THREADS], n = 0;
        for (int i = 0; i < X.n_threads; i++)
            if (X.threads[i].state == CT_PENDING || X.threads[i].state == CT_READY ||
                X.threads[i].state == CT_RUNNING)
                unfinished[n++] = X.threads[i].id;
        e->execution_cut(e, unfinished, n);
    }
    end_execution();
}

/* Called by whichever thread ends the execution (it holds the baton). T0 jumps to the
 * driver's base. Another thread wakes T0, which jumps there when it sees X.over; a pthread
 * host itself jumps back to its loop, which tells the driver it has unwound, while a
 * fiber switches to the driver and is never resumed. */
static void end_execution(void)
{
    snapshot_waiting();
    X.over = true;
    cthread *me = self_ct;
    TR_CHECK(me && me->host, "an execution ends on a case thread");
    if (me->id == 0)
        longjmp(X.driver.base, 1);
    X.ender = me;
    X.running = &X.threads[0];
    if (X.fibers) {
        switch_host(me->host, &X.driver);
        TR_CHECK(false, "a fiber resumed after its execution ended");
    }
    sem_post(&X.driver.wake);
    longjmp(me->host->base, 1);
}

/* On the driver, X.over set: every host still holding a case thread (parked mid-call, or
 * the ender) goes back to the pool. A fiber's context is discarded: reset, its next job
 * starts afresh on the same stack. A pthread host is woken, and waited for until it has
 * longjmp'd back to its loop. */
static void unwind_all(void)
{
    if (X.fibers) {
        for (int i = 1; i < X.n_threads; i++) {
            cthread *c = &X.threads[i];
            if (!c->host)
                continue;
            tr__fiber_reset(&c->host->fiber);
            host_release(c->host);
            c->host = NULL;
        }
        X.ender = NULL;
        return;
    }
    int waiting = 0;
    for (int i = 1; i < X.n_threads; i++) {
        cthread *c = &X.threads[i];
        if (!c->host)
            continue;
        if (c != X.ender)
            sem_post(&c->host->wake);
        waiting++;
    }
    for (; waiting > 0; waiting--)
        while (sem_wait(&X.unwound) != 0 && errno == EINTR)
            ;
    for (int i = 1; i < X.n_threads; i++) {
        cthread *c = &X.threads[i];
        if (c->host)
            host_release(c->host);
        c->host = NULL;
    }
    X.ender = NULL;
}

/* ---- T0 ------------------------------------------------------------------------------- */

static bool all_threads_done(const tr__action *a)
{
    (void)a;
    for (int i = 1; i < X.n_threads; i++) {
        const cthread *c = &X.threads[i];
        if (c->state == CT_FINISHED || c->state == CT_NEW || tr_thread_daemon(c->thread))
            continue;
        if (c->state == CT_PENDING && c->pending->op == TR__OP_POOL_TAKE)
            continue; /* an idle pool worker: Python's exit shuts the pool down */
        return false;
    }
    return true;
}

static void print_trace(FILE *out);
static void snapshot_waiting(void);
static void forget_memory(void);

bool tr__execute(const tr_case *c, const tr__exec_opts *opts, tr__finding_sink sink, void *ctx,
                 FILE *trace_out)
{
    X.c = c;
    X.opts = opts;
    X.sink = sink;
    X.sink_ctx = ctx;
    X.over = false;
    X.mismatch = false;
    X.abandoned = false;
    X.n_threads = X.n_objects = X.n_trace = X.n_choices = 0;
    memset(X.kind_counts, 0, sizeof X.kind_counts);
    X.vtime = 0;
    X.steps = 0;
    tr__race_reset();
    X.mod_epoch = 0;
    if (!X.started) {
        X.started = true;
        choose_host_kind();
        sem_init(&X.driver.wake, 0, 0);
        sem_init(&X.unwound, 0, 0);
        if (!X.fibers)
            pin_to_one_cpu(); /* fibers all run on the driver's thread anyway */
        pthread_atfork(NULL, NULL, forget_host_threads);
    }
    const tr__backend *previous = tr__backend_install(&controlled_backend);
    tr__set_misuse_observer(on_misuse, NULL);
    tr__names_reset();
    X.active = true;
    opts->explorer->execution_begin(opts->explorer);

    tr_thread *main = tr__thread_new_main();
    TR_CHECK(main, "out of memory creating T0");
    cthread *t0 = &X.threads[0];
    snprintf(t0->name, sizeof t0->name, "%s", tr_thread_name(main));
    t0->host = &X.driver;
    t0->state = CT_RUNNING;
    self_ct = t0;
    X.running = t0;
    tr__thread_bind(main);
    tr__action exit_all = {.obj = tr__thread_object(main), .op = TR__OP_THREAD_EXIT,
                           .timeout = TR_FOREVER, .wait_fd = -1, .guard = all_threads_done};
    if (setjmp(X.driver.base) == 0) {
        c->body();
        exit_all.actor = main;
        controlled_perform(&exit_all);
        snapshot_waiting();
        X.over = true;
    }
    t0->host = NULL;
    unwind_all();
    if (trace_out)
        print_trace(trace_out);
    tr__thread_bind(NULL);
    self_ct = NULL;
    reclaim_objects();
    forget_memory();
    X.active = false;
    tr__set_misuse_observer(NULL, NULL);
    tr__backend_install(previous);
    return !X.mismatch;
}

void tr__current_schedule(char *out, size_t size)
{
    tr__schedule_format(X.choices, X.n_choices, out, size);
}

/* ---- the trace table ------------------------------------------------------------------ */

/* The threads still waiting when the execution ends, as trace lines. Taken before any
 * host unwinds: a pending action lives on its thread's stack. */
static void snapshot_waiting(void)
{
    X.n_waiting_text = 0;
    if (!X.opts->record_trace)
        return;
    char obj[96], site[128], who[64], line[512];
    for (int i = 0; i < X.n_threads; i++) {
        const cthread *c = &X.threads[i];
        if (c->state != CT_PENDING || !c->pending)
            continue;
        object_name(index_of(c->pending->obj), obj, sizeof obj);
        site_text(c->pending->file, c->pending->line, site, sizeof site);
        snprintf(who, sizeof who, "T%d %s", c->id, thread_label(c->id));
        int n = snprintf(line, sizeof line, "  %4s  %-16.16s %-16s %-14s %s  (%s)\n", "", who,
                         tr__op_name(c->pending->op), obj, site,
                         guard_holds(c->pending) ? "not run" : "blocked");
        X.waiting_text = grow(X.waiting_text, &X.cap_waiting_text, X.n_waiting_text + n + 1, 1);
        memcpy(X.waiting_text + X.n_waiting_text, line, (size_t)n + 1);
        X.n_waiting_text += n;
    }
}

static void print_trace(FILE *out)
{
    char obj[96], site[128], who[64];
    fprintf(out, "  %4s  %-16s %-16s %-14s %s\n", "step", "thread", "operation", "object", "site");
    for (int i = 0; i < X.n_trace; i++) {
        const tr__step *s = &X.trace[i];
        object_name(s->object, obj, sizeof obj);
        site_text(s->file, s->line, site, sizeof site);
        snprintf(who, sizeof who, "T%d %s", s->thread, thread_label(s->thread));
        fprintf(out, "  %4d  %-16.16s %-16s %-14s %s%s%s%s\n", i + 1, who, tr__op_name(s->op),
                obj, site, s->preemption ? "  <- preemption" : "",
                s->timeout ? "  (timed out)" : "",
                s->status != TR_OK && s->status != TR_TIMEOUT ? "  (error)" : "");
    }
    if (X.n_waiting_text)
        fputs(X.waiting_text, out);
}

/* ---- case-side calls ------------------------------------------------------------------ */

void (tr_yield)(void)
{
    if (!X.active) {
        sched_yield();
        return;
    }
    tr__action a = tr__action_make(NULL, TR__OP_YIELD);
    a.obj = tr__thread_object(tr__thread_self());
    tr__perform(&a);
}

/* ---- declared shared memory ----------------------------------------------------------- */

/* One object per declared address, created at its first access (M1, M2, ... in order), so
 * accesses have an object like every other action: dependence and traces stay uniform. */
typedef struct memrec {
    tr__object obj;
    const void *addr;
    size_t size;
    char label[32];
} memrec;

static memrec **mems;
static int n_mems, cap_mems;

static void mem_destroy(tr__object *obj) { controlled_object_fini(obj); }
static const tr__type mem_type = {TR__KIND_MEMORY, mem_destroy};

static tr__object *memory_object(const void *addr, size_t size)
{
    for (int i = 0; i < n_mems; i++)
        if (mems[i]->addr == addr && mems[i]->obj.backend)
            return &mems[i]->obj;
    if (n_mems == cap_mems) {
        cap_mems = cap_mems ? cap_mems * 2 : 16;
        mems = realloc(mems, (size_t)cap_mems * sizeof *mems);
        TR_CHECK(mems, "out of memory tracking shared memory");
        for (int i = n_mems; i < cap_mems; i++)
            mems[i] = NULL;
    }
    memrec *m = mems[n_mems] ? mems[n_mems] : calloc(1, sizeof *m);
    TR_CHECK(m, "out of memory tracking shared memory");
    mems[n_mems++] = m;
    m->addr = addr;
    m->size = size;
    tr__object_init(&m->obj, &mem_type, NULL);
    snprintf(m->label, sizeof m->label, "%zu bytes", size);
    m->obj.label = m->label;
    return &m->obj;
}

/* A declared access: a step on the address's memory object (outside an execution,
 * nothing but taking the call site). */
static void shared_access(const void *addr, size_t size, tr__op op, tr__effect_fn effect, void *arg)
{
    if (!X.active) {
        tr__site_take(&(const char *){NULL}, &(int){0});
        return;
    }
    tr__action a = tr__action_make(NULL, op);
    a.obj = memory_object(addr, size);
    a.effect = effect;
    a.arg = arg;
    tr__perform(&a);
}

void (tr_shared_read)(const void *addr, size_t size)
{
    shared_access(addr, size, TR__OP_MEM_READ, NULL, NULL);
}

void (tr_shared_write)(void *addr, size_t size)
{
    shared_access(addr, size, TR__OP_MEM_WRITE, NULL, NULL);
}

/* C11's edges for a sequentially consistent access: loads acquire what stores released.
 * arg: a compare-exchange's expected bytes, compared now (its exchange follows at once). */
typedef struct cas_args {
    const void *expected;
    size_t size;
} cas_args;

static void atomic_effect(tr__action *a)
{
    const memrec *m = (const memrec *)a->obj;
    const cas_args *cas = a->arg;
    bool writes = a->op != TR__OP_MEM_ATOMIC_LOAD &&
                  !(cas && memcmp((const void *)m->addr, cas->expected, cas->size) != 0);
    if (a->op != TR__OP_MEM_ATOMIC_STORE)
        tr__hb(a, a->obj, TR__HB_ACQUIRE);
    if (writes)
        tr__hb(a, a->obj, TR__HB_RELEASE);
}

void (tr_shared_atomic)(const volatile void *addr, size_t size, tr_atomic_op op)
{
    static const tr__op ops[] = {[TR_ATOMIC_OP_LOAD] = TR__OP_MEM_ATOMIC_LOAD,
                                 [TR_ATOMIC_OP_STORE] = TR__OP_MEM_ATOMIC_STORE,
                                 [TR_ATOMIC_OP_RMW] = TR__OP_MEM_ATOMIC_RMW};
    TR_CHECK((unsigned)op <= TR_ATOMIC_OP_RMW, "tr_shared_atomic: not a tr_atomic_op");
    shared_access((const void *)addr, size, ops[op], atomic_effect, NULL);
}

void (tr_shared_atomic_cas)(const volatile void *addr, const void *expected, size_t size)
{
    cas_args cas = {expected, size};
    shared_access((const void *)addr, size, TR__OP_MEM_ATOMIC_RMW, atomic_effect, &cas);
}

static void forget_memory(void) { n_mems = 0; }

/* ---- assertions ----------------------------------------------------------------------- */

void tr__assert_failed(const char *file, int line, const char *text)
{
    if (!X.active || !self_ct) {
        fprintf(stderr, "%s:%d: %s failed\n", file, line, text);
        abort();
    }
    emit(TR_ASSERTION, file, line, self_ct->id, NULL, "%s failed", text);
    cut_execution();
}
