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
 *   step.c, channel.c   what follows every step, wherever it ran; the baton's hand-over,
 *                       to a host here or as a word to another process
 *   processes.c         the case's other processes: P0's side
 *   process_child.c     ... and a started process's side
 *   backend_controlled.c  perform / spawn / thread_done: the backend table
 *   execute.c           the T0 driver (tr__execute) and assertions
 * The state holds indices (thread ids, object indices), never pointers between its own
 * records. */
#ifndef TRAMA_EXECUTION_H
#define TRAMA_EXECUTION_H

#include "finding.h"
#include "harness_internal.h"

enum { TR__MAX_THREADS = 256, TR__MAX_PROCESSES = 64 };

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
    int process;               /* P<process>: the process it runs in (0: the case's own) */
    int object;                /* its thread object's index */
    /* A thread of another process, as this one's scheduler sees it (processes.c): its
     * pending action rebuilt from the process's word, and whether its guard held when
     * the process last told. */
    tr__action proxy;
    bool told_enabled;
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
    int process;       /* the process the object lives in (a shared one: one that has it) */
    /* A shared object (tr__object_init_shared): one record for every process that has it,
     * each a bit of sharers; it ends when the last of them lets go (processes.c). */
    bool shared;
    uint64_t sharers;
} tr__objrec;

/* A process of the execution (processes.c). P0 is the case's own process; the others
 * are started by tr_process_start anywhere in the tree, numbered in fork order. */
typedef struct tr__cprocess {
    pid_t pid;
    int parent;        /* the process that started it; -1 for P0 */
    int object;        /* its tr_process object in the parent; -1 for P0 */
    int main_thread;   /* its first thread (the forking thread's copy); -1 for P0 */
    int channel;       /* P0's end of the process's channel; -1 for P0 and once gone */
    int pidfd;         /* readable once it has exited; -1 for P0 */
    bool ended;
    bool crash_handled; /* its death is its owner's outcome (a process pool's worker) */
    bool external;     /* one of its pending threads waits on another process (a pipe) */
    unsigned long told; /* outside_epoch when it last told its threads' guards */
} tr__cprocess;

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
    /* the processes (processes.c); in a process other than P0 this struct is a mirror:
     * only its own threads' and objects' entries are kept, P0 decides */
    tr__cprocess processes[TR__MAX_PROCESSES];
    int n_processes;
    int process;              /* which process this copy of the struct belongs to */
    int channel;              /* a process other than P0: its end of the channel to P0 */
    unsigned long outside_epoch; /* steps that may have changed what another process sees */
    tr__held held;           /* the primitives' held blocks not yet freed (circular) */
};

/* The one execution of this process (a process runs one at a time). */
extern struct tr__execution tr__exec;
/* The settings the running (or last) execution's choices depend on, as its schedule says
 * them. */
static inline tr__schedule_mode tr__exec_mode(void)
{
    if (!tr__exec.opts)
        return (tr__schedule_mode){TR_TIMEOUTS_LAZY, 0};
    return (tr__schedule_mode){tr__exec.opts->timeouts, tr__exec.opts->spurious_wakeups};
}

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
/* Whether process p may act on object i: its own, or a shared one it has. */
static inline bool tr__has_object(int p, int i)
{
    const tr__objrec *r = &tr__exec.objects[i];
    return r->shared ? (r->sharers >> p & 1) != 0 : r->process == p;
}
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
/* Keeps this process on the CPU it runs on (unless TRAMA_NO_PIN=1): one case thread or
 * process runs at a time, and a hand-over between processes is then a same-core wake-up
 * with no TLB shootdown to other cores after a fork's copy-on-write. */
void tr__hosts_pin(void);
/* T0's host: the driver's thread and stack. */
tr__host *tr__hosts_driver(void);
/* Gives the baton to thread id (finding it a host if it has none). */
void tr__hosts_wake(int id);
/* A forked child: the forking thread's host now runs me, the child's first thread. */
void tr__hosts_adopt(tr__cthread *me);
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
/* Tells the explorer (on_step, never_ran) the next step of every thread that waits and is
 * not among the n offered: at a deadlock, or where the explorer abandons the execution.
 * Had one run earlier, it might have raced with what did. */
void tr__tell_blocked_steps(const tr__choice *offered, int n);
/* Tells the explorer c's pending step, which will never run (its thread is blocked for
 * good, or its process was killed): had it run earlier it might have raced. */
void tr__tell_never_ran(const tr__cthread *c);

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
/* A happens-before edge no action names, through object index (which may be finalised):
 * a process's start to its first step, its last step to its join. */
void tr__race_edge(int thread, int object, bool acquire);
void tr__lockorder_step(const tr__cthread *me, const tr__action *a);

/* ---- step.c ---------------------------------------------------------------------------- */

/* The bookkeeping of a step that ran (detectors, holders, the trace row, the explorer,
 * the step budget), wherever its effect ran. */
void tr__account_step(tr__cthread *me, const tr__action *a, bool preempted);
/* Hands the baton to thread next, chosen by tr__choose_next: a thread of another process
 * is sent RUN (channel.c); one of this process is only named (tr__exec.running), its host
 * woken by the caller (tr__hosts_wake) once the caller has let go of what it holds (a
 * pthread host woken runs at once). */
void tr__baton_pass(int next);
/* A step, or an object's end, that another process may see (a pipe, a process). */
void tr__outside_step(tr__op op);

/* ---- channel.c -------------------------------------------------------------------------- */

/* P0: thread id of another process holds the baton now. */
void tr__channel_run(int id);

/* ---- processes.c ---------------------------------------------------------------------- */

/* Whether thread id runs in this process. */
static inline bool tr__runs_here(int id)
{
    return id >= 0 && tr__exec.threads[id].process == tr__exec.process;
}
/* Whether this process is a started child, not P0 (its scheduler is P0's). */
static inline bool tr__in_child(void) { return tr__exec.process != 0; }
void tr__processes_begin(void);
/* P0, the execution over: every other process is killed and taken back. */
void tr__processes_end(void);
/* While the baton is in another process: serves the words of the process holding it
 * (P0), or P0's (a child), until a thread of this process holds it again; returns at
 * once when one does. That thread is not woken yet (tr__hosts_wake). */
void tr__processes_serve_until_here(void);
/* P0: the thread to run after me (-1: me cannot go on), chosen once every process whose
 * threads wait on another process has told again whether their guards hold, when
 * something another process sees changed since it last told. */
int tr__processes_choose(int me);
/* P0: process p lets go of shared object i (its free, or its end); the record ends with
 * the last process that has it. */
void tr__processes_let_go(int i, int p);
/* A child: its side of the controlled backend's calls. */
void tr__child_perform(tr__action *a);
tr_status tr__child_object_init(tr__object *obj);
void tr__child_object_fini(tr__object *obj);
void tr__child_spawned(tr__cthread *c);
void tr__child_thread_done(tr__cthread *me);
_Noreturn void tr__child_cut(void);
/* The backend's fork_process, signal_process and process_exit. */
pid_t tr__processes_fork(tr__object *process, bool crash_handled);
bool tr__processes_signal(tr__object *process, pid_t pid, int sig);
/* P0, after a step is accounted (tr__account_step's callers): a process the step killed
 * ends here (its threads' next steps told as never run, its end released to its joiners). */
void tr__processes_signalled(void);
void tr__processes_exit(int code);

/* ---- backend_controlled.c --------------------------------------------------------------- */

extern const tr__backend tr__controlled_backend;

/* ---- shared_memory.c --------------------------------------------------------------------- */

/* The size of a declared address's memory object. */
size_t tr__memory_bytes(const tr__object *obj);
/* The memory at [addr, addr + size) was freed: accesses to it from now on are to new
 * memory objects, without the history of the old ones (C11 7.22.3: a free synchronizes
 * with the allocation that reuses its memory, so they race with nothing before it). */
void tr__memory_freed(const void *addr, size_t size);
void tr__memory_forget(void);

#endif
