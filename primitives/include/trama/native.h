/* trama/native.h — knobs of the native backend (plain pthreads). */
#ifndef TRAMA_NATIVE_H
#define TRAMA_NATIVE_H

#include <trama/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Noise injection for stress runs: before each visible operation, with probability
 * permille/1000, yield the CPU, and half of those times also sleep up to max_sleep_us.
 * Seeded: each thread draws from its own generator derived from (seed, thread number).
 * permille 0 turns it off (the default). The environment variable
 * TRAMA_NOISE="seed:permille[:max_sleep_us]" sets it at start-up. Call before starting
 * threads. */
TR_PUBLIC void tr_native_noise(unsigned long seed, unsigned permille, unsigned max_sleep_us);

#ifdef __cplusplus
}
#endif
#endif
