/* execution.c — the state of one controlled execution: its start and end, the objects a
 * case creates (registered with the controlled backend), their names, tr_case_alloc, and
 * the one array grower the harness uses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "execution.h"

struct tr__execution tr__exec;

void *tr__grow_slow(void *array, int *cap, int need, size_t elem)
{
    int n = *cap ? *cap * 2 : 64;
    while (n < need)
        n *= 2;
    char *p = realloc(array, (size_t)n * elem);
    TR_CHECK(p, "out of memory growing an array");
    memset(p + (size_t)*cap * elem, 0, (size_t)(n - *cap) * elem);
    *cap = n;
    return p;
}

void tr__execution_begin(const tr_case *c, const tr__exec_opts *opts, tr__finding_sink sink,
                         void *ctx)
{
    struct tr__execution *x = &tr__exec;
    x->active = true;
    x->over = false;
    x->mismatch = false;
    x->abandoned = false;
    x->c = c;
    x->opts = opts;
    x->sink = sink;
    x->sink_ctx = ctx;
    x->n_threads = 0; /* threads[] entries are set up as each thread is created */
    x->running = 0;
    x->ender = -1;
    x->n_objects = 0;
    memset(x->kind_counts, 0, sizeof x->kind_counts);
    x->vtime = 0;
    x->steps = 0;
    x->mod_epoch = 0;
    x->n_trace = 0;
    x->n_waiting = 0;
    x->n_choices = 0;
    x->n_allocs = 0;
    x->held.prev = x->held.next = &x->held;
}

/* Frees what the case left behind. Owners go first, oldest first (a pool before the
 * futures it still references); an object with a live owner is left to the owner's
 * destroy; whatever is still registered afterwards (a worker thread whose host never
 * let go) is freed directly. Ownership is read before anything is freed. */
static void reclaim_objects(void)
{
    struct tr__execution *x = &tr__exec;
    bool *owned = calloc((size_t)x->n_objects + 1, sizeof *owned);
    TR_CHECK(owned, "out of memory reclaiming objects");
    for (int i = 0; i < x->n_objects; i++) {
        tr__object *obj = x->objects[i].process == 0 ? x->objects[i].obj : NULL;
        owned[i] = obj && obj->owner && obj->owner->backend;
    }
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < x->n_objects; i++) {
            tr__object *obj = x->objects[i].process == 0 ? x->objects[i].obj : NULL;
            if (obj && (pass == 1 || !owned[i]))
                obj->type->destroy(obj);
        }
    free(owned);
    x->n_objects = 0;
    for (int i = 0; i < x->n_allocs; i++)
        free(x->allocs[i]);
    x->n_allocs = 0;
    /* After the objects: a destroy frees the held blocks its object owns (a pool's queued
     * items); what is left was held by frames that will never return. */
    tr__held_free_all(&x->held);
}

void tr__execution_end(void)
{
    reclaim_objects();
    tr__exec.active = false;
}

tr_status tr__objects_init(tr__object *obj)
{
    struct tr__execution *x = &tr__exec;
    TR_CHECK(x->active, "a trama object was created outside the running execution");
    x->objects = tr__grow(x->objects, &x->cap_objects, x->n_objects + 1, sizeof *x->objects);
    tr__objrec *r = &x->objects[x->n_objects++];
    tr__kind k = obj->type->kind;
    *r = (tr__objrec){.obj = obj, .id = {k, 0}, .holder = -1, .process = x->process,
                      .shared = obj->shared, .sharers = (uint64_t)obj->shared << x->process};
    r->id.number = k == TR__KIND_THREAD ? x->kind_counts[k]++ : ++x->kind_counts[k];
    obj->backend = (void *)(intptr_t)x->n_objects;
    if (k == TR__KIND_THREAD) {
        TR_CHECK(x->n_threads < TR__MAX_THREADS, "too many threads in one execution");
        tr__cthread *c = &x->threads[x->n_threads];
        memset(c, 0, sizeof *c);
        c->id = x->n_threads++;
        c->thread = tr__thread_of(obj);
        c->process = x->process;
        c->object = x->n_objects - 1;
        c->state = TR__CT_NEW;
        snprintf(c->name, sizeof c->name, "%s", obj->label ? obj->label : "");
        TR_CHECK(c->id == r->id.number, "thread ids follow creation order");
    }
    return TR_OK;
}

void tr__objects_fini(tr__object *obj)
{
    if (!obj->backend)
        return;
    tr__rec_of(obj)->obj = NULL;
    obj->backend = NULL;
}

void tr__held_keep(tr__held *h)
{
    struct tr__execution *x = &tr__exec;
    if (!x->active)
        return;
    h->prev = x->held.prev;
    h->next = &x->held;
    x->held.prev->next = h;
    x->held.prev = h;
}

void *(tr_case_alloc)(size_t size)
{
    struct tr__execution *x = &tr__exec;
    void *p = calloc(1, size ? size : 1);
    TR_CHECK(p, "out of memory in tr_case_alloc");
    if (x->active) {
        x->allocs = tr__grow(x->allocs, &x->cap_allocs, x->n_allocs + 1, sizeof *x->allocs);
        x->allocs[x->n_allocs++] = p;
    }
    return p;
}

/* A thread's label is its name (kept in the thread's record); other objects keep the
 * label their primitive gave them while they live. */
tr__ref tr__ref_of(int index)
{
    tr__ref ref = {.id = {TR__KIND_COUNT, 0}};
    if (index < 0)
        return ref;
    const tr__objrec *r = &tr__exec.objects[index];
    ref.id = r->id;
    const char *label = r->obj ? r->obj->label : NULL;
    if (label && r->id.kind != TR__KIND_THREAD)
        snprintf(ref.label, sizeof ref.label, "%s", label);
    return ref;
}

const char *tr__thread_label(int id)
{
    return id >= 0 && id < tr__exec.n_threads ? tr__exec.threads[id].name : "?";
}

int tr__held_by(int thread, int *out, int max)
{
    int n = 0;
    for (int i = 0; i < tr__exec.n_objects && n < max; i++)
        if (tr__exec.objects[i].holder == thread)
            out[n++] = i;
    return n;
}
