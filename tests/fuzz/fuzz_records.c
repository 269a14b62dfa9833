/*
 * Fuzz target: the records of one partition of a Produce request, through what the produce
 * path does with them (src/api/produce.c): a v0/v1 message set up-converted (Produce v0-2),
 * RecordBatch v2 validation (lengths, magic, CRC-32C, offsets, flags, every record walked, a
 * compressed section inflated within its bound), the compacted topic's null-key check, the
 * recompression a topic compression.type asks for, the MaxTimestamp fix; then what reads the
 * stored batch back: offset by timestamp (ListOffsets) and down-conversion for Fetch v0-3.
 *
 * Input: one flag byte, then the records bytes.
 *   bit 0    recompute the CRC (CRC-32C of a v2 batch, CRC-32 of each top-level v0/v1 entry)
 *            so that mutations reach the checks behind it
 *   bit 1    Produce v0-2: a message set of magic 0/1 is up-converted first
 *   bit 2    the topic is compacted (records need a key)
 *   bits 3-5 topic compression.type: 0 uncompressed, 1-4 gzip/snappy/lz4/zstd, 5-7 producer
 *   bits 6-7 (overlapping nothing else) max.message.bytes: 1048588 (Kafka's default), 512,
 *            4096, 65536
 *
 * Invariants: a validated batch walks; recompressing it cannot fail and gives a batch that
 * validates again (unless now too large); fixing MaxTimestamp keeps it valid; a stored batch
 * down-converts, and what it down-converts to up-converts again.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/crc32c.h"
#include "fuzz_common.h"
#include "proto/compression.h"
#include "proto/errors.h"
#include "proto/legacy_records.h"
#include "proto/records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define F_FIX_CRC 0x01
#define F_LEGACY  0x02
#define F_COMPACT 0x04

static void fix_crcs(uint8_t *p, size_t len)
{
    if (len >= KC_BATCH_HEADER_BYTES && p[KC_BATCH_OFF_MAGIC] == 2) {
        kc_put_be32(p + KC_BATCH_OFF_CRC, kc_batch_compute_crc(p, len));
        return;
    }
    /* v0/v1 entries: Offset i64 | Size i32 | CRC u32 over Magic..end */
    size_t pos = 0;
    while (len - pos >= 16) {
        uint32_t entry = kc_be32(p + pos + 8);
        if (entry < 4 || entry > len - pos - 12)
            return;
        uint8_t *e = p + pos + 12;
        kc_put_be32(e, (uint32_t)crc32(0, e + 4, (uInt)(entry - 4)));
        pos += 12 + (size_t)entry;
    }
}

/* A stored batch read back: by timestamp, and down-converted for an old consumer. */
static void read_back(uint8_t *batch, size_t len, int64_t base_offset)
{
    kc_put_be64(batch, (uint64_t)base_offset); /* what the log stamps, outside the CRC */
    kc_batch_header h;
    FUZZ_CHECK(kc_batch_header_parse(batch, len, &h) == 0);
    int64_t ts;
    int64_t off =
        kc_batch_offset_for_timestamp_from(batch, len, &h, h.base_timestamp, base_offset + 1, &ts);
    FUZZ_CHECK(off == -1 || (off > base_offset && off <= base_offset + h.last_offset_delta));
    kc_batch_offset_for_timestamp(batch, len, &h, INT64_MIN, NULL);
    for (int8_t magic = 0; magic <= 1; magic++) {
        kc_wbuf w = {0};
        FUZZ_CHECK(kc_legacy_down_convert(batch, len, magic, base_offset, &w) == 0);
        if (w.len) {
            uint8_t *up;
            size_t up_len;
            FUZZ_CHECK(kc_legacy_up_convert(w.data, w.len, w.len, &up, &up_len) == KC_ERR_NONE);
            free(up);
        }
        kc_wbuf_free(&w);
    }
}

static void produce(const uint8_t *records, size_t len, int flags, int32_t max)
{
    kc_batch_header h;
    if (len > INT32_MAX || kc_records_validate_produce(records, (int32_t)len, max, &h))
        return;
    FUZZ_CHECK(kc_batch_walk_records(records, len, &h) == 0);
    if (flags & F_COMPACT)
        kc_batch_has_null_key(records, len, &h);
    uint8_t *batch;
    int target = (flags >> 3) & 7;
    if (target <= KC_CODEC_ZSTD && target != (h.attributes & KC_ATTR_CODEC_MASK)) {
        size_t max_inflate = (size_t)max * KC_BATCH_INFLATE_FACTOR;
        FUZZ_CHECK(kc_batch_recompress(records, len, &h, target, max_inflate, &batch, &len) == 0);
        int err = kc_records_validate_produce(batch, (int32_t)len, max, &h);
        FUZZ_CHECK(err == KC_ERR_NONE || err == KC_ERR_MESSAGE_TOO_LARGE);
        if (err) {
            free(batch);
            return;
        }
    } else {
        batch = malloc(len);
        FUZZ_CHECK(batch != NULL);
        memcpy(batch, records, len);
    }
    kc_batch_fix_max_timestamp(batch, len, &h);
    FUZZ_CHECK(kc_records_validate_produce(batch, (int32_t)len, max, &h) == KC_ERR_NONE);
    read_back(batch, len, 1000);
    free(batch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int32_t max_message_bytes[] = {1048588, 512, 4096, 65536};
    fuzz_quiet();
    if (size < 1)
        return 0;
    int flags = data[0];
    int32_t max = max_message_bytes[flags >> 6];
    size_t len = size - 1;
    uint8_t *buf = malloc(len ? len : 1);
    FUZZ_CHECK(buf != NULL);
    memcpy(buf, data + 1, len);
    if (flags & F_FIX_CRC)
        fix_crcs(buf, len);
    if ((flags & F_LEGACY) && len > KC_BATCH_OFF_MAGIC && buf[KC_BATCH_OFF_MAGIC] < 2) {
        uint8_t *up = NULL;
        size_t up_len;
        size_t max_inflate = (size_t)max * KC_BATCH_INFLATE_FACTOR;
        if (kc_legacy_up_convert(buf, len, max_inflate, &up, &up_len) == KC_ERR_NONE) {
            produce(up, up_len, flags, max);
            free(up);
        }
    } else {
        produce(buf, len, flags, max);
    }
    free(buf);
    return 0;
}
