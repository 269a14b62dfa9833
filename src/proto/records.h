/*
 * RecordBatch v2 (magic 2): header layout, and the checks Kafka applies to a produced batch
 * before anything is appended (ProduceRequest.validateRecords, UnifiedLog
 * .analyzeAndValidateRecords, LogValidator). Layout, offsets from the batch start:
 *
 *   0 BaseOffset i64 | 8 Length i32 | 12 PartitionLeaderEpoch i32 | 16 Magic i8 | 17 CRC u32
 *  21 Attributes i16 | 23 LastOffsetDelta i32 | 27 BaseTimestamp i64 | 35 MaxTimestamp i64
 *  43 ProducerId i64 | 51 ProducerEpoch i16 | 53 BaseSequence i32 | 57 RecordCount i32 | 61 ...
 *
 * The CRC-32C covers bytes 21..end, so stamping BaseOffset and PartitionLeaderEpoch keeps it
 * valid.
 */
#ifndef KC_RECORDS_H
#define KC_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"

#define KC_BATCH_HEADER_BYTES   61
#define KC_BATCH_LOG_OVERHEAD   12 /* BaseOffset + Length: bytes not counted by Length */
#define KC_BATCH_OFF_LENGTH     8
#define KC_BATCH_OFF_EPOCH      12
#define KC_BATCH_OFF_MAGIC      16
#define KC_BATCH_OFF_CRC        17
#define KC_BATCH_OFF_ATTRIBUTES 21

#define KC_ATTR_CODEC_MASK      0x07
#define KC_ATTR_LOG_APPEND_TIME 0x08
#define KC_ATTR_TRANSACTIONAL   0x10
#define KC_ATTR_CONTROL         0x20

typedef struct kc_batch_header {
    int64_t base_offset;
    int32_t length; /* bytes after the Length field */
    int32_t partition_leader_epoch;
    int8_t magic;
    uint32_t crc;
    int16_t attributes;
    int32_t last_offset_delta;
    int64_t base_timestamp;
    int64_t max_timestamp;
    int64_t producer_id;
    int16_t producer_epoch;
    int32_t base_sequence;
    int32_t record_count;
} kc_batch_header;

/**
 * Decode the 61-byte header at @p p (caller guarantees @p len >= 61 is not required: returns
 * -1 when @p len < 61). No validation beyond the length.
 */
int kc_batch_header_parse(const uint8_t *p, size_t len, kc_batch_header *h);

/** CRC-32C of bytes 21..(12+Length) of the batch at @p p; caller checks the bounds. */
uint32_t kc_batch_compute_crc(const uint8_t *p, size_t batch_bytes);

/**
 * Validate the records of one partition of a Produce request (v3+): exactly one batch, magic 2,
 * Length consistent with the bytes present and >= 49, RecordCount > 0 and
 * LastOffsetDelta = RecordCount - 1, BaseOffset 0, codec <= 4, no control or transactional bit,
 * a producer id only with a sequence, CRC-32C; then every record is walked (varint lengths,
 * offset deltas 0..n-1, header counts, RecordCount), a compressed batch's after inflating its
 * records (gzip, snappy, lz4, zstd) within KC_BATCH_INFLATE_FACTOR x @p max_message_bytes, as
 * Kafka's LogValidator walks them.
 *
 * @param records           the partition's records field (view into the request)
 * @param max_message_bytes the topic's max.message.bytes (message.max.bytes)
 * @param h                 receives the batch header when the result is KC_ERR_NONE
 * @return a Kafka error code: KC_ERR_NONE; KC_ERR_INVALID_RECORD (87) for structural faults;
 *         KC_ERR_CORRUPT_MESSAGE (2) for a CRC mismatch or a compressed section its codec cannot
 *         decode; KC_ERR_MESSAGE_TOO_LARGE (10) for a batch above @p max_message_bytes or one
 *         inflating beyond its bound;
 *         KC_ERR_INVALID_TIMESTAMP (32) when the client set LogAppendTime.
 */
int kc_records_validate_produce(const uint8_t *records, int32_t len, int32_t max_message_bytes,
                                kc_batch_header *h);

/** One record of an uncompressed batch: views into the batch bytes. */
typedef struct kc_record {
    const uint8_t *raw; /* the whole record, its length varint included */
    size_t raw_len;
    int64_t timestamp_delta; /* from BaseTimestamp */
    int32_t offset_delta;    /* from BaseOffset */
    const uint8_t *key;
    int32_t key_len; /* -1 = null */
    const uint8_t *value;
    int32_t value_len;      /* -1 = null (a tombstone) */
    const uint8_t *headers; /* header_count headers as on the wire (varint key/value pairs) */
    size_t headers_len;
    int32_t header_count;
} kc_record;

/**
 * How far a produced compressed batch may inflate: KC_BATCH_INFLATE_FACTOR x the topic's
 * max.message.bytes. Kafka sets no bound; cafka refuses more (MESSAGE_TOO_LARGE) so that a
 * compression bomb costs at most that much memory. A producer's uncompressed batch is bounded by
 * its batch.size / max.request.size (1 MiB by default), far below 16 x message.max.bytes.
 */
#define KC_BATCH_INFLATE_FACTOR 16
/** The inflation bound of batches read back from the log (validated on produce already). */
#define KC_BATCH_READ_INFLATE_MAX ((size_t)1 << 30)

/**
 * A record's timestamp: BaseTimestamp plus its delta, with Java's two's-complement wrap-around.
 * Both come from the producer, so the sum may overflow int64 (signed overflow is undefined
 * behaviour in C, found by tests/fuzz); Kafka computes it in Java longs, and a delta written as
 * the wrapped difference of two timestamps gives the second one back this way.
 */
static inline int64_t kc_record_timestamp(int64_t base_timestamp, int64_t delta)
{
    return (int64_t)((uint64_t)base_timestamp + (uint64_t)delta);
}

/** Called per record; a non-zero return stops the walk (not an error). */
typedef int (*kc_record_fn)(const kc_record *rec, void *arg);

/**
 * The one record parser: walk the records of the batch at @p p (@p batch_bytes long; a
 * compressed records section is inflated into a temporary buffer, at most
 * KC_BATCH_READ_INFLATE_MAX bytes), every length checked within the record's declared size,
 * calling @p fn (may be NULL; the record views die when the walk returns).
 * @param contiguous  offset deltas must be exactly 0..n-1 (a produced batch, LogValidator);
 *                    otherwise strictly increasing up to LastOffsetDelta (a batch read back from
 *                    a compacted log keeps its offsets and has gaps)
 * @return 0, or -1 on malformed bytes (an undecodable compressed section included), a count
 *         that does not match RecordCount, or offsets out of order.
 */
int kc_batch_for_each_record(const uint8_t *p, size_t batch_bytes, const kc_batch_header *h,
                             bool contiguous, kc_record_fn fn, void *arg);

/**
 * Walk the records of a batch (@p p at the batch start, @p batch_bytes long).
 * @return 0 when every record parses within its declared length with offset deltas 0..n-1 and
 *         the count matches RecordCount; -1 otherwise.
 */
int kc_batch_walk_records(const uint8_t *p, size_t batch_bytes, const kc_batch_header *h);

/**
 * The offset of the first record whose timestamp is >= @p target_ms in the batch at @p p
 * (compressed ones inflated), or -1 when none is (or the batch cannot be walked).
 */
int64_t kc_batch_offset_for_timestamp(const uint8_t *p, size_t batch_bytes,
                                      const kc_batch_header *h, int64_t target_ms,
                                      int64_t *timestamp_out);

/**
 * As kc_batch_offset_for_timestamp(), considering only records at or after @p min_offset (the
 * log start offset: Kafka never answers a record below it).
 */
int64_t kc_batch_offset_for_timestamp_from(const uint8_t *p, size_t batch_bytes,
                                           const kc_batch_header *h, int64_t target_ms,
                                           int64_t min_offset, int64_t *timestamp_out);

/**
 * Kafka's LogValidator for CreateTime batches: MaxTimestamp must be the largest record
 * timestamp, whatever the client wrote, so that ListOffsets by timestamp can trust it. For a
 * validated batch at @p batch (@p len bytes, header @p h; a compressed one is inflated to read
 * its timestamps) this rewrites MaxTimestamp when it differs and recomputes the CRC (then
 * h->max_timestamp and h->crc are updated too).
 * @return 1 when the batch was rewritten, 0 when it was already right.
 */
int kc_batch_fix_max_timestamp(uint8_t *batch, size_t len, kc_batch_header *h);

/**
 * The validated batch @p batch (@p len bytes, header @p h) with its records section in codec
 * @p codec instead (KC_CODEC_NONE included), as Kafka's LogValidator rewrites a batch when the
 * topic's compression.type names another codec than the producer's: every header field kept
 * but the codec bits, Length and CRC-32C recomputed; a compressed section is inflated within
 * @p max_inflate bytes first.
 * @param out  receives a malloc'd batch (the caller frees it), @p out_len its size
 * @return 0, or a KC_CODEC_ERR_* of the inflation (nothing allocated then)
 */
int kc_batch_recompress(const uint8_t *batch, size_t len, const kc_batch_header *h, int codec,
                        size_t max_inflate, uint8_t **out, size_t *out_len);

/**
 * True when a record of the batch at @p p (compressed ones inflated) has a null key: Kafka
 * refuses such records on compacted topics (INVALID_RECORD, "Compacted topic cannot accept
 * message without key").
 */
bool kc_batch_has_null_key(const uint8_t *p, size_t batch_bytes, const kc_batch_header *h);

/** One record for kc_batch_build(): views, borrowed for the call. */
typedef struct kc_record_in {
    kc_bytes key;   /* len -1 = null */
    kc_bytes value; /* len -1 = null (tombstone) */
} kc_record_in;

/**
 * Append one uncompressed RecordBatch v2 to @p w, as Kafka's MemoryRecordsBuilder writes a
 * coordinator's batch (GroupMetadataManager's offset commits and group records): magic 2,
 * attributes 0 (CREATE_TIME, no codec, neither transactional nor control), producer id -1,
 * producer epoch -1, base sequence -1, base offset 0 and partition leader epoch -1 (the log
 * stamps both on append, outside the CRC), BaseTimestamp = MaxTimestamp = @p timestamp_ms and
 * every record's timestamp delta 0, offset deltas 0..n-1, no record headers, Length and CRC-32C
 * filled in. The result passes kc_records_validate_produce().
 * @param w            the writer (grows; aborts on OOM); the batch is contiguous memory at
 *                     the writer's end (it must hold no file splice after that point)
 * @param timestamp_ms the CreateTime of every record, ms since the epoch
 * @param recs         @p n records; a key or value of len -1 is written as null (varint -1)
 * @param n            the record count, >= 1 (a batch of none is a caller bug; Kafka never
 *                     writes one)
 */
void kc_batch_build(kc_wbuf *w, int64_t timestamp_ms, const kc_record_in *recs, int n);

/**
 * As kc_batch_build(), with a CreateTime (or LogAppendTime) per record: what up-conversion of a
 * legacy message set writes (Kafka's LogValidator builds such batches with MemoryRecordsBuilder).
 * BaseTimestamp is the first record's, MaxTimestamp the largest, each record's delta from the
 * first (-1, no timestamp, stays -1 throughout for a magic 0 set).
 * @param attributes     batch attributes: 0 or KC_ATTR_LOG_APPEND_TIME (no codec: compress the
 *                       result with kc_batch_recompress())
 * @param timestamps_ms  @p n timestamps, ms since the epoch, borrowed
 */
void kc_batch_build_timed(kc_wbuf *w, int16_t attributes, const int64_t *timestamps_ms,
                          const kc_record_in *recs, int n);

#endif
