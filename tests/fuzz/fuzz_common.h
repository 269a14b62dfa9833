/*
 * What the fuzz targets share: silenced logging, a failed-invariant abort that says which
 * invariant, and the round-trip check of the generated decoders and encoders.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/log.h"
#include "proto/buf.h"

/* Parsers log what they refuse; at millions of inputs that is only noise. */
static inline void fuzz_quiet(void)
{
    kc_log_level = -1;
}

/* An invariant the code under test must keep: a broken one is a crash libFuzzer reports. */
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* True when two writers hold the same bytes (no file splices: decoders make none). */
static inline bool fuzz_same_bytes(const kc_wbuf *a, const kc_wbuf *b)
{
    return a->len == b->len && a->n_splices == 0 && b->n_splices == 0 &&
           (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* kc_api_decode_request or kc_api_decode_response (generated, kc_apis.h) */
typedef int (*fuzz_api_decode_fn)(int16_t key, int16_t v, kc_rbuf *r, kc_arena *a,
                                  kc_wbuf *reencode);

/*
 * Decode the body at @p r as API @p key v@p v; when it decodes, encode it, decode that and
 * encode again: both encodings must be equal and the second decode must use every byte (the
 * decoder and the encoder agree on every field of every version).
 */
static inline void fuzz_api_round_trip(fuzz_api_decode_fn decode, int16_t key, int16_t v,
                                       kc_rbuf *r)
{
    kc_arena a = KC_ARENA_INIT;
    kc_wbuf once = {0}, twice = {0};
    int rc = decode(key, v, r, &a, &once);
    FUZZ_CHECK(rc == 0 || rc == -2 || r->err);
    if (rc == 0) {
        kc_rbuf again;
        kc_rbuf_init(&again, once.data, once.len);
        FUZZ_CHECK(decode(key, v, &again, &a, &twice) == 0);
        FUZZ_CHECK(kc_rbuf_remaining(&again) == 0);
        FUZZ_CHECK(fuzz_same_bytes(&once, &twice));
    }
    kc_wbuf_free(&once);
    kc_wbuf_free(&twice);
    kc_arena_free(&a);
}

#endif
