/* internal.h — the seam between the primitives and the backends. Never installed.
 *
 * Every visible operation of a primitive is one or more *actions* on an object:
 *   guard      when the action may proceed: a pure function of the object's state and
 *              the acting thread (a->actor). NULL: always enabled.
 *   effect     the state change, run atomically once the guard holds. It also makes the
 *              misuse checks (tr__fail) and names the happens-before edges (tr__hb_*).
 *   on_timeout run instead of effect when the deadline passes first (NULL: nothing).
 * The primitive fills an action and calls tr__perform(); the installed backend decides
 * what "perform" means (native: a monitor per object; controlled: a scheduling point).
 * The primitive never knows which backend runs it.
 *
 * Objects whose actions touch each other's state share one *domain* (a Condition lives
 * in its lock's domain); an action only ever touches objects of its object's domain. */
#ifndef TRAMA_INTERNAL_H
#define TRAMA_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>
#include <trama/trama.h>

/* Whether the process has only the calling thread (glibc's __libc_single_threaded, set by
 * CMake's check; elsewhere: never assumed). */
#ifdef TR__HAVE_SINGLE_THREADED
#include <sys/single_threaded.h>
#define TR__SINGLE_THREADED() (__libc_single_threaded != 0)
#else
#define TR__SINGLE_THREADED() false
#endif

/* Internal names (tr__) keep default visibility: the harness library calls them. */
#define TR__HIDDEN TR_PUBLIC

/* A broken internal invariant (never user misuse): stop loudly. */
#define TR_CHECK(cond, what)                                                                     \
    do {                                                                                         \
        if (!(cond))                                                                             \
            tr__check_failed(__FILE__, __LINE__, (what));                                        \
    } while (0)
TR_PUBLIC _Noreturn void tr__check_failed(const char *file, int line, const char *what);
/* The check that failed in this process ("what (file.c:line)"), NULL while none has: the
 * harness's crash reporter names it instead of the bare SIGABRT. */
TR_PUBLIC const char *tr__check_text(void);

/* ---- objects -------------------------------------------------------------------------- */

/* Object kinds: enumerator, trace prefix, trace name. */
#define TR__KIND_MAP(X)                                                                          \
    X(TR__KIND_THREAD, "T", "thread")                                                            \
    X(TR__KIND_LOCK, "L", "lock")                                                                \
    X(TR__KIND_RLOCK, "R", "rlock")                                                              \
    X(TR__KIND_CONDITION, "C", "condition")                                                      \
    X(TR__KIND_SEMAPHORE, "S", "semaphore")                                                      \
    X(TR__KIND_EVENT, "V", "event")                                                              \
    X(TR__KIND_PROCESS, "P", "process")                                                          \
    X(TR__KIND_CONNECTION, "Q", "connection")                                                    \
    X(TR__KIND_EXECUTOR, "E", "executor")                                                        \
    X(TR__KIND_FUTURE, "F", "future")                                                            \
    X(TR__KIND_WAITER, "W", "waiter")                                                            \
    X(TR__KIND_BARRIER, "B", "barrier")                                                          \
    X(TR__KIND_QUEUE, "U", "queue")                                                              \
    X(TR__KIND_SHARED, "A", "shared")                                                            \
    X(TR__KIND_MEMORY, "M", "memory")

typedef enum tr__kind {
#define TR__KIND_ENUM(e, prefix, name) e,
    TR__KIND_MAP(TR__KIND_ENUM)
#undef TR__KIND_ENUM
        TR__KIND_COUNT
} tr__kind;

typedef struct tr__object tr__object;

/* Per-kind behaviour the backends need. */
typedef struct tr__type {
    tr__kind kind;
    /* Frees the object and everything it owns (the controlled backend reclaims objects a
     * case did not free when an execution ends). */
    void (*destroy)(tr__object *);
} tr__type;

struct tr__object {
    const tr__type *type;
    tr__object *domain; /* whose monitor guards this object's state: itself, or another */
    void *backend;      /* the installed backend's per-object data */
    const char *label;  /* user-visible name for traces (a thread's name), may be NULL */
    /* The object whose destroy frees this one (a Condition's own RLock, a pool's worker
     * threads), NULL if none: the controlled backend reclaims owners first. */
    tr__object *owner;
    /* The state word of a primitive that has fast actions (tr__fast_fn): its state lives
     * here (read and written through tr__word_*), except TR__WORD_BUSY, which belongs to
     * the backend. 0 at init. Unused by other objects. */
    atomic_uintptr_t word;
    /* One object in every process (tr__object_init_shared): it lives in memory shared
     * across fork, and so do its state, its word and its native monitor. Set at init. */
    bool shared;
    /* Its number among the objects of its kind this process created, from 1 (a misuse
     * record's "L3"); set by tr__object_init, a forked child's copies keep theirs. */
    unsigned long number;
};

/* Set by a backend in a domain object's word while an action of the domain runs (or
 * waits) under its monitor: a fast action's compare-and-swap expects it clear, so it fails
 * and the action takes the monitor path. Primitives never see it (tr__word_get masks it). */
#define TR__WORD_BUSY ((uintptr_t)1 << (sizeof(uintptr_t) * 8 - 1))

/* Registers obj with the installed backend. domain NULL = its own. TR_NO_MEMORY. */
TR__HIDDEN tr_status tr__object_init(tr__object *obj, const tr__type *type, tr__object *domain);
/* Unregisters; call before freeing the memory. */
TR__HIDDEN void tr__object_fini(tr__object *obj);

/* Objects shared between processes (multiprocessing's Lock, RLock, Semaphore, Value). A
 * forked child does not get a copy: it has the same object, in memory every process of
 * the tree maps at the same address, so a step in one process is seen by the others.
 *   - obj (and whatever its state points to) lives in tr__shm_alloc memory;
 *   - its domain is itself or another shared object;
 *   - the native monitor is process-shared and never re-made after fork; a fast form's
 *     compare-and-swap is a real one even while this process has a single thread;
 *   - an owner identity in its state must be unique across processes (tr__thread_gid);
 *   - tr__object_fini lets go of it in this process only: others may still use it.
 * TR_NO_MEMORY. */
TR__HIDDEN tr_status tr__object_init_shared(tr__object *obj, const tr__type *type,
                                            tr__object *domain);

/* Memory shared with every process forked after the call (shm.c): size zeroed bytes at
 * an address that is the same in each of them. NULL when out of memory. */
TR__HIDDEN void *tr__shm_alloc(size_t size);
/* This process lets go of a block from tr__shm_alloc (NULL: nothing); the memory lives on
 * in the processes that still have it. */
TR__HIDDEN void tr__shm_free(void *p);
/* An object's zeroed memory: tr__shm_alloc for a shared one, calloc otherwise; and its
 * release, after tr__object_fini, by how it was made (NULL: nothing). */
TR__HIDDEN void *tr__object_alloc(size_t size, bool shared);
TR__HIDDEN void tr__object_dealloc(tr__object *obj);

/* ---- operations ----------------------------------------------------------------------- */

/* Operations: enumerator, trace name, whether it may change its object (dependence). */
#define TR__OP_MAP(X)                                                                            \
    X(TR__OP_THREAD_START, "thread.start", true)                                                 \
    X(TR__OP_THREAD_BEGIN, "thread.begin", true)                                                 \
    X(TR__OP_THREAD_EXIT, "thread.exit", true)                                                   \
    X(TR__OP_THREAD_JOIN, "thread.join", false)                                                  \
    X(TR__OP_THREAD_QUERY, "thread.query", false)                                                \
    X(TR__OP_THREAD_SET, "thread.set", true)                                                     \
    X(TR__OP_LOCK_ACQUIRE, "lock.acquire", true)                                                 \
    X(TR__OP_LOCK_RELEASE, "lock.release", true)                                                 \
    X(TR__OP_LOCK_QUERY, "lock.locked", false)                                                   \
    X(TR__OP_RLOCK_ACQUIRE, "rlock.acquire", true)                                               \
    X(TR__OP_RLOCK_RELEASE, "rlock.release", true)                                               \
    X(TR__OP_RLOCK_QUERY, "rlock.query", false)                                                  \
    X(TR__OP_COND_WAIT_BEGIN, "cond.wait", true)                                                 \
    X(TR__OP_COND_WAIT, "cond.wake", true)                                                       \
    X(TR__OP_COND_REACQUIRE, "cond.reacquire", true)                                             \
    X(TR__OP_COND_NOTIFY, "cond.notify", true)                                                   \
    X(TR__OP_SEM_ACQUIRE, "sem.acquire", true)                                                   \
    X(TR__OP_SEM_RELEASE, "sem.release", true)                                                   \
    X(TR__OP_SEM_QUERY, "sem.value", false)                                                      \
    X(TR__OP_EVENT_SET, "event.set", true)                                                       \
    X(TR__OP_EVENT_CLEAR, "event.clear", true)                                                   \
    X(TR__OP_EVENT_WAIT, "event.wait", false)                                                    \
    X(TR__OP_EVENT_WAKE, "event.wake", false)                                                    \
    X(TR__OP_EVENT_QUERY, "event.is_set", false)                                                 \
    X(TR__OP_PROCESS_START, "process.start", true)                                               \
    X(TR__OP_PROCESS_JOIN, "process.join", true)                                                 \
    X(TR__OP_PROCESS_SIGNAL, "process.signal", true)                                             \
    X(TR__OP_PROCESS_QUERY, "process.query", false)                                              \
    X(TR__OP_PROCESS_EXIT, "process.exit", true)                                                 \
    X(TR__OP_CONN_SEND, "conn.send", true)                                                       \
    X(TR__OP_CONN_RECV, "conn.recv", true)                                                       \
    X(TR__OP_CONN_POLL, "conn.poll", false)                                                      \
    X(TR__OP_CONN_CLOSE, "conn.close", true)                                                     \
    X(TR__OP_POOL_SUBMIT, "pool.submit", true)                                                   \
    X(TR__OP_POOL_TAKE, "pool.take", true)                                                       \
    X(TR__OP_POOL_SHUTDOWN, "pool.shutdown", true)                                               \
    X(TR__OP_POOL_QUERY, "pool.query", false)                                                    \
    X(TR__OP_POOL_WORKER, "pool.worker", true)                                                   \
    X(TR__OP_FUTURE_SET, "future.set", true)                                                     \
    X(TR__OP_FUTURE_RESULT, "future.result", false)                                              \
    X(TR__OP_FUTURE_CANCEL, "future.cancel", true)                                               \
    X(TR__OP_FUTURE_QUERY, "future.query", false)                                                \
    X(TR__OP_FUTURE_CALLBACK, "future.add_done_callback", true)                                  \
    X(TR__OP_FUTURE_RUN, "future.set_running", true)                                             \
    X(TR__OP_FUTURE_WATCH, "future.watch", true)                                                 \
    X(TR__OP_FUTURE_UNWATCH, "future.unwatch", true)                                             \
    X(TR__OP_BARRIER_WAIT, "barrier.wait", true)                                                 \
    X(TR__OP_BARRIER_WAKE, "barrier.wake", true)                                                 \
    X(TR__OP_BARRIER_RELEASE, "barrier.release", true)                                           \
    X(TR__OP_BARRIER_RESET, "barrier.reset", true)                                               \
    X(TR__OP_BARRIER_ABORT, "barrier.abort", true)                                               \
    X(TR__OP_BARRIER_QUERY, "barrier.query", false)                                              \
    X(TR__OP_WAITER_WAIT, "waiter.wait", true)                                                   \
    X(TR__OP_WAITER_SIGNAL, "waiter.signal", true)                                               \
    /* every Queue call holds Python's mutex throughout (tr__hb_locked): all modify */         \
    X(TR__OP_QUEUE_PUT, "queue.put", true)                                                       \
    X(TR__OP_QUEUE_GET, "queue.get", true)                                                       \
    X(TR__OP_QUEUE_TASK_DONE, "queue.task_done", true)                                           \
    X(TR__OP_QUEUE_JOIN, "queue.join", true)                                                     \
    X(TR__OP_QUEUE_SHUTDOWN, "queue.shutdown", true)                                             \
    X(TR__OP_QUEUE_QUERY, "queue.query", true)                                                   \
    X(TR__OP_SHARED_GET, "shared.get", false)                                                    \
    X(TR__OP_SHARED_SET, "shared.set", true)                                                     \
    X(TR__OP_YIELD, "yield", false)                                                              \
    X(TR__OP_MEM_READ, "read", false)                                                            \
    X(TR__OP_MEM_WRITE, "write", true)                                                           \
    X(TR__OP_MEM_ATOMIC_LOAD, "atomic.load", false)                                              \
    X(TR__OP_MEM_ATOMIC_STORE, "atomic.store", true)                                             \
    X(TR__OP_MEM_ATOMIC_RMW, "atomic.rmw", true)

typedef enum tr__op {
#define TR__OP_ENUM(e, name, modifies) e,
    TR__OP_MAP(TR__OP_ENUM)
#undef TR__OP_ENUM
        TR__OP_COUNT
} tr__op;

TR__HIDDEN const char *tr__op_name(tr__op);
TR__HIDDEN bool tr__op_modifies(tr__op);
TR__HIDDEN const char *tr__kind_prefix(tr__kind);
TR__HIDDEN const char *tr__kind_name(tr__kind);

/* ---- actions -------------------------------------------------------------------------- */

typedef struct tr__action tr__action;
typedef bool (*tr__guard_fn)(const tr__action *);
typedef void (*tr__effect_fn)(tr__action *);
/* An action's optional lock-free form (see tr__action.fast). */
typedef bool (*tr__fast_fn)(tr__action *);

enum { TR__HB_MAX = 2 };
typedef enum tr__hb_kind { TR__HB_ACQUIRE, TR__HB_RELEASE } tr__hb_kind;

struct tr__action {
    /* in */
    tr__object *obj;
    tr__op op;
    tr__guard_fn guard;
    tr__effect_fn effect;
    tr__effect_fn on_timeout;
    /* Optional: guard and effect as one lock-free step on the object's word
     * (tr__word_quiet / tr__word_cas; only for an object that is its own domain), tried
     * by tr__perform before the backend when the backend accepts fast actions (native,
     * outside TSan and noise). Its compare-and-swap expects TR__WORD_BUSY clear, so it
     * succeeds only when no thread runs or waits in the domain's monitor. True: done,
     * with the call's results (status, arg) as the effect would have set them; hb and
     * mutex_* are not needed (a backend that reads them, controlled or TSan's, does not
     * accept fast actions). False: nothing changed (the guard is false, a misuse, the
     * domain is busy); the backend then performs the action as usual. a->actor is not set
     * yet (call tr__thread_self() if needed). Guard and effect stay the definition. */
    tr__fast_fn fast;
    double timeout; /* TR_FOREVER, 0 = try once (guard false: timed out at once), > 0 s */
    void *arg;      /* operation data for guard and effect */
    tr_thread *actor;
    /* Readiness from outside the process (a pipe): natively, while the guard is false
     * the backend waits in poll(wait_fd, wait_events) instead of on the monitor; the
     * guard itself polls with a zero timeout. -1 / 0 when unused (tr__action_make). */
    int wait_fd;
    short wait_events;
    const char *file;
    int line;
    /* The bytes [offset, offset + size) of obj's storage the action reads or writes (its
     * op says which): a shared Value's or Array's element, for race detection. size 0:
     * none, or the whole of a declared address's memory object. */
    size_t offset, size;
    /* out, written by effect / on_timeout */
    tr_status status;     /* preset TR_OK before effect, TR_TIMEOUT before on_timeout */
    const char *message;  /* misuse text (static storage); set with tr__fail */
    bool timed_out;
    /* The effect made waits of its domain possible that were all impossible before it (a
     * Semaphore's release from 0): a dependence explorer takes a blocking step that ran
     * after it as enabled by it, not as racing with it. */
    bool opened;
    /* For a domain with several kinds of wait that its steps open and close (a Queue's
     * item, room, no unfinished task). in: a blocking action's kind, one bit (0: its
     * domain does not tell). out: the kinds that would have passed in the state the step
     * found, told by every step of such a domain, whatever its outcome. A dependence
     * explorer takes a blocking step of a kind that could not pass there as enabled by a
     * later step, not as racing with this one. */
    unsigned char wait_kind;
    unsigned char waits_open;
    int n_hb;
    struct {
        tr__object *obj;
        tr__hb_kind kind;
    } hb[TR__HB_MAX];
    /* a lock-like acquire/release, for lock-order graphs and TSan's mutex annotations */
    tr__object *mutex_acquired;
    tr__object *mutex_released;
};

/* Takes (and clears) the call site the public header's macro left in the slot. */
static inline void tr__site_take(const char **file, int *line)
{
    *file = tr__site.file;
    *line = tr__site.line;
    tr__site.file = NULL;
    tr__site.line = 0;
}

/* Sets every field but hb[] (only hb[0..n_hb) is ever read). Field by field rather than
 * `= {...}`: zeroing the whole struct (rep stos) and copying it out was most of the cost
 * of an uncontended native lock operation. */
static inline void tr__action_clear(tr__action *a, tr__object *obj, tr__op op)
{
    a->obj = obj;
    a->op = op;
    a->guard = NULL;
    a->effect = NULL;
    a->on_timeout = NULL;
    a->fast = NULL;
    a->timeout = TR_FOREVER;
    a->arg = NULL;
    a->actor = NULL;
    a->wait_fd = -1;
    a->wait_events = 0;
    a->file = NULL;
    a->line = 0;
    a->offset = 0;
    a->size = 0;
    a->status = TR_OK;
    a->message = NULL;
    a->timed_out = false;
    a->opened = false;
    a->wait_kind = 0;
    a->waits_open = 0;
    a->n_hb = 0;
    a->mutex_acquired = NULL;
    a->mutex_released = NULL;
}

/* A fresh action on obj, carrying the caller's site. Public functions make one first,
 * before any argument check, so misuse is reported at the user's line. */
static inline tr__action tr__action_make(tr__object *obj, tr__op op)
{
    tr__action a;
    tr__action_clear(&a, obj, op);
    tr__site_take(&a.file, &a.line);
    return a;
}

/* A fresh action on obj at a site the caller already has (a call that took it, or got it
 * as arguments from the public header's macro). */
static inline tr__action tr__action_at(tr__object *obj, tr__op op, const char *file, int line)
{
    tr__action a;
    tr__action_clear(&a, obj, op);
    a.file = file;
    a.line = line;
    return a;
}

/* The next action of a multi-step call (Condition.wait): same site, fresh outputs. */
static inline tr__action tr__action_next(const tr__action *prev, tr__object *obj, tr__op op)
{
    tr__action a;
    tr__action_clear(&a, obj, op);
    a.file = prev->file;
    a.line = prev->line;
    return a;
}

/* Whether actions may take their fast form: the installed backend accepts it
 * (tr__backend.fast_actions; the noise table does not: it sees every action). Written by
 * backend.c's install only; read relaxed (set before any thread starts, as the backend). */
TR__HIDDEN extern atomic_bool tr__fast_open;

/* Performs the action through the installed backend, then raises its misuse (if any)
 * through tr__raise. Returns a->status. */
TR__HIDDEN tr_status tr__perform_backend(tr__action *a);

/* tr__perform: the action's fast form when the backend accepts one and it succeeds (a
 * fast form never fails with a misuse: it declines instead), else the backend. Inline,
 * so a primitive's constant fast function is a direct call the compiler can inline:
 * what keeps an uncontended native Lock near a raw mutex. */
static inline tr_status tr__perform(tr__action *a)
{
    if (a->fast && atomic_load_explicit(&tr__fast_open, memory_order_relaxed) && a->fast(a))
        return a->status;
    return tr__perform_backend(a);
}

/* The outcome rule of a guarded action, the one place it is written (action.c): the guard
 * was still false at the deadline (timed_out): status TR_TIMEOUT, timed_out set, then
 * on_timeout; else status TR_OK, then the effect. A backend decides only timed_out, under
 * whatever makes the action atomic, and calls this. */
TR__HIDDEN void tr__action_finish(tr__action *a, bool timed_out);

/* In an effect: the call fails with Python's exception and message (static text). */
static inline void tr__fail(tr__action *a, tr_status status, const char *message)
{
    a->status = status;
    a->message = message;
}

/* In an effect: a happens-before edge through obj (release publishes the actor's past,
 * acquire takes what was published). */
static inline void tr__hb(tr__action *a, tr__object *obj, tr__hb_kind kind)
{
    if (a->n_hb < TR__HB_MAX) {
        a->hb[a->n_hb].obj = obj;
        a->hb[a->n_hb].kind = kind;
        a->n_hb++;
    }
}

/* In an effect: the action takes and releases its own object, as a Python call that holds
 * the object's internal lock throughout: ordered with every other action that does. */
static inline void tr__hb_locked(tr__action *a)
{
    tr__hb(a, a->obj, TR__HB_ACQUIRE);
    tr__hb(a, a->obj, TR__HB_RELEASE);
}

/* ---- the state word ------------------------------------------------------------------ */

/* In a guard or effect (the backend made the action atomic): the object's state. Relaxed:
 * the backend's monitor (or the controlled baton) orders these accesses. */
static inline uintptr_t tr__word_get(const tr__object *o)
{
    return atomic_load_explicit(&o->word, memory_order_relaxed) & ~TR__WORD_BUSY;
}
static inline void tr__word_set(tr__object *o, uintptr_t state)
{
    uintptr_t busy = atomic_load_explicit(&o->word, memory_order_relaxed) & TR__WORD_BUSY;
    atomic_store_explicit(&o->word, busy | state, memory_order_relaxed);
}

/* In a fast action: the state, unless the domain is busy (false). Acquire: pairs with
 * the release of the fast action or monitor exit that wrote it. */
static inline bool tr__word_quiet(const tr__object *o, uintptr_t *state)
{
    uintptr_t w = atomic_load_explicit(&o->word, memory_order_acquire);
    *state = w;
    return !(w & TR__WORD_BUSY);
}
/* In a fast action: expected -> desired in one step; fails when the state differs or the
 * domain is busy. acq_rel: the step both takes and publishes (a lock's acquire and
 * release); relaxed on failure, which changes nothing. While the process has a single
 * thread, no other thread can see the word between the load and the store, so the step
 * is a plain (relaxed) load and store, as glibc's own mutex does then: pthread_create,
 * the only way out of that state, orders them before anything the new thread does. Not
 * for a shared object: other processes' threads see its word. */
static inline bool tr__word_cas(tr__object *o, uintptr_t expected, uintptr_t desired)
{
    if (TR__SINGLE_THREADED() && !o->shared) {
        if (atomic_load_explicit(&o->word, memory_order_relaxed) != expected)
            return false;
        atomic_store_explicit(&o->word, desired, memory_order_relaxed);
        return true;
    }
    return atomic_compare_exchange_strong_explicit(&o->word, &expected, desired,
                                                   memory_order_acq_rel, memory_order_relaxed);
}

/* A primitive's fast form tried before it builds any action (Lock, RLock): one
 * compare-and-swap on obj's word when the installed backend accepts fast actions, as
 * tr__perform would try a->fast, but with nothing stored first: filling the action (about
 * 20 stores) and taking the site slot before the CAS cost more than the CAS itself.
 * False: nothing changed; build the action and tr__perform it. */
static inline bool tr__fast_cas(tr__object *o, uintptr_t expected, uintptr_t desired)
{
    return atomic_load_explicit(&tr__fast_open, memory_order_relaxed) &&
           tr__word_cas(o, expected, desired);
}

/* ---- errors --------------------------------------------------------------------------- */

/* Sets this thread's last error and, for misuse, tells the reporter. Returns status. */
TR__HIDDEN tr_status tr__raise(tr_status status, const char *message, const char *file, int line);
/* What a misuse record says of the action that raised it (backend.c fills it from its op
 * and kind tables, which sit above status.c). */
typedef struct tr__misuse_origin {
    const char *operation;     /* "lock.release" */
    const char *object_kind;   /* "lock" */
    const char *object_prefix; /* "L" */
    unsigned long object_number;
    const char *object_label;
} tr__misuse_origin;
/* tr__raise with the action's operation and object (origin NULL: none). */
TR__HIDDEN tr_status tr__raise_from(tr_status status, const char *message, const char *file,
                                    int line, const tr__misuse_origin *origin);
/* Sets the last error without reporting misuse (TR_TIMEOUT, TR_EOF, TR_NO_MEMORY, ...). */
TR__HIDDEN tr_status tr__set_error(tr_status status, const char *message);
/* Formatting variant for the few messages Python formats ("2 (of 3) futures unfinished"). */
TR__HIDDEN tr_status tr__raisef(tr_status status, const char *file, int line, const char *fmt,
                                ...) __attribute__((format(printf, 4, 5)));
/* True for the statuses that count as misuse (RuntimeError, ValueError, OSError). */
TR__HIDDEN bool tr__is_misuse(tr_status status);

/* The longest last-error text kept, terminator included. */
enum { TR__ERROR_TEXT_MAX = 256 };
/* For a backend that runs several case threads on one host thread (fibers): the calling
 * thread's last-error text, copied out (size >= TR__ERROR_TEXT_MAX keeps all of it) when
 * a case thread leaves the host, and copied back when it returns. */
TR__HIDDEN void tr__error_save(char *out, size_t size);
TR__HIDDEN void tr__error_restore(const char *text);

/* Whether a timeout (seconds) overflows Python's PyTime_t, int64 nanoseconds: Python's
 * OverflowError "timestamp out of range for platform time_t" (ValueError here). */
static inline bool tr__timeout_overflows(double timeout)
{
    return timeout >= 9223372036.854775808;
}

/* An on_timeout for a wait whose timeout overflows: Python converts the timeout only when
 * it has to wait, so the call polls once (timeout 0) and only then raises. */
static inline void tr__overflow_timeout(tr__action *a)
{
    tr__fail(a, TR_VALUE_ERROR, "timestamp out of range for platform time_t");
}

/* ---- threads -------------------------------------------------------------------------- */

/* The calling thread's trama thread: one it started, MainThread, or a Dummy-N created
 * on first use. Never NULL (TR_CHECK on out-of-memory). */
TR__HIDDEN tr_thread *tr__thread_self(void);

/* The calling host thread's acting thread, as thread.c bound it (tr__thread_bind); NULL
 * until then. Defined in action.c, below every backend; only thread.c writes it. An
 * owner identity a fast form reads with one thread-local load (RLock). initial-exec: the
 * library is built position-independent, where a thread-local is otherwise reached
 * through a __tls_get_addr call; the linker rewrites that call into a load, but the fast
 * form still pays for saving registers around it. */
TR__HIDDEN extern _Thread_local tr_thread *tr__actor __attribute__((tls_model("initial-exec")));
/* What the layers below thread.c (backend.c, the backends, tsan.c) need of threads: they
 * call up only through this table, which thread.c registers at load time. */
typedef struct tr__thread_ops {
    tr_thread *(*self)(void);  /* tr__thread_self: adopts a foreign host thread */
    void (*run)(tr_thread *t); /* tr__thread_run */
    const char *(*name)(const tr_thread *t);    /* tr_thread_name */
    unsigned long (*ident)(const tr_thread *t); /* tr_thread_ident */
} tr__thread_ops;
TR__HIDDEN void tr__thread_ops_register(const tr__thread_ops *ops);
/* tr__thread_self for the layers below thread.c: the actor, adopting the host thread on
 * its first action (through the registered table). */
TR__HIDDEN tr_thread *tr__actor_self(void);
/* tr__thread_run for the layers below thread.c: a native spawn's new host thread. */
TR__HIDDEN void tr__host_run(tr_thread *t);
/* The calling thread's ident and name (copied into name, size bytes) for the layers below
 * thread.c, adopting the host thread as tr__actor_self does. */
TR__HIDDEN unsigned long tr__actor_describe(char *name, size_t size);
/* Which thread plays the calling host thread's part (the controlled backend runs case
 * threads on pooled host threads). Returns the previous one. */
TR_PUBLIC tr_thread *tr__thread_bind(tr_thread *t);
/* Runs a started thread's body on the calling host thread: binds it, THREAD_BEGIN, the
 * target, THREAD_EXIT. Backends' spawn calls this on the new host thread. */
TR_PUBLIC void tr__thread_run(tr_thread *t);
/* The thread's identity across processes, for the owner of a shared object (a shared
 * RLock's word): this process's pid and the thread's ident, which is unique in it while
 * the thread lives; a forked child's copy of a thread gets the child's pid. Never 0, and
 * TR__WORD_BUSY clear. */
TR__HIDDEN uintptr_t tr__thread_gid(const tr_thread *t);
/* getpid() without a system call (one per execution was a fifth of a small case's cost):
 * kept by fork()'s child handler, so a child made by a raw clone() sees its parent's. */
TR_PUBLIC int tr__self_pid(void);
/* The thread's object header, id-free identity for backends. */
TR_PUBLIC tr__object *tr__thread_object(tr_thread *t);
TR_PUBLIC tr_thread *tr__thread_of(tr__object *obj);
/* A MainThread object for a controlled execution's T0 (the default one is per process). */
TR_PUBLIC tr_thread *tr__thread_new_main(void);

/* Name counters (Thread-N, Process-N, ThreadPoolExecutor-K): per process, reset by the
 * controlled backend at each execution so names repeat across executions. */
typedef struct tr__counters {
    atomic_long thread;  /* Thread-N and Dummy-N, from 1 */
    atomic_long process; /* Process-N, from 1 */
    atomic_long pool;    /* ThreadPoolExecutor-K, from 0 */
} tr__counters;
TR_PUBLIC extern tr__counters tr__names;
TR_PUBLIC void tr__names_reset(void);
/* In a forked child: no thread but the caller is running (threading._after_fork). */
void tr__threads_after_fork(void);
/* Python's threading._register_atexit: fn runs at the start of tr_threading_shutdown. */
TR__HIDDEN void tr__threading_atexit(void (*fn)(void));
/* Run at the end of multiprocessing's exit (process.c: a child once its target and the
 * threading shutdown are done; the main process at exit), the last registered first. */
TR__HIDDEN void tr__process_atexit(void (*fn)(void));

/* ---- processes ------------------------------------------------------------------------ */

/* A child's exit (process_exit.c). The exit descriptor of one fork: before fork()
 * tr__exit_watch_open (0, or an errno); in the child tr__exit_watch_child; in the parent
 * tr__exit_watch_fd gives the descriptor that becomes readable once the child has exited
 * (a pidfd, else the sentinel pipe's read end; -1 with errno when none, the child then
 * killed and reaped), or, when fork() failed, tr__exit_watch_cancel. */
typedef struct tr__exit_watch {
    bool pidfd;
    int sentinel[2]; /* without pidfd: read end, write end; -1 when unused */
} tr__exit_watch;
TR__HIDDEN int tr__exit_watch_open(tr__exit_watch *w);
TR__HIDDEN void tr__exit_watch_child(tr__exit_watch *w);
TR__HIDDEN int tr__exit_watch_fd(tr__exit_watch *w, pid_t pid);
TR__HIDDEN void tr__exit_watch_cancel(tr__exit_watch *w);
/* Whether an exit descriptor reports the exit now (no wait); false for -1. */
TR__HIDDEN bool tr__exit_ready(int fd);
/* waitpid(pid) (block: until it exits), retried on EINTR: true once reaped, with Python's
 * exitcode (-signal when killed). False while it runs, or when it is not ours (ECHILD). */
TR__HIDDEN bool tr__exit_reap(pid_t pid, bool block, int *exitcode);
/* Tests: wait for a child's exit through a sentinel pipe, as without pidfd_open. */
TR_PUBLIC void tr__process_force_sentinel_pipe(bool on);
/* Before start: the process's death is its owner's to handle (a process pool's worker: its
 * end of file breaks the pool, as Python's BrokenProcessPool), so a crash of it is no
 * crash of the program; a harness then reports none. */
TR__HIDDEN void tr__process_crash_is_handled(tr_process *p);
/* Tests: how many event waits are past the point where a set() is sure to wake them. */
TR_PUBLIC int tr__event_waiting(const tr_event *e);

/* ---- multiprocessing's locks ---------------------------------------------------------- */

/* multiprocessing.Lock(), RLock(), Semaphore(value) and BoundedSemaphore(value): shared
 * objects (tr__object_init_shared), one lock for this process and every process forked
 * after the call, used through the public calls (tr_lock_acquire, tr_rlock_release,
 * tr_semaphore_acquire, ...) and let go of in each process with its _free. SemLock's rules
 * where they differ from threading's: acquire checks no argument (tr__semlock_timeout);
 * releasing a free Lock or a BoundedSemaphore past its value is ValueError "semaphore or
 * lock released too many times"; an RLock released by a non-owner is Python's
 * AssertionError "attempt to release recursive lock not owned by thread", here
 * TR_RUNTIME_ERROR; a negative initial value is OSError "[Errno 22] Invalid argument".
 * A lock held by a process that ends stays held, as a POSIX semaphore does. NULL +
 * TR_NO_MEMORY when out of memory. */
TR__HIDDEN tr_lock *tr__lock_new_shared(void);
TR__HIDDEN tr_rlock *tr__rlock_new_shared(void);
TR__HIDDEN tr_semaphore *tr__semaphore_new_shared(long value, bool bounded);

/* The Value or Array (shared.c) whose items hold the bytes [addr, addr + size) in this
 * process, and their offset in its items; NULL when none does. For the harness: a
 * declared access there is an access to that object. */
TR__HIDDEN tr__object *tr__shared_storage(const void *addr, size_t size, size_t *offset);

/* ---- held blocks ---------------------------------------------------------------------- */

/* A block that, while a call may block, only the calling thread's frames refer to: a pool
 * item until submit has queued it and again while a worker runs it, a worker's arguments
 * until it starts, a done callback until it is queued or has run, a joiner's list of
 * workers, wait()'s watch nodes. A harness that ends an execution with threads parked mid-call never returns
 * into those frames, so it is handed every held block (the backend's hold) and frees the
 * ones still held when it reclaims the execution's objects. Natively a held block is a
 * plain allocation with this header in front, unlinked. */
typedef struct tr__held {
    struct tr__held *prev, *next; /* in a harness's list; both NULL when in none */
} tr__held;
/* size zeroed bytes, held; NULL when out of memory. */
TR__HIDDEN void *tr__held_alloc(size_t size);
/* A block handed over to an object (no longer the calling frames' alone) leaves the
 * harness's list: it outlives the execution's end as its object does. Freed with
 * tr__held_free all the same. */
TR__HIDDEN void tr__held_hand_over(void *p);
/* Frees a block from tr__held_alloc (NULL: nothing), leaving whatever list it is in. */
TR__HIDDEN void tr__held_free(void *p);
/* Frees every block in the circular list after head (a harness's, at the end of an
 * execution) and leaves it empty. */
TR_PUBLIC void tr__held_free_all(tr__held *head);

/* ---- backends ------------------------------------------------------------------------- */

/* A backend: the table the primitives call through (SQLite's sqlite3_mutex_methods). */
typedef struct tr__backend {
    const char *name;
    tr_status (*object_init)(tr__object *);
    void (*object_fini)(tr__object *);
    /* Waits until a->guard holds (or the timeout passes), runs effect (or on_timeout)
     * atomically with respect to every other action on the domain, wakes waiters. */
    void (*perform)(tr__action *a);
    /* Whether tr__perform may run an action's fast form instead of calling perform: only
     * for a backend whose perform would then be indistinguishable (native, which sets
     * TR__WORD_BUSY while its monitor is in use). false (as zero-initialised): never. */
    bool fast_actions;
    /* Starts a host thread that calls tr__thread_run(t). */
    tr_status (*spawn)(tr_thread *t);
    /* Seconds on the backend's clock: CLOCK_MONOTONIC natively, virtual time under the
     * controlled backend. For deadlines spanning several actions (wait_for,
     * as_completed). */
    double (*now)(void);
    /* The last call of a thread's body, after THREAD_EXIT ran and the thread object was
     * let go (it may be freed): the host may be reused from here on. */
    void (*thread_done)(void);
    /* Optional (NULL: fork() and nothing). A Process start forks through fork_process:
     * fork()'s contract, 0 in the child; process is the tr_process object being started.
     * The controlled backend makes the child one more process of the execution, its
     * first step chosen by the scheduler like a new thread's. process_exit: a started
     * process's last call before _exit(code), after its target and its interpreter
     * exit. crash_handled: the process's owner turns its death into an outcome of its
     * own (tr__process_crash_is_handled). */
    pid_t (*fork_process)(tr__object *process, bool crash_handled);
    void (*process_exit)(int code);
    /* Optional (NULL: kill()). terminate()/kill() of a started process, in the step's
     * effect: false when the backend cannot carry the signal out faithfully (nothing was
     * sent; the caller then tells it as unmodelled, after the step). */
    bool (*signal_process)(tr__object *process, pid_t pid, int sig);
    /* Optional: links a new held block into the backend's list (tr__held_alloc), for a
     * backend that may abandon threads mid-call. NULL: nothing is kept. */
    void (*hold)(tr__held *h);
    /* Optional (NULL: nothing to say): the case called `what`, which this backend cannot
     * carry out faithfully; it tells so and does not return. */
    void (*unmodelled)(const char *what, const char *file, int line);
} tr__backend;

/* The installed backend's operations (backend.c, the only reader of the table). */
TR__HIDDEN double tr__now(void); /* its clock (seconds) */
TR__HIDDEN tr_status tr__spawn(tr_thread *t);
TR__HIDDEN pid_t tr__fork_process(tr__object *process, bool crash_handled);
TR__HIDDEN void tr__process_exiting(int code);
TR__HIDDEN bool tr__signal_process(tr__object *process, pid_t pid, int sig);
/* Natively nothing; under a backend that cannot carry `what` out, the end of the call. */
TR__HIDDEN void tr__unmodelled(const char *what, const char *file, int line);
/* Its thread_done, taken while a thread's body still holds the thread: called after the
 * thread object was let go, when a harness may have installed another backend. */
typedef void (*tr__host_done_fn)(void);
TR__HIDDEN tr__host_done_fn tr__host_done_hook(void);

/* The installed backend: native by default; a harness installs another before any thread
 * starts and restores it afterwards. Returns the previous one. NULL or the native table
 * installs native as tr_native_noise left it: with noise on, the noise table. */
TR_PUBLIC const tr__backend *tr__backend_install(const tr__backend *b);
TR_PUBLIC const tr__backend *tr__backend_native(void);
/* Native with noise (backend_noise.c): a table wrapping the native one, installed by
 * backend.c for tr_native_noise and TRAMA_NOISE. tr__noise_set keeps the settings
 * (permille clamped to 1000) and returns whether noise is on (permille > 0). */
TR__HIDDEN const tr__backend *tr__backend_noise(void);
TR__HIDDEN bool tr__noise_set(unsigned long seed, unsigned permille, unsigned max_sleep_us);

/* Misuse delivered to the harness whatever hook the user installed. */
TR_PUBLIC void tr__set_misuse_observer(tr_misuse_hook hook, void *ctx);

#endif
