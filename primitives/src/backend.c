/* backend.c — the dispatcher: the installed backend and every use of it (object
 * registration, perform, spawn, the clock, held blocks; native with noise is chosen here)
 * and the op and kind tables. */
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"
#include "tsan.h"

/* The one reader and writer of the installed table: every use of the installed backend
 * goes through a short function below (SQLite's sqlite3_mutex_enter). NULL: native, until
 * the first install. */
static const tr__backend *tr__backend_current;

static const tr__backend *installed(void)
{
    const tr__backend *b = tr__backend_current;
    return b ? b : tr__backend_native();
}

/* Whether actions may take their fast form: the installed table's fast_actions. Native
 * until the first install (outside TSan: see the native table). */
atomic_bool tr__fast_open = !TR__TSAN_ENABLED;

/* "Native" is native with the noise tr_native_noise asked for: the noise table (which
 * wraps the native one) while noise is on, the native table itself otherwise. A harness
 * that installs its backend and restores native afterwards so gets noise back. */
static atomic_bool noise_on;

static const tr__backend *native_mode(const tr__backend *b)
{
    if (b && b != tr__backend_native() && b != tr__backend_noise())
        return b;
    return atomic_load_explicit(&noise_on, memory_order_relaxed) ? tr__backend_noise()
                                                                   : tr__backend_native();
}

/* Relaxed: installs happen before any thread starts (the documented contract), and a
 * starting thread's pthread_create orders them before its first action. */
static void install(const tr__backend *b)
{
    tr__backend_current = b;
    atomic_store_explicit(&tr__fast_open, b->fast_actions, memory_order_relaxed);
}

const tr__backend *tr__backend_install(const tr__backend *b)
{
    const tr__backend *previous = installed();
    install(native_mode(b));
    return previous;
}

void tr_native_noise(unsigned long seed, unsigned permille, unsigned max_sleep_us)
{
    atomic_store(&noise_on, tr__noise_set(seed, permille, max_sleep_us));
    const tr__backend *b = installed();
    if (b == tr__backend_native() || b == tr__backend_noise())
        install(native_mode(NULL)); /* else at the harness's restore of native */
}

/* TRAMA_NOISE="seed:permille[:max_sleep_us]", read at the first object's registration. */
static pthread_once_t noise_env_once = PTHREAD_ONCE_INIT;

static void noise_from_env(void)
{
    const char *v = getenv("TRAMA_NOISE");
    unsigned long seed;
    unsigned permille, sleep_us = 100;
    if (v && sscanf(v, "%lu:%u:%u", &seed, &permille, &sleep_us) >= 2)
        tr_native_noise(seed, permille, sleep_us);
}

static const char *const op_names[] = {
#define TR__OP_NAME(e, name, modifies) [e] = name,
    TR__OP_MAP(TR__OP_NAME)
#undef TR__OP_NAME
};
static const bool op_modifies[] = {
#define TR__OP_MOD(e, name, modifies) [e] = modifies,
    TR__OP_MAP(TR__OP_MOD)
#undef TR__OP_MOD
};
static const char *const kind_prefixes[] = {
#define TR__KIND_PREFIX(e, prefix, name) [e] = prefix,
    TR__KIND_MAP(TR__KIND_PREFIX)
#undef TR__KIND_PREFIX
};
static const char *const kind_names[] = {
#define TR__KIND_NAME(e, prefix, name) [e] = name,
    TR__KIND_MAP(TR__KIND_NAME)
#undef TR__KIND_NAME
};

const char *tr__op_name(tr__op op) { return op < TR__OP_COUNT ? op_names[op] : "?"; }
bool tr__op_modifies(tr__op op) { return op < TR__OP_COUNT && op_modifies[op]; }
const char *tr__kind_prefix(tr__kind k) { return k < TR__KIND_COUNT ? kind_prefixes[k] : "?"; }
const char *tr__kind_name(tr__kind k) { return k < TR__KIND_COUNT ? kind_names[k] : "?"; }

/* Each kind's objects created so far in this process (misuse records name an object by
 * its kind and number). Relaxed: a number only has to be unique, not ordered with
 * anything else. */
static atomic_ulong kind_numbers[TR__KIND_COUNT];

static tr_status object_init(tr__object *obj, const tr__type *type, tr__object *domain,
                             bool shared)
{
    obj->type = type;
    obj->domain = domain ? domain : obj;
    obj->backend = NULL;
    obj->owner = NULL;
    obj->shared = shared;
    atomic_init(&obj->word, 0);
    obj->number = type->kind < TR__KIND_COUNT
                      ? atomic_fetch_add_explicit(&kind_numbers[type->kind], 1,
                                                  memory_order_relaxed) + 1
                      : 0;
    pthread_once(&noise_env_once, noise_from_env);
    return installed()->object_init(obj);
}

tr_status tr__object_init(tr__object *obj, const tr__type *type, tr__object *domain)
{
    return object_init(obj, type, domain, false);
}

tr_status tr__object_init_shared(tr__object *obj, const tr__type *type, tr__object *domain)
{
    TR_CHECK(!domain || domain->shared, "a shared object's domain is shared too");
    return object_init(obj, type, domain, true);
}

void tr__object_fini(tr__object *obj) { installed()->object_fini(obj); }

double tr__now(void) { return installed()->now(); }

tr_status tr__spawn(tr_thread *t) { return installed()->spawn(t); }

pid_t tr__fork_process(tr__object *process, bool crash_handled)
{
    const tr__backend *b = installed();
    return b->fork_process ? b->fork_process(process, crash_handled) : fork();
}

bool tr__signal_process(tr__object *process, pid_t pid, int sig)
{
    const tr__backend *b = installed();
    if (b->signal_process)
        return b->signal_process(process, pid, sig);
    kill(pid, sig); /* ESRCH: it is gone already, as Python ignores */
    return true;
}

void tr__process_exiting(int code)
{
    const tr__backend *b = installed();
    if (b->process_exit)
        b->process_exit(code);
}

void tr__unmodelled(const char *what, const char *file, int line)
{
    const tr__backend *b = installed();
    if (b->unmodelled)
        b->unmodelled(what, file, line);
}

tr__host_done_fn tr__host_done_hook(void) { return installed()->thread_done; }

/* The payload starts max-aligned after the header, as malloc's own blocks do. */
#define HELD_HEADER                                                                        \
    ((sizeof(tr__held) + _Alignof(max_align_t) - 1) / _Alignof(max_align_t) *             \
     _Alignof(max_align_t))

void *tr__held_alloc(size_t size)
{
    tr__held *h = size <= SIZE_MAX - HELD_HEADER ? calloc(1, HELD_HEADER + size) : NULL;
    if (!h)
        return NULL;
    void (*hold)(tr__held *) = installed()->hold;
    if (hold)
        hold(h);
    return (char *)h + HELD_HEADER;
}

static void unlink_held(tr__held *h)
{
    if (h->prev) {
        h->prev->next = h->next;
        h->next->prev = h->prev;
        h->prev = h->next = NULL;
    }
}

void tr__held_hand_over(void *p)
{
    if (p)
        unlink_held((tr__held *)(void *)((char *)p - HELD_HEADER));
}

void tr__held_free(void *p)
{
    if (!p)
        return;
    tr__held *h = (tr__held *)(void *)((char *)p - HELD_HEADER);
    unlink_held(h);
    free(h);
}

void tr__held_free_all(tr__held *head)
{
    while (head->next != head) {
        tr__held *h = head->next;
        unlink_held(h);
        free(h);
    }
}

/* A misuse raised by an action names the action's operation and object. */
static void raise_action(const tr__action *a)
{
    const tr__object *o = a->obj;
    tr__misuse_origin origin = {tr__op_name(a->op), NULL, NULL, 0, NULL};
    if (o && o->type) {
        origin.object_kind = tr__kind_name(o->type->kind);
        origin.object_prefix = tr__kind_prefix(o->type->kind);
        origin.object_number = o->number;
        origin.object_label = o->label;
    }
    tr__raise_from(a->status, a->message, a->file, a->line, &origin);
}

tr_status tr__perform_backend(tr__action *a)
{
    a->actor = tr__actor_self();
    installed()->perform(a);
    if (a->message)
        raise_action(a);
    return a->status;
}
