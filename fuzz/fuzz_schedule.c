/* fuzz_schedule.c — schedule strings (harness/src/schedule.c), as `trama replay CASE
 * SCHEDULE` reads them from a user. The input is the string (a NUL in it ends it, as in
 * argv). Besides memory safety, two properties: a refused string says why in a
 * terminated message, and a parsed one formats back to a string that parses to the same
 * choices and settings (the replay line a finding prints is the schedule it ran). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/src/harness_internal.h"
#include "fuzz.h"

enum { MAX_CHOICES = 4096 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static tr__choice first[MAX_CHOICES], again[MAX_CHOICES];
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char err[256];
    memset(err, 'x', sizeof err);
    tr__schedule_mode mode, mode_again;
    int n = tr__schedule_parse(text, first, MAX_CHOICES, &mode, err, sizeof err);
    if (n < 0) {
        FUZZ_CHECK(memchr(err, '\0', sizeof err) && err[0] != '\0');
        goto out;
    }
    FUZZ_CHECK(n <= MAX_CHOICES);
    /* a buffer large enough for the settings and every choice: ids are at most 1000000 (7
     * digits), a separator and a 't' each */
    size_t cap = 64 + (size_t)n * 9 + 8;
    char *formatted = malloc(cap);
    FUZZ_CHECK(formatted);
    tr__schedule_format(first, n, mode, formatted, cap);
    int m = tr__schedule_parse(formatted, again, MAX_CHOICES, &mode_again, err, sizeof err);
    FUZZ_CHECK(m == n && mode_again.timeouts == mode.timeouts &&
               mode_again.spurious_wakeups == mode.spurious_wakeups);
    for (int i = 0; i < n; i++)
        FUZZ_CHECK(first[i].thread == again[i].thread && first[i].timeout == again[i].timeout);
    /* a short buffer is cut with "...", never overrun */
    char small[16];
    tr__schedule_format(first, n, mode, small, sizeof small);
    FUZZ_CHECK(strlen(small) < sizeof small && strncmp(small, "v1", 2) == 0);
    free(formatted);
out:
    free(text);
    return 0;
}
