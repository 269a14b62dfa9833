/*
 * Wire reader/writer primitives (src/proto/buf.h): bounds, sticky errors, varints, strings, and
 * RECORDS fields that splice a file range into the output (zero-copy Fetch).
 */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs_util.h"
#include "proto/buf.h"

#define RB(r, ...)                                                                                 \
    static const uint8_t r##_data[] = {__VA_ARGS__};                                               \
    kc_rbuf r;                                                                                     \
    kc_rbuf_init(&r, r##_data, sizeof(r##_data))

static void assert_bytes(const kc_wbuf *w, const uint8_t *want, size_t n)
{
    cr_assert_eq(w->len, n, "wrote %zu bytes, want %zu", w->len, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(w->data[i], want[i], "byte %zu: 0x%02X want 0x%02X", i, w->data[i], want[i]);
}

/* ---- fixed-width readers ---- */

Test(buf, fixed_width_exact)
{
    RB(r, 0x80, 0x12, 0x34, 0xFF, 0xFF, 0xFF, 0xFE, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
       0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x02);
    cr_assert_eq(kc_rbuf_remaining(&r), 21);
    cr_assert_eq(kc_rbuf_i8(&r), -128);
    cr_assert_eq(kc_rbuf_i16(&r), 0x1234);
    cr_assert_eq(kc_rbuf_i32(&r), -2);
    cr_assert_eq(kc_rbuf_i64(&r), 0x0102030405060708ll);
    cr_assert_eq(kc_rbuf_u32(&r), 0xDEADBEEFu);
    cr_assert_eq(kc_rbuf_bool(&r), false);
    cr_assert_eq(kc_rbuf_bool(&r), true, "any non-zero byte is true");
    cr_assert_eq(kc_rbuf_remaining(&r), 0);
    cr_assert_eq(r.err, 0);
}

Test(buf, negative_i16_i64)
{
    RB(r, 0xFF, 0xFE, 0x80, 0, 0, 0, 0, 0, 0, 0);
    cr_assert_eq(kc_rbuf_i16(&r), -2);
    cr_assert_eq(kc_rbuf_i64(&r), INT64_MIN);
    cr_assert_eq(r.err, 0);
}

Test(buf, short_i8)
{
    kc_rbuf r;
    kc_rbuf_init(&r, "", 0);
    cr_assert_eq(kc_rbuf_i8(&r), 0);
    cr_assert_neq(r.err, 0);
}

Test(buf, short_i16)
{
    RB(r, 0x7F);
    cr_assert_eq(kc_rbuf_i16(&r), 0);
    cr_assert_neq(r.err, 0);
    cr_assert(r.p <= r.end);
}

Test(buf, short_i32)
{
    RB(r, 0x7F, 0x7F, 0x7F);
    cr_assert_eq(kc_rbuf_i32(&r), 0);
    cr_assert_neq(r.err, 0);
    cr_assert(r.p <= r.end);
}

Test(buf, short_u32)
{
    RB(r, 0x7F, 0x7F, 0x7F);
    cr_assert_eq(kc_rbuf_u32(&r), 0);
    cr_assert_neq(r.err, 0);
}

Test(buf, short_i64)
{
    RB(r, 1, 2, 3, 4, 5, 6, 7);
    cr_assert_eq(kc_rbuf_i64(&r), 0);
    cr_assert_neq(r.err, 0);
    cr_assert(r.p <= r.end);
}

Test(buf, short_bool)
{
    kc_rbuf r;
    kc_rbuf_init(&r, "", 0);
    cr_assert_eq(kc_rbuf_bool(&r), false);
    cr_assert_neq(r.err, 0);
}

Test(buf, error_is_sticky)
{
    RB(r, 0x01, 0x02, 0x03);
    (void)kc_rbuf_i32(&r); /* short: 3 bytes */
    cr_assert_neq(r.err, 0);
    /* enough bytes remain for an i8 and an i16, but the reader has failed */
    cr_assert_eq(kc_rbuf_i8(&r), 0);
    cr_assert_eq(kc_rbuf_i16(&r), 0);
    cr_assert_neq(r.err, 0);
    cr_assert(r.p <= r.end);
}

Test(buf, skip)
{
    RB(r, 1, 2, 3, 4);
    kc_rbuf_skip(&r, 3);
    cr_assert_eq(r.err, 0);
    cr_assert_eq(kc_rbuf_i8(&r), 4);
    kc_rbuf_skip(&r, 1);
    cr_assert_neq(r.err, 0, "skip past the end must fail");
}

/* ---- varints ---- */

static uint32_t uvarint_of(const uint8_t *b, size_t n, int *err, size_t *used)
{
    kc_rbuf r;
    kc_rbuf_init(&r, b, n);
    uint32_t v = kc_rbuf_uvarint(&r);
    *err = r.err;
    *used = n - kc_rbuf_remaining(&r);
    return v;
}

Test(buf, uvarint_known_encodings)
{
    struct {
        uint32_t v;
        uint8_t enc[5];
        size_t n;
    } cases[] = {
        {0, {0x00}, 1},
        {1, {0x01}, 1},
        {127, {0x7F}, 1},
        {128, {0x80, 0x01}, 2},
        {300, {0xAC, 0x02}, 2},
        {16383, {0xFF, 0x7F}, 2},
        {16384, {0x80, 0x80, 0x01}, 3},
        {UINT32_MAX, {0xFF, 0xFF, 0xFF, 0xFF, 0x0F}, 5},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        kc_wbuf w = {0};
        kc_wbuf_uvarint(&w, cases[i].v);
        assert_bytes(&w, cases[i].enc, cases[i].n);
        kc_wbuf_free(&w);
        int err;
        size_t used;
        cr_assert_eq(uvarint_of(cases[i].enc, cases[i].n, &err, &used), cases[i].v);
        cr_assert_eq(err, 0);
        cr_assert_eq(used, cases[i].n);
    }
}

Test(buf, uvarint_overlong_six_bytes_fails)
{
    static const uint8_t b[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    int err;
    size_t used;
    cr_assert_eq(uvarint_of(b, sizeof(b), &err, &used), 0);
    cr_assert_neq(err, 0);
}

Test(buf, uvarint_truncated_fails)
{
    static const uint8_t b[] = {0x80, 0x80};
    int err;
    size_t used;
    cr_assert_eq(uvarint_of(b, sizeof(b), &err, &used), 0);
    cr_assert_neq(err, 0);
    int err2;
    cr_assert_eq(uvarint_of(b, 0, &err2, &used), 0);
    cr_assert_neq(err2, 0);
}

Test(buf, varint_zigzag_known_encodings)
{
    struct {
        int32_t v;
        uint8_t enc[5];
        size_t n;
    } cases[] = {
        {0, {0x00}, 1},
        {-1, {0x01}, 1},
        {1, {0x02}, 1},
        {-2, {0x03}, 1},
        {2, {0x04}, 1},
        {-64, {0x7F}, 1},
        {64, {0x80, 0x01}, 2},
        {150, {0xAC, 0x02}, 2}, /* zigzag(150) = 300 */
        {INT32_MAX, {0xFE, 0xFF, 0xFF, 0xFF, 0x0F}, 5},
        {INT32_MIN, {0xFF, 0xFF, 0xFF, 0xFF, 0x0F}, 5},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        kc_wbuf w = {0};
        kc_wbuf_varint(&w, cases[i].v);
        assert_bytes(&w, cases[i].enc, cases[i].n);
        kc_wbuf_free(&w);
        kc_rbuf r;
        kc_rbuf_init(&r, cases[i].enc, cases[i].n);
        cr_assert_eq(kc_rbuf_varint(&r), cases[i].v, "case %zu", i);
        cr_assert_eq(r.err, 0);
        cr_assert_eq(kc_rbuf_remaining(&r), 0);
    }
}

Test(buf, varlong_zigzag_known_encodings)
{
    struct {
        int64_t v;
        uint8_t enc[10];
        size_t n;
    } cases[] = {
        {0, {0x00}, 1},
        {-1, {0x01}, 1},
        {1, {0x02}, 1},
        {300, {0xD8, 0x04}, 2},
        {INT64_MAX, {0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}, 10},
        {INT64_MIN, {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}, 10},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        kc_wbuf w = {0};
        kc_wbuf_varlong(&w, cases[i].v);
        assert_bytes(&w, cases[i].enc, cases[i].n);
        kc_wbuf_free(&w);
        kc_rbuf r;
        kc_rbuf_init(&r, cases[i].enc, cases[i].n);
        cr_assert_eq(kc_rbuf_varlong(&r), cases[i].v, "case %zu", i);
        cr_assert_eq(r.err, 0);
        cr_assert_eq(kc_rbuf_remaining(&r), 0);
    }
}

Test(buf, varint_round_trip_boundaries)
{
    const int32_t v32[] = {
        0,     -1,   1,       63,         -64,       64,        -65,           8191,
        -8192, 8192, 1 << 20, -(1 << 20), INT32_MAX, INT32_MIN, INT32_MAX - 1, INT32_MIN + 1};
    kc_wbuf w = {0};
    for (size_t i = 0; i < sizeof(v32) / sizeof(v32[0]); i++)
        kc_wbuf_varint(&w, v32[i]);
    kc_rbuf r;
    kc_rbuf_init(&r, w.data, w.len);
    for (size_t i = 0; i < sizeof(v32) / sizeof(v32[0]); i++)
        cr_assert_eq(kc_rbuf_varint(&r), v32[i], "varint %d", v32[i]);
    cr_assert_eq(r.err, 0);
    cr_assert_eq(kc_rbuf_remaining(&r), 0);
    kc_wbuf_free(&w);

    const int64_t v64[] = {0,
                           -1,
                           1,
                           INT32_MAX,
                           INT32_MIN,
                           (int64_t)INT32_MAX + 1,
                           (int64_t)INT32_MIN - 1,
                           1ll << 50,
                           -(1ll << 50),
                           INT64_MAX,
                           INT64_MIN,
                           INT64_MAX - 1,
                           INT64_MIN + 1};
    for (size_t i = 0; i < sizeof(v64) / sizeof(v64[0]); i++)
        kc_wbuf_varlong(&w, v64[i]);
    kc_rbuf_init(&r, w.data, w.len);
    for (size_t i = 0; i < sizeof(v64) / sizeof(v64[0]); i++)
        cr_assert_eq(kc_rbuf_varlong(&r), v64[i], "varlong %lld", (long long)v64[i]);
    cr_assert_eq(r.err, 0);
    cr_assert_eq(kc_rbuf_remaining(&r), 0);
    kc_wbuf_free(&w);

    const uint32_t u32[] = {0,
                            1,
                            127,
                            128,
                            255,
                            256,
                            16383,
                            16384,
                            2097151,
                            2097152,
                            268435455,
                            268435456,
                            UINT32_MAX - 1,
                            UINT32_MAX};
    for (size_t i = 0; i < sizeof(u32) / sizeof(u32[0]); i++)
        kc_wbuf_uvarint(&w, u32[i]);
    kc_rbuf_init(&r, w.data, w.len);
    for (size_t i = 0; i < sizeof(u32) / sizeof(u32[0]); i++)
        cr_assert_eq(kc_rbuf_uvarint(&r), u32[i], "uvarint %u", u32[i]);
    cr_assert_eq(r.err, 0);
    kc_wbuf_free(&w);
}

Test(buf, varint_overlong_fails)
{
    RB(r, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00);
    cr_assert_eq(kc_rbuf_varint(&r), 0);
    cr_assert_neq(r.err, 0);
}

Test(buf, varlong_overlong_eleven_bytes_fails)
{
    RB(r, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
    cr_assert_eq(kc_rbuf_varlong(&r), 0);
    cr_assert_neq(r.err, 0);
}

Test(buf, varlong_truncated_fails)
{
    RB(r, 0xFF, 0xFF, 0xFF);
    cr_assert_eq(kc_rbuf_varlong(&r), 0);
    cr_assert_neq(r.err, 0);
}

/* ---- strings and bytes ---- */

Test(buf, classic_string)
{
    RB(r, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o', 0x00, 0x00, 0xFF, 0xFF);
    kc_str s = kc_rbuf_str(&r, false, false);
    cr_assert_eq(s.len, 5);
    cr_assert(kc_str_eq(s, "hello"));
    kc_str e = kc_rbuf_str(&r, false, false);
    cr_assert_eq(e.len, 0, "empty string is not null");
    kc_str n = kc_rbuf_str(&r, false, true);
    cr_assert_eq(n.len, -1);
    cr_assert_eq(r.err, 0);
    cr_assert_eq(kc_rbuf_remaining(&r), 0);
}

Test(buf, classic_null_string_not_nullable_fails)
{
    RB(r, 0xFF, 0xFF);
    (void)kc_rbuf_str(&r, false, false);
    cr_assert_neq(r.err, 0);
}

Test(buf, classic_string_negative_length_fails)
{
    RB(r, 0xFF, 0xFE, 'a', 'b');
    (void)kc_rbuf_str(&r, false, true);
    cr_assert_neq(r.err, 0);
}

Test(buf, classic_string_short_fails)
{
    RB(r, 0x00, 0x05, 'h', 'e', 'l');
    kc_str s = kc_rbuf_str(&r, false, false);
    cr_assert_neq(r.err, 0);
    cr_assert_eq(s.len, 0);
    cr_assert(r.p <= r.end);
}

Test(buf, compact_string)
{
    RB(r, 0x06, 'h', 'e', 'l', 'l', 'o', 0x01, 0x00);
    kc_str s = kc_rbuf_str(&r, true, false);
    cr_assert(kc_str_eq(s, "hello"));
    kc_str e = kc_rbuf_str(&r, true, false);
    cr_assert_eq(e.len, 0);
    kc_str n = kc_rbuf_str(&r, true, true);
    cr_assert_eq(n.len, -1, "compact length 0 is null");
    cr_assert_eq(r.err, 0);
}

Test(buf, compact_null_string_not_nullable_fails)
{
    RB(r, 0x00);
    (void)kc_rbuf_str(&r, true, false);
    cr_assert_neq(r.err, 0);
}

Test(buf, compact_string_short_fails)
{
    RB(r, 0x10, 'a', 'b');
    (void)kc_rbuf_str(&r, true, false);
    cr_assert_neq(r.err, 0);
}

Test(buf, classic_bytes)
{
    RB(r, 0x00, 0x00, 0x00, 0x03, 1, 2, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00);
    kc_bytes b = kc_rbuf_bytes(&r, false, false);
    cr_assert_eq(b.len, 3);
    cr_assert_eq(b.p[0], 1);
    cr_assert_eq(b.p[2], 3);
    kc_bytes n = kc_rbuf_bytes(&r, false, true);
    cr_assert_eq(n.len, -1);
    kc_bytes e = kc_rbuf_bytes(&r, false, false);
    cr_assert_eq(e.len, 0);
    cr_assert_eq(r.err, 0);
}

Test(buf, classic_null_bytes_not_nullable_fails)
{
    RB(r, 0xFF, 0xFF, 0xFF, 0xFF);
    (void)kc_rbuf_bytes(&r, false, false);
    cr_assert_neq(r.err, 0);
}

Test(buf, bytes_huge_length_fails)
{
    RB(r, 0x7F, 0xFF, 0xFF, 0xFF, 1, 2);
    kc_bytes b = kc_rbuf_bytes(&r, false, true);
    cr_assert_neq(r.err, 0);
    cr_assert_eq(b.len, 0);
}

Test(buf, bytes_negative_length_fails)
{
    RB(r, 0xFF, 0xFF, 0xFF, 0xFE, 1, 2);
    (void)kc_rbuf_bytes(&r, false, true);
    cr_assert_neq(r.err, 0);
}

Test(buf, compact_bytes)
{
    RB(r, 0x03, 0xAA, 0xBB, 0x00);
    kc_bytes b = kc_rbuf_bytes(&r, true, false);
    cr_assert_eq(b.len, 2);
    cr_assert_eq(b.p[1], 0xBB);
    kc_bytes n = kc_rbuf_bytes(&r, true, true);
    cr_assert_eq(n.len, -1);
    cr_assert_eq(r.err, 0);
    kc_rbuf r2;
    kc_rbuf_init(&r2, "\0", 1);
    (void)kc_rbuf_bytes(&r2, true, false);
    cr_assert_neq(r2.err, 0, "compact null bytes where not nullable");
}

/* ---- arrays and tagged fields ---- */

Test(buf, array_len_classic)
{
    RB(r, 0x00, 0x00, 0x00, 0x02, 0xAA, 0xBB);
    cr_assert_eq(kc_rbuf_array_len(&r, false, false, 1), 2);
    cr_assert_eq(r.err, 0);
}

Test(buf, array_len_larger_than_remaining_fails)
{
    RB(r, 0x00, 0x00, 0x00, 0x03, 0xAA, 0xBB);
    (void)kc_rbuf_array_len(&r, false, false, 1);
    cr_assert_neq(r.err, 0);
}

Test(buf, array_len_huge_fails)
{
    RB(r, 0x7F, 0xFF, 0xFF, 0xFF);
    (void)kc_rbuf_array_len(&r, false, true, 1);
    cr_assert_neq(r.err, 0);
}

Test(buf, array_len_null)
{
    RB(r, 0xFF, 0xFF, 0xFF, 0xFF);
    cr_assert_eq(kc_rbuf_array_len(&r, false, true, 1), -1);
    cr_assert_eq(r.err, 0);
    kc_rbuf r2;
    kc_rbuf_init(&r2, r_data, sizeof(r_data));
    (void)kc_rbuf_array_len(&r2, false, false, 1);
    cr_assert_neq(r2.err, 0, "null array where not nullable");
}

Test(buf, array_len_negative_fails)
{
    static const uint8_t cases[][4] = {
        {0xFF, 0xFF, 0xFF, 0xFE}, /* -2 */
        {0x80, 0x00, 0x00, 0x00}, /* INT32_MIN */
    };
    for (size_t i = 0; i < 2; i++) {
        kc_rbuf r;
        kc_rbuf_init(&r, cases[i], 4);
        (void)kc_rbuf_array_len(&r, false, true, 1);
        cr_assert_neq(r.err, 0, "case %zu", i);
    }
}

Test(buf, array_len_compact)
{
    RB(r, 0x03, 0x01, 0x02);
    cr_assert_eq(kc_rbuf_array_len(&r, true, false, 1), 2);
    cr_assert_eq(r.err, 0);
    RB(z, 0x01);
    cr_assert_eq(kc_rbuf_array_len(&z, true, false, 1), 0);
    cr_assert_eq(z.err, 0);
    RB(n, 0x00);
    cr_assert_eq(kc_rbuf_array_len(&n, true, true, 1), -1);
    cr_assert_eq(n.err, 0);
    RB(n2, 0x00);
    (void)kc_rbuf_array_len(&n2, true, false, 1);
    cr_assert_neq(n2.err, 0);
    RB(big, 0x05, 0x01);
    (void)kc_rbuf_array_len(&big, true, false, 1);
    cr_assert_neq(big.err, 0, "compact count 4 with 1 byte left");
}

Test(buf, skip_tags)
{
    /* two tagged fields: tag 0 (3 bytes) and tag 5 (1 byte), then an i8 0x42 */
    RB(r, 0x02, 0x00, 0x03, 0xA, 0xB, 0xC, 0x05, 0x01, 0xD, 0x42);
    kc_rbuf_skip_tags(&r);
    cr_assert_eq(r.err, 0);
    cr_assert_eq(kc_rbuf_i8(&r), 0x42);
    RB(e, 0x00, 0x43);
    kc_rbuf_skip_tags(&e);
    cr_assert_eq(kc_rbuf_i8(&e), 0x43);
    cr_assert_eq(e.err, 0);
}

Test(buf, skip_tags_truncated_fails)
{
    RB(r, 0x01, 0x00, 0x05, 0xA, 0xB);
    kc_rbuf_skip_tags(&r);
    cr_assert_neq(r.err, 0);
    RB(r2, 0x03, 0x00, 0x00);
    kc_rbuf_skip_tags(&r2);
    cr_assert_neq(r2.err, 0, "count 3 but one field present");
}

/* ---- writer ---- */

Test(buf, writer_fixed_width)
{
    kc_wbuf w = {0};
    kc_wbuf_i8(&w, -1);
    kc_wbuf_i16(&w, 0x1234);
    kc_wbuf_i32(&w, -2);
    kc_wbuf_i64(&w, 0x0102030405060708ll);
    kc_wbuf_bool(&w, true);
    kc_wbuf_bool(&w, false);
    kc_wbuf_u8(&w, 0x99);
    static const uint8_t want[] = {0xFF, 0x12, 0x34, 0xFF, 0xFF, 0xFF, 0xFE, 1, 2,
                                   3,    4,    5,    6,    7,    8,    1,    0, 0x99};
    assert_bytes(&w, want, sizeof(want));
    kc_wbuf_free(&w);
    cr_assert_null(w.data);
    cr_assert_eq(w.len, 0);
    cr_assert_eq(w.cap, 0);
}

Test(buf, writer_strings_and_arrays)
{
    kc_wbuf w = {0};
    kc_wbuf_str(&w, false, kc_str_c("ab"));
    kc_wbuf_str(&w, false, KC_STR_NULL);
    kc_wbuf_str(&w, true, kc_str_c("ab"));
    kc_wbuf_str(&w, true, KC_STR_NULL);
    kc_wbuf_bytes(&w, false, (kc_bytes){(const uint8_t *)"\x07", 1});
    kc_wbuf_bytes(&w, false, (kc_bytes){NULL, -1});
    kc_wbuf_bytes(&w, true, (kc_bytes){(const uint8_t *)"\x07", 1});
    kc_wbuf_bytes(&w, true, (kc_bytes){NULL, -1});
    kc_wbuf_array_len(&w, false, 3);
    kc_wbuf_array_len(&w, false, -1);
    kc_wbuf_array_len(&w, true, 3);
    kc_wbuf_array_len(&w, true, -1);
    static const uint8_t want[] = {
        0x00, 0x02, 'a',  'b',  0xFF, 0xFF,             /* classic */
        0x03, 'a',  'b',  0x00,                         /* compact */
        0x00, 0x00, 0x00, 0x01, 0x07, 0xFF, 0xFF, 0xFF, /* bytes */
        0xFF, 0x02, 0x07, 0x00,                         /* compact bytes */
        0x00, 0x00, 0x00, 0x03, 0xFF, 0xFF, 0xFF, 0xFF, /* arrays */
        0x04, 0x00,
    };
    assert_bytes(&w, want, sizeof(want));

    kc_rbuf r;
    kc_rbuf_init(&r, w.data, w.len);
    cr_assert(kc_str_eq(kc_rbuf_str(&r, false, false), "ab"));
    cr_assert_eq(kc_rbuf_str(&r, false, true).len, -1);
    cr_assert(kc_str_eq(kc_rbuf_str(&r, true, false), "ab"));
    cr_assert_eq(kc_rbuf_str(&r, true, true).len, -1);
    cr_assert_eq(kc_rbuf_bytes(&r, false, false).len, 1);
    cr_assert_eq(kc_rbuf_bytes(&r, false, true).len, -1);
    cr_assert_eq(kc_rbuf_bytes(&r, true, false).len, 1);
    cr_assert_eq(kc_rbuf_bytes(&r, true, true).len, -1);
    cr_assert_eq(r.err, 0);
    kc_wbuf_free(&w);
}

Test(buf, writer_growth_and_i32_at)
{
    kc_wbuf w = {0};
    size_t size_off = kc_wbuf_reserve(&w, 4);
    cr_assert_eq(size_off, 0);
    for (int32_t i = 0; i < 100000; i++)
        kc_wbuf_i32(&w, i);
    cr_assert_eq(w.len, 4 + 4 * 100000);
    cr_assert_geq(w.cap, w.len);
    size_t mid = kc_wbuf_reserve(&w, 4);
    cr_assert_eq(mid, 4 + 4 * 100000);
    kc_wbuf_i32_at(&w, size_off, (int32_t)(w.len - 4));
    kc_wbuf_i32_at(&w, mid, -7);
    kc_rbuf r;
    kc_rbuf_init(&r, w.data, w.len);
    cr_assert_eq(kc_rbuf_i32(&r), 400004);
    for (int32_t i = 0; i < 100000; i++)
        cr_assert_eq(kc_rbuf_i32(&r), i, "element %d", i);
    cr_assert_eq(kc_rbuf_i32(&r), -7);
    cr_assert_eq(kc_rbuf_remaining(&r), 0);
    cr_assert_eq(r.err, 0);
    kc_wbuf_free(&w);
}

Test(buf, writer_put_large_block)
{
    static uint8_t big[70000];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 31);
    kc_wbuf w = {0};
    kc_wbuf_u8(&w, 1);
    kc_wbuf_put(&w, big, sizeof(big));
    kc_wbuf_put(&w, big, 0);
    cr_assert_eq(w.len, 1 + sizeof(big));
    cr_assert_eq(memcmp(w.data + 1, big, sizeof(big)), 0);
    kc_wbuf_free(&w);
}

Test(buf, str_helpers)
{
    kc_str a = kc_str_c("topic");
    cr_assert_eq(a.len, 5);
    cr_assert(kc_str_eq(a, "topic"));
    cr_assert_not(kc_str_eq(a, "topi"));
    cr_assert_not(kc_str_eq(a, "topics"));
    cr_assert_not(kc_str_eq(KC_STR_NULL, ""));
    cr_assert(kc_str_eq(kc_str_c(""), ""));
    cr_assert(kc_str_same(a, (kc_str){"topicX", 5}));
    cr_assert_not(kc_str_same(a, kc_str_c("topiC")));
    cr_assert_not(kc_str_same(KC_STR_NULL, KC_STR_NULL));
}

/* ---- RECORDS and file splices ---- */

static char tmp_path[64];

/* A temp file holding bytes 0..@p n-1 as (i * 7) & 0xFF; returns an O_RDONLY descriptor. */
static int temp_file(size_t n)
{
    snprintf(tmp_path, sizeof(tmp_path), "/tmp/cafka-unit-buf-XXXXXX");
    int fd = mkstemp(tmp_path);
    cr_assert_geq(fd, 0);
    uint8_t *b = malloc(n);
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i * 7);
    cr_assert_eq(write(fd, b, n), (ssize_t)n);
    free(b);
    close(fd);
    fd = open(tmp_path, O_RDONLY);
    cr_assert_geq(fd, 0);
    unlink(tmp_path); /* the descriptors keep it alive */
    return fd;
}

static bool same_file(int a, int b)
{
    struct stat sa, sb;
    cr_assert_eq(fstat(a, &sa), 0);
    cr_assert_eq(fstat(b, &sb), 0);
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

Test(buf, records_file_backed_classic)
{
    int fd = temp_file(1000);
    kc_wbuf w = {0};
    kc_wbuf_i16(&w, 0x0102); /* something before */
    kc_records r = {NULL, 300, fd, 100};
    kc_wbuf_records(&w, false, r);
    kc_wbuf_i8(&w, 0x7E); /* and after */

    /* memory part: the i16, the int32 length prefix (300), then the byte after the splice */
    static const uint8_t want[] = {0x01, 0x02, 0x00, 0x00, 0x01, 0x2C, 0x7E};
    assert_bytes(&w, want, sizeof(want));
    cr_assert_eq(w.n_splices, 1);
    cr_assert_geq(w.cap_splices, 1);
    const kc_wbuf_splice *sp = &w.splices[0];
    cr_assert_eq(sp->at, 6, "the file bytes go right after the length prefix (at %zu)", sp->at);
    cr_assert_eq(sp->offset, 100);
    cr_assert_eq(sp->len, 300);
    cr_assert_eq(sp->fd, fd, "the splice borrows the log's descriptor");
    cr_assert_not(sp->owned);
    cr_assert_eq(w.spliced_bytes, 300);
    cr_assert_eq(kc_wbuf_total(&w), sizeof(want) + 300);

    /* pinned, it holds a dup of its own: the caller may close its descriptor */
    kc_wbuf_pin_files(&w);
    cr_assert(sp->owned);
    cr_assert_neq(sp->fd, fd, "the splice holds its own (dup'd) descriptor");
    cr_assert(same_file(sp->fd, fd), "the dup refers to the same file");
    kc_wbuf_pin_files(&w);
    cr_assert(fu_fd_open(fd));
    close(fd);
    uint8_t b[300];
    cr_assert_eq(pread(sp->fd, b, sizeof(b), sp->offset), 300);
    for (size_t i = 0; i < sizeof(b); i++)
        cr_assert_eq(b[i], (uint8_t)((100 + i) * 7), "file byte %zu", 100 + i);

    int dup_fd = sp->fd;
    kc_wbuf_free(&w);
    cr_assert_not(fu_fd_open(dup_fd), "kc_wbuf_free closes the dup'd descriptor");
    cr_assert_null(w.splices);
    cr_assert_eq(w.n_splices, 0);
    cr_assert_eq(w.cap_splices, 0);
    cr_assert_eq(w.spliced_bytes, 0);
    cr_assert_eq(kc_wbuf_total(&w), 0);
}

Test(buf, records_file_backed_compact)
{
    int fd = temp_file(600);
    kc_wbuf w = {0};
    kc_wbuf_records(&w, true, (kc_records){NULL, 200, fd, 0});
    /* COMPACT_RECORDS: uvarint(len + 1) = 201 = 0xC9 0x01 */
    static const uint8_t want[] = {0xC9, 0x01};
    assert_bytes(&w, want, sizeof(want));
    cr_assert_eq(w.n_splices, 1);
    cr_assert_eq(w.splices[0].at, 2);
    cr_assert_eq(w.splices[0].offset, 0);
    cr_assert_eq(w.splices[0].len, 200);
    cr_assert_eq(kc_wbuf_total(&w), 202);
    kc_wbuf_free(&w);
    cr_assert(fu_fd_open(fd), "a borrowed descriptor stays its owner's");
    close(fd);
}

Test(buf, records_in_memory_and_null_do_not_splice)
{
    kc_wbuf w = {0};
    static const uint8_t mem[] = {0xAA, 0xBB, 0xCC};
    kc_wbuf_records(&w, false, (kc_records){mem, 3, -1, 0});
    kc_wbuf_records(&w, false, (kc_records){NULL, -1, -1, 0});
    kc_wbuf_records(&w, true, (kc_records){mem, 3, -1, 0});
    kc_wbuf_records(&w, true, (kc_records){NULL, -1, -1, 0});
    /* file-backed only when p == NULL && len > 0: an empty range is written as empty bytes */
    kc_wbuf_records(&w, false, (kc_records){NULL, 0, -1, 0});
    static const uint8_t want[] = {
        0x00, 0x00, 0x00, 0x03, 0xAA, 0xBB, 0xCC, /* classic */
        0xFF, 0xFF, 0xFF, 0xFF,                   /* classic null */
        0x04, 0xAA, 0xBB, 0xCC,                   /* compact */
        0x00,                                     /* compact null */
        0x00, 0x00, 0x00, 0x00,                   /* empty */
    };
    assert_bytes(&w, want, sizeof(want));
    cr_assert_eq(w.n_splices, 0);
    cr_assert_null(w.splices);
    cr_assert_eq(w.spliced_bytes, 0);
    cr_assert_eq(kc_wbuf_total(&w), sizeof(want));
    kc_wbuf_free(&w);
}

Test(buf, several_splices_in_output_order)
{
    int fd = temp_file(4096);
    kc_wbuf w = {0};
    size_t total_file = 0;
    /* more splices than the first allocation holds */
    for (int i = 0; i < 20; i++) {
        kc_wbuf_i32(&w, i);
        kc_wbuf_file(&w, fd, 100 * i, (size_t)(10 + i));
        total_file += (size_t)(10 + i);
    }
    cr_assert_eq(w.n_splices, 20);
    cr_assert_geq(w.cap_splices, 20);
    cr_assert_eq(w.len, 80);
    cr_assert_eq(w.spliced_bytes, total_file);
    cr_assert_eq(kc_wbuf_total(&w), 80 + total_file);
    kc_wbuf_pin_files(&w);
    int fds[20];
    for (int i = 0; i < 20; i++) {
        cr_assert_eq(w.splices[i].at, (size_t)(4 * (i + 1)), "splice %d at %zu", i,
                     w.splices[i].at);
        cr_assert_eq(w.splices[i].offset, 100 * i);
        cr_assert_eq(w.splices[i].len, (size_t)(10 + i));
        cr_assert(w.splices[i].owned);
        fds[i] = w.splices[i].fd;
        for (int k = 0; k < i; k++)
            cr_assert_neq(fds[i], fds[k], "every splice has its own dup");
    }
    close(fd);
    kc_wbuf_free(&w);
    for (int i = 0; i < 20; i++)
        cr_assert_not(fu_fd_open(fds[i]), "splice %d descriptor left open", i);
}

Test(buf, free_skips_handed_over_splices)
{
    /* a splice whose fd was handed over (-1) is not closed again */
    int fd = temp_file(64);
    kc_wbuf w = {0};
    kc_wbuf_file(&w, fd, 0, 64);
    kc_wbuf_pin_files(&w);
    int taken = w.splices[0].fd;
    w.splices[0].fd = -1;
    kc_wbuf_free(&w);
    cr_assert(fu_fd_open(taken), "a handed-over descriptor belongs to its new owner");
    close(taken);
    close(fd);
}

Test(buf, pinning_without_descriptors_left_reads_the_ranges_into_memory)
{
    int fd = temp_file(4096);
    kc_wbuf w = {0};
    kc_wbuf_i16(&w, 0x0102);
    kc_wbuf_file(&w, fd, 10, 5);
    kc_wbuf_i8(&w, 0x7E);
    kc_wbuf_file(&w, fd, 200, 3);
    /* no descriptor left: dup() fails with EMFILE */
    struct rlimit lim;
    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &lim), 0);
    int top = fcntl(0, F_DUPFD, 0);
    cr_assert_geq(top, 0);
    close(top);
    struct rlimit tight = {(rlim_t)top, lim.rlim_max};
    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &tight), 0);
    kc_wbuf_pin_files(&w);
    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);
    cr_assert_eq(w.n_splices, 0, "no file range left");
    cr_assert_eq(w.spliced_bytes, 0);
    static const uint8_t want[] = {0x01,
                                   0x02,
                                   10 * 7,
                                   11 * 7,
                                   12 * 7,
                                   13 * 7,
                                   14 * 7,
                                   0x7E,
                                   (uint8_t)(200 * 7),
                                   (uint8_t)(201 * 7),
                                   (uint8_t)(202 * 7)};
    assert_bytes(&w, want, sizeof(want));
    cr_assert_eq(kc_wbuf_total(&w), sizeof(want));
    kc_wbuf_free(&w);
    cr_assert(fu_fd_open(fd));
    close(fd);
}

Test(buf, zero_initialised_writer_is_empty)
{
    kc_wbuf w = {0};
    cr_assert_eq(kc_wbuf_total(&w), 0);
    kc_wbuf_free(&w);
    cr_assert_null(w.data);
    kc_wbuf_u8(&w, 5);
    cr_assert_eq(kc_wbuf_total(&w), 1);
    kc_wbuf_free(&w);
}

Test(buf, read_records_is_a_memory_view)
{
    RB(r, 0x00, 0x00, 0x00, 0x02, 0x11, 0x22, 0xFF, 0xFF, 0xFF, 0xFF, 0x03, 0x33, 0x44, 0x00);
    kc_records a = kc_rbuf_records(&r, false, true);
    cr_assert_eq(a.len, 2);
    cr_assert_eq(a.p, r_data + 4, "a view into the buffer, not a copy");
    cr_assert_eq(a.fd, -1);
    kc_records n = kc_rbuf_records(&r, false, true);
    cr_assert_eq(n.len, -1);
    cr_assert_null(n.p);
    cr_assert_eq(n.fd, -1);
    kc_records c = kc_rbuf_records(&r, true, true);
    cr_assert_eq(c.len, 2);
    cr_assert_eq(c.p, r_data + 11);
    cr_assert_eq(c.fd, -1);
    cr_assert_eq(kc_rbuf_records(&r, true, true).len, -1);
    cr_assert_eq(r.err, 0);
    cr_assert_eq(kc_rbuf_remaining(&r), 0);

    RB(bad, 0xFF, 0xFF, 0xFF, 0xFF);
    (void)kc_rbuf_records(&bad, false, false);
    cr_assert_neq(bad.err, 0, "null where not nullable");
    RB(shortr, 0x00, 0x00, 0x00, 0x05, 0x01);
    kc_records s = kc_rbuf_records(&shortr, false, true);
    cr_assert_neq(shortr.err, 0);
    cr_assert_eq(s.fd, -1);
}

Test(buf, array_len_bounded_by_element_minimum)
{
    /* 3 elements of at least 4 bytes need 12 bytes: 11 left is refused, 12 accepted
     * (CVE-2022-34917: a count must never promise more elements than the bytes can hold) */
    uint8_t b[4 + 12] = {0, 0, 0, 3};
    kc_rbuf r;
    kc_rbuf_init(&r, b, sizeof(b) - 1);
    (void)kc_rbuf_array_len(&r, false, false, 4);
    cr_assert(r.err);
    kc_rbuf_init(&r, b, sizeof(b));
    cr_assert_eq(kc_rbuf_array_len(&r, false, false, 4), 3);
    cr_assert(!r.err);
}
