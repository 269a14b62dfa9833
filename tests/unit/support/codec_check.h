/*
 * Shared checks for the generated protocol codecs (kc_apis.[ch]): field comparisons that name
 * the version, and ROUNDTRIP — encode, every strict prefix must fail to decode, the whole must
 * decode exactly and re-encode to the same bytes. Used by test_apis.c and test_config_apis.c.
 */
#ifndef KC_TEST_CODEC_CHECK_H
#define KC_TEST_CODEC_CHECK_H

#include <criterion/criterion.h>

#include <stdbool.h>
#include <string.h>

#include "kc_apis.h"

static inline bool str_equal(kc_str a, kc_str b)
{
    if (a.len < 0 || b.len < 0)
        return a.len == b.len;
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, (size_t)a.len) == 0);
}

#define S(lit)    ((kc_str){lit, (int32_t)sizeof(lit) - 1})
#define N_OF(arr) ((int32_t)(sizeof(arr) / sizeof((arr)[0])))

#define STR_EQ(a, b, what)                                                                         \
    cr_assert(str_equal((a), (b)), "v%d %s: '%.*s' (%d) != '%.*s' (%d)", v, what,                  \
              (a).len > 0 ? (a).len : 0, (a).p ? (a).p : "", (a).len, (b).len > 0 ? (b).len : 0,   \
              (b).p ? (b).p : "", (b).len)
#define EQ(a, b, what)                                                                             \
    cr_assert_eq((long long)(a), (long long)(b), "v%d %s: %lld != %lld", v, what, (long long)(a),  \
                 (long long)(b))

static inline void i32_array_eq(int v, const int32_t *a, int32_t an, const int32_t *b, int32_t bn,
                                const char *what)
{
    EQ(an, bn, what);
    for (int32_t i = 0; i < an; i++)
        EQ(a[i], b[i], what);
}

/* Encode with @p enc at v, then every strict prefix must fail to decode and the whole must
 * decode exactly (all bytes consumed) and re-encode to the same bytes. */
#define ROUNDTRIP(type, v, in, out, enc, arena)                                                    \
    do {                                                                                           \
        type##_encode(&(enc), (v), (in));                                                          \
        for (size_t n_ = 0; n_ < (enc).len; n_++) {                                                \
            kc_rbuf pr_;                                                                           \
            kc_rbuf_init(&pr_, (enc).data, n_);                                                    \
            type tmp_;                                                                             \
            kc_arena pa_ = KC_ARENA_INIT;                                                          \
            cr_assert_eq(type##_decode(&pr_, (v), &tmp_, &pa_), -1,                                \
                         #type " v%d: prefix of %zu/%zu bytes decoded", (v), n_, (enc).len);       \
            cr_assert_neq(pr_.err, 0);                                                             \
            kc_arena_free(&pa_);                                                                   \
        }                                                                                          \
        kc_rbuf r_;                                                                                \
        kc_rbuf_init(&r_, (enc).data, (enc).len);                                                  \
        memset((out), 0x5A, sizeof(*(out)));                                                       \
        cr_assert_eq(type##_decode(&r_, (v), (out), &(arena)), 0, #type " v%d: decode failed",     \
                     (v));                                                                         \
        cr_assert_eq(kc_rbuf_remaining(&r_), 0, #type " v%d: %zu bytes left over", (v),            \
                     kc_rbuf_remaining(&r_));                                                      \
        kc_wbuf re_ = {0};                                                                         \
        type##_encode(&re_, (v), (out));                                                           \
        cr_assert_eq(re_.len, (enc).len, #type " v%d: re-encoded %zu bytes, first %zu", (v),       \
                     re_.len, (enc).len);                                                          \
        cr_assert(re_.len == 0 || memcmp(re_.data, (enc).data, re_.len) == 0,                      \
                  #type " v%d: re-encode differs", (v));                                           \
        kc_wbuf_free(&re_);                                                                        \
    } while (0)

static inline const kc_api_info *api(int16_t key)
{
    const kc_api_info *i = kc_api_find(key);
    cr_assert_not_null(i, "api %d missing from kc_apis", key);
    return i;
}

#endif
