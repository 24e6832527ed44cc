/* finding.h — a finding as data: the typed parts detectors fill and every report renders
 * (TSan's ReportDesc). No prose is made below report_*.c. Never installed.
 *
 * tr_finding (public) carries the headline fields; its `parts` point to one malloc'd
 * block, free of pointers except site files (the __FILE__ strings of the case binary),
 * so it crosses the wire as its bytes, its site files as names (wire.h). */
#ifndef TRAMA_FINDING_H
#define TRAMA_FINDING_H

#include "harness_internal.h"

enum {
    TR__PART_LABEL = 32,  /* an object's label as kept (longer ones are cut) */
    TR__PART_NAME = 32,   /* a thread's name as kept */
    TR__PART_NAMES = 64,  /* threads whose names are kept (T0..T63) */
    TR__PART_THREADS = 8, /* waiters of a deadlock or livelock */
    TR__PART_HOLDS = 4,   /* locks listed per waiter or access */
    TR__PART_CYCLE = 16,  /* members of a wait-for cycle (threads and objects) */
    TR__PART_EDGES = 8,   /* links of a lock-order cycle */
    TR__PART_STEPS_MAX = 20000, /* rows kept; a longer execution keeps its first ones */
};
/* The largest parts block a reader accepts from the wire. */
#define TR__PARTS_MAX_BYTES (sizeof(tr__finding_parts) + TR__PART_STEPS_MAX * sizeof(tr__row))

/* An object as a report names it: kind and number ("L2"), and its label ("B"). */
typedef struct tr__ref {
    tr__object_id id; /* id.kind == TR__KIND_COUNT: no object */
    char label[TR__PART_LABEL];
} tr__ref;

typedef struct tr__hold {
    tr__ref object;
    tr_site_ref site; /* where it was taken */
} tr__hold;

/* A thread that could not go on when the execution stalled. */
typedef struct tr__waiter {
    int thread;
    int n_holds;
    tr__hold holds[TR__PART_HOLDS];
    tr__op op;         /* what it waits to do */
    tr__ref object;
    tr_site_ref site;
    bool blocked;      /* its guard is false (else it only spins or was not chosen) */
    bool joins_all;    /* T0 at the end of the case, waiting for its threads */
} tr__waiter;

/* One of the two accesses of a data race. */
typedef struct tr__access_part {
    int thread;
    bool write;
    tr__ref object;
    size_t offset; /* where in the object (a Value's or Array's items); 0 for memory */
    size_t bytes;
    tr_site_ref site;
    int n_locks;
    tr__ref locks[TR__PART_HOLDS]; /* the locks its thread held */
} tr__access_part;

/* One link of a lock-order cycle: thread took `takes` while holding `holds`. */
typedef struct tr__edge_part {
    int thread;
    tr__ref holds;
    tr_site_ref held_at;
    tr__ref takes;
    tr_site_ref taken_at;
} tr__edge_part;

/* One row of the numbered interleaving. */
typedef struct tr__row {
    int thread;
    tr__op op;
    tr__ref object;
    tr_site_ref site;
    bool preemption;
    bool timeout;
    bool error;          /* it raised a misuse */
    tr__row_state state; /* RAN for numbered steps; the others end the table */
} tr__row;

typedef struct tr__finding_parts tr__finding_parts;
struct tr__finding_parts {
    size_t size; /* bytes in this block, this header included */
    int n_names;
    char names[TR__PART_NAMES][TR__PART_NAME]; /* thread names by id */
    int processes[TR__PART_NAMES];             /* the process of each thread (P<n>) */
    int n_waiters;
    tr__waiter waiters[TR__PART_THREADS];
    int n_cycle; /* deadlock: T, object, T, object, ...; the first thread closes it */
    int cycle_threads[TR__PART_CYCLE];
    tr__ref cycle_objects[TR__PART_CYCLE];
    int n_accesses;
    tr__access_part accesses[2];
    int n_edges;
    tr__edge_part edges[TR__PART_EDGES];
    int n_steps;
    tr__row steps[]; /* the rows that ran, then the waiting ones */
};

/* Starts a finding: kind and message; no site, thread, schedule or parts yet. */
void tr__finding_init(tr_finding *f, tr_verdict kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Adds a site (file NULL: a step of trama's own, such as T0's wait for its threads). */
void tr__finding_site(tr_finding *f, const char *file, int line);
void tr__finding_thread(tr_finding *f, int thread);
/* The parts block (allocated on first use, steps not yet filled). */
tr__finding_parts *tr__finding_parts_of(tr_finding *f);
/* Completes it from the running execution (schedule, names, the steps so far and, when
 * the finding ends the execution, the threads left waiting) and hands it to the
 * execution's sink. */
void tr__finding_emit(tr_finding *f, bool ends);
/* Sets the parts' names and rows: every step so far, then the given waiting rows. */
void tr__finding_rows(tr_finding *f, const tr__step *waiting, int n_waiting);
/* The preemptions and the steps of the interleaving that led to it. */
int tr__finding_preemptions(const tr_finding *f);
int tr__finding_steps(const tr_finding *f);
/* Frees what a finding owns. */
void tr__finding_free(tr_finding *f);
/* A thread's name from the parts ("?" when not kept). */
const char *tr__finding_name(const tr_finding *f, int thread);
/* The process a thread ran in (0: the case's own, or unknown). */
int tr__finding_process(const tr_finding *f, int thread);
/* How reports name a thread: "T3", or "P1/T3" for a thread of another process. */
void tr__thread_ref_text(const tr_finding *f, int thread, char *out, size_t size);
/* ":24" for a site in the case's own file, "file:24" elsewhere, "-" for none. */
void tr__site_text(const tr_case *c, const char *file, int line, char *out, size_t size);
/* "L2" or, with_label, "L2 B" into out; "-" for no object. */
void tr__ref_text(const tr__ref *r, bool with_label, char *out, size_t size);

#endif
