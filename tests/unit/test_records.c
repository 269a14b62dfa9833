/*
 * RecordBatch v2 parsing and produce-side validation (src/proto/records.h). Batches come from
 * the independent builder in support/batch_builder.c; each bad-field test changes exactly one
 * thing and keeps the CRC-32C valid unless the CRC is the point.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "batch_builder.h"
#include "proto/errors.h"
#include "proto/records.h"

#define MAX_MSG 1048588

static int validate(const uint8_t *p, size_t len)
{
    kc_batch_header h;
    return kc_records_validate_produce(p, (int32_t)len, MAX_MSG, &h);
}

/* Builds a batch of 3 default records after letting @p tweak the batch header fields. */
static uint8_t *build_with(void (*tweak)(bb_batch *), size_t *len)
{
    bb_record recs[3];
    for (int i = 0; i < 3; i++) {
        bb_record_defaults(&recs[i]);
        recs[i].timestamp_delta = i;
        recs[i].key = "key";
        recs[i].value = "value";
    }
    bb_batch b;
    bb_batch_defaults(&b);
    b.n_records = 3;
    b.records = recs;
    if (tweak)
        tweak(&b);
    return bb_build(&b, len);
}

Test(records, valid_batch_accepted)
{
    size_t len;
    uint8_t *p = bb_simple(5, 1700000000000ll, &len);
    kc_batch_header h;
    memset(&h, 0, sizeof(h));
    cr_assert_eq(kc_records_validate_produce(p, (int32_t)len, MAX_MSG, &h), KC_ERR_NONE);
    cr_assert_eq(h.base_offset, 0);
    cr_assert_eq(h.length, (int32_t)len - 12);
    cr_assert_eq(h.magic, 2);
    cr_assert_eq(h.record_count, 5);
    cr_assert_eq(h.last_offset_delta, 4);
    cr_assert_eq(h.base_timestamp, 1700000000000ll);
    cr_assert_eq(h.max_timestamp, 1700000000040ll);
    cr_assert_eq(h.producer_id, -1);
    cr_assert_eq(h.producer_epoch, -1);
    cr_assert_eq(h.base_sequence, -1);
    cr_assert_eq(h.attributes, 0);
    cr_assert_eq(h.crc, (uint32_t)bb_get_i32(p + 17));
    cr_assert_eq(kc_batch_walk_records(p, len, &h), 0);
    free(p);
}

Test(records, valid_single_record_null_key_and_value)
{
    bb_record r;
    bb_record_defaults(&r);
    bb_batch b;
    bb_batch_defaults(&b);
    b.n_records = 1;
    b.records = &r;
    size_t len;
    uint8_t *p = bb_build(&b, &len);
    cr_assert_eq(validate(p, len), KC_ERR_NONE);
    free(p);
}

Test(records, valid_headers_with_null_values)
{
    bb_record r[2];
    bb_record_defaults(&r[0]);
    bb_record_defaults(&r[1]);
    r[0].value = "v";
    r[0].n_headers = 3;
    r[0].header_keys[0] = "a";
    r[0].header_values[0] = "1";
    r[0].header_keys[1] = "";
    r[0].header_values[1] = NULL;
    r[0].header_keys[2] = "trace-id";
    r[0].header_values[2] = "";
    r[1].key = "";
    r[1].value = "";
    bb_batch b;
    bb_batch_defaults(&b);
    b.n_records = 2;
    b.records = r;
    size_t len;
    uint8_t *p = bb_build(&b, &len);
    cr_assert_eq(validate(p, len), KC_ERR_NONE);
    free(p);
}

Test(records, valid_many_records)
{
    size_t len;
    uint8_t *p = bb_simple(2000, 5, &len);
    cr_assert_eq(validate(p, len), KC_ERR_NONE);
    free(p);
}

static void idempotent(bb_batch *b)
{
    b->producer_id = 4000;
    b->producer_epoch = 0;
    b->base_sequence = 0;
}

Test(records, valid_idempotent_producer)
{
    size_t len;
    uint8_t *p = build_with(idempotent, &len);
    cr_assert_eq(validate(p, len), KC_ERR_NONE);
    free(p);
}

Test(records, header_parse)
{
    uint8_t raw[61];
    memset(raw, 0, sizeof(raw));
    bb_put_i64(raw + 0, 0x0102030405060708ll);
    bb_put_i32(raw + 8, 49);
    bb_put_i32(raw + 12, -5);
    raw[16] = 2;
    bb_put_i32(raw + 17, (int32_t)0xCAFEBABEu);
    bb_put_i16(raw + 21, 0x0013);
    bb_put_i32(raw + 23, 6);
    bb_put_i64(raw + 27, 111);
    bb_put_i64(raw + 35, 222);
    bb_put_i64(raw + 43, 333);
    bb_put_i16(raw + 51, 44);
    bb_put_i32(raw + 53, 55);
    bb_put_i32(raw + 57, 7);
    kc_batch_header h;
    cr_assert_eq(kc_batch_header_parse(raw, sizeof(raw), &h), 0);
    cr_assert_eq(h.base_offset, 0x0102030405060708ll);
    cr_assert_eq(h.length, 49);
    cr_assert_eq(h.partition_leader_epoch, -5);
    cr_assert_eq(h.magic, 2);
    cr_assert_eq(h.crc, 0xCAFEBABEu);
    cr_assert_eq(h.attributes, 0x13);
    cr_assert_eq(h.last_offset_delta, 6);
    cr_assert_eq(h.base_timestamp, 111);
    cr_assert_eq(h.max_timestamp, 222);
    cr_assert_eq(h.producer_id, 333);
    cr_assert_eq(h.producer_epoch, 44);
    cr_assert_eq(h.base_sequence, 55);
    cr_assert_eq(h.record_count, 7);
    cr_assert_eq(kc_batch_header_parse(raw, 60, &h), -1);
}

Test(records, crc_covers_attributes_to_end)
{
    size_t len;
    uint8_t *p = bb_simple(3, 0, &len);
    cr_assert_eq(kc_batch_compute_crc(p, len), (uint32_t)bb_get_i32(p + 17));
    /* BaseOffset, Length, PartitionLeaderEpoch, Magic are outside it */
    bb_put_i64(p, 12345);
    bb_put_i32(p + 12, 99);
    cr_assert_eq(kc_batch_compute_crc(p, len), (uint32_t)bb_get_i32(p + 17));
    p[21] ^= 0x40;
    cr_assert_neq(kc_batch_compute_crc(p, len), (uint32_t)bb_get_i32(p + 17));
    free(p);
}

/* ---- one bad field each ---- */

Test(records, magic_not_2)
{
    for (int m = 0; m < 4; m++) {
        if (m == 2)
            continue;
        size_t len;
        uint8_t *p = bb_simple(2, 0, &len);
        p[16] = (uint8_t)m; /* outside the CRC */
        cr_assert_eq(validate(p, len), KC_ERR_INVALID_RECORD, "magic %d", m);
        free(p);
    }
}

Test(records, length_field_larger_than_bytes)
{
    size_t len;
    uint8_t *p = bb_simple(2, 0, &len);
    bb_put_i32(p + 8, (int32_t)len - 12 + 1);
    cr_assert_eq(validate(p, len), KC_ERR_INVALID_RECORD);
    free(p);
}

Test(records, length_field_smaller_than_bytes)
{
    size_t len;
    uint8_t *p = bb_simple(2, 0, &len);
    bb_put_i32(p + 8, (int32_t)len - 12 - 1);
    cr_assert_eq(validate(p, len), KC_ERR_INVALID_RECORD);
    free(p);
}

Test(records, length_field_too_small)
{
    size_t len;
    uint8_t *p = bb_simple(1, 0, &len);
    /* a header-only batch whose Length claims less than the fixed header */
    bb_put_i32(p + 8, 48);
    cr_assert_eq(validate(p, 60), KC_ERR_INVALID_RECORD);
    cr_assert_eq(validate(p, 61), KC_ERR_INVALID_RECORD);
    bb_put_i32(p + 8, -1);
    cr_assert_eq(validate(p, len), KC_ERR_INVALID_RECORD);
    bb_put_i32(p + 8, INT32_MAX);
    cr_assert_eq(validate(p, len), KC_ERR_INVALID_RECORD);
    free(p);
}

Test(records, shorter_than_header)
{
    size_t len;
    uint8_t *p = bb_simple(1, 0, &len);
    for (size_t n = 0; n < 61; n++)
        cr_assert_eq(validate(p, n), KC_ERR_INVALID_RECORD, "%zu bytes", n);
    free(p);
}

static void zero_records(bb_batch *b)
{
    b->n_records = 0; /* RecordCount 0, LastOffsetDelta -1 */
}

Test(records, record_count_zero)
{
    size_t len;
    uint8_t *p = build_with(zero_records, &len);
    cr_assert_eq(len, 61);
    cr_assert_eq(validate(p, len), KC_ERR_INVALID_RECORD);
    free(p);
}

static void zero_count_with_records(bb_batch *b)
{
    b->record_count = 0;
    b->last_offset_delta = -1;
}

Test(records, record_count_zero_with_records_present)
{
    size_t len;
    uint8_t *p = build_with(zero_count_with_records, &len);
    cr_assert_eq(validate(p, len), KC_ERR_INVALID_RECORD);
    free(p);
}

static void negative_count(bb_batch *b)
{
    b->record_count = -1;
    b->last_offset_delta = -2;
}

Test(records, record_count_negative)
{
    size_t len;
    uint8_t *p = build_with(negative_count, &len);
    cr_assert_eq(validate(p, len), KC_ERR_INVALID_RECORD);
    free(p);
}

static void lod_too_big(bb_batch *b)
{
    b->last_offset_delta = 3; /* 3 records: must be 2 */
}

static void lod_too_small(bb_batch *b)
{
    b->last_offset_delta = 1;
}

Test(records, last_offset_delta_not_count_minus_one)
{
    size_t len;
    uint8_t *p = build_with(lod_too_big, &len);
    cr_assert_eq(validate(p, len), KC_ERR_INVALID_RECORD);
    free(p);
    p = build_with(lod_too_small, &len);
    cr_assert_eq(validate(p, len), KC_ERR_INVALID_RECORD);
    free(p);
}

Test(records, base_offset_not_zero)
{
    size_t len;
    uint8_t *p = bb_simple(2, 0, &len);
    bb_put_i64(p, 5); /* outside the CRC */
    cr_assert_eq(validate(p, len), KC_ERR_INVALID_RECORD);
    bb_put_i64(p, -1);
    cr_assert_eq(validate(p, len), KC_ERR_INVALID_RECORD);
    free(p);
}

static int16_t attr;
static void set_attr(bb_batch *b)
{
    b->attributes = attr;
}

static int validate_with_attr(int16_t a)
{
    attr = a;
    size_t len;
    uint8_t *p = build_with(set_attr, &len);
    int rc = validate(p, len);
    free(p);
    return rc;
}

Test(records, codec_5_to_7)
{
    cr_assert_eq(validate_with_attr(5), KC_ERR_INVALID_RECORD);
    cr_assert_eq(validate_with_attr(6), KC_ERR_INVALID_RECORD);
    cr_assert_eq(validate_with_attr(7), KC_ERR_INVALID_RECORD);
}

Test(records, control_bit)
{
    cr_assert_eq(validate_with_attr(KC_ATTR_CONTROL), KC_ERR_INVALID_RECORD);
}

Test(records, transactional_bit)
{
    cr_assert_eq(validate_with_attr(KC_ATTR_TRANSACTIONAL), KC_ERR_INVALID_RECORD);
}

Test(records, log_append_time_bit)
{
    cr_assert_eq(validate_with_attr(KC_ATTR_LOG_APPEND_TIME), KC_ERR_INVALID_TIMESTAMP);
}

Test(records, attribute_bits_constants)
{
    /* Kafka's RecordBatch attribute layout */
    cr_assert_eq(KC_ATTR_CODEC_MASK, 0x07);
    cr_assert_eq(KC_ATTR_LOG_APPEND_TIME, 0x08);
    cr_assert_eq(KC_ATTR_TRANSACTIONAL, 0x10);
    cr_assert_eq(KC_ATTR_CONTROL, 0x20);
}

static void pid_without_sequence(bb_batch *b)
{
    b->producer_id = 1000;
    b->producer_epoch = 0;
    b->base_sequence = -1;
}

Test(records, producer_id_without_sequence)
{
    size_t len;
    uint8_t *p = build_with(pid_without_sequence, &len);
    cr_assert_eq(validate(p, len), KC_ERR_INVALID_RECORD);
    free(p);
}

Test(records, crc_field_flipped)
{
    size_t len;
    uint8_t *p = bb_simple(3, 0, &len);
    p[17 + 2] ^= 0x10;
    cr_assert_eq(validate(p, len), KC_ERR_CORRUPT_MESSAGE);
    free(p);
}

Test(records, payload_byte_flipped)
{
    size_t len;
    uint8_t *p = bb_simple(3, 0, &len);
    /* every byte from Attributes to the end is covered */
    for (size_t i = 21; i < len; i++) {
        p[i] ^= 0x01;
        cr_assert_eq(validate(p, len), KC_ERR_CORRUPT_MESSAGE, "flip at byte %zu of %zu", i, len);
        p[i] ^= 0x01;
    }
    cr_assert_eq(validate(p, len), KC_ERR_NONE);
    free(p);
}

Test(records, larger_than_max_message_bytes)
{
    size_t len;
    uint8_t *p = bb_simple(10, 0, &len);
    kc_batch_header h;
    cr_assert_eq(kc_records_validate_produce(p, (int32_t)len, (int32_t)len, &h), KC_ERR_NONE,
                 "exactly max.message.bytes is allowed");
    cr_assert_eq(kc_records_validate_produce(p, (int32_t)len, (int32_t)len - 1, &h),
                 KC_ERR_MESSAGE_TOO_LARGE);
    cr_assert_eq(kc_records_validate_produce(p, (int32_t)len, 0, &h), KC_ERR_MESSAGE_TOO_LARGE);
    free(p);
}

/* ---- record-level faults, CRC recomputed ---- */

static uint8_t *build_records(const bb_record *r, int n, size_t *len)
{
    bb_batch b;
    bb_batch_defaults(&b);
    b.n_records = n;
    b.records = r;
    return bb_build(&b, len);
}

Test(records, offset_delta_gap)
{
    bb_record r[3];
    for (int i = 0; i < 3; i++)
        bb_record_defaults(&r[i]);
    r[2].offset_delta = 3; /* 0, 1, 3 */
    size_t len;
    uint8_t *p = build_records(r, 3, &len);
    cr_assert_eq(validate(p, len), KC_ERR_INVALID_RECORD);
    free(p);
}

Test(records, offset_delta_swapped)
{
    bb_record r[2];
    bb_record_defaults(&r[0]);
    bb_record_defaults(&r[1]);
    r[0].offset_delta = 1;
    r[1].offset_delta = 0;
    size_t len;
    uint8_t *p = build_records(r, 2, &len);
    cr_assert_eq(validate(p, len), KC_ERR_INVALID_RECORD);
    free(p);
}

Test(records, offset_delta_negative)
{
    bb_record r[1];
    bb_record_defaults(&r[0]);
    r[0].offset_delta = -1;
    size_t len;
    uint8_t *p = build_records(r, 1, &len);
    cr_assert_eq(validate(p, len), KC_ERR_INVALID_RECORD);
    free(p);
}

Test(records, record_length_varint_past_batch)
{
    size_t len;
    uint8_t *p = bb_simple(1, 0, &len);
    /* the first record's length varint (1 byte for a short record) claims 60 bytes */
    p[61] = 120; /* zigzag(60) */
    bb_fix_crc(p, len);
    cr_assert_eq(validate(p, len), KC_ERR_INVALID_RECORD);
    free(p);
}

Test(records, record_length_negative)
{
    size_t len;
    uint8_t *p = bb_simple(1, 0, &len);
    p[61] = 0x01; /* zigzag(-1) */
    bb_fix_crc(p, len);
    cr_assert_eq(validate(p, len), KC_ERR_INVALID_RECORD);
    free(p);
}

Test(records, record_length_shorter_than_fields)
{
    size_t len;
    uint8_t *p = bb_simple(1, 0, &len);
    int64_t rec_len = p[61] / 2; /* one-byte zigzag varint */
    cr_assert_lt(p[61], 0x80);
    /* claim one byte less: the record's last field overruns its declared length, and a byte is
     * left over after the last record */
    p[61] = (uint8_t)((rec_len - 1) * 2);
    bb_fix_crc(p, len);
    cr_assert_eq(validate(p, len), KC_ERR_INVALID_RECORD);
    free(p);
}

Test(records, overlong_varint_in_record)
{
    size_t len;
    uint8_t *p = bb_simple(1, 0, &len);
    /* record layout after the length: attributes(1) tsDelta(1) offDelta(1) keyLen ... */
    size_t key_len_at = 62 + 3;
    cr_assert_eq(p[key_len_at], 4, "zigzag(2) for key \"k0\"");
    p[key_len_at] = 0xFF; /* continuation bits through the rest of the record */
    p[key_len_at + 1] = 0xFF;
    p[key_len_at + 2] = 0xFF;
    p[key_len_at + 3] = 0xFF;
    p[key_len_at + 4] = 0xFF;
    p[key_len_at + 5] = 0x7F;
    bb_fix_crc(p, len);
    cr_assert_eq(validate(p, len), KC_ERR_INVALID_RECORD);
    free(p);
}

Test(records, key_length_below_minus_one)
{
    size_t len;
    uint8_t *p = bb_simple(1, 0, &len);
    size_t key_len_at = 62 + 3;
    p[key_len_at] = 0x03; /* zigzag(-2) */
    bb_fix_crc(p, len);
    cr_assert_eq(validate(p, len), KC_ERR_INVALID_RECORD);
    free(p);
}

Test(records, fewer_records_than_count)
{
    bb_record r[2];
    bb_record_defaults(&r[0]);
    bb_record_defaults(&r[1]);
    bb_batch b;
    bb_batch_defaults(&b);
    b.n_records = 2;
    b.records = r;
    b.record_count = 3;
    b.last_offset_delta = 2;
    size_t len;
    uint8_t *p = bb_build(&b, &len);
    cr_assert_eq(validate(p, len), KC_ERR_INVALID_RECORD);
    free(p);
}

Test(records, trailing_bytes_after_records)
{
    size_t len;
    uint8_t *p = bb_simple(2, 0, &len);
    uint8_t *q = malloc(len + 1);
    memcpy(q, p, len);
    q[len] = 0;
    bb_put_i32(q + 8, (int32_t)(len + 1 - 12));
    bb_fix_crc(q, len + 1);
    cr_assert_eq(validate(q, len + 1), KC_ERR_INVALID_RECORD);
    free(p);
    free(q);
}

Test(records, two_batches_concatenated)
{
    size_t l1, l2;
    uint8_t *a = bb_simple(2, 0, &l1);
    uint8_t *b = bb_simple(3, 100, &l2);
    uint8_t *both = malloc(l1 + l2);
    memcpy(both, a, l1);
    memcpy(both + l1, b, l2);
    cr_assert_eq(validate(both, l1 + l2), KC_ERR_INVALID_RECORD);
    free(a);
    free(b);
    free(both);
}

/* ---- offset for timestamp ---- */

Test(records, offset_for_timestamp)
{
    bb_record r[4];
    const int64_t deltas[] = {0, 10, 10, 30};
    for (int i = 0; i < 4; i++) {
        bb_record_defaults(&r[i]);
        r[i].timestamp_delta = deltas[i];
    }
    size_t len;
    uint8_t *p = build_records(r, 4, &len);
    bb_put_i64(p, 100); /* as stamped by the log */
    kc_batch_header h;
    cr_assert_eq(kc_batch_header_parse(p, len, &h), 0);
    struct {
        int64_t target, offset, ts;
    } cases[] = {
        {INT64_MIN, 100, 1000}, {999, 100, 1000},  {1000, 100, 1000},
        {1001, 101, 1010},      {1010, 101, 1010}, {1011, 103, 1030},
        {1030, 103, 1030},      {1031, -1, -1},    {INT64_MAX, -1, -1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t ts = -7;
        int64_t off = kc_batch_offset_for_timestamp(p, len, &h, cases[i].target, &ts);
        cr_assert_eq(off, cases[i].offset, "target %lld: offset %lld want %lld",
                     (long long)cases[i].target, (long long)off, (long long)cases[i].offset);
        if (cases[i].offset >= 0)
            cr_assert_eq(ts, cases[i].ts, "target %lld: ts %lld", (long long)cases[i].target,
                         (long long)ts);
    }
    cr_assert_eq(kc_batch_offset_for_timestamp(p, len, &h, 1005, NULL), 101);
    free(p);
}

Test(records, offset_for_timestamp_unordered_timestamps)
{
    /* CreateTime need not be monotonic: the first record (in offset order) that qualifies */
    bb_record r[3];
    const int64_t deltas[] = {50, 0, 20};
    for (int i = 0; i < 3; i++) {
        bb_record_defaults(&r[i]);
        r[i].timestamp_delta = deltas[i];
    }
    size_t len;
    uint8_t *p = build_records(r, 3, &len);
    kc_batch_header h;
    kc_batch_header_parse(p, len, &h);
    int64_t ts;
    cr_assert_eq(kc_batch_offset_for_timestamp(p, len, &h, 1010, &ts), 0);
    cr_assert_eq(ts, 1050);
    cr_assert_eq(kc_batch_offset_for_timestamp(p, len, &h, 1000, &ts), 0);
    cr_assert_eq(kc_batch_offset_for_timestamp(p, len, &h, 1051, &ts), -1);
    free(p);
}

Test(records, offset_for_timestamp_malformed_batch)
{
    size_t len;
    uint8_t *p = bb_simple(2, 0, &len);
    kc_batch_header h;
    kc_batch_header_parse(p, len, &h);
    p[61] = 0x01; /* negative record length */
    cr_assert_eq(kc_batch_offset_for_timestamp(p, len, &h, 0, NULL), -1);
    cr_assert_eq(kc_batch_walk_records(p, len, &h), -1);
    free(p);
}

/* ---- MaxTimestamp recomputed as Kafka's LogValidator does for CreateTime ---- */

Test(records, fix_max_timestamp_rewrites_wrong_value_and_crc)
{
    size_t len;
    uint8_t *p = bb_simple(3, 5000, &len); /* record timestamps 5000, 5010, 5020 */
    bb_put_i64(p + 35, 4000);              /* a client that lies about MaxTimestamp */
    bb_fix_crc(p, len);
    kc_batch_header h;
    cr_assert_eq(kc_records_validate_produce(p, (int32_t)len, 1 << 20, &h), 0);
    cr_assert_eq(kc_batch_fix_max_timestamp(p, len, &h), 1);
    cr_assert_eq(bb_get_i64(p + 35), 5020);
    cr_assert_eq(h.max_timestamp, 5020);
    /* still a valid batch: the CRC was recomputed */
    cr_assert_eq(kc_records_validate_produce(p, (int32_t)len, 1 << 20, &h), 0);
    cr_assert_eq(kc_batch_fix_max_timestamp(p, len, &h), 0, "already right: untouched");
    free(p);
}

Test(records, fix_max_timestamp_leaves_compressed_batches)
{
    size_t len;
    uint8_t *p = bb_simple(2, 5000, &len);
    kc_batch_header h;
    kc_batch_header_parse(p, len, &h);
    h.attributes = 1; /* gzip: records are not walked */
    h.max_timestamp = 1;
    cr_assert_eq(kc_batch_fix_max_timestamp(p, len, &h), 0);
    free(p);
}

Test(records, offset_for_timestamp_in_a_compacted_batch)
{
    /* a batch read back after compaction keeps its offsets: deltas 0, 2, 5 of LastOffsetDelta 5
     * (refused from a producer, valid in the log) */
    bb_batch b;
    bb_batch_defaults(&b);
    bb_record r[3];
    const int64_t deltas[] = {0, 2, 5}, ts[] = {0, 10, 20};
    for (int i = 0; i < 3; i++) {
        bb_record_defaults(&r[i]);
        r[i].offset_delta = deltas[i];
        r[i].timestamp_delta = ts[i];
    }
    b.n_records = 3;
    b.records = r;
    b.last_offset_delta = 5;
    size_t len;
    uint8_t *p = bb_build(&b, &len);
    bb_put_i64(p, 100);
    kc_batch_header h;
    kc_batch_header_parse(p, len, &h);
    int64_t found_ts = -1;
    cr_assert_eq(kc_batch_offset_for_timestamp(p, len, &h, 1005, &found_ts), 102);
    cr_assert_eq(found_ts, 1010);
    cr_assert_eq(kc_batch_offset_for_timestamp(p, len, &h, 1011, &found_ts), 105);
    cr_assert_eq(kc_batch_for_each_record(p, len, &h, true, NULL, NULL), -1,
                 "gaps are refused where offsets must be contiguous");
    free(p);
}
