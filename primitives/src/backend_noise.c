/* backend_noise.c — native with noise, for stress runs: a table that wraps the native one
 * (SQLite's checking mutex wraps the real one the same way). Before each action it may
 * yield the CPU or sleep a little (seeded), then performs it natively.
 *
 * Noise wants to see, and perturb, every action: this table takes no fast actions, so
 * while it is installed every action reaches its perform. backend.c installs it for
 * tr_native_noise and TRAMA_NOISE; this file only keeps the settings and calls down. */
#include <sched.h>
#include <time.h>

#include "internal.h"

static struct {
    unsigned long seed;
    unsigned permille;
    unsigned max_sleep_us;
    atomic_uint streams; /* each thread takes the next stream number for its generator */
} noise;
static _Thread_local uint64_t noise_state;

bool tr__noise_set(unsigned long seed, unsigned permille, unsigned max_sleep_us)
{
    noise.seed = seed;
    noise.permille = permille > 1000 ? 1000 : permille;
    noise.max_sleep_us = max_sleep_us;
    return permille > 0;
}

static uint64_t noise_next(void)
{
    if (noise_state == 0) {
        /* splitmix64 of (seed, stream): distinct, reproducible per thread start order */
        uint64_t z = noise.seed + 0x9e3779b97f4a7c15ull * (1 + atomic_fetch_add(&noise.streams, 1));
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        noise_state = (z ^ (z >> 31)) | 1;
    }
    noise_state ^= noise_state << 13;
    noise_state ^= noise_state >> 7;
    noise_state ^= noise_state << 17;
    return noise_state;
}

static void inject_noise(void)
{
    uint64_t r = noise_next();
    if (r % 1000 >= noise.permille)
        return;
    if ((r >> 20) & 1 && noise.max_sleep_us > 0) {
        struct timespec ts = {0, (long)((r >> 24) % noise.max_sleep_us) * 1000};
        nanosleep(&ts, NULL);
    } else {
        sched_yield();
    }
}

static tr_status noise_object_init(tr__object *obj)
{
    return tr__backend_native()->object_init(obj);
}

static void noise_object_fini(tr__object *obj) { tr__backend_native()->object_fini(obj); }

static void noise_perform(tr__action *a)
{
    inject_noise();
    tr__backend_native()->perform(a);
}

static tr_status noise_spawn(tr_thread *t) { return tr__backend_native()->spawn(t); }
static double noise_now(void) { return tr__backend_native()->now(); }
static void noise_thread_done(void) { tr__backend_native()->thread_done(); }

static const tr__backend noise_backend;

const tr__backend *tr__backend_noise(void) { return &noise_backend; }

static const tr__backend noise_backend = {
    .name = "native+noise",
    .object_init = noise_object_init,
    .object_fini = noise_object_fini,
    .perform = noise_perform,
    .fast_actions = false, /* noise sees every action */
    .spawn = noise_spawn,
    .now = noise_now,
    .thread_done = noise_thread_done,
};
