/* schedule.c — schedule strings: "v1:" then the choices, dot-separated thread ids, a
 * timeout firing written "<id>t". Only points with more than one choice are written. The
 * settings the choices depend on, when they are not the defaults, come between "v1" and
 * the colon ("v1,timeouts=any,spurious-wakeups=2:"), so the string alone replays. And what
 * explorers ask of a written choice: where it is among those offered, whether it
 * preempts. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_internal.h"

/* One "NAME=VALUE" of the header, at p (ending at ',' or ':'); false with a message. */
static bool parse_setting(const char *p, size_t len, tr__schedule_mode *mode, char *err,
                          size_t err_size)
{
    static const char timeouts[] = "timeouts=", spurious[] = "spurious-wakeups=";
    char value[16] = "";
    if (len > strlen(timeouts) && strncmp(p, timeouts, strlen(timeouts)) == 0 &&
        len - strlen(timeouts) < sizeof value) {
        memcpy(value, p + strlen(timeouts), len - strlen(timeouts));
        if (strcmp(value, "any") == 0 || strcmp(value, "lazy") == 0) {
            mode->timeouts = value[0] == 'a' ? TR_TIMEOUTS_ANY : TR_TIMEOUTS_LAZY;
            return true;
        }
    } else if (len > strlen(spurious) && strncmp(p, spurious, strlen(spurious)) == 0 &&
               len - strlen(spurious) < sizeof value) {
        memcpy(value, p + strlen(spurious), len - strlen(spurious));
        long n;
        char *end;
        n = strtol(value, &end, 10);
        if (isdigit((unsigned char)value[0]) && *end == '\0' && n <= 1000000) {
            mode->spurious_wakeups = (int)n;
            return true;
        }
    }
    snprintf(err, err_size,
             "malformed schedule: unknown setting \"%.*s\" (timeouts=lazy|any, "
             "spurious-wakeups=N)",
             (int)(len < 60 ? len : 60), p);
    return false;
}

const char *tr__schedule_header(const char *text, tr__schedule_mode *mode, char *err,
                                size_t err_size)
{
    *mode = (tr__schedule_mode){TR_TIMEOUTS_LAZY, 0};
    if (!text || strncmp(text, "v1", 2) != 0 || (text[2] != ':' && text[2] != ',')) {
        snprintf(err, err_size, "malformed schedule \"%s\": it must start with \"v1:\"",
                 text ? text : "");
        return NULL;
    }
    const char *p = text + 2;
    while (*p == ',') {
        const char *end = p + 1 + strcspn(p + 1, ",:");
        if (*end == '\0') {
            snprintf(err, err_size, "malformed schedule: its settings end without ':'");
            return NULL;
        }
        if (!parse_setting(p + 1, (size_t)(end - p - 1), mode, err, err_size))
            return NULL;
        p = end;
    }
    return p + 1;
}

int tr__schedule_parse(const char *text, tr__choice *out, int max, tr__schedule_mode *mode,
                       char *err, size_t err_size)
{
    tr__schedule_mode settings;
    const char *p = tr__schedule_header(text, &settings, err, err_size);
    if (!p)
        return -1;
    if (mode)
        *mode = settings;
    int n = 0;
    while (*p) {
        if (!isdigit((unsigned char)*p)) {
            snprintf(err, err_size,
                     "malformed schedule: expected a thread id at character %d, found '%c'",
                     (int)(p - text) + 1, *p);
            return -1;
        }
        long id = 0;
        while (isdigit((unsigned char)*p)) {
            id = id * 10 + (*p++ - '0');
            if (id > 1000000) {
                snprintf(err, err_size, "malformed schedule: thread id too large at choice %d",
                         n + 1);
                return -1;
            }
        }
        bool timeout = false;
        if (*p == 't') {
            timeout = true;
            p++;
        }
        if (*p == '.' && p[1] == '\0') {
            snprintf(err, err_size, "malformed schedule: trailing '.'");
            return -1;
        }
        if (*p != '.' && *p != '\0') {
            snprintf(err, err_size, "malformed schedule: unexpected '%c' at character %d", *p,
                     (int)(p - text) + 1);
            return -1;
        }
        if (*p == '.')
            p++;
        if (n >= max) {
            snprintf(err, err_size, "schedule too long (more than %d choices)", max);
            return -1;
        }
        out[n++] = (tr__choice){.thread = (int)id, .timeout = timeout};
    }
    return n;
}

void tr__schedule_format(const tr__choice *choices, int n, tr__schedule_mode mode, char *out,
                         size_t size)
{
    char spurious[40] = "";
    if (mode.spurious_wakeups > 0)
        snprintf(spurious, sizeof spurious, ",spurious-wakeups=%d", mode.spurious_wakeups);
    const char *timeouts = mode.timeouts == TR_TIMEOUTS_ANY ? ",timeouts=any" : "";
    size_t len = (size_t)snprintf(out, size, "v1%s%s:", timeouts, spurious);
    for (int i = 0; i < n && len < size; i++) {
        char item[24];
        int k = snprintf(item, sizeof item, "%s%d%s", i ? "." : "", choices[i].thread,
                         choices[i].timeout ? "t" : "");
        if (len + (size_t)k + 4 >= size) {
            snprintf(out + len, size - len, "...");
            return;
        }
        memcpy(out + len, item, (size_t)k + 1);
        len += (size_t)k;
    }
}

int tr__choice_find(const tr__choice *choices, int n, tr__choice want)
{
    for (int i = 0; i < n; i++)
        if (choices[i].thread == want.thread && choices[i].timeout == want.timeout)
            return i;
    return -1;
}

bool tr__choice_preempts(const tr__choice *choices, int n, int current, int i)
{
    if (current < 0 || choices[i].thread == current)
        return false;
    for (int k = 0; k < n; k++)
        if (choices[k].thread == current && !choices[k].timeout)
            return true;
    return false;
}

tr__schedule_mode tr__schedule_mode_of(const tr_explore_opts *o)
{
    tr__schedule_mode mode;
    char err[256];
    if (o->prefix && tr__schedule_header(o->prefix, &mode, err, sizeof err))
        return mode;
    return (tr__schedule_mode){o->timeouts, o->spurious_wakeups};
}
