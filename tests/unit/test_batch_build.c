/*
 * kc_batch_build (src/proto/records.h), the RecordBatch v2 writer of the broker's own records
 * (the group coordinator's offset commits and group metadata): the header fields Kafka's
 * MemoryRecordsBuilder writes for such a batch, acceptance by the produce validator, keys,
 * values and null tombstones read back by the record parser, appending after bytes already in
 * the writer, and byte-for-byte equality with the independent test builder (support/
 * batch_builder.h) for the same records.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "batch_builder.h"
#include "proto/errors.h"
#include "proto/records.h"

#define BYTES(lit) ((kc_bytes){(const uint8_t *)(lit), (int32_t)sizeof(lit) - 1})
#define NULL_BYTES ((kc_bytes){NULL, -1})

typedef struct seen {
    int n;
    kc_record rec[8];
} seen;

static int collect(const kc_record *r, void *arg)
{
    seen *s = arg;
    cr_assert_lt(s->n, 8);
    s->rec[s->n++] = *r;
    return 0;
}

static void expect_field(const uint8_t *p, int32_t len, kc_bytes want, const char *what, int i)
{
    cr_assert_eq(len, want.len, "record %d %s length %d, want %d", i, what, len, want.len);
    if (want.len > 0)
        cr_assert(memcmp(p, want.p, (size_t)want.len) == 0, "record %d %s bytes", i, what);
}

/* Build @p n records, check the header and every record, return the batch's size. */
static size_t check_batch(const uint8_t *b, size_t len, int64_t ts, const kc_record_in *in, int n)
{
    kc_batch_header h;
    cr_assert_eq(kc_batch_header_parse(b, len, &h), 0);
    cr_assert_eq(h.base_offset, 0);
    cr_assert_eq((size_t)h.length + KC_BATCH_LOG_OVERHEAD, len, "Length covers the batch");
    cr_assert_eq(h.partition_leader_epoch, -1);
    cr_assert_eq(h.magic, 2);
    cr_assert_eq(h.crc, kc_batch_compute_crc(b, len));
    cr_assert_eq(h.attributes, 0, "CreateTime, no codec, not transactional, not control");
    cr_assert_eq(h.last_offset_delta, n - 1);
    cr_assert_eq(h.base_timestamp, ts);
    cr_assert_eq(h.max_timestamp, ts);
    cr_assert_eq(h.producer_id, -1);
    cr_assert_eq(h.producer_epoch, -1);
    cr_assert_eq(h.base_sequence, -1);
    cr_assert_eq(h.record_count, n);

    kc_batch_header vh;
    cr_assert_eq(kc_records_validate_produce(b, (int32_t)len, 1 << 20, &vh), KC_ERR_NONE);

    seen s = {0};
    cr_assert_eq(kc_batch_for_each_record(b, len, &h, true, collect, &s), 0);
    cr_assert_eq(s.n, n);
    for (int i = 0; i < n; i++) {
        cr_assert_eq(s.rec[i].offset_delta, i);
        cr_assert_eq(s.rec[i].timestamp_delta, 0);
        cr_assert_eq(s.rec[i].header_count, 0);
        expect_field(s.rec[i].key, s.rec[i].key_len, in[i].key, "key", i);
        expect_field(s.rec[i].value, s.rec[i].value_len, in[i].value, "value", i);
    }
    return len;
}

Test(batch_build, one_record)
{
    kc_record_in r = {BYTES("k"), BYTES("v")};
    kc_wbuf w = {0};
    kc_batch_build(&w, 1700000000000, &r, 1);
    /* 61-byte header + record: length 1, attrs 1, ts delta 1, offset delta 1, key 1+1,
     * value 1+1, header count 1 = 9 bytes */
    cr_assert_eq(w.len, 61 + 9);
    check_batch(w.data, w.len, 1700000000000, &r, 1);
    kc_wbuf_free(&w);
}

Test(batch_build, keys_values_and_tombstones)
{
    kc_record_in r[4] = {
        {BYTES("\x00\x01\x00\x08my-group"), BYTES("\x00\x03payload")}, /* binary, NULs inside */
        {BYTES("tomb"), NULL_BYTES},                                   /* a tombstone */
        {NULL_BYTES, BYTES("no key")},
        {BYTES(""), BYTES("")}, /* empty, not null */
    };
    kc_wbuf w = {0};
    kc_batch_build(&w, 42, r, 4);
    check_batch(w.data, w.len, 42, r, 4);
    kc_batch_header h;
    kc_batch_header_parse(w.data, w.len, &h);
    cr_assert(kc_batch_has_null_key(w.data, w.len, &h), "the record without a key is seen");
    kc_wbuf_free(&w);
}

Test(batch_build, appends_after_what_the_writer_holds)
{
    kc_record_in r[2] = {{BYTES("a"), BYTES("1")}, {BYTES("b"), NULL_BYTES}};
    kc_wbuf w = {0};
    kc_wbuf_put(&w, "prefix", 6);
    kc_batch_build(&w, 7, r, 2);
    size_t first = w.len - 6;
    kc_batch_build(&w, 8, r, 1);
    cr_assert(memcmp(w.data, "prefix", 6) == 0);
    check_batch(w.data + 6, first, 7, r, 2);
    check_batch(w.data + 6 + first, w.len - 6 - first, 8, r, 1);
    kc_wbuf_free(&w);
}

Test(batch_build, large_values_take_multi_byte_varints)
{
    size_t big = 300000; /* a 3-byte varint length, and a record length above 2^14 */
    uint8_t *v = malloc(big);
    cr_assert_not_null(v);
    for (size_t i = 0; i < big; i++)
        v[i] = (uint8_t)(i * 7);
    kc_record_in r[130];
    for (int i = 0; i < 130; i++) /* offset deltas up to 129: two-byte varints from 64 */
        r[i] = (kc_record_in){BYTES("k"), i == 129 ? (kc_bytes){v, (int32_t)big} : BYTES("x")};
    kc_wbuf w = {0};
    kc_batch_build(&w, 1, r, 130);
    kc_batch_header h;
    cr_assert_eq(kc_batch_header_parse(w.data, w.len, &h), 0);
    kc_batch_header vh;
    cr_assert_eq(kc_records_validate_produce(w.data, (int32_t)w.len, 1 << 20, &vh), KC_ERR_NONE);
    cr_assert_eq(h.record_count, 130);
    kc_wbuf_free(&w);
    free(v);
}

/* The same batch from support/batch_builder.h, written without any cafka code but the CRC. */
static uint8_t *reference_build(int64_t ts, const char *const *keys, const char *const *values,
                                int n, size_t *len)
{
    bb_record recs[8];
    for (int i = 0; i < n; i++) {
        bb_record_defaults(&recs[i]);
        recs[i].key = keys[i];
        recs[i].value = values[i];
    }
    bb_batch b;
    bb_batch_defaults(&b);
    b.partition_leader_epoch = -1;
    b.base_timestamp = ts;
    b.n_records = n;
    b.records = recs;
    return bb_build(&b, len);
}

static kc_bytes cbytes(const char *s)
{
    return s ? (kc_bytes){(const uint8_t *)s, (int32_t)strlen(s)} : NULL_BYTES;
}

Test(batch_build, identical_to_the_independent_builder)
{
    const char *keys[5] = {"k0", "key-one", NULL, "k3", ""};
    const char *values[5] = {"v0", NULL, "value two", "", "last"};
    for (int n = 1; n <= 5; n++) {
        kc_record_in in[5];
        for (int i = 0; i < n; i++)
            in[i] = (kc_record_in){cbytes(keys[i]), cbytes(values[i])};
        size_t want_len;
        uint8_t *want = reference_build(1700000000123, keys, values, n, &want_len);
        kc_wbuf w = {0};
        kc_batch_build(&w, 1700000000123, in, n);
        cr_assert_eq(w.len, want_len, "n = %d: %zu bytes, want %zu", n, w.len, want_len);
        for (size_t i = 0; i < want_len; i++)
            cr_assert_eq(w.data[i], want[i], "n = %d: byte %zu is %02x, want %02x", n, i, w.data[i],
                         want[i]);
        kc_wbuf_free(&w);
        free(want);
    }
}
