/* cc_site.c — where the program is: a callback's return address to the file and line the
 * harness reports (libdw through the misuse stacks' symbolizer, cached here by address,
 * each file name kept once for the life of the process: sites outlive executions), and
 * findings raised by the runtime itself. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../primitives/src/misuse.h"
#include "cc_runtime.h"

enum { SLOTS = 1 << 14, NAMES_MAX = 512 };

typedef struct site {
    uintptr_t pc; /* 0: empty */
    const char *file;
    int line;
} site;

/* Touched only by the case thread holding the baton: one at a time. */
static site sites[SLOTS];
static const char *names[NAMES_MAX];
static int n_names;

static const char *name_kept(const char *file)
{
    for (int i = 0; i < n_names; i++)
        if (strcmp(names[i], file) == 0)
            return names[i];
    char *copy = strdup(file);
    TR_CHECK(copy, "out of memory keeping a source file's name");
    if (n_names < NAMES_MAX)
        names[n_names++] = copy;
    return copy;
}

static const site *site_of(uintptr_t pc)
{
    size_t i = (pc * 0x9e3779b97f4a7c15ull) >> 50; /* 14 bits */
    for (size_t probe = 0; probe < 8; probe++, i = (i + 1) % SLOTS) {
        if (sites[i].pc == pc)
            return &sites[i];
        if (sites[i].pc == 0)
            break;
    }
    char file[512];
    int line = tr__stack_line(pc, file, sizeof file);
    site *s = &sites[i];
    *s = (site){.pc = pc, .file = file[0] ? name_kept(file) : NULL, .line = line};
    return s;
}

void tr__cc_site(const void *return_address)
{
    /* Less one: inside the call instruction, the line of the call itself. */
    const site *s = site_of((uintptr_t)return_address - 1);
    tr__site.file = s->file;
    tr__site.line = s->line;
}

void tr__cc_finding(tr_verdict kind, bool ends, const void *return_address, const char *fmt,
                    ...)
{
    char text[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    const site *s = site_of((uintptr_t)return_address - 1);
    tr_finding f;
    tr__finding_init(&f, kind, "%s", text);
    if (s->file)
        tr__finding_site(&f, s->file, s->line);
    tr__finding_thread(&f, tr__self->id);
    tr__finding_emit(&f, ends);
    if (ends) {
        if (tr__in_child())
            tr__child_cut();
        tr__cut_execution();
    }
}
