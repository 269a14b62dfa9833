/*
 * Message format v0 and v1 (magic 0 and 1, Kafka before 0.11), at the protocol's edge only: the
 * log stores RecordBatch v2 alone (log.message.format.version 2.8, Kafka's default), so a
 * Produce v0-2 message set is up-converted before validation and a Fetch v0-3 answer is
 * down-converted from the stored batches (Kafka's LogValidator and RecordsUtil.downConvert).
 * librdkafka compresses with gzip, snappy and lz4 only for brokers that offer Produce v2 and
 * Fetch v2 (its MsgVer1 feature), and then still produces v2 batches with Produce v3+: these
 * conversions are for clients older than 0.11 that really speak the old format.
 *
 * A legacy entry: Offset i64 | Size i32 | CRC u32 (CRC-32, IEEE, over Magic..end) | Magic i8 |
 * Attributes i8 (bits 0-2 codec, bit 3 LogAppendTime in v1) | Timestamp i64 (v1 only) |
 * Key bytes (i32 length, -1 null) | Value bytes. A compressed entry is a wrapper whose value is
 * the compressed message set of the inner entries (one level only).
 */
#ifndef KC_LEGACY_RECORDS_H
#define KC_LEGACY_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"

/**
 * Up-convert the v0/v1 message set @p in (@p len bytes, a Produce v0-2 partition's records) into
 * one RecordBatch v2 holding the same records in order (keys, values, timestamps; v0 entries get
 * no timestamp, -1), compressed with the codec of its wrappers (Kafka's target codec for
 * compression.type=producer); the batch then goes through the usual produce validation.
 * Every entry's CRC-32 is checked, as LogValidator does for magic < 2.
 * @param max_inflate  the bound on each wrapper's inflated size, bytes
 * @param out          receives a malloc'd batch (the caller frees it), @p out_len its size
 * @return KC_ERR_NONE, or CORRUPT_MESSAGE (bad CRC, lengths outside the entry, a magic above 1,
 *         a wrapper inside a wrapper or that does not inflate), MESSAGE_TOO_LARGE (a wrapper
 *         inflating beyond @p max_inflate), UNSUPPORTED_COMPRESSION_TYPE (zstd, which needs
 *         magic 2: KIP-110), INVALID_RECORD (no entry at all, or a wrapper holding none);
 *         nothing is allocated then.
 */
int kc_legacy_up_convert(const uint8_t *in, size_t len, size_t max_inflate, uint8_t **out,
                         size_t *out_len);

/**
 * Down-convert the RecordBatch v2 bytes @p in (@p len bytes, as read from the log: whole
 * batches, maybe a partial last one, which is left out) into uncompressed entries of @p magic
 * (0 or 1) appended to @p out: one entry per record at or after @p min_offset, with its absolute
 * offset, key and value (headers cannot be carried), and in v1 its timestamp (the batch's
 * MaxTimestamp and the LogAppendTime bit when the batch has LogAppendTime). Control batches are
 * left out. Kafka keeps the batch's codec when it down-converts; cafka writes the entries
 * uncompressed, which every client reads.
 * @return 0, or -1 when a batch's records cannot be walked (what was converted before stays).
 */
int kc_legacy_down_convert(const uint8_t *in, size_t len, int8_t magic, int64_t min_offset,
                           kc_wbuf *out);

#endif
