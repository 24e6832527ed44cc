/* fuzz.h — the entry every target defines: libFuzzer calls it in the fuzzing build
 * (-DTRAMA_FUZZ=ON), driver.c over the committed inputs in every build. */
#ifndef TRAMA_FUZZ_H
#define TRAMA_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property that failed: the input is a finding, like a crash. */
#define FUZZ_CHECK(cond)                                                                         \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            fprintf(stderr, "fuzz: %s:%d: property failed: %s\n", __FILE__, __LINE__, #cond);   \
            abort();                                                                             \
        }                                                                                        \
    } while (0)

#endif
