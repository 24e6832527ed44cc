/* process_child.c — a started process's side of the execution (processes.c says how the
 * processes of an execution share one scheduler, and what each word means): its threads
 * ask P0 for every step, it tells P0 what they did, and it keeps a mirror of the
 * execution with its own threads and objects only. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "channel.h"

_Noreturn static void child_gone(void) { _exit(0); } /* P0 is done with us */

/* This process's pending threads and their guards, on every word it sends. */
static void tell_guards(word *w)
{
    const struct tr__execution *x = &tr__exec;
    for (int i = 0; i < x->n_threads; i++) {
        const tr__cthread *c = &x->threads[i];
        if (c->process != x->process || !c->pending ||
            (c->state != TR__CT_PENDING && c->state != TR__CT_READY))
            continue;
        tr__mask_set(w->pending, i);
        if (c->state == TR__CT_READY || tr__guard_holds(c->pending))
            tr__mask_set(w->enabled, i);
        if (c->state == TR__CT_PENDING &&
            (c->pending->wait_fd >= 0 || (c->pending->obj && c->pending->obj->domain->shared)))
            tr__mask_set(w->outside, i);
    }
}

static void child_send(word *w)
{
    tell_guards(w);
    if (!tr__channel_put(tr__exec.channel, w, sizeof *w, -1))
        child_gone();
}

static void child_receive(word *w, word_kind want)
{
    if (!tr__channel_get(tr__exec.channel, w, sizeof *w, NULL) || w->kind != want)
        child_gone();
}

/* Waiting for the baton (hosts.c calls it while it is elsewhere): P0 asks for the guards
 * again, or gives the baton to one of our threads. */
void tr__child_serve(void)
{
    struct tr__execution *x = &tr__exec;
    word w;
    if (!tr__channel_get(x->channel, &w, sizeof w, NULL))
        child_gone();
    if (w.kind == W_EVALUATE) {
        word told = {.kind = W_TOLD};
        child_send(&told);
        return;
    }
    if (w.kind == W_DISPOSITION) { /* as the case set it (a tool's own handler is not told) */
        struct sigaction sa;
        word told = {.kind = W_TOLD};
        told.number = w.code > 0 && w.code < NSIG && sigaction(w.code, NULL, &sa) == 0 &&
                      !(sa.sa_flags & SA_SIGINFO) && sa.sa_handler == SIG_DFL;
        child_send(&told);
        return;
    }
    if (w.kind != W_RUN || !tr__runs_here(w.thread))
        child_gone();
    tr__cthread *c = &x->threads[w.thread];
    c->fire_timeout = w.fire_timeout;
    c->begin_granted = w.begin_granted;
    x->vtime = w.vtime;
    x->running = w.thread; /* the caller wakes it (serve_until_here) */
}

/* tr__processes_serve_until_here, in a child: until one of our threads holds the baton. */
static void serve_until_here(void)
{
    while (!tr__runs_here(tr__exec.running))
        tr__child_serve();
}

static int index_or_none(const tr__object *obj) { return obj ? tr__index_of(obj) : -1; }

/* The chosen thread performs its action here; P0 does the bookkeeping from FIRED. */
static void child_fire(tr__cthread *me, tr__action *a)
{
    struct tr__execution *x = &tr__exec;
    x->running = me->id;
    me->state = TR__CT_RUNNING;
    tr__action_finish(a, me->fire_timeout);
    me->fire_timeout = false;
    me->pending = NULL;
    word w = {.kind = W_FIRED, .thread = me->id, .op = a->op, .object = index_or_none(a->obj),
              .file = a->file, .line = a->line, .timeout = a->timeout,
              .has_guard = a->guard != NULL, .timed_out = a->timed_out, .opened = a->opened,
              .wait_kind = a->wait_kind, .waits_open = a->waits_open,
              .status = a->status,
              .n_hb = a->n_hb, .acquired = index_or_none(a->mutex_acquired),
              .released = index_or_none(a->mutex_released), .offset = a->offset,
              .size = a->size};
    for (int i = 0; i < a->n_hb; i++) {
        w.hb[i] = index_or_none(a->hb[i].obj);
        w.hb_acquire[i] = a->hb[i].kind == TR__HB_ACQUIRE;
    }
    child_send(&w);
    tr__progress_running(); /* P0 counts the step; the code that follows runs here */
}

void tr__child_perform(tr__action *a)
{
    struct tr__execution *x = &tr__exec;
    tr__cthread *me = tr__self;
    if (me->begin_granted) {
        me->begin_granted = false;
        child_fire(me, a);
        return;
    }
    me->pending = a;
    me->state = TR__CT_PENDING;
    word w = {.kind = W_ACTION, .thread = me->id, .op = a->op, .object = index_or_none(a->obj),
              .file = a->file, .line = a->line, .timeout = a->timeout,
              .has_guard = a->guard != NULL, .wait_kind = a->wait_kind};
    child_send(&w);
    x->running = -1;
    serve_until_here();
    tr__hosts_wake(x->running);
    tr__hosts_park(me);
    child_fire(me, a);
}

/* The mirror's record for an object P0 numbered. */
static void mirror_object(tr__object *obj, int index, int number)
{
    struct tr__execution *x = &tr__exec;
    x->objects = tr__grow(x->objects, &x->cap_objects, index + 1, sizeof *x->objects);
    if (x->n_objects <= index)
        x->n_objects = index + 1;
    tr__kind k = obj->type->kind;
    x->objects[index] = (tr__objrec){.obj = obj, .id = {k, number}, .holder = -1,
                                     .process = x->process, .shared = obj->shared};
    obj->backend = (void *)(intptr_t)(index + 1);
    if (k != TR__KIND_THREAD)
        return;
    TR_CHECK(number < TR__MAX_THREADS, "too many threads in one execution");
    tr__cthread *c = &x->threads[number];
    memset(c, 0, sizeof *c);
    c->id = number;
    c->thread = tr__thread_of(obj);
    c->state = TR__CT_NEW;
    c->process = x->process;
    c->object = index;
    snprintf(c->name, sizeof c->name, "%s", obj->label ? obj->label : "");
    if (x->n_threads <= number)
        x->n_threads = number + 1;
}

tr_status tr__child_object_init(tr__object *obj)
{
    word w = {.kind = W_OBJECT, .obj_kind = obj->type->kind, .shared = obj->shared,
              .domain = obj->domain == obj ? -1 : index_or_none(obj->domain)};
    snprintf(w.text, sizeof w.text, "%s", obj->label ? obj->label : "");
    child_send(&w);
    child_receive(&w, W_INDEX);
    mirror_object(obj, w.object, w.number);
    return TR_OK;
}

void tr__child_object_fini(tr__object *obj)
{
    if (!obj->backend)
        return;
    word w = {.kind = W_FINI, .object = tr__index_of(obj)};
    tr__rec_of(obj)->obj = NULL;
    if (!obj->shared) /* a shared one's index is every process's: theirs stays */
        obj->backend = NULL;
    child_send(&w);
}

void tr__child_spawned(tr__cthread *c)
{
    word w = {.kind = W_SPAWN, .thread = c->id};
    snprintf(w.text, sizeof w.text, "%s", c->name);
    child_send(&w);
}

void tr__child_thread_done(tr__cthread *me)
{
    word w = {.kind = W_DONE, .thread = me->id};
    child_send(&w);
    tr__exec.running = -1;
    serve_until_here();
}

/* The sink of a child's findings (a misuse, a failed assertion): P0 has the steps and the
 * schedule and completes them. Whether the finding ends the execution shows in its rows:
 * only an ending one lists the threads left waiting. */
static void forward_finding(tr_finding *f, void *ctx)
{
    (void)ctx;
    word w = {.kind = W_FINDING};
    for (int i = 0; f->parts && i < f->parts->n_steps; i++)
        w.ends |= f->parts->steps[i].state != TR__ROW_RAN;
    tr_finding flat = *f;
    flat.parts = NULL;
    tr__finding_free(f);
    child_send(&w);
    if (!tr__channel_put(tr__exec.channel, &flat, sizeof flat, -1))
        child_gone();
}

void tr__child_cut(void)
{
    word w = {.kind = W_CUT};
    child_send(&w);
    for (;;)
        pause(); /* P0 ends the execution and this process with it */
}

void tr__processes_exit(int code)
{
    if (!tr__in_child() || !tr__exec.active)
        return;
    word w = {.kind = W_EXIT, .thread = tr__self ? tr__self->id : -1, .code = code};
    child_send(&w);
}

/* A crash signal: P0 is told which, then the signal does what it does. */
static void crashed(int sig)
{
    word w = {.kind = W_CRASHED, .code = sig};
    ssize_t ignored = write(tr__exec.channel, &w, sizeof w);
    (void)ignored;
    signal(sig, SIG_DFL);
    raise(sig);
}

static void child_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = crashed;
    sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
    const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        sigaction(sigs[i], &sa, NULL);
    signal(SIGUSR1, SIG_DFL); /* the watchdog asks P0, not us */
}

/* In the new child, right after fork: its number and its copies of its parent's objects,
 * renumbered as P0 did; then it waits for its first step like a started thread. */
void tr__child_start(int channel, int parent_channel, int forking_thread)
{
    struct tr__execution *x = &tr__exec;
    int parent = x->process;
    if (parent == 0) {
        for (int i = 1; i < x->n_processes; i++)
            if (x->processes[i].channel >= 0)
                close(x->processes[i].channel);
    } else {
        close(parent_channel);
    }
    x->channel = channel;
    x->sink = forward_finding;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    child_signals();
    word hello;
    child_receive(&hello, W_HELLO);
    x->process = hello.number;
    /* the parent's live objects, in index order, become base, base + 1, ... */
    int n = x->n_objects, k = 0, thread = hello.first_thread;
    tr__objrec *old = malloc(sizeof *old * (size_t)(n ? n : 1));
    TR_CHECK(old, "out of memory renumbering a child's objects");
    memcpy(old, x->objects, sizeof *old * (size_t)n);
    tr__cthread *forking = &x->threads[forking_thread];
    tr__host *host = forking->host;
    int main_thread = -1;
    for (int i = 0; i < n; i++)
        x->objects[i].obj = NULL;
    for (int i = 0; i < x->n_threads; i++)
        if (x->threads[i].process == parent)
            x->threads[i].process = -1; /* the parent's, not ours */
    for (int i = 0; i < n; i++) {
        if (old[i].obj && old[i].shared) { /* the same object, at its one index */
            x->objects[i] = old[i];
            continue;
        }
        if (!old[i].obj || old[i].process != parent)
            continue;
        bool is_thread = old[i].id.kind == TR__KIND_THREAD;
        mirror_object(old[i].obj, hello.base + k++, is_thread ? thread : 0);
        if (is_thread) {
            if (i == forking->object)
                main_thread = thread;
            x->threads[thread].state = TR__CT_FINISHED; /* stopped here, as Python's */
            thread++;
        }
    }
    free(old);
    TR_CHECK(k == hello.count && main_thread == hello.thread,
             "a child's objects do not match its parent's");
    tr__cthread *me = &x->threads[main_thread];
    me->host = host;
    me->state = TR__CT_READY;
    tr__self = me;
    x->running = -1;
    tr__hosts_adopt(me);
    serve_until_here(); /* until P0 chooses our first step */
    tr__hosts_wake(x->running);
    tr__hosts_park(me);
    tr__action begin = tr__action_at(tr__thread_object(me->thread), TR__OP_THREAD_BEGIN,
                                     NULL, 0);
    me->begin_granted = false;
    child_fire(me, &begin);
}

/* A child that forked: P0 is told of the new process (its channel rides along) and
 * numbers it; the new process learns its number from P0 itself (HELLO). */
void tr__child_forked(int forking, pid_t pid, int object, bool crash_handled, int channel)
{
    word w = {.kind = W_FORK, .thread = forking, .pid = pid, .object = object,
              .crash_handled = crash_handled};
    tell_guards(&w);
    bool sent = tr__channel_put(tr__exec.channel, &w, sizeof w, channel);
    close(channel);
    if (!sent)
        child_gone();
    child_receive(&w, W_FORKED);
}

/* terminate()/kill() in a child: P0 sends the signal and ends the process's part in the
 * execution; false when it cannot model it (the signal was not sent). */
bool tr__child_signal(int object, int sig)
{
    word w = {.kind = W_SIGNAL, .thread = tr__self->id, .object = object, .code = sig};
    child_send(&w);
    child_receive(&w, W_SIGNALLED);
    return w.number != 0;
}
