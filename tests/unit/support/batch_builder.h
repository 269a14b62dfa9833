/*
 * A small, independent RecordBatch v2 builder for the unit tests (records.c and plog.c). It
 * writes the layout of Kafka's DefaultRecordBatch / DefaultRecord itself, with its own ZigZag
 * varint encoder, so the tests do not rely on the code they check; only the CRC-32C comes from
 * kc_crc32c (which test_crc32c pins to the RFC 3720 check values).
 */
#ifndef BATCH_BUILDER_H
#define BATCH_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#define BB_MAX_HEADERS 4
/* For bb_batch fields that are derived from the records unless set explicitly. */
#define BB_AUTO INT64_MIN

typedef struct bb_record {
    int64_t timestamp_delta;
    int64_t offset_delta; /* BB_AUTO = the record's index */
    const char *key;      /* NULL = null key */
    const char *value;    /* NULL = null value */
    int n_headers;
    const char *header_keys[BB_MAX_HEADERS];
    const char *header_values[BB_MAX_HEADERS]; /* NULL = null header value */
} bb_record;

typedef struct bb_batch {
    int64_t base_offset;
    int32_t partition_leader_epoch;
    int8_t magic;
    int16_t attributes;
    int64_t last_offset_delta; /* BB_AUTO = n_records - 1 */
    int64_t base_timestamp;
    int64_t max_timestamp; /* BB_AUTO = base_timestamp + largest timestamp_delta */
    int64_t producer_id;
    int16_t producer_epoch;
    int32_t base_sequence;
    int64_t record_count; /* BB_AUTO = n_records */
    int n_records;
    const bb_record *records;
} bb_batch;

/** A valid, idempotence-free batch header: magic 2, producer id/epoch/sequence -1, ts 1000. */
void bb_batch_defaults(bb_batch *b);

/** Zero-initialised record with offset_delta BB_AUTO. */
void bb_record_defaults(bb_record *r);

/**
 * Serialise @p b (Length and CRC-32C computed) into a malloc'd buffer; *len receives its size.
 * The caller frees it.
 */
uint8_t *bb_build(const bb_batch *b, size_t *len);

/**
 * A valid batch of @p n records (key "k<i>", value "value-<i>", one header "h"="<i>") with
 * timestamps @p base_ts + 10 * i.
 */
uint8_t *bb_simple(int n, int64_t base_ts, size_t *len);

/** Recompute the CRC-32C of the batch at @p p (@p len bytes) in place. */
void bb_fix_crc(uint8_t *p, size_t len);

/** Big-endian stores into a built batch, for tests that corrupt single fields. */
void bb_put_i16(uint8_t *p, int16_t v);
void bb_put_i32(uint8_t *p, int32_t v);
void bb_put_i64(uint8_t *p, int64_t v);
int32_t bb_get_i32(const uint8_t *p);
int64_t bb_get_i64(const uint8_t *p);

/** Append the ZigZag varint encoding of @p v at @p out; returns the bytes written (<= 10). */
size_t bb_zigzag(int64_t v, uint8_t *out);

#endif
