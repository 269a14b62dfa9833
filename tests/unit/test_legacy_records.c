/*
 * Message format v0/v1 at the protocol's edge (proto/legacy_records.h): up-conversion of
 * Produce v0-2 message sets and down-conversion for Fetch v0-3. Legacy entries are written here
 * byte by byte from the protocol guide (CRC-32 with zlib), wrappers compressed with
 * kc_compress() (which test_compression checks against the libraries); the converted batches
 * are checked with the broker's own produce validation and record walker.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "proto/compression.h"
#include "proto/errors.h"
#include "proto/legacy_records.h"
#include "proto/records.h"

#define MAX_INFLATE (1 << 20)

typedef struct entry {
    const char *key, *value; /* NULL = null */
    int64_t ts;
} entry;

/* One legacy entry of @p magic with @p attributes; @p value_bytes / @p value_len override the
 * value (for wrappers). */
static void put_entry(kc_wbuf *w, int8_t magic, int8_t attributes, int64_t offset, int64_t ts,
                      const char *key, const uint8_t *value, int32_t value_len)
{
    size_t start = w->len;
    kc_wbuf_i64(w, offset);
    kc_wbuf_i32(w, 0);
    kc_wbuf_i32(w, 0);
    kc_wbuf_i8(w, magic);
    kc_wbuf_i8(w, attributes);
    if (magic == 1)
        kc_wbuf_i64(w, ts);
    kc_wbuf_i32(w, key ? (int32_t)strlen(key) : -1);
    if (key)
        kc_wbuf_put(w, key, strlen(key));
    kc_wbuf_i32(w, value_len);
    if (value_len > 0)
        kc_wbuf_put(w, value, (size_t)value_len);
    size_t size = w->len - start - 12;
    kc_wbuf_i32_at(w, start + 8, (int32_t)size);
    kc_wbuf_i32_at(w, start + 12, (int32_t)crc32(0, w->data + start + 16, (uInt)(size - 4)));
}

static void put_set(kc_wbuf *w, int8_t magic, const entry *e, int n, int64_t first_offset)
{
    for (int i = 0; i < n; i++)
        put_entry(w, magic, 0, first_offset + i, e[i].ts, e[i].key, (const uint8_t *)e[i].value,
                  e[i].value ? (int32_t)strlen(e[i].value) : -1);
}

/* A wrapper of @p codec around the entries (inner offsets relative, wrapper offset the last). */
static void put_wrapper(kc_wbuf *w, int8_t magic, int codec, const entry *e, int n)
{
    kc_wbuf inner = {0};
    put_set(&inner, magic, e, n, 0);
    uint8_t *z;
    size_t zlen;
    cr_assert_eq(kc_compress(codec, inner.data, inner.len, &z, &zlen), 0);
    put_entry(w, magic, (int8_t)codec, n - 1, e[n - 1].ts, NULL, z, (int32_t)zlen);
    free(z);
    kc_wbuf_free(&inner);
}

typedef struct seen {
    entry e[16];
    char keys[16][32], values[16][32];
    int64_t offsets[16];
    int n;
} seen;

static int collect(const kc_record *r, void *arg)
{
    seen *s = arg;
    cr_assert_lt(s->n, 16);
    int i = s->n++;
    s->offsets[i] = r->offset_delta;
    s->e[i].ts = r->timestamp_delta;
    s->e[i].key = s->e[i].value = NULL;
    if (r->key_len >= 0) {
        memcpy(s->keys[i], r->key, (size_t)r->key_len);
        s->keys[i][r->key_len] = 0;
        s->e[i].key = s->keys[i];
    }
    if (r->value_len >= 0) {
        memcpy(s->values[i], r->value, (size_t)r->value_len);
        s->values[i][r->value_len] = 0;
        s->e[i].value = s->values[i];
    }
    return 0;
}

static void str_eq_or_null(const char *got, const char *want, const char *what, int i)
{
    if (!want)
        cr_assert_null(got, "record %d: %s should be null", i, what);
    else
        cr_assert(got && strcmp(got, want) == 0, "record %d: %s '%s', want '%s'", i, what,
                  got ? got : "(null)", want);
}

/* Up-converts @p set and checks the batch: it passes produce validation, has @p codec and
 * holds @p want in order with their timestamps. */
static void expect_batch(const kc_wbuf *set, int codec, const entry *want, int n)
{
    uint8_t *batch;
    size_t len;
    cr_assert_eq(kc_legacy_up_convert(set->data, set->len, MAX_INFLATE, &batch, &len), KC_ERR_NONE);
    kc_batch_header h;
    cr_assert_eq(kc_records_validate_produce(batch, (int32_t)len, 1 << 20, &h), KC_ERR_NONE);
    cr_assert_eq(h.magic, 2);
    cr_assert_eq(h.attributes & KC_ATTR_CODEC_MASK, codec, "codec %d, want %d",
                 h.attributes & KC_ATTR_CODEC_MASK, codec);
    cr_assert_eq(h.record_count, n);
    cr_assert_eq(h.producer_id, -1);
    int64_t max_ts = want[0].ts;
    for (int i = 1; i < n; i++)
        max_ts = want[i].ts > max_ts ? want[i].ts : max_ts;
    cr_assert_eq(h.base_timestamp, want[0].ts);
    cr_assert_eq(h.max_timestamp, max_ts);
    seen s = {0};
    cr_assert_eq(kc_batch_for_each_record(batch, len, &h, true, collect, &s), 0);
    cr_assert_eq(s.n, n);
    for (int i = 0; i < n; i++) {
        cr_assert_eq(s.offsets[i], i);
        cr_assert_eq(h.base_timestamp + s.e[i].ts, want[i].ts, "record %d: timestamp", i);
        str_eq_or_null(s.e[i].key, want[i].key, "key", i);
        str_eq_or_null(s.e[i].value, want[i].value, "value", i);
    }
    free(batch);
}

static const entry sample[] = {
    {"k1", "first", 1700000000000},
    {NULL, "no key", 1700000000007},
    {"k3", NULL, 1700000000003},
    {"k4", "", 1700000000009},
};
#define N_SAMPLE 4

Test(legacy, uncompressed_v1_set_becomes_one_batch)
{
    kc_wbuf w = {0};
    put_set(&w, 1, sample, N_SAMPLE, 0);
    expect_batch(&w, KC_CODEC_NONE, sample, N_SAMPLE);
    kc_wbuf_free(&w);
}

Test(legacy, v0_entries_have_no_timestamp)
{
    entry e[N_SAMPLE];
    memcpy(e, sample, sizeof(e));
    for (int i = 0; i < N_SAMPLE; i++)
        e[i].ts = -1;
    kc_wbuf w = {0};
    put_set(&w, 0, sample, N_SAMPLE, 0);
    expect_batch(&w, KC_CODEC_NONE, e, N_SAMPLE);
    kc_wbuf_free(&w);
}

Test(legacy, compressed_wrappers_keep_their_codec)
{
    const int codecs[] = {KC_CODEC_GZIP, KC_CODEC_SNAPPY, KC_CODEC_LZ4};
    for (size_t c = 0; c < 3; c++) {
        kc_wbuf w = {0};
        put_wrapper(&w, 1, codecs[c], sample, 2);
        put_wrapper(&w, 1, codecs[c], sample + 2, 2); /* two wrappers: one batch */
        expect_batch(&w, codecs[c], sample, N_SAMPLE);
        kc_wbuf_free(&w);
    }
}

static int up(const kc_wbuf *w, size_t max_inflate)
{
    uint8_t *batch = NULL;
    size_t len;
    int rc = kc_legacy_up_convert(w->data, w->len, max_inflate, &batch, &len);
    cr_assert((rc == KC_ERR_NONE) == (batch != NULL), "a batch only on success");
    free(batch);
    return rc;
}

Test(legacy, bad_sets_are_refused_with_kafka_errors)
{
    kc_wbuf good = {0};
    put_set(&good, 1, sample, N_SAMPLE, 0);
    size_t next_entry = 0; /* a cut between entries is a valid, shorter set */
    for (size_t n = 1; n < good.len; n++) {
        if (n > next_entry)
            next_entry += 12 + kc_be32(good.data + next_entry + 8);
        kc_wbuf cut = {.data = good.data, .len = n, .cap = good.cap};
        cr_assert_eq(up(&cut, MAX_INFLATE), n == next_entry ? KC_ERR_NONE : KC_ERR_CORRUPT_MESSAGE,
                     "prefix of %zu bytes", n);
    }
    kc_wbuf empty = {0};
    cr_assert_eq(up(&empty, MAX_INFLATE), KC_ERR_INVALID_RECORD);

    good.data[good.len - 1] ^= 1; /* inside the CRC's range */
    cr_assert_eq(up(&good, MAX_INFLATE), KC_ERR_CORRUPT_MESSAGE, "bad CRC");
    kc_wbuf_free(&good);

    kc_wbuf w = {0};
    put_entry(&w, 3, 0, 0, 0, "k", (const uint8_t *)"v", 1);
    cr_assert_eq(up(&w, MAX_INFLATE), KC_ERR_CORRUPT_MESSAGE, "magic 3");
    kc_wbuf_free(&w);

    put_wrapper(&w, 1, KC_CODEC_ZSTD, sample, 2);
    cr_assert_eq(up(&w, MAX_INFLATE), KC_ERR_UNSUPPORTED_COMPRESSION_TYPE, "zstd needs magic 2");
    kc_wbuf_free(&w);

    put_wrapper(&w, 1, KC_CODEC_GZIP, sample, N_SAMPLE);
    cr_assert_eq(up(&w, 16), KC_ERR_MESSAGE_TOO_LARGE, "inflates past the bound");
    kc_wbuf_free(&w);

    /* a wrapper inside a wrapper */
    kc_wbuf inner = {0};
    put_wrapper(&inner, 1, KC_CODEC_GZIP, sample, 2);
    uint8_t *z;
    size_t zlen;
    cr_assert_eq(kc_compress(KC_CODEC_GZIP, inner.data, inner.len, &z, &zlen), 0);
    put_entry(&w, 1, KC_CODEC_GZIP, 0, 0, NULL, z, (int32_t)zlen);
    cr_assert_eq(up(&w, MAX_INFLATE), KC_ERR_CORRUPT_MESSAGE, "nested wrapper");
    free(z);
    kc_wbuf_free(&inner);
    kc_wbuf_free(&w);

    const uint8_t junk[] = "not gzip at all";
    put_entry(&w, 1, KC_CODEC_GZIP, 0, 0, NULL, junk, (int32_t)sizeof(junk));
    cr_assert_eq(up(&w, MAX_INFLATE), KC_ERR_CORRUPT_MESSAGE, "wrapper that does not inflate");
    kc_wbuf_free(&w);
}

/* Parses legacy entries back; returns how many. */
static int parse_legacy(const kc_wbuf *w, int8_t magic, int64_t *offsets, seen *s)
{
    const uint8_t *p = w->data, *end = w->data + w->len;
    int n = 0;
    while (p < end) {
        cr_assert_geq(end - p, 12);
        offsets[n] = (int64_t)kc_be64(p);
        int32_t size = (int32_t)kc_be32(p + 8);
        const uint8_t *e = p + 12;
        cr_assert_eq(kc_be32(e), (uint32_t)crc32(0, e + 4, (uInt)(size - 4)), "entry %d CRC", n);
        cr_assert_eq((int8_t)e[4], magic);
        cr_assert_eq(e[5], 0, "uncompressed, CreateTime");
        const uint8_t *q = e + 6;
        s->e[n].ts = -1;
        if (magic == 1) {
            s->e[n].ts = (int64_t)kc_be64(q);
            q += 8;
        }
        for (int f = 0; f < 2; f++) {
            int32_t len = (int32_t)kc_be32(q);
            q += 4;
            char *dst = f ? s->values[n] : s->keys[n];
            if (len >= 0) {
                memcpy(dst, q, (size_t)len);
                dst[len] = 0;
                q += len;
            }
            *(f ? &s->e[n].value : &s->e[n].key) = len >= 0 ? dst : NULL;
        }
        cr_assert_eq(q, e + size, "entry %d: fields fill its size", n);
        p = q;
        n++;
    }
    return n;
}

/* v2 batch of the sample at base offset 100 in @p codec, followed by @p tail bytes of a cut
 * copy of itself (what a size-limited read returns). */
static kc_wbuf stored_batches(int codec, size_t tail)
{
    kc_wbuf w = {0};
    int64_t ts[N_SAMPLE];
    kc_record_in recs[N_SAMPLE];
    for (int i = 0; i < N_SAMPLE; i++) {
        ts[i] = sample[i].ts;
        recs[i].key = (kc_bytes){(const uint8_t *)sample[i].key,
                                 sample[i].key ? (int32_t)strlen(sample[i].key) : -1};
        recs[i].value = (kc_bytes){(const uint8_t *)sample[i].value,
                                   sample[i].value ? (int32_t)strlen(sample[i].value) : -1};
    }
    kc_batch_build_timed(&w, 0, ts, recs, N_SAMPLE);
    if (codec != KC_CODEC_NONE) {
        kc_batch_header h;
        kc_batch_header_parse(w.data, w.len, &h);
        uint8_t *z;
        size_t zlen;
        cr_assert_eq(kc_batch_recompress(w.data, w.len, &h, codec, MAX_INFLATE, &z, &zlen), 0);
        kc_wbuf_free(&w);
        kc_wbuf_put(&w, z, zlen);
        free(z);
    }
    kc_put_be64(w.data, 100);
    size_t one = w.len;
    for (size_t i = 0; i < tail && i < one; i++)
        kc_wbuf_u8(&w, w.data[i]);
    return w;
}

Test(legacy, down_conversion_writes_each_record_from_the_fetch_offset)
{
    const int codecs[] = {KC_CODEC_NONE, KC_CODEC_GZIP, KC_CODEC_ZSTD};
    for (size_t c = 0; c < 3; c++)
        for (int8_t magic = 0; magic <= 1; magic++) {
            kc_wbuf in = stored_batches(codecs[c], 70); /* + a partial batch */
            kc_wbuf out = {0};
            cr_assert_eq(kc_legacy_down_convert(in.data, in.len, magic, 101, &out), 0);
            int64_t offsets[16];
            seen s = {0};
            int n = parse_legacy(&out, magic, offsets, &s);
            cr_assert_eq(n, N_SAMPLE - 1, "records from offset 101 of the whole batch only");
            for (int i = 0; i < n; i++) {
                cr_assert_eq(offsets[i], 101 + i);
                cr_assert_eq(s.e[i].ts, magic == 1 ? sample[i + 1].ts : -1);
                str_eq_or_null(s.e[i].key, sample[i + 1].key, "key", i);
                str_eq_or_null(s.e[i].value, sample[i + 1].value, "value", i);
            }
            /* and the converted set up-converts back to the same records */
            if (magic == 1)
                expect_batch(&out, KC_CODEC_NONE, sample + 1, N_SAMPLE - 1);
            kc_wbuf_free(&out);
            kc_wbuf_free(&in);
        }
}

Test(legacy, control_batches_and_partial_input_convert_to_nothing)
{
    kc_wbuf in = stored_batches(KC_CODEC_NONE, 0);
    kc_wbuf out = {0};
    cr_assert_eq(kc_legacy_down_convert(in.data, 40, 1, 0, &out), 0, "a cut header");
    cr_assert_eq(out.len, 0);
    cr_assert_eq(kc_legacy_down_convert(in.data, in.len - 1, 1, 0, &out), 0, "a cut batch");
    cr_assert_eq(out.len, 0);
    in.data[KC_BATCH_OFF_ATTRIBUTES + 1] |= KC_ATTR_CONTROL;
    cr_assert_eq(kc_legacy_down_convert(in.data, in.len, 1, 0, &out), 0);
    cr_assert_eq(out.len, 0, "control batches are not for old clients");
    kc_wbuf_free(&in);
}
