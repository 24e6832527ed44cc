/* execution.h — the state of one controlled execution, and what the layers of the
 * controlled backend say to each other. Never installed.
 *
 * The layers, each standing on the ones above it in this list:
 *   execution.c         the state (struct tr__execution), objects, names, one grower
 *   trace.c             the steps as rows
 *   shared_memory.c     declared accesses and tr_yield
 *   finding.c           findings as data: the one builder every producer uses
 *   hosts.c             the baton: the only file that switches a stack or posts a semaphore
 *   stall.c             no action enabled: the wait-for graph, deadlock and livelock
 *   choose.c            the choices at a point and the explorer's pick
 *   race.c, lockorder.c the detectors with their glue
 *   backend_controlled.c  perform / spawn / thread_done: the backend table
 *   execute.c           the T0 driver (tr__execute) and assertions
 * The state holds indices (thread ids, object indices), never pointers between its own
 * records, so that it can move into a mapping shared across fork(). */
#ifndef TRAMA_EXECUTION_H
#define TRAMA_EXECUTION_H

#include "finding.h"
#include "harness_internal.h"

enum { TR__MAX_THREADS = 256 };

typedef struct tr__host tr__host; /* hosts.c */

typedef enum tr__cstate {
    TR__CT_NEW,      /* created, not started */
    TR__CT_READY,    /* started; its first step (THREAD_BEGIN) is pending, no host yet */
    TR__CT_PENDING,  /* parked at a scheduling point with `pending` published */
    TR__CT_RUNNING,  /* holds the baton */
    TR__CT_FINISHED, /* its exit step ran */
} tr__cstate;

/* A case thread as the scheduler sees it. */
typedef struct tr__cthread {
    int id;                    /* T<id>: creation order; T0 plays the case body */
    tr_thread *thread;
    tr__host *host;            /* NULL until it first runs; T0: the driver */
    tr__cstate state;
    tr__action *pending;       /* READY/PENDING: the action it waits to perform */
    tr__action begin;          /* READY: its first step, published by spawn */
    bool begin_granted;        /* chosen for its first step before its host ran */
    bool fire_timeout;         /* chosen to time out */
    bool preempting;           /* chosen while the thread that chose could have gone on */
    double deadline;           /* virtual; for the pending timed action */
    unsigned long yield_epoch; /* mod_epoch at its last yield: spinning if unchanged */
    bool yielded_once;
    char name[48];             /* for reports after the case freed its thread object */
} tr__cthread;

/* An object of the execution, by creation order (obj->backend holds index + 1). */
typedef struct tr__objrec {
    tr__object *obj;   /* NULL once finalised */
    tr__object_id id;  /* kind and per-kind creation order: L1, L2; threads T0, T1 */
    int holder;        /* lock-like: the owning thread's id, or -1 */
    int depth;         /* the holder's re-entry depth */
    const char *held_file; /* where the holder took it */
    int held_line;
} tr__objrec;

struct tr__execution {
    /* ---- this execution: tr__execution_begin sets every field of this part ---- */
    bool active;    /* objects may be created and actions performed */
    bool over;      /* ended: a parked thread resumed now unwinds instead */
    bool mismatch;  /* the replay explorer was offered a choice not in its schedule */
    bool abandoned; /* the explorer gave the execution up (sleep-set blocked) */
    const tr_case *c;
    const tr__exec_opts *opts;
    tr__finding_sink sink;
    void *sink_ctx;
    /* [0, n_threads) are initialised (at the thread object's creation), the rest not */
    tr__cthread threads[TR__MAX_THREADS];
    int n_threads;
    int running; /* the thread holding the baton */
    int ender;   /* the thread other than T0 that ended the execution, or -1 */
    tr__objrec *objects;
    int n_objects, cap_objects;
    int kind_counts[TR__KIND_COUNT];
    double vtime;           /* virtual seconds: moves only when a deadline fires */
    long steps;
    unsigned long mod_epoch; /* steps that may have changed some object */
    tr__step *trace;         /* every step so far, in order */
    int n_trace, cap_trace;
    tr__step *waiting;       /* --trace: the threads still waiting when it ended */
    int n_waiting, cap_waiting;
    tr__choice *choices;     /* the schedule so far */
    int n_choices, cap_choices;
    void **allocs;           /* tr_case_alloc's blocks */
    int n_allocs, cap_allocs;
    tr__held held;           /* the primitives' held blocks not yet freed (circular) */
};

/* The one execution of this process (a process runs one at a time). */
extern struct tr__execution tr__exec;

/* The calling case thread, NULL outside one (hosts.c carries it across fiber switches). */
extern _Thread_local tr__cthread *tr__self;

/* ---- execution.c ----------------------------------------------------------------------- */

/* Grows array to hold need elements (doubling from 64); new elements are zeroed. */
void *tr__grow_slow(void *array, int *cap, int need, size_t elem);
static inline void *tr__grow(void *array, int *cap, int need, size_t elem)
{
    return need <= *cap ? array : tr__grow_slow(array, cap, need, elem);
}
/* Starts an execution: every per-execution field set, the arrays kept for reuse. */
void tr__execution_begin(const tr_case *c, const tr__exec_opts *opts, tr__finding_sink sink,
                         void *ctx);
/* Frees what the case left behind (objects, tr_case_alloc blocks) and ends it. */
void tr__execution_end(void);

tr_status tr__objects_init(tr__object *obj);
void tr__objects_fini(tr__object *obj);
/* The controlled backend's hold: keeps a held block made during the execution. */
void tr__held_keep(tr__held *h);
/* An object's index in the execution, -1 for NULL. */
static inline int tr__index_of(const tr__object *obj)
{
    return obj ? (int)(intptr_t)obj->backend - 1 : -1;
}
static inline tr__objrec *tr__rec_of(const tr__object *obj)
{
    return &tr__exec.objects[tr__index_of(obj)];
}
static inline bool tr__guard_holds(const tr__action *a) { return !a->guard || a->guard(a); }
/* The object's reference as a finding names it (kind, number, label), none for -1. */
tr__ref tr__ref_of(int index);
const char *tr__thread_label(int id);
/* The objects thread holds (lock-like), as indices in creation order. */
int tr__held_by(int thread, int *out, int max);

/* ---- trace.c --------------------------------------------------------------------------- */

void tr__trace_step(const tr__cthread *me, const tr__action *a, bool preempted);
/* The pending threads as rows (blocked or not run); taken before any host unwinds (a
 * pending action lives on its thread's stack). */
int tr__trace_waiting(tr__step *out, int max);
/* --trace: keeps the waiting rows at the end of the execution. */
void tr__trace_snapshot_waiting(void);

/* ---- hosts.c --------------------------------------------------------------------------- */

/* Once per process, before the first execution. */
void tr__hosts_start(void);
/* T0's host: the driver's thread and stack. */
tr__host *tr__hosts_driver(void);
/* Gives the baton to thread id (finding it a host if it has none). */
void tr__hosts_wake(int id);
/* Parks the calling case thread until it holds the baton again. */
void tr__hosts_park(tr__cthread *me);
/* The calling thread's body returned: its host goes back to the pool. */
void tr__hosts_release_self(tr__cthread *me);
/* Ends the execution from the thread holding the baton; the driver resumes in
 * tr__hosts_drive's return. */
_Noreturn void tr__hosts_end(void);
/* Runs body as T0 on the driver; returns once the execution is over however it ended,
 * every host back in the pool. */
void tr__hosts_drive(void (*body)(void *), void *arg);

/* ---- stall.c ---------------------------------------------------------------------------- */

/* Nothing can run: reports the deadlock or livelock and ends the execution. */
_Noreturn void tr__stall(bool spin);

/* ---- choose.c --------------------------------------------------------------------------- */

/* Picks the next thread from me's scheduling point (-1: me cannot run any more); may
 * end the execution (a stall, an abandoned or mismatched schedule). */
int tr__choose_next(int me);
/* Ends the execution before its threads are done (an assertion, the step budget),
 * telling the explorer who still had work. */
_Noreturn void tr__cut_execution(void);
bool tr__timeout_only_reads(tr__op op);
static inline bool tr__is_timed(const tr__action *a)
{
    return a->timeout != TR_FOREVER && a->timeout > 0;
}

/* ---- race.c, lockorder.c ---------------------------------------------------------------- */

/* After the effect, before the holders are updated. */
void tr__race_step(const tr__cthread *me, const tr__action *a);
void tr__lockorder_step(const tr__cthread *me, const tr__action *a);

/* ---- backend_controlled.c --------------------------------------------------------------- */

extern const tr__backend tr__controlled_backend;

/* ---- shared_memory.c --------------------------------------------------------------------- */

/* The size of a declared address's memory object. */
size_t tr__memory_bytes(const tr__object *obj);
void tr__memory_forget(void);

#endif
