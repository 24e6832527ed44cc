/* pipe_fixtures.h — what the Pipe and Connection tests share: the no-leak fixture,
 * recognisable byte patterns for big messages, and one-line send and receive checks.
 * Include after <cmocka.h>. */
#ifndef TRAMA_TEST_PIPE_FIXTURES_H
#define TRAMA_TEST_PIPE_FIXTURES_H

#include <stdlib.h>
#include <string.h>
#include <trama/trama.h>

#include "leaks.h"

enum { KIB = 1024, MIB = 1024 * 1024 };

static inline int no_leaks_teardown(void **state)
{
    (void)state;
    return check_no_leaks();
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, fds_setup, no_leaks_teardown)

static inline unsigned char pattern_byte(size_t i, unsigned seed)
{
    return (unsigned char)((i * 2654435761u) >> 13 ^ seed);
}

static inline unsigned char *pattern(size_t len, unsigned seed)
{
    unsigned char *p = malloc(len ? len : 1);
    for (size_t i = 0; i < len; i++)
        p[i] = pattern_byte(i, seed);
    return p;
}

static inline bool is_pattern(const unsigned char *p, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != pattern_byte(i, seed))
            return false;
    return true;
}

static inline void expect_message(tr_connection *c, const char *text)
{
    void *buf = NULL;
    size_t len = 99;
    assert_int_equal(tr_connection_recv(c, &buf, &len), TR_OK);
    assert_int_equal(len, strlen(text));
    assert_memory_equal(buf, text, len);
    free(buf);
}

static inline void send_text(tr_connection *c, const char *text)
{
    assert_int_equal(tr_connection_send(c, text, strlen(text)), TR_OK);
}

static inline void expect_eof(tr_connection *c)
{
    void *buf = (void *)1;
    size_t len = 99;
    assert_int_equal(tr_connection_recv(c, &buf, &len), TR_EOF);
    assert_string_equal(tr_last_error(), "");
    assert_null(buf);
    assert_int_equal(len, 0);
}

#endif
