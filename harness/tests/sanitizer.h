/* sanitizer.h — UNDER_TSAN is defined when the test is built with ThreadSanitizer (gcc
 * says so with __SANITIZE_THREAD__, clang with __has_feature). */
#ifndef TRAMA_TEST_SANITIZER_H
#define TRAMA_TEST_SANITIZER_H
#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#endif
