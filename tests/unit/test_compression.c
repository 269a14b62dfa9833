/*
 * The codecs (proto/compression.c) and the validation of compressed batches (records.c).
 * Inputs are compressed here with the libraries themselves (zlib's gzip, raw snappy and a
 * hand-built xerial framing, lz4 frames, zstd), so the decoder is not checked against its own
 * encoder only; kc_compress() output is in turn read back by the libraries.
 */
#include <criterion/criterion.h>
#include <lz4frame.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "batch_builder.h"
#include "proto/compression.h"
#include "proto/errors.h"
#include "proto/records.h"

static const int codecs[] = {KC_CODEC_GZIP, KC_CODEC_SNAPPY, KC_CODEC_LZ4, KC_CODEC_ZSTD};

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* @p in compressed by the library of @p codec; snappy in xerial framing (one block). */
static uint8_t *lib_compress(int codec, const uint8_t *in, size_t len, size_t *out_len)
{
    uint8_t *out;
    switch (codec) {
    case KC_CODEC_GZIP: {
        z_stream z;
        memset(&z, 0, sizeof(z));
        cr_assert_eq(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
        size_t cap = deflateBound(&z, len) + 64;
        out = malloc(cap);
        z.next_in = (Bytef *)in;
        z.avail_in = (uInt)len;
        z.next_out = out;
        z.avail_out = (uInt)cap;
        cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
        *out_len = cap - z.avail_out;
        deflateEnd(&z);
        return out;
    }
    case KC_CODEC_SNAPPY: {
        size_t cap = 20 + snappy_max_compressed_length(len), n = cap - 20;
        out = malloc(cap);
        static const uint8_t magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
        memcpy(out, magic, 8);
        put_be32(out + 8, 1);
        put_be32(out + 12, 1);
        cr_assert_eq(snappy_compress((const char *)in, len, (char *)out + 20, &n), SNAPPY_OK);
        put_be32(out + 16, (uint32_t)n);
        *out_len = 20 + n;
        return out;
    }
    case KC_CODEC_LZ4: {
        size_t cap = LZ4F_compressFrameBound(len, NULL);
        out = malloc(cap);
        *out_len = LZ4F_compressFrame(out, cap, in, len, NULL);
        cr_assert(!LZ4F_isError(*out_len));
        return out;
    }
    default: {
        size_t cap = ZSTD_compressBound(len);
        out = malloc(cap);
        *out_len = ZSTD_compress(out, cap, in, len, 1);
        cr_assert(!ZSTD_isError(*out_len));
        return out;
    }
    }
}

/* Text that compresses, of @p len bytes. */
static uint8_t *sample(size_t len)
{
    uint8_t *p = malloc(len);
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)("kafka records "[i % 14] + (i / 997) % 3);
    return p;
}

Test(compression, library_output_decodes_for_every_codec)
{
    size_t len = 300000;
    uint8_t *in = sample(len);
    for (size_t c = 0; c < sizeof(codecs) / sizeof(*codecs); c++) {
        size_t zlen, outlen;
        uint8_t *z = lib_compress(codecs[c], in, len, &zlen), *out;
        cr_assert_lt(zlen, len / 4, "%s compresses text", kc_codec_name(codecs[c]));
        cr_assert_eq(kc_decompress(codecs[c], z, zlen, len, &out, &outlen), 0, "%s",
                     kc_codec_name(codecs[c]));
        cr_assert_eq(outlen, len);
        cr_assert_eq(memcmp(out, in, len), 0, "%s round trip", kc_codec_name(codecs[c]));
        free(out);
        free(z);
    }
    free(in);
}

Test(compression, raw_snappy_block_without_xerial_framing)
{
    size_t len = 5000, n = snappy_max_compressed_length(len), outlen;
    uint8_t *in = sample(len), *z = malloc(n), *out;
    cr_assert_eq(snappy_compress((const char *)in, len, (char *)z, &n), SNAPPY_OK);
    cr_assert_eq(kc_decompress(KC_CODEC_SNAPPY, z, n, len, &out, &outlen), 0);
    cr_assert_eq(outlen, len);
    cr_assert_eq(memcmp(out, in, len), 0);
    free(out);
    free(z);
    free(in);
}

Test(compression, kc_compress_output_is_read_by_the_libraries)
{
    size_t len = 100000;
    uint8_t *in = sample(len);
    uint8_t *back = malloc(len + 16);
    for (size_t c = 0; c < sizeof(codecs) / sizeof(*codecs); c++) {
        uint8_t *z;
        size_t zlen;
        cr_assert_eq(kc_compress(codecs[c], in, len, &z, &zlen), 0);
        size_t got = len + 16;
        switch (codecs[c]) {
        case KC_CODEC_GZIP: {
            z_stream s;
            memset(&s, 0, sizeof(s));
            cr_assert_eq(inflateInit2(&s, 16 + MAX_WBITS), Z_OK);
            s.next_in = z;
            s.avail_in = (uInt)zlen;
            s.next_out = back;
            s.avail_out = (uInt)got;
            cr_assert_eq(inflate(&s, Z_FINISH), Z_STREAM_END);
            got -= s.avail_out;
            inflateEnd(&s);
            break;
        }
        case KC_CODEC_SNAPPY: { /* xerial: 16-byte header, then length-prefixed blocks */
            cr_assert_eq(z[0], 0x82);
            size_t pos = 16, at = 0;
            while (pos < zlen) {
                uint32_t n = (uint32_t)z[pos] << 24 | (uint32_t)z[pos + 1] << 16 |
                             (uint32_t)z[pos + 2] << 8 | z[pos + 3];
                size_t room = len + 16 - at;
                cr_assert_eq(
                    snappy_uncompress((const char *)z + pos + 4, n, (char *)back + at, &room),
                    SNAPPY_OK);
                at += room;
                pos += 4 + n;
            }
            got = at;
            break;
        }
        case KC_CODEC_LZ4: {
            LZ4F_dctx *d;
            cr_assert(!LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)));
            size_t src = zlen;
            cr_assert_eq(LZ4F_decompress(d, back, &got, z, &src, NULL), 0, "one whole frame");
            LZ4F_freeDecompressionContext(d);
            break;
        }
        default:
            got = ZSTD_decompress(back, got, z, zlen);
            cr_assert(!ZSTD_isError(got));
        }
        cr_assert_eq(got, len, "%s", kc_codec_name(codecs[c]));
        cr_assert_eq(memcmp(back, in, len), 0, "%s", kc_codec_name(codecs[c]));
        free(z);
    }
    free(back);
    free(in);
}

Test(compression, corrupt_truncated_and_trailing_input_is_refused)
{
    size_t len = 20000;
    uint8_t *in = sample(len);
    uint8_t junk[150];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (uint8_t)(i * 37 + 11);
    for (size_t c = 0; c < sizeof(codecs) / sizeof(*codecs); c++) {
        const char *name = kc_codec_name(codecs[c]);
        uint8_t *out = (uint8_t *)1;
        size_t outlen = 1, zlen;
        cr_assert_eq(kc_decompress(codecs[c], junk, sizeof(junk), 1 << 20, &out, &outlen),
                     KC_CODEC_ERR_CORRUPT, "%s: 150 arbitrary bytes", name);
        cr_assert_null(out);
        cr_assert_eq(outlen, 0);
        cr_assert_eq(kc_decompress(codecs[c], junk, 0, 1 << 20, &out, &outlen),
                     KC_CODEC_ERR_CORRUPT, "%s: nothing", name);
        uint8_t *z = lib_compress(codecs[c], in, len, &zlen);
        cr_assert_eq(kc_decompress(codecs[c], z, zlen - 3, len, &out, &outlen),
                     KC_CODEC_ERR_CORRUPT, "%s: truncated", name);
        uint8_t *more = malloc(zlen + 4);
        memcpy(more, z, zlen);
        memcpy(more + zlen, "\x01\x02\x03\x04", 4);
        cr_assert_neq(kc_decompress(codecs[c], more, zlen + 4, len, &out, &outlen), 0,
                      "%s: bytes after the stream", name);
        free(more);
        free(z);
    }
    free(in);
}

Test(compression, the_bound_stops_a_bomb)
{
    size_t len = 16 << 20; /* 16 MiB of zeros: at most 1/16 of that compressed */
    uint8_t *zeros = calloc(1, len);
    for (size_t c = 0; c < sizeof(codecs) / sizeof(*codecs); c++) {
        const char *name = kc_codec_name(codecs[c]);
        size_t zlen, outlen;
        uint8_t *z = lib_compress(codecs[c], zeros, len, &zlen), *out;
        cr_assert_lt(zlen, len / 16, "%s", name); /* snappy tops out near 21:1 */
        cr_assert_eq(kc_decompress(codecs[c], z, zlen, 1 << 20, &out, &outlen),
                     KC_CODEC_ERR_TOO_LARGE, "%s: 16 MiB against a 1 MiB bound", name);
        cr_assert_null(out);
        cr_assert_eq(kc_decompress(codecs[c], z, zlen, len, &out, &outlen), 0,
                     "%s: exactly the bound is allowed", name);
        cr_assert_eq(outlen, len);
        free(out);
        cr_assert_eq(kc_decompress(codecs[c], z, zlen, len - 1, &out, &outlen),
                     KC_CODEC_ERR_TOO_LARGE, "%s: one byte over", name);
        free(z);
    }
    free(zeros);
}

Test(compression, unknown_codec)
{
    uint8_t *out;
    size_t n;
    cr_assert_eq(kc_decompress(5, (const uint8_t *)"x", 1, 10, &out, &n), KC_CODEC_ERR_UNKNOWN);
    cr_assert_eq(kc_decompress(KC_CODEC_NONE, (const uint8_t *)"x", 1, 10, &out, &n),
                 KC_CODEC_ERR_UNKNOWN);
    cr_assert_eq(kc_compress(7, (const uint8_t *)"x", 1, &out, &n), KC_CODEC_ERR_UNKNOWN);
}

/* ---- compressed batches on the produce path (LogValidator) ---- */

/* The batch @p plain (@p len bytes) with its records section replaced by @p section and codec
 * @p codec; Length and CRC fixed. */
static uint8_t *with_section(const uint8_t *plain, int codec, const uint8_t *section,
                             size_t section_len, size_t *out_len)
{
    size_t n = KC_BATCH_HEADER_BYTES + section_len;
    uint8_t *b = malloc(n);
    memcpy(b, plain, KC_BATCH_HEADER_BYTES);
    memcpy(b + KC_BATCH_HEADER_BYTES, section, section_len);
    bb_put_i32(b + 8, (int32_t)(n - 12));
    bb_put_i16(b + 21, (int16_t)codec);
    bb_fix_crc(b, n);
    *out_len = n;
    return b;
}

/* bb_simple(@p n) with its records compressed by the library of @p codec. */
static uint8_t *compressed_batch(int codec, int n, size_t *out_len)
{
    size_t len, zlen;
    uint8_t *plain = bb_simple(n, 1000, &len);
    uint8_t *z =
        lib_compress(codec, plain + KC_BATCH_HEADER_BYTES, len - KC_BATCH_HEADER_BYTES, &zlen);
    uint8_t *b = with_section(plain, codec, z, zlen, out_len);
    free(z);
    free(plain);
    return b;
}

static int count_visit(const kc_record *r, void *arg)
{
    (void)r;
    (*(int *)arg)++;
    return 0;
}

Test(compression, compressed_batches_are_validated_and_walked)
{
    for (size_t c = 0; c < sizeof(codecs) / sizeof(*codecs); c++) {
        const char *name = kc_codec_name(codecs[c]);
        size_t len;
        uint8_t *b = compressed_batch(codecs[c], 50, &len);
        kc_batch_header h;
        cr_assert_eq(kc_records_validate_produce(b, (int32_t)len, 1 << 20, &h), KC_ERR_NONE, "%s",
                     name);
        int seen = 0;
        cr_assert_eq(kc_batch_for_each_record(b, len, &h, true, count_visit, &seen), 0);
        cr_assert_eq(seen, 50, "%s: every record inside", name);
        int64_t ts;
        cr_assert_eq(kc_batch_offset_for_timestamp(b, len, &h, 1000 + 10 * 17, &ts), 17,
                     "%s: a timestamp inside the batch", name);
        cr_assert_eq(ts, 1000 + 10 * 17);
        free(b);
    }
}

Test(compression, garbage_behind_a_codec_bit_is_corrupt_message)
{
    size_t len;
    uint8_t *plain = bb_simple(3, 0, &len);
    uint8_t junk[150];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (uint8_t)(i * 91 + 7);
    for (size_t c = 0; c < sizeof(codecs) / sizeof(*codecs); c++) {
        size_t n;
        uint8_t *b = with_section(plain, codecs[c], junk, sizeof(junk), &n);
        kc_batch_header h;
        cr_assert_eq(kc_records_validate_produce(b, (int32_t)n, 1 << 20, &h),
                     KC_ERR_CORRUPT_MESSAGE, "%s", kc_codec_name(codecs[c]));
        free(b);
    }
    free(plain);
}

Test(compression, a_record_count_the_records_do_not_have_is_invalid)
{
    for (size_t c = 0; c < sizeof(codecs) / sizeof(*codecs); c++) {
        size_t len;
        uint8_t *b = compressed_batch(codecs[c], 3, &len);
        bb_put_i32(b + 57, 1000000); /* RecordCount */
        bb_put_i32(b + 23, 999999);  /* LastOffsetDelta */
        bb_fix_crc(b, len);
        kc_batch_header h;
        cr_assert_eq(kc_records_validate_produce(b, (int32_t)len, 1 << 20, &h),
                     KC_ERR_INVALID_RECORD, "%s", kc_codec_name(codecs[c]));
        free(b);
    }
}

Test(compression, a_batch_inflating_past_its_bound_is_too_large)
{
    /* one record with a 600 KiB value of zeros: a few KiB compressed */
    size_t vlen = 600 * 1024;
    char *value = malloc(vlen + 1);
    memset(value, 'z', vlen);
    value[vlen] = 0;
    bb_record r;
    bb_record_defaults(&r);
    r.key = "k";
    r.value = value;
    bb_batch bt;
    bb_batch_defaults(&bt);
    bt.n_records = 1;
    bt.records = &r;
    size_t len, zlen, n;
    uint8_t *plain = bb_build(&bt, &len);
    uint8_t *z = lib_compress(KC_CODEC_ZSTD, plain + KC_BATCH_HEADER_BYTES,
                              len - KC_BATCH_HEADER_BYTES, &zlen);
    uint8_t *b = with_section(plain, KC_CODEC_ZSTD, z, zlen, &n);
    kc_batch_header h;
    /* max.message.bytes 32 KiB: the bound is 16 x 32 KiB = 512 KiB, below the 600 KiB inside */
    cr_assert_eq(kc_records_validate_produce(b, (int32_t)n, 32 * 1024, &h),
                 KC_ERR_MESSAGE_TOO_LARGE);
    cr_assert_eq(kc_records_validate_produce(b, (int32_t)n, 64 * 1024, &h), KC_ERR_NONE,
                 "16 x 64 KiB covers it");
    free(b);
    free(z);
    free(plain);
    free(value);
}

Test(compression, null_keys_inside_compressed_batches_are_seen)
{
    bb_record r[2];
    bb_record_defaults(&r[0]);
    bb_record_defaults(&r[1]);
    r[0].key = "k";
    r[0].value = "v";
    r[1].key = NULL;
    r[1].value = "v";
    bb_batch bt;
    bb_batch_defaults(&bt);
    bt.n_records = 2;
    bt.records = r;
    size_t len, zlen, n;
    uint8_t *plain = bb_build(&bt, &len);
    uint8_t *z = lib_compress(KC_CODEC_LZ4, plain + KC_BATCH_HEADER_BYTES,
                              len - KC_BATCH_HEADER_BYTES, &zlen);
    uint8_t *b = with_section(plain, KC_CODEC_LZ4, z, zlen, &n);
    kc_batch_header h;
    cr_assert_eq(kc_records_validate_produce(b, (int32_t)n, 1 << 20, &h), KC_ERR_NONE);
    cr_assert(kc_batch_has_null_key(b, n, &h));
    free(b);
    free(z);
    free(plain);
}

/* ---- recompression (the topic's compression.type names another codec) ---- */

typedef struct collected {
    char values[64][16];
    int n;
} collected;

static int collect_visit(const kc_record *r, void *arg)
{
    collected *c = arg;
    snprintf(c->values[c->n++], sizeof(c->values[0]), "%.*s", (int)r->value_len,
             (const char *)r->value);
    return 0;
}

static collected records_of(const uint8_t *b, size_t len)
{
    kc_batch_header h;
    cr_assert_eq(kc_records_validate_produce(b, (int32_t)len, 1 << 20, &h), KC_ERR_NONE);
    collected c = {.n = 0};
    cr_assert_eq(kc_batch_for_each_record(b, len, &h, true, collect_visit, &c), 0);
    return c;
}

Test(compression, recompression_keeps_every_record_and_header_field)
{
    size_t len;
    uint8_t *gz = compressed_batch(KC_CODEC_GZIP, 40, &len);
    collected want = records_of(gz, len);
    cr_assert_eq(want.n, 40);
    const int targets[] = {KC_CODEC_ZSTD, KC_CODEC_NONE, KC_CODEC_SNAPPY, KC_CODEC_LZ4};
    for (size_t i = 0; i < sizeof(targets) / sizeof(*targets); i++) {
        kc_batch_header h, g;
        kc_batch_header_parse(gz, len, &g);
        uint8_t *out;
        size_t out_len;
        cr_assert_eq(kc_batch_recompress(gz, len, &g, targets[i], 1 << 20, &out, &out_len), 0);
        kc_batch_header_parse(out, out_len, &h);
        cr_assert_eq(h.attributes & KC_ATTR_CODEC_MASK, targets[i]);
        cr_assert_eq((size_t)h.length + KC_BATCH_LOG_OVERHEAD, out_len);
        cr_assert_eq(h.record_count, g.record_count);
        cr_assert_eq(h.base_timestamp, g.base_timestamp);
        cr_assert_eq(h.max_timestamp, g.max_timestamp);
        cr_assert_eq(h.producer_id, g.producer_id);
        cr_assert_eq(h.base_sequence, g.base_sequence);
        collected got = records_of(out, out_len);
        cr_assert_eq(got.n, want.n, "%s", kc_codec_name(targets[i]));
        for (int r = 0; r < got.n; r++)
            cr_assert_str_eq(got.values[r], want.values[r]);
        free(out);
    }
    uint8_t *out;
    size_t out_len;
    kc_batch_header g;
    kc_batch_header_parse(gz, len, &g);
    cr_assert_eq(kc_batch_recompress(gz, len, &g, KC_CODEC_ZSTD, 100, &out, &out_len),
                 KC_CODEC_ERR_TOO_LARGE, "the inflation bound holds here too");
    free(gz);
}

Test(compression, compression_type_names)
{
    cr_assert_eq(kc_compression_type_parse("producer"), KC_CODEC_PRODUCER);
    cr_assert_eq(kc_compression_type_parse("uncompressed"), KC_CODEC_NONE);
    cr_assert_eq(kc_compression_type_parse("gzip"), KC_CODEC_GZIP);
    cr_assert_eq(kc_compression_type_parse("snappy"), KC_CODEC_SNAPPY);
    cr_assert_eq(kc_compression_type_parse("lz4"), KC_CODEC_LZ4);
    cr_assert_eq(kc_compression_type_parse("zstd"), KC_CODEC_ZSTD);
    cr_assert_eq(kc_compression_type_parse("none"), -2);
    cr_assert_eq(kc_compression_type_parse("Zstd"), -2);
}

Test(compression, arbitrary_bytes_are_corrupt_not_too_large)
{
    /* a raw snappy block has no magic: its length varint must not be believed unchecked */
    unsigned seed = 12345;
    uint8_t junk[150];
    for (int round = 0; round < 2000; round++) {
        for (size_t i = 0; i < sizeof(junk); i++)
            junk[i] = (uint8_t)rand_r(&seed);
        for (size_t c = 0; c < sizeof(codecs) / sizeof(*codecs); c++) {
            uint8_t *out;
            size_t n;
            cr_assert_eq(kc_decompress(codecs[c], junk, sizeof(junk), 1 << 20, &out, &n),
                         KC_CODEC_ERR_CORRUPT, "%s, round %d", kc_codec_name(codecs[c]), round);
        }
    }
}
