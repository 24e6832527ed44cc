/* schedule.c — schedule strings: "v1:" then the choices, dot-separated thread ids, a
 * timeout firing written "<id>t". Only points with more than one choice are written. And
 * what explorers ask of a written choice: where it is among those offered, whether it
 * preempts. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "harness_internal.h"

int tr__schedule_parse(const char *text, tr__choice *out, int max, char *err, size_t err_size)
{
    if (!text || strncmp(text, "v1:", 3) != 0) {
        snprintf(err, err_size, "malformed schedule \"%s\": it must start with \"v1:\"",
                 text ? text : "");
        return -1;
    }
    const char *p = text + 3;
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

void tr__schedule_format(const tr__choice *choices, int n, char *out, size_t size)
{
    size_t len = (size_t)snprintf(out, size, "v1:");
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
