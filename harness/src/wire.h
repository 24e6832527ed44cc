/* wire.h — the one wire between a harness process and a child it forked. Never installed.
 *
 * A child streams tagged records through a pipe: a tag byte, the payload's length as a
 * 4-byte unsigned integer in host order, then the payload (both ends are the same binary
 * on the same machine). The parent reads them while its watchdog watches the child's step
 * counter; a child that dies, goes silent or sends a malformed record becomes a CRASH or
 * HANG finding in one place (tr__wire_end). explore.c (one child per case) and
 * explore_isolate.c (one per execution, --isolate) each give the tags their meaning. */
#ifndef TRAMA_HARNESS_WIRE_H
#define TRAMA_HARNESS_WIRE_H

#include <sys/types.h>

#include "harness_internal.h"

/* The largest payload a reader accepts: a length above it is garbage, not a reason to
 * allocate. A finding carries its parts whole (finding.h bounds them). */
enum { TR__WIRE_MAX = 4 << 20 };

/* The parent's end of the wire to one child. */
typedef struct tr__wire {
    pid_t pid;
    int fd;                          /* read end, close-on-exec */
    tr__progress_counter *progress;  /* the child's steps, in shared memory */
    double step_timeout;             /* seconds without a step before the watchdog asks */
    unsigned long last_steps;        /* the watchdog: counter when it last moved */
    double since;                    /* ... and when */
    double starved;                  /* seconds of that the runner waited for a CPU */
    double looked;                   /* when the watchdog last looked */
    pid_t runner;                    /* the runner (tid) it weighs, 0: none yet */
    unsigned long long runner_wait;  /* its run-queue wait (ns) at the last look */
    bool asked;                      /* SIGUSR1 sent: report a HANG */
    bool killed;                     /* SIGKILL sent: it did not answer */
    const char *deaf;                /* why it could not hear SIGUSR1 (killed at once), or NULL */
    char *payload;                   /* the last record's payload (malloc'd, grown) */
    size_t cap;
    char broken[48];                 /* why the wire broke, "" while it holds */
} tr__wire;

typedef enum tr__wire_status {
    TR__WIRE_RECORD,  /* a record was read */
    TR__WIRE_CLOSED,  /* the child closed its end between records */
    TR__WIRE_BROKEN,  /* a malformed record or a cut one (w->broken says which) */
    TR__WIRE_SILENT,  /* the watchdog killed the child */
} tr__wire_status;

/* Forks a child with a new wire (fflush first). In the child returns 0: this process now
 * writes its records to the wire and counts its steps where the parent watches; its
 * crash handlers (and an exit() the case calls) report on the wire when report_crashes,
 * otherwise a crash signal kills it plainly (the parent tells the story). SIGUSR1 makes
 * it report a HANG and exit. The child leads a process group of its own, takes back what
 * the case leaves (leftovers.c) and dies with the thread that forked it. In the parent
 * returns the child's pid with *w ready to read. */
pid_t tr__wire_fork(tr__wire *w, double step_timeout, bool report_crashes);

/* The child's side. Writes one record (payload a then b; either may be empty). Only the
 * process tr__wire_fork returned 0 in writes: a process the case forked has the pipe too,
 * but its records are dropped. False when nothing was written. */
bool tr__wire_put(char tag, const void *a, size_t na, const void *b, size_t nb);
/* The execution a crash or hang report names (1-based). */
void tr__wire_set_execution(long execution);
/* Whether the case closed or replaced this child's end of the wire (found at a write):
 * nothing it finds can be told any more, so it may as well stop. */
bool tr__wire_lost(void);

/* The parent's side. Waits for the next record, asking then killing a child whose step
 * counter stands still for step_timeout seconds while it explores (SIGUSR1, then SIGKILL
 * 5 s later: under ThreadSanitizer a signal waits for the spinning thread's next
 * intercepted call, which never comes; SIGKILL at once when the case ignores, blocks or
 * reset SIGUSR1). A child that ended is CLOSED once what it wrote is read, even if a
 * process the case forked holds the pipe open. Until it returns, this process counts a
 * step every tick (it is fine, only waiting: its own watchdog stays quiet). On RECORD,
 * *tag, *payload (valid until the next call) and *len are set. */
tr__wire_status tr__wire_get(tr__wire *w, char *tag, const void **payload, size_t *len);
/* Marks the wire broken by a record its reader cannot use; returns TR__WIRE_BROKEN. */
tr__wire_status tr__wire_reject(tr__wire *w, char tag, size_t len);

/* Closes the wire and takes the child back, killing its process group first (the child
 * unless it ended, and what the case forked that stayed in the group). The one place
 * where a lost child becomes a finding: unless it ended or told its own crash or hang
 * (told), fills lost's kind and message ("who" names the child in it; lost's schedule is
 * what the parent knows, its execution at least the one the child was in) and returns
 * true. */
bool tr__wire_end(tr__wire *w, tr__wire_status last, bool ended, bool told, const char *who,
                  tr_finding *lost);

/* Site files (the case's __FILE__ literals) cross the wire as strings, never as
 * addresses: a child can write anything, and the parent must not read through a pointer
 * it was sent. A record that holds sites starts with its file table (a 4-byte count, then
 * that many NUL-terminated names); in the structs after it each site's file pointer
 * holds the file's number in the table (1-based, 0 for none). The reader keeps each
 * distinct name once for the life of the process (findings borrow their files, as they
 * borrow __FILE__ literals in the process that made them). */
enum { TR__WIRE_FILES = 256 }; /* names in one record's table; a site past them has none */
typedef struct tr__wire_files {
    int n;
    const char *file[TR__WIRE_FILES];
} tr__wire_files;

/* The writer: replaces *file by its number in t (adding it). */
void tr__wire_file_out(tr__wire_files *t, const char **file);
/* Writes one record: t's table, then the payload a then b. */
bool tr__wire_put_files(char tag, const tr__wire_files *t, const void *a, size_t na,
                        const void *b, size_t nb);
/* The reader: the table at the head of payload into t, *body and *body_len the rest.
 * False when the table is malformed (or the process keeps too many names already). */
bool tr__wire_get_files(const void *payload, size_t len, tr__wire_files *t, const void **body,
                        size_t *body_len);
/* The reader: replaces a number by its file; false for a number not in t. */
bool tr__wire_file_in(const tr__wire_files *t, const char **file);

/* A finding crosses the wire through these two only: its file table, the struct flat,
 * then the parts block (finding.h). get checks every count, enum, flag and string and
 * fills *f with malloc'd parts; it never trusts a pointer it reads. */
bool tr__wire_put_finding(const tr_finding *f);
bool tr__wire_get_finding(const void *payload, size_t len, tr_finding *f);

#endif
