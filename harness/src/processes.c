/* processes.c — the case's processes under one scheduler: P0's side (a child's is
 * process_child.c).
 *
 * P0 (the case's own process, where tr__execute runs) keeps the execution: the threads of
 * every process, the objects, the trace, the explorer. A process a case starts (its
 * tr_process_start forks through the backend's fork_process) is P1, P2... in fork order,
 * anywhere in the tree; it keeps a mirror of the struct with its own threads and objects
 * only, and asks P0 for everything else over its channel, a stream socket to P0:
 *
 *   child -> P0   ACTION  a thread reached a scheduling point (op, object, timeout, site)
 *                 FIRED   the chosen thread's effect ran (its outcome, for the detectors)
 *                 DONE    a thread's body returned        SPAWN   a thread was started
 *                 OBJECT  an object was created (answered INDEX)    FINI  one went
 *                 FORK    it started a process (the new channel rides along; FORKED)
 *                 EXIT    it ends with this code          FINDING, CUT  a misuse, an assert
 *                 CRASHED a signal is killing it (its crash handler)
 *                 TOLD    its threads' guards, when P0 asked (EVALUATE)
 *   P0 -> child   RUN     this thread of yours holds the baton now
 *                 HELLO   your number and where your inherited objects went
 *
 * Every word a child sends carries whether each of its pending threads' guards holds, so
 * P0 chooses among the threads of every process without reading their memory. What one
 * process does can change another's guards only through the kernel (a pipe's bytes or its
 * end, a process's exit): after such a step P0 asks a process with threads waiting on the
 * outside to tell again before it chooses (outside_epoch).
 *
 * Fork keeps its meaning: the child has a copy of its parent's memory, so every object the
 * parent had is the child's own copy (a Lock held at the fork stays held there), registered
 * anew in the child's process at the fork, in index order on both sides. A pipe's ends
 * keep their domain across the fork: one pipe is one unit of dependence for DPOR. A shared
 * object (tr__object_init_shared: multiprocessing's locks, Value, Array) is no copy: the
 * child has the same object, so it keeps its one record, which every process that has it
 * acts on; a step on it is a step others see, like a pipe's (a thread of another process
 * waiting on it counts as waiting on the outside).
 *
 * A child that dies without EXIT is a crash of that process (CRASHED says the signal), a
 * finding that names it, unless its death is its owner's outcome (a process pool's
 * worker: the pool breaks, tr__process_crash_is_handled); its threads end and its
 * joiners see its exit code, as natively.
 * Nothing a child writes is trusted: a word that does not fit its process is the end of
 * that process, never of P0. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "channel.h"

/* An object of another process as P0 sees it: its kind, its domain, its label. */
typedef struct shadow {
    tr__object obj;
    struct shadow *next;
    char label[48];
} shadow;

static shadow *shadows; /* this execution's, freed at its end */
static tr__type shadow_types[TR__KIND_COUNT];

static int pidfd_open_(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

/* Whether a process has exited (a zombie, or gone), for a system without pidfd_open
 * (before Linux 5.3, or under valgrind): its state in /proc. */
static bool exited(pid_t pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return true;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return true;
    buf[n] = '\0';
    const char *state = strrchr(buf, ')'); /* the name may hold anything but ends at ')' */
    return !state || state[1] != ' ' || state[2] == 'Z' || state[2] == 'X';
}

/* Until the kernel has it exited: its exit descriptor readable, its descriptors closed
 * (a pipe's end it held, a join's wait). The process is on its way out: it told EXIT, a
 * crash signal is killing it, or P0 sent SIGKILL. */
static void wait_exited(const tr__cprocess *q)
{
    if (q->pidfd >= 0) {
        struct pollfd pf = {.fd = q->pidfd, .events = POLLIN};
        while (poll(&pf, 1, -1) < 0 && errno == EINTR)
            ;
        return;
    }
    while (!exited(q->pid))
        sched_yield(); /* no descriptor to wait on: the exit is a matter of microseconds */
}

static void send_signal(const tr__cprocess *q, int sig)
{
    if (q->pidfd >= 0)
        syscall(SYS_pidfd_send_signal, q->pidfd, sig, NULL, 0);
    else if (!q->ended)
        kill(q->pid, sig); /* not reaped yet (only an ended one can be): still its pid */
}

/* A site's file name from another process: the case's __FILE__ literals sit at the same
 * address in every process of the tree (one binary, forked), so P0 keeps the pointer,
 * once it has checked it points into a read-only segment of a loaded object with its
 * end inside it. Anything else (a corrupted word) becomes no site. */
typedef struct segment {
    uintptr_t begin, end;
} segment;

static segment segments[64];
static int n_segments = -1;

static int add_segments(struct dl_phdr_info *info, size_t size, void *ctx)
{
    (void)size;
    (void)ctx;
    for (int i = 0; i < info->dlpi_phnum && n_segments < 64; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && !(ph->p_flags & PF_W))
            segments[n_segments++] = (segment){info->dlpi_addr + ph->p_vaddr,
                                               info->dlpi_addr + ph->p_vaddr + ph->p_memsz};
    }
    return 0;
}

static const char *checked_site(const char *file)
{
    if (n_segments < 0) {
        n_segments = 0;
        dl_iterate_phdr(add_segments, NULL);
    }
    uintptr_t at = (uintptr_t)file;
    for (int i = 0; file && i < n_segments; i++)
        if (at >= segments[i].begin && at < segments[i].end &&
            memchr(file, '\0', segments[i].end - at))
            return file;
    return NULL;
}

/* The process a signal step killed, ended once the step is accounted (-1: none). */
static int killed = -1;

void tr__processes_begin(void)
{
    struct tr__execution *x = &tr__exec;
    killed = -1;
    for (int k = 0; k < TR__KIND_COUNT; k++)
        shadow_types[k].kind = (tr__kind)k;
    x->process = 0;
    x->channel = -1;
    x->outside_epoch = 0;
    x->n_processes = 1;
    x->processes[0] = (tr__cprocess){.pid = tr__self_pid(), .parent = -1, .object = -1,
                                     .main_thread = -1, .channel = -1, .pidfd = -1};
}

static bool remote_guard(const tr__action *a) { return ((tr__cthread *)a->arg)->told_enabled; }

/* P0's stand-in for the object at index (another process's), in domain (its own: -1). */
static tr__object *shadow_new(int index, tr__kind k, int domain, const char *label, bool shared)
{
    struct tr__execution *x = &tr__exec;
    shadow *s = calloc(1, sizeof *s);
    TR_CHECK(s, "out of memory recording another process's object");
    s->next = shadows;
    shadows = s;
    snprintf(s->label, sizeof s->label, "%s", label ? label : "");
    s->obj.type = &shadow_types[k];
    s->obj.backend = (void *)(intptr_t)(index + 1);
    s->obj.label = s->label[0] ? s->label : NULL;
    s->obj.shared = shared;
    s->obj.domain = domain >= 0 && domain != index && x->objects[domain].obj
                        ? x->objects[domain].obj
                        : &s->obj;
    return &s->obj;
}

/* A new record for an object of process p; its thread entry when it is a thread. */
static int add_remote(int p, tr__kind k, int domain, const char *label, bool shared)
{
    struct tr__execution *x = &tr__exec;
    x->objects = tr__grow(x->objects, &x->cap_objects, x->n_objects + 1, sizeof *x->objects);
    int index = x->n_objects++;
    tr__object *obj = shadow_new(index, k, domain < index ? domain : -1, label, shared);
    tr__objrec *r = &x->objects[index];
    *r = (tr__objrec){.obj = obj, .id = {k, 0}, .holder = -1, .process = p, .shared = shared,
                      .sharers = (uint64_t)shared << p};
    r->id.number = k == TR__KIND_THREAD ? x->kind_counts[k]++ : ++x->kind_counts[k];
    if (k == TR__KIND_THREAD) {
        TR_CHECK(x->n_threads < TR__MAX_THREADS, "too many threads in one execution");
        tr__cthread *c = &x->threads[x->n_threads];
        memset(c, 0, sizeof *c);
        c->id = x->n_threads++;
        c->state = TR__CT_NEW;
        c->process = p;
        c->object = index;
        snprintf(c->name, sizeof c->name, "%s", label ? label : "");
    }
    return index;
}

void tr__processes_let_go(int i, int p)
{
    struct tr__execution *x = &tr__exec;
    tr__objrec *r = &x->objects[i];
    r->sharers &= ~((uint64_t)1 << p);
    int heir = -1;
    for (int q = 0; q < x->n_processes && heir < 0; q++)
        if ((r->sharers >> q & 1) && !x->processes[q].ended)
            heir = q;
    if (heir < 0) {
        if (p == 0) /* P0's own object, that no other process has */
            r->obj->backend = NULL;
        r->obj = NULL;
        return;
    }
    if (p == 0) { /* P0's memory for it may go now: the others' steps name a stand-in */
        tr__object *domain = r->obj->domain;
        r->obj = shadow_new(i, r->id.kind, tr__index_of(domain), r->obj->label, true);
    }
    r->process = heir;
}

/* A word's thread and object belong to the process that sent it (or it has the object). */
static bool owns_thread(int p, int t)
{
    return t >= 0 && t < tr__exec.n_threads && tr__exec.threads[t].process == p;
}

static bool owns_object(int p, int i)
{
    return i >= -1 && i < tr__exec.n_objects && (i < 0 || tr__has_object(p, i));
}

static tr__object *object_at(int i) { return i >= 0 ? tr__exec.objects[i].obj : NULL; }

/* An object a step of process p is on: its own, and live. */
static bool live_object_of(int p, int i) { return i >= 0 && owns_object(p, i) && object_at(i); }

/* What a child told of its threads' guards. */
static void take_guards(int p, const word *w)
{
    struct tr__execution *x = &tr__exec;
    tr__cprocess *q = &x->processes[p];
    q->external = false;
    for (int i = 0; i < x->n_threads; i++) {
        tr__cthread *c = &x->threads[i];
        if (c->process != p)
            continue;
        c->told_enabled = tr__mask_has(w->enabled, i);
        q->external |= tr__mask_has(w->outside, i) && tr__mask_has(w->pending, i);
    }
    q->told = x->outside_epoch;
}

static void refresh(void)
{
    struct tr__execution *x = &tr__exec;
    for (int p = 1; p < x->n_processes; p++) {
        tr__cprocess *q = &x->processes[p];
        if (q->ended || !q->external || q->told == x->outside_epoch)
            continue;
        word w = {.kind = W_EVALUATE};
        tr__channel_to_child(p, &w);
        if (q->channel >= 0 && tr__channel_get(q->channel, &w, sizeof w, NULL) && w.kind == W_TOLD)
            take_guards(p, &w);
        else
            q->external = false; /* it died: serving it says so */
    }
}

/* The process's threads end with it; P0 waits until the kernel agrees (its exit
 * descriptor readable, its pipes' ends closed), so every guard reads the same after. */
static void process_ended(int p)
{
    struct tr__execution *x = &tr__exec;
    tr__cprocess *q = &x->processes[p];
    q->ended = true;
    q->external = false;
    for (int i = 0; i < x->n_threads; i++)
        if (x->threads[i].process == p) {
            x->threads[i].state = TR__CT_FINISHED;
            x->threads[i].pending = NULL;
        }
    for (int i = 0; i < x->n_objects; i++)
        if (x->objects[i].obj && x->objects[i].shared && (x->objects[i].sharers >> p & 1))
            tr__processes_let_go(i, p);
    wait_exited(q);
    if (q->channel >= 0)
        close(q->channel);
    q->channel = -1;
    x->outside_epoch++;
}

/* The step of a process's end, on the tr_process object its parent holds (what join and
 * is_alive there depend on). */
static void account_exit(int p, int thread)
{
    struct tr__execution *x = &tr__exec;
    if (thread < 0)
        return;
    tr__cthread *c = &x->threads[thread];
    tr__action a;
    tr__action_clear(&a, object_at(x->processes[p].object), TR__OP_PROCESS_EXIT);
    tr__race_edge(thread, x->processes[p].object, false); /* to its join's acquire */
    c->state = TR__CT_FINISHED;
    tr__account_step(c, &a, false);
}

int tr__processes_choose(int me)
{
    refresh();
    return tr__choose_next(me);
}

static void next_after(int me) { tr__baton_pass(tr__processes_choose(me)); }

static void crash_finding(int p, int sig, bool told)
{
    struct tr__execution *x = &tr__exec;
    tr_finding f;
    if (told)
        tr__finding_init(&f, TR_CRASH, "process P%d was killed by signal %d (%s)", p, sig,
                         strsignal(sig));
    else
        tr__finding_init(&f, TR_CRASH,
                         "process P%d ended without a word to the harness (exit() or _exit() "
                         "outside its target, or killed)", p);
    for (int i = 0; i < x->n_threads; i++)
        if (x->threads[i].process == p && x->threads[i].state == TR__CT_RUNNING) {
            tr__finding_thread(&f, i);
            break;
        }
    tr__finding_emit(&f, false);
}

/* A child that broke its channel or sent what does not fit it: it is taken down. died: it
 * crashed or ended without a word, which a process whose death its owner handles (a
 * process pool's worker: the pool breaks) may do without a finding; a word that does not
 * fit is always one. */
static void broken(int p, int running, bool told_signal, int sig, bool died)
{
    struct tr__execution *x = &tr__exec;
    tr__cprocess *q = &x->processes[p];
    if (!told_signal)
        send_signal(q, SIGKILL);
    if (!died || !q->crash_handled)
        crash_finding(p, sig, told_signal);
    process_ended(p);
    (void)running;
    next_after(-1);
}

static void register_child(int parent, int thread, pid_t pid, int channel, int object,
                           bool crash_handled);

/* Whether sig, sent now, ends process p by its default action: neither ignored nor
 * handled there, as its own sigaction() tells (under valgrind /proc shows the tool's
 * handlers, not the case's). SIGKILL always does. */
static bool ends_by_default(int p, int sig)
{
    if (sig == SIGKILL)
        return true;
    tr__cprocess *q = &tr__exec.processes[p];
    word w = {.kind = W_DISPOSITION, .code = sig};
    tr__channel_to_child(p, &w);
    if (q->channel < 0 || !tr__channel_get(q->channel, &w, sizeof w, NULL) || w.kind != W_TOLD)
        return false;
    take_guards(p, &w);
    return w.number != 0;
}

/* P0: process object `object` gets signal sig from the case; false when that is not
 * modelled (nothing sent). */
static bool signal_object(int object, int sig)
{
    struct tr__execution *x = &tr__exec;
    for (int p = 1; p < x->n_processes; p++) {
        tr__cprocess *q = &x->processes[p];
        if (q->object != object)
            continue;
        if (q->ended)
            return true; /* it exited: a signal to it does nothing, as natively */
        if (!ends_by_default(p, sig))
            return false;
        send_signal(q, sig);
        wait_exited(q); /* every thread of it was parked at a step: it ends between two */
        killed = p;
        return true;
    }
    return false;
}

bool tr__processes_signal(tr__object *process, pid_t pid, int sig)
{
    (void)pid; /* P0 signals through its own record of the process */
    int object = tr__index_of(process);
    return tr__in_child() ? tr__child_signal(object, sig)
                          : signal_object(object, sig);
}

void tr__processes_signalled(void)
{
    struct tr__execution *x = &tr__exec;
    int p = killed;
    if (p < 0)
        return;
    killed = -1;
    tr__cprocess *q = &x->processes[p];
    for (int i = 0; i < x->n_threads; i++) {
        tr__cthread *c = &x->threads[i];
        if (c->process != p)
            continue;
        if (c->state == TR__CT_PENDING || c->state == TR__CT_READY)
            tr__tell_never_ran(c);
        if (c->state != TR__CT_NEW && c->state != TR__CT_READY)
            tr__race_edge(i, q->object, false); /* what it did, before its joiner's return */
    }
    process_ended(p);
}

/* One word from the process holding the baton. */
static void root_serve(void)
{
    struct tr__execution *x = &tr__exec;
    int running = x->running;
    int p = x->threads[running].process;
    tr__cprocess *q = &x->processes[p];
    word w;
    int passed = -1;
    if (q->channel < 0 || !tr__channel_get(q->channel, &w, sizeof w, &passed)) {
        broken(p, running, false, 0, true);
        return;
    }
    if (w.kind == W_CRASHED) {
        broken(p, running, true, w.code, true);
        return;
    }
    if (w.kind != W_FORK && passed >= 0)
        close(passed);
    w.text[sizeof w.text - 1] = '\0';
    take_guards(p, &w);
    switch (w.kind) {
    case W_ACTION: {
        if (w.thread != running || !live_object_of(p, w.object) ||
            (unsigned)w.op >= TR__OP_COUNT)
            break;
        tr__cthread *c = &x->threads[w.thread];
        tr__action *a = &c->proxy;
        tr__action_clear(a, object_at(w.object), w.op);
        a->file = checked_site(w.file);
        a->line = w.line;
        a->timeout = w.timeout;
        a->arg = c;
        a->guard = w.has_guard ? remote_guard : NULL;
        a->wait_kind = w.wait_kind;
        c->pending = a;
        c->state = TR__CT_PENDING;
        if (tr__is_timed(a))
            c->deadline = x->vtime + a->timeout;
        next_after(c->id);
        return;
    }
    case W_FIRED: {
        if (w.thread != running || !live_object_of(p, w.object) ||
            (unsigned)w.op >= TR__OP_COUNT || w.n_hb < 0 || w.n_hb > TR__HB_MAX ||
            !owns_object(p, w.acquired) || !owns_object(p, w.released))
            break;
        tr__cthread *c = &x->threads[w.thread];
        tr__action a;
        tr__action_clear(&a, object_at(w.object), w.op);
        a.file = checked_site(w.file);
        a.line = w.line;
        a.timeout = w.timeout;
        a.timed_out = w.timed_out;
        a.opened = w.opened;
        a.wait_kind = w.wait_kind;
        a.waits_open = w.waits_open;
        a.status = w.status;
        a.arg = c;
        a.guard = w.has_guard ? remote_guard : NULL; /* could it have waited (DPOR) */
        a.n_hb = w.n_hb;
        for (int i = 0; i < w.n_hb; i++) {
            if (!live_object_of(p, w.hb[i]))
                goto bad;
            a.hb[i].obj = object_at(w.hb[i]);
            a.hb[i].kind = w.hb_acquire[i] ? TR__HB_ACQUIRE : TR__HB_RELEASE;
        }
        a.mutex_acquired = object_at(w.acquired);
        a.mutex_released = object_at(w.released);
        a.offset = w.offset;
        a.size = w.size;
        if (w.op == TR__OP_THREAD_BEGIN && w.thread == q->main_thread)
            tr__race_edge(w.thread, q->object, true); /* its start's release */
        if (a.timed_out && tr__is_timed(&a) && c->deadline > x->vtime)
            x->vtime = c->deadline;
        bool preempted = c->preempting;
        c->preempting = false;
        c->state = TR__CT_RUNNING;
        c->pending = NULL;
        tr__account_step(c, &a, preempted);
        tr__processes_signalled();
        return;
    }
    case W_DONE:
        if (w.thread != running)
            break;
        x->threads[w.thread].state = TR__CT_FINISHED;
        x->threads[w.thread].pending = NULL;
        next_after(-1);
        return;
    case W_SPAWN: {
        if (!owns_thread(p, w.thread) || x->threads[w.thread].state != TR__CT_NEW)
            break;
        tr__cthread *c = &x->threads[w.thread];
        c->begin = (tr__action){.obj = object_at(c->object), .op = TR__OP_THREAD_BEGIN,
                                .timeout = TR_FOREVER, .wait_fd = -1, .arg = c};
        c->pending = &c->begin;
        c->state = TR__CT_READY;
        c->told_enabled = true;
        snprintf(c->name, sizeof c->name, "%s", w.text);
        return;
    }
    case W_OBJECT: {
        if ((unsigned)w.obj_kind >= TR__KIND_COUNT || !owns_object(p, w.domain))
            break;
        if (w.shared && w.domain >= 0 && !x->objects[w.domain].shared)
            break;
        int index = add_remote(p, w.obj_kind, w.domain, w.text, w.shared);
        word reply = {.kind = W_INDEX, .object = index,
                      .number = x->objects[index].id.number};
        tr__channel_to_child(p, &reply);
        return;
    }
    case W_FINI:
        if (w.object < 0 || !owns_object(p, w.object))
            break;
        if (x->objects[w.object].id.kind == TR__KIND_CONNECTION)
            tr__outside_step(TR__OP_CONN_CLOSE); /* its descriptor closes */
        if (x->objects[w.object].shared)
            tr__processes_let_go(w.object, p);
        else
            x->objects[w.object].obj = NULL;
        return;
    case W_FORK:
        if (w.thread != running || passed < 0 || !owns_object(p, w.object))
            break;
        register_child(p, w.thread, w.pid, passed, w.object, w.crash_handled);
        {
            word reply = {.kind = W_FORKED};
            tr__channel_to_child(p, &reply);
        }
        return;
    case W_SIGNAL: {
        if (w.thread != running || !live_object_of(p, w.object) || w.code < 1 || w.code > 64)
            break;
        word reply = {.kind = W_SIGNALLED, .number = signal_object(w.object, w.code)};
        tr__channel_to_child(p, &reply);
        return;
    }
    case W_EXIT:
        if (w.thread != running)
            break;
        account_exit(p, w.thread);
        process_ended(p);
        next_after(-1);
        return;
    case W_FINDING: {
        tr_finding f;
        if (!tr__channel_get(q->channel, &f, sizeof f, NULL))
            break;
        f.parts = NULL;
        f.message[sizeof f.message - 1] = '\0';
        if ((unsigned)f.kind >= TR_VERDICT_COUNT || f.kind == TR_PASS || f.n_sites < 0 ||
            f.n_sites > TR_FINDING_SITES || f.n_threads < 0 || f.n_threads > TR_FINDING_THREADS)
            break;
        for (int i = 0; i < f.n_sites; i++)
            f.sites[i].file = checked_site(f.sites[i].file);
        tr__finding_emit(&f, w.ends);
        return;
    }
    case W_CUT:
        tr__cut_execution();
    default:
        break;
    }
bad:
    if (passed >= 0 && w.kind == W_FORK)
        close(passed);
    broken(p, running, false, 0, false);
}

/* Returns with the baton at a thread of this process (x->running), not yet woken: the
 * caller first lets go of what it holds (a pthread host woken now would run at once). */
void tr__processes_serve_until_here(void)
{
    while (!tr__runs_here(tr__exec.running)) {
        if (tr__in_child())
            tr__child_serve();
        else
            root_serve();
    }
}

/* P0 numbers process p's copies of its parent's objects, in index order; the shared ones
 * are no copies: p has them too. */
static void register_child(int parent, int thread, pid_t pid, int channel, int object,
                           bool crash_handled)
{
    struct tr__execution *x = &tr__exec;
    TR_CHECK(x->n_processes < TR__MAX_PROCESSES, "too many processes in one execution");
    int p = x->n_processes++;
    tr__cprocess *q = &x->processes[p];
    *q = (tr__cprocess){.pid = pid, .parent = parent, .object = object, .main_thread = -1,
                        .channel = tr__channel_high_fd(channel), .pidfd = pidfd_open_(pid),
                        .crash_handled = crash_handled};
    word hello = {.kind = W_HELLO, .number = p, .base = x->n_objects,
                  .first_thread = x->n_threads};
    int n = x->n_objects, count = 0, forking = x->threads[thread].object;
    int *renumbered = malloc(sizeof *renumbered * (size_t)(n ? n : 1));
    TR_CHECK(renumbered, "out of memory renumbering a child's objects");
    for (int i = 0; i < n; i++) {
        renumbered[i] = -1;
        tr__objrec *r = &x->objects[i];
        if (r->obj && r->shared && tr__has_object(parent, i))
            r->sharers |= (uint64_t)1 << p;
        if (!r->obj || r->shared || r->process != parent)
            continue;
        tr__object *domain = r->obj->domain;
        int d = tr__index_of(domain);
        /* one pipe, or a shared object, stays one domain across processes; other domains
         * are copies too */
        int new_domain = d == i                                                  ? -1
                         : x->objects[d].id.kind == TR__KIND_CONNECTION          ? d
                         : x->objects[d].shared                                  ? d
                         : d >= 0 && d < i && renumbered[d] >= 0                 ? renumbered[d]
                                                                                 : -1;
        tr__kind k = r->id.kind;
        const char *label = r->obj->label;
        if (k == TR__KIND_THREAD)
            for (int t = 0; t < x->n_threads; t++)
                if (x->threads[t].object == i && x->threads[t].process == parent)
                    label = x->threads[t].name;
        int index = add_remote(p, k, new_domain, label, false);
        r = &x->objects[i]; /* add_remote may have moved the array */
        tr__objrec *dup = &x->objects[index];
        /* a Lock held at the fork stays held in the copy, by a thread not there */
        dup->holder = r->holder;
        dup->depth = r->depth;
        dup->held_file = r->held_file;
        dup->held_line = r->held_line;
        if (d == i && k == TR__KIND_CONNECTION) /* the pair's first end: the shared domain */
            x->objects[index].obj->domain = r->obj;
        renumbered[i] = index;
        count++;
        if (k == TR__KIND_THREAD) {
            tr__cthread *c = &x->threads[x->n_threads - 1];
            if (i == forking) {
                hello.thread = c->id;
                q->main_thread = c->id;
                c->begin = (tr__action){.obj = x->objects[index].obj,
                                        .op = TR__OP_THREAD_BEGIN, .timeout = TR_FOREVER,
                                        .wait_fd = -1, .arg = c};
                c->pending = &c->begin;
                c->state = TR__CT_READY;
                c->told_enabled = true;
            } else {
                c->state = TR__CT_FINISHED; /* a parent's other thread: stopped there */
            }
        }
    }
    free(renumbered);
    hello.count = count;
    tr__channel_to_child(p, &hello);
}

pid_t tr__processes_fork(tr__object *process, bool crash_handled)
{
    struct tr__execution *x = &tr__exec;
    if (!x->active || !tr__self)
        return fork();
    int sv[2];
    if (!tr__in_child())
        tr__hosts_pin(); /* the children inherit it */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return -1;
    int parent_channel = x->channel;
    int forking = tr__self->id;
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        tr__child_start(tr__channel_high_fd(sv[1]), parent_channel, forking);
        return 0;
    }
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        return pid;
    }
    int object = tr__index_of(process);
    if (!tr__in_child()) {
        /* orphans of the case's processes come back here, to be taken back at the end */
        prctl(PR_SET_CHILD_SUBREAPER, 1);
        register_child(0, forking, pid, sv[0], object, crash_handled);
        return pid;
    }
    tr__child_forked(forking, pid, object, crash_handled, sv[0]);
    return pid;
}

/* Every process but P0 is killed (deepest first, so each is reparented to P0, a
 * subreaper, before its parent goes) and taken back. */
void tr__processes_end(void)
{
    struct tr__execution *x = &tr__exec;
    for (int p = x->n_processes - 1; p >= 1; p--) {
        tr__cprocess *q = &x->processes[p];
        if (q->channel >= 0)
            close(q->channel);
        q->channel = -1;
        send_signal(q, SIGKILL);
        if (q->pidfd >= 0 || !q->ended)
            wait_exited(q);
    }
    for (int p = x->n_processes - 1; p >= 1; p--) {
        tr__cprocess *q = &x->processes[p];
        if (q->pidfd >= 0) {
            siginfo_t info;
            while (waitid(P_PIDFD, (id_t)q->pidfd, &info, WEXITED) < 0 && errno == EINTR)
                ;
            close(q->pidfd);
            q->pidfd = -1;
        } else {
            /* ended: maybe reaped by its parent already (then not ours: ECHILD) */
            while (waitpid(q->pid, NULL, q->ended ? WNOHANG : 0) < 0 && errno == EINTR)
                ;
        }
    }
    x->n_processes = 1;
    while (shadows) {
        shadow *s = shadows;
        shadows = s->next;
        free(s);
    }
}

