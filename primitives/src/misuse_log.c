/* misuse_log.c — the default misuse output, as TRAMA_MISUSE_LOG asks for it:
 *
 *   unset, "", "0"   nothing (misuse is still counted: tr_misuse_count)
 *   "1", "stderr"    one line of text on stderr per misuse
 *   anything else    a path: one JSON Lines record per misuse, appended (docs/reports.md)
 *
 * Many threads and processes append to one file at once: each record is one write(2) of
 * one whole line on an O_APPEND descriptor (the kernel appends it whole; at most
 * RECORD_MAX bytes, PIPE_BUF, so it is whole on a pipe too). A forked child writes through
 * the descriptor it inherited. A path that cannot be opened, or a write that fails, is one
 * warning on stderr, then the text form. Never blocks for long: the only locks are the
 * site table's (a lookup) and, with TRAMA_MISUSE_LOG_MAX, the cap's (an fstat and the
 * write).
 *
 * Rate limit, per site (kind, file, line, message): the first BURST misuses are written,
 * then the 2*BURST-th, 4*BURST-th, ... and at least one a QUIET_SECONDS while it keeps
 * happening. Each written record carries "repeats": how many of its site were left out
 * since its last one; at exit (and at a started child's end) a "misuse_repeats" record
 * gives what is left. TRAMA_MISUSE_LOG_MAX=BYTES: no record makes the file longer than
 * BYTES (checked against the file's size, so it holds across processes but for records
 * racing at the moment it fills). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "misuse.h"

#ifndef TRAMA_VERSION
#define TRAMA_VERSION "0"
#endif

enum { BURST = 10, QUIET_SECONDS = 60, SLOTS = 256, KEY_TEXT = 192, RECORD_MAX = 4096 };

typedef enum mode { MODE_OFF, MODE_TEXT, MODE_FILE } mode;

/* One site's counts. */
typedef struct site {
    bool used;
    uint64_t hash;
    tr_status status;
    const char *exception; /* tr_status_name's static text */
    int line;
    char file[KEY_TEXT];
    char message[KEY_TEXT];
    unsigned long seen;       /* misuses of the site in this process */
    unsigned long next;       /* after the burst, the next one written */
    unsigned long repeats;    /* left out since its last record */
    double last;              /* when its last record was written (monotonic) */
} site;

/* Per-process state. cfg_mu guards configuring; sites_mu the table (and is taken around
 * fork, the child starting with an empty table: the counts are the parent's);
 * cap_mu a capped write. */
static pthread_mutex_t cfg_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t sites_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t cap_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool configured;
static _Atomic mode log_mode;
static int log_fd = -1;
static char log_path[256];
static unsigned long long log_max; /* 0: no cap */
static atomic_bool warned_full;
static site sites[SLOTS];
static site overflow; /* every site past SLOTS, limited together */
static bool hooks_set;

static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warn(const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (n > 0)
        (void)!write(2, text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
}

static void prepare(void) { pthread_mutex_lock(&sites_mu); }
static void parent(void) { pthread_mutex_unlock(&sites_mu); }
static void child(void)
{
    pthread_mutex_init(&sites_mu, NULL);
    pthread_mutex_init(&cap_mu, NULL);
    memset(sites, 0, sizeof sites);
    memset(&overflow, 0, sizeof overflow);
}

static void at_exit(void) { tr__misuse_log_flush(); }

static unsigned long long parse_max(const char *v)
{
    if (!v || !*v)
        return 0;
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    if (*end == 'k' || *end == 'K')
        n *= 1024;
    else if (*end == 'm' || *end == 'M')
        n *= 1024 * 1024;
    else if (*end)
        warn("trama: TRAMA_MISUSE_LOG_MAX=%s is not a number of bytes: no cap\n", v);
    return *end && !strchr("kKmM", *end) ? 0 : n;
}

static void configure_locked(void)
{
    const char *v = getenv("TRAMA_MISUSE_LOG");
    mode m = MODE_OFF;
    if (v && *v && strcmp(v, "0") != 0)
        m = strcmp(v, "1") == 0 || strcmp(v, "stderr") == 0 ? MODE_TEXT : MODE_FILE;
    if (m == MODE_FILE) {
        snprintf(log_path, sizeof log_path, "%s", v);
        log_fd = open(v, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (log_fd < 0) {
            warn("trama: TRAMA_MISUSE_LOG=%s: cannot open it (%s); misuse goes to stderr "
                 "as text\n", v, strerror(errno));
            m = MODE_TEXT;
        }
        log_max = parse_max(getenv("TRAMA_MISUSE_LOG_MAX"));
    }
    if (m != MODE_OFF && !hooks_set) {
        hooks_set = true;
        pthread_atfork(prepare, parent, child);
        atexit(at_exit);
    }
    atomic_store(&log_mode, m);
}

static mode configure(void)
{
    if (!atomic_load_explicit(&configured, memory_order_acquire)) {
        pthread_mutex_lock(&cfg_mu);
        if (!atomic_load_explicit(&configured, memory_order_relaxed))
            configure_locked();
        atomic_store_explicit(&configured, true, memory_order_release);
        pthread_mutex_unlock(&cfg_mu);
    }
    return atomic_load(&log_mode);
}

void tr__misuse_log_reopen(void)
{
    pthread_mutex_lock(&cfg_mu);
    if (log_fd >= 0)
        close(log_fd);
    log_fd = -1;
    log_max = 0;
    atomic_store(&warned_full, false);
    child(); /* an empty table */
    atomic_store(&configured, false);
    pthread_mutex_unlock(&cfg_mu);
}

/* ---- the rate limit ------------------------------------------------------------------- */

static uint64_t mix(uint64_t h, const char *s)
{
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u; /* FNV-1a */
    return h * 1099511628211u;
}

static bool same_site(const site *x, uint64_t hash, const tr__misuse_call *c)
{
    return x->hash == hash && x->status == c->status && x->line == c->line &&
           strncmp(x->file, c->file ? c->file : "", KEY_TEXT - 1) == 0 &&
           strncmp(x->message, c->message, KEY_TEXT - 1) == 0;
}

/* Under sites_mu: the site's slot, claimed when new (open addressing). */
static site *find_site(const tr__misuse_call *c)
{
    uint64_t h = mix(mix(14695981039346656037u ^ (uint64_t)c->status, c->file), c->message);
    h ^= (uint64_t)(unsigned)c->line * 0x9e3779b97f4a7c15u;
    for (unsigned i = 0; i < SLOTS; i++) {
        site *x = &sites[(h + i) % SLOTS];
        if (!x->used) {
            *x = (site){.used = true, .hash = h, .status = c->status,
                        .exception = c->exception, .line = c->line, .next = 2 * BURST};
            snprintf(x->file, sizeof x->file, "%s", c->file ? c->file : "");
            snprintf(x->message, sizeof x->message, "%s", c->message);
            return x;
        }
        if (same_site(x, h, c))
            return x;
    }
    if (!overflow.used) {
        overflow = (site){.used = true, .status = c->status, .exception = c->exception,
                          .next = 2 * BURST};
        snprintf(overflow.message, sizeof overflow.message, "misuse at further sites");
    }
    return &overflow;
}

static double monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool tr__misuse_log_admit(const tr__misuse_call *c, tr__misuse_ticket *t)
{
    mode m = configure();
    if (m == MODE_OFF)
        return false;
    double now = monotonic();
    pthread_mutex_lock(&sites_mu);
    site *x = find_site(c);
    x->seen++;
    bool write = x->seen <= BURST || x->seen >= x->next || now - x->last >= QUIET_SECONDS;
    if (write) {
        if (x->seen >= x->next)
            x->next = 2 * x->seen;
        t->repeats = x->repeats;
        x->repeats = 0;
        x->last = now;
    } else {
        x->repeats++;
    }
    pthread_mutex_unlock(&sites_mu);
    t->text = atomic_load(&log_mode) == MODE_TEXT;
    return write;
}

/* ---- rendering ------------------------------------------------------------------------ */

/* A line being built; over: something did not fit (the caller rolls back). */
typedef struct out {
    char buf[RECORD_MAX];
    size_t n;
    bool over;
} out;

static void put(out *o, const char *s, size_t len)
{
    if (len > sizeof o->buf - o->n) {
        o->over = true;
        return;
    }
    memcpy(o->buf + o->n, s, len);
    o->n += len;
}

/* A string literal, its length known at compile time. */
#define PUT(o, literal) put((o), (literal), sizeof(literal) - 1)

static void putf(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(out *o, const char *fmt, ...)
{
    char text[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    put(o, text, n < 0 ? 0 : (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
}

/* A JSON string (null for NULL), at most limit bytes of s: long names cannot crowd out
 * the rest of a record. Cut before a UTF-8 continuation byte, never inside a character. */
static void put_string(out *o, const char *s, size_t limit)
{
    if (!s) {
        PUT(o, "null");
        return;
    }
    size_t len = strnlen(s, limit);
    while (len < strlen(s) && len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
        len--;
    PUT(o, "\"");
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            char esc[2] = {'\\', (char)ch};
            put(o, esc, 2);
        } else if (ch == '\n') {
            PUT(o, "\\n");
        } else if (ch == '\t') {
            PUT(o, "\\t");
        } else if (ch < 0x20 || ch == 0x7f) {
            putf(o, "\\u%04x", ch);
        } else {
            put(o, (const char *)&s[i], 1);
        }
    }
    PUT(o, "\"");
}

static void put_site(out *o, const char *file, int line)
{
    PUT(o, "{\"file\":");
    put_string(o, file, 1024);
    putf(o, ",\"line\":%d}", line);
}

/* Everything before the stack: bounded (about 3 KB at most), so the stack gets the rest. */
static void put_head(out *o, const tr_misuse *m, unsigned long repeats)
{
    PUT(o, "{\"type\":\"misuse\",\"version\":\"" TRAMA_VERSION "\",\"kind\":");
    put_string(o, m->kind, 32);
    PUT(o, ",\"exception\":");
    put_string(o, m->exception, 32);
    PUT(o, ",\"message\":");
    put_string(o, m->message, 256);
    PUT(o, ",\"site\":");
    if (m->file)
        put_site(o, m->file, m->line);
    else
        PUT(o, "null");
    PUT(o, ",\"op\":");
    put_string(o, m->operation, 32);
    PUT(o, ",\"object\":");
    if (m->object_id) {
        PUT(o, "{\"kind\":");
        put_string(o, m->object_kind, 32);
        PUT(o, ",\"id\":");
        put_string(o, m->object_id, 32);
        if (m->object_label) {
            PUT(o, ",\"label\":");
            put_string(o, m->object_label, 128);
        }
        PUT(o, "}");
    } else {
        PUT(o, "null");
    }
    putf(o, ",\"thread\":{\"id\":%lu,\"native_id\":%ld,\"name\":", m->thread_ident,
         m->thread_native_id);
    put_string(o, m->thread_name, 128);
    putf(o, "},\"pid\":%d,\"process\":", m->pid);
    put_string(o, m->process_name, 64);
    PUT(o, ",\"program\":");
    put_string(o, m->program, 64);
    putf(o, ",\"monotonic\":%.9f,\"time\":%.6f", m->monotonic, m->time);
    if (repeats)
        putf(o, ",\"repeats\":%lu", repeats);
    PUT(o, ",\"symbolizer\":");
    put_string(o, m->symbolizer, 16);
}

static void put_frame(out *o, const tr_misuse_frame *f)
{
    PUT(o, "{\"function\":");
    put_string(o, f->function, 256);
    PUT(o, ",\"file\":");
    put_string(o, f->file, 512);
    putf(o, ",\"line\":%d,\"module\":", f->line);
    put_string(o, f->module, 512);
    putf(o, ",\"offset\":\"0x%lx\"}", f->offset);
}

/* The stack fills what the head left, less room for the end; frames that do not fit are
 * counted in "frames_dropped". */
static void render(out *o, const tr_misuse *m, unsigned long repeats)
{
    enum { TAIL = 48 };
    put_head(o, m, repeats);
    PUT(o, ",\"stack\":[");
    int dropped = 0;
    for (int i = 0; i < m->stack_depth; i++) {
        size_t mark = o->n;
        if (i)
            PUT(o, ",");
        put_frame(o, &m->stack[i]);
        if (o->over || o->n > sizeof o->buf - TAIL) {
            o->n = mark;
            o->over = false;
            dropped = m->stack_depth - i;
            break;
        }
    }
    PUT(o, "]");
    if (dropped)
        putf(o, ",\"frames_dropped\":%d", dropped);
    PUT(o, "}\n");
}

/* ---- writing -------------------------------------------------------------------------- */

static void text_line(const char *exception, const char *message, const char *file, int line,
                      unsigned long repeats, bool summary)
{
    out o = {.n = 0};
    putf(&o, "trama: %s: ", exception);
    put(&o, message, strnlen(message, 1024));
    if (file) {
        PUT(&o, " (at ");
        put(&o, file, strnlen(file, 1024));
        putf(&o, ":%d)", line);
    }
    if (summary)
        putf(&o, ": %lu more not shown", repeats);
    else if (repeats)
        putf(&o, " [%lu more since the last line like this]", repeats);
    PUT(&o, "\n");
    (void)!write(2, o.buf, o.n);
}

/* One write of the whole line; false when the file cannot take it (the caller falls back to
 * text). A capped log checks the file's size first, under cap_mu. */
static bool append(const out *o)
{
    bool capped = log_max > 0, ok = true;
    if (capped) {
        pthread_mutex_lock(&cap_mu);
        struct stat st;
        if (fstat(log_fd, &st) == 0 && (unsigned long long)st.st_size + o->n > log_max) {
            if (!atomic_exchange(&warned_full, true))
                warn("trama: misuse log %s is full (TRAMA_MISUSE_LOG_MAX=%llu bytes): later "
                     "misuse is counted, not written\n", log_path, log_max);
            goto out;
        }
    }
    ssize_t n;
    do
        n = write(log_fd, o->buf, o->n);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)o->n) {
        warn("trama: misuse log %s: %s; misuse goes to stderr as text\n", log_path,
             n < 0 ? strerror(errno) : "short write");
        atomic_store(&log_mode, MODE_TEXT);
        ok = false;
    }
out:
    if (capped)
        pthread_mutex_unlock(&cap_mu);
    return ok;
}

void tr__misuse_log_write(const tr_misuse *m, const tr__misuse_ticket *t)
{
    if (!t->text) {
        out o = {.n = 0};
        render(&o, m, t->repeats);
        if (append(&o))
            return;
    }
    text_line(m->exception, m->message, m->file, m->line, t->repeats, false);
}

/* ---- repeats left at the end ---------------------------------------------------------- */

static void put_repeats(out *o, const site *x)
{
    PUT(o, "{\"type\":\"misuse_repeats\",\"version\":\"" TRAMA_VERSION "\",\"kind\":");
    put_string(o, tr__misuse_kind(x->status), 32);
    PUT(o, ",\"exception\":");
    put_string(o, x->exception, 32);
    PUT(o, ",\"message\":");
    put_string(o, x->message, 256);
    PUT(o, ",\"site\":");
    if (x->file[0])
        put_site(o, x->file, x->line);
    else
        PUT(o, "null");
    putf(o, ",\"repeats\":%lu,\"pid\":%d,\"monotonic\":%.9f}\n", x->repeats, (int)getpid(),
         monotonic());
}

static void flush_site(site *x)
{
    if (!x->used || !x->repeats)
        return;
    if (atomic_load(&log_mode) == MODE_FILE) {
        out o = {.n = 0};
        put_repeats(&o, x);
        if (!o.over && append(&o)) {
            x->repeats = 0;
            return;
        }
    }
    text_line(x->exception, x->message, x->file[0] ? x->file : NULL, x->line,
              x->repeats, true);
    x->repeats = 0;
}

void tr__misuse_log_flush(void)
{
    if (!atomic_load(&configured) || atomic_load(&log_mode) == MODE_OFF)
        return;
    pthread_mutex_lock(&sites_mu);
    for (unsigned i = 0; i < SLOTS; i++)
        flush_site(&sites[i]);
    flush_site(&overflow);
    pthread_mutex_unlock(&sites_mu);
}
