/* channel.h — the words between P0 and another process of the execution (processes.c
 * says what they mean). Never installed. */
#ifndef TRAMA_CHANNEL_H
#define TRAMA_CHANNEL_H

#include "execution.h"

typedef enum word_kind {
    W_ACTION = 1,
    W_FIRED,
    W_DONE,
    W_SPAWN,
    W_OBJECT,
    W_FINI,
    W_FORK,
    W_EXIT,
    W_FINDING,
    W_CUT,
    W_CRASHED,
    W_TOLD,
    W_SIGNAL,
    /* P0 -> child */
    W_RUN,
    W_EVALUATE,
    W_INDEX,
    W_HELLO,
    W_FORKED,
    W_SIGNALLED,
    W_DISPOSITION,
} word_kind;

enum { MASK_WORDS = TR__MAX_THREADS / 64 };

typedef struct word {
    word_kind kind;
    int thread;
    /* ACTION / FIRED */
    tr__op op;
    int object;
    const char *file; /* the case's __FILE__ literals: one address in every process */
    int line;
    double timeout;
    bool has_guard;
    bool timed_out;
    bool opened;
    unsigned char wait_kind, waits_open; /* tr__action's */
    tr_status status;
    int n_hb;
    int hb[TR__HB_MAX];
    bool hb_acquire[TR__HB_MAX];
    int acquired, released;
    size_t offset, size; /* the bytes it read or wrote (tr__action) */
    /* RUN */
    bool fire_timeout, begin_granted;
    double vtime;
    /* OBJECT / INDEX / HELLO / FORK / EXIT / CRASHED */
    tr__kind obj_kind;
    int domain;
    int number, base, count, first_thread, code;
    bool shared;        /* OBJECT: made with tr__object_init_shared */
    bool crash_handled; /* FORK: tr__process_crash_is_handled */
    pid_t pid;
    char text[48];
    /* FINDING: a tr_finding (parts NULL) follows */
    bool ends;
    /* every word from a child: its pending threads, and whose guard holds */
    uint64_t pending[MASK_WORDS], enabled[MASK_WORDS], outside[MASK_WORDS];
} word;

/* Writes n bytes to a channel (pass_fd rides along when >= 0); false once it is gone. */
bool tr__channel_put(int fd, const void *p, size_t n, int pass_fd);
/* Reads n bytes; *passed gets a descriptor that came with them (else stays -1). */
bool tr__channel_get(int fd, void *p, size_t n, int *passed);
/* A channel descriptor out of the way of the low numbers a case uses and redirects. */
int tr__channel_high_fd(int fd);
/* P0: a word to process p (a gone process is noticed when it is next read). */
void tr__channel_to_child(int p, word *w);

/* A child's side (process_child.c), called from processes.c's fork and serving loop. */
void tr__child_start(int channel, int parent_channel, int forking_thread);
void tr__child_serve(void);
void tr__child_forked(int forking, pid_t pid, int object, bool crash_handled, int channel);
bool tr__child_signal(int object, int sig);

static inline void tr__mask_set(uint64_t *m, int i) { m[i / 64] |= (uint64_t)1 << (i % 64); }
static inline bool tr__mask_has(const uint64_t *m, int i) { return (m[i / 64] >> (i % 64)) & 1; }

#endif
