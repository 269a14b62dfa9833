/*
 * RecordBatch v2 parsing, produce-side validation, and the builder of the broker's own batches.
 * The parsers and validators never write the batch (but kc_batch_fix_max_timestamp) and allocate
 * only to inflate a compressed records section, freed before they return: the caller appends
 * only after KC_ERR_NONE, so a rejected batch leaves the log untouched. kc_batch_build() only
 * appends to the writer it is given.
 */
#include "proto/records.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/crc32c.h"
#include "common/log.h"
#include "proto/compression.h"
#include "proto/buf.h"
#include "proto/errors.h"

int kc_batch_header_parse(const uint8_t *p, size_t len, kc_batch_header *h)
{
    if (len < KC_BATCH_HEADER_BYTES)
        return -1;
    h->base_offset = (int64_t)kc_be64(p);
    h->length = (int32_t)kc_be32(p + 8);
    h->partition_leader_epoch = (int32_t)kc_be32(p + 12);
    h->magic = (int8_t)p[16];
    h->crc = kc_be32(p + 17);
    h->attributes = (int16_t)kc_be16(p + 21);
    h->last_offset_delta = (int32_t)kc_be32(p + 23);
    h->base_timestamp = (int64_t)kc_be64(p + 27);
    h->max_timestamp = (int64_t)kc_be64(p + 35);
    h->producer_id = (int64_t)kc_be64(p + 43);
    h->producer_epoch = (int16_t)kc_be16(p + 51);
    h->base_sequence = (int32_t)kc_be32(p + 53);
    h->record_count = (int32_t)kc_be32(p + 57);
    return 0;
}

uint32_t kc_batch_compute_crc(const uint8_t *p, size_t batch_bytes)
{
    return kc_crc32c(0, p + KC_BATCH_OFF_ATTRIBUTES, batch_bytes - KC_BATCH_OFF_ATTRIBUTES);
}

/* The records section of a batch, @p body_len bytes at @p body (inflated when compressed). */
static int walk_records(const uint8_t *body, size_t body_len, const kc_batch_header *h,
                        bool contiguous, kc_record_fn fn, void *arg)
{
    kc_rbuf r;
    kc_rbuf_init(&r, body, body_len);
    int32_t prev_delta = -1;
    for (int32_t i = 0; i < h->record_count; i++) {
        kc_record v;
        v.raw = r.p;
        int32_t len = kc_rbuf_varint(&r);
        if (r.err || len < 0 || (size_t)len > kc_rbuf_remaining(&r))
            return -1;
        kc_rbuf rec;
        kc_rbuf_init(&rec, r.p, (size_t)len);
        kc_rbuf_skip(&r, (size_t)len);
        v.raw_len = (size_t)(r.p - v.raw);
        (void)kc_rbuf_i8(&rec); /* attributes, unused */
        v.timestamp_delta = kc_rbuf_varlong(&rec);
        v.offset_delta = kc_rbuf_varint(&rec);
        v.key_len = kc_rbuf_varint(&rec);
        v.key = rec.p;
        if (v.key_len < -1)
            return -1;
        if (v.key_len > 0)
            kc_rbuf_skip(&rec, (size_t)v.key_len);
        v.value_len = kc_rbuf_varint(&rec);
        v.value = rec.p;
        if (v.value_len < -1)
            return -1;
        if (v.value_len > 0)
            kc_rbuf_skip(&rec, (size_t)v.value_len);
        v.header_count = kc_rbuf_varint(&rec);
        v.headers = rec.p;
        if (v.header_count < 0 || (size_t)v.header_count > kc_rbuf_remaining(&rec))
            return -1;
        for (int32_t j = 0; j < v.header_count && !rec.err; j++) {
            int32_t hk = kc_rbuf_varint(&rec);
            if (hk < 0)
                return -1;
            kc_rbuf_skip(&rec, (size_t)hk);
            int32_t hv = kc_rbuf_varint(&rec);
            if (hv < -1)
                return -1;
            if (hv > 0)
                kc_rbuf_skip(&rec, (size_t)hv);
        }
        v.headers_len = (size_t)(rec.p - v.headers);
        bool order_ok = contiguous
                            ? v.offset_delta == i
                            : v.offset_delta > prev_delta && v.offset_delta <= h->last_offset_delta;
        if (rec.err || kc_rbuf_remaining(&rec) != 0 || !order_ok)
            return -1;
        prev_delta = v.offset_delta;
        if (fn && fn(&v, arg))
            return 0;
    }
    return kc_rbuf_remaining(&r) == 0 ? 0 : -1;
}

/* Walk the batch's records, inflating a compressed section within @p max_inflate bytes.
 * @return 0, 1 for malformed records, or a KC_CODEC_ERR_* of the compressed section. */
static int for_each_record(const uint8_t *p, size_t batch_bytes, const kc_batch_header *h,
                           bool contiguous, size_t max_inflate, kc_record_fn fn, void *arg)
{
    const uint8_t *section = p + KC_BATCH_HEADER_BYTES;
    size_t len = batch_bytes - KC_BATCH_HEADER_BYTES;
    int codec = h->attributes & KC_ATTR_CODEC_MASK;
    if (codec == KC_CODEC_NONE)
        return walk_records(section, len, h, contiguous, fn, arg) ? 1 : 0;
    uint8_t *body;
    size_t body_len;
    int rc = kc_decompress(codec, section, len, max_inflate, &body, &body_len);
    if (rc == 0)
        rc = walk_records(body, body_len, h, contiguous, fn, arg) ? 1 : 0;
    free(body);
    return rc;
}

int kc_batch_for_each_record(const uint8_t *p, size_t batch_bytes, const kc_batch_header *h,
                             bool contiguous, kc_record_fn fn, void *arg)
{
    return for_each_record(p, batch_bytes, h, contiguous, KC_BATCH_READ_INFLATE_MAX, fn, arg) ? -1
                                                                                              : 0;
}

int kc_batch_walk_records(const uint8_t *p, size_t batch_bytes, const kc_batch_header *h)
{
    return kc_batch_for_each_record(p, batch_bytes, h, true, NULL, NULL);
}

struct ts_search {
    int64_t base_timestamp, target;
    int32_t min_delta;
    int32_t found_delta;
    int64_t found_ts;
};

static int ts_visit(const kc_record *r, void *arg)
{
    struct ts_search *s = arg;
    int64_t ts = kc_record_timestamp(s->base_timestamp, r->timestamp_delta);
    if (r->offset_delta >= s->min_delta && ts >= s->target) {
        s->found_delta = r->offset_delta;
        s->found_ts = ts;
        return 1;
    }
    return 0;
}

int64_t kc_batch_offset_for_timestamp_from(const uint8_t *p, size_t batch_bytes,
                                           const kc_batch_header *h, int64_t target_ms,
                                           int64_t min_offset, int64_t *timestamp_out)
{
    int64_t min_delta = min_offset <= h->base_offset ? 0 : min_offset - h->base_offset;
    if (min_delta > INT32_MAX)
        return -1;
    struct ts_search s = {h->base_timestamp, target_ms, (int32_t)min_delta, -1, -1};
    /* a batch read back from the log may have been compacted: its offsets can have gaps */
    if (kc_batch_for_each_record(p, batch_bytes, h, false, ts_visit, &s) || s.found_delta < 0)
        return -1;
    if (timestamp_out)
        *timestamp_out = s.found_ts;
    return h->base_offset + s.found_delta;
}

int64_t kc_batch_offset_for_timestamp(const uint8_t *p, size_t batch_bytes,
                                      const kc_batch_header *h, int64_t target_ms,
                                      int64_t *timestamp_out)
{
    return kc_batch_offset_for_timestamp_from(p, batch_bytes, h, target_ms, INT64_MIN,
                                              timestamp_out);
}

struct max_ts {
    int64_t base_timestamp, max;
    bool any;
};

static int max_ts_visit(const kc_record *r, void *arg)
{
    struct max_ts *m = arg;
    int64_t ts = kc_record_timestamp(m->base_timestamp, r->timestamp_delta);
    if (!m->any || ts > m->max)
        m->max = ts;
    m->any = true;
    return 0;
}

int kc_batch_fix_max_timestamp(uint8_t *batch, size_t len, kc_batch_header *h)
{
    if (h->attributes & KC_ATTR_LOG_APPEND_TIME)
        return 0;
    /* the largest record timestamp, each computed as Kafka does (wrapping) */
    struct max_ts m = {h->base_timestamp, INT64_MIN, false};
    if (kc_batch_for_each_record(batch, len, h, true, max_ts_visit, &m) || !m.any)
        return 0;
    if (m.max == h->max_timestamp)
        return 0;
    kc_put_be64(batch + 35, (uint64_t)m.max);
    h->max_timestamp = m.max;
    h->crc = kc_batch_compute_crc(batch, len);
    kc_put_be32(batch + KC_BATCH_OFF_CRC, h->crc);
    return 1;
}

int kc_records_validate_produce(const uint8_t *records, int32_t len, int32_t max_message_bytes,
                                kc_batch_header *h)
{
    if (len < KC_BATCH_HEADER_BYTES || kc_batch_header_parse(records, (size_t)len, h))
        return KC_ERR_INVALID_RECORD;
    if (h->magic != 2)
        return KC_ERR_INVALID_RECORD;
    /* exactly one batch: its Length must account for every byte present */
    if (h->length < KC_BATCH_HEADER_BYTES - KC_BATCH_LOG_OVERHEAD ||
        (int64_t)h->length + KC_BATCH_LOG_OVERHEAD != len)
        return KC_ERR_INVALID_RECORD;
    if (len > max_message_bytes)
        return KC_ERR_MESSAGE_TOO_LARGE;
    if (kc_batch_compute_crc(records, (size_t)len) != h->crc)
        return KC_ERR_CORRUPT_MESSAGE;
    if (h->record_count <= 0 || h->last_offset_delta != h->record_count - 1 || h->base_offset != 0)
        return KC_ERR_INVALID_RECORD;
    if ((h->attributes & KC_ATTR_CODEC_MASK) > 4)
        return KC_ERR_INVALID_RECORD;
    if (h->attributes & (KC_ATTR_CONTROL | KC_ATTR_TRANSACTIONAL))
        return KC_ERR_INVALID_RECORD;
    if (h->producer_id >= 0 && h->base_sequence < 0)
        return KC_ERR_INVALID_RECORD;
    if (h->attributes & KC_ATTR_LOG_APPEND_TIME)
        return KC_ERR_INVALID_TIMESTAMP;
    /* compressed records are checked as the others (LogValidator), inflated within a bound */
    size_t max_inflate = (size_t)max_message_bytes * KC_BATCH_INFLATE_FACTOR;
    switch (for_each_record(records, (size_t)len, h, true, max_inflate, NULL, NULL)) {
    case 0:
        return KC_ERR_NONE;
    case KC_CODEC_ERR_CORRUPT:
        return KC_ERR_CORRUPT_MESSAGE;
    case KC_CODEC_ERR_TOO_LARGE:
        return KC_ERR_MESSAGE_TOO_LARGE;
    default:
        return KC_ERR_INVALID_RECORD;
    }
}

int kc_batch_recompress(const uint8_t *batch, size_t len, const kc_batch_header *h, int codec,
                        size_t max_inflate, uint8_t **out, size_t *out_len)
{
    const uint8_t *section = batch + KC_BATCH_HEADER_BYTES, *body = section;
    size_t section_len = len - KC_BATCH_HEADER_BYTES, body_len = section_len;
    uint8_t *inflated = NULL, *deflated = NULL;
    int source = h->attributes & KC_ATTR_CODEC_MASK;
    if (source != KC_CODEC_NONE) {
        int rc = kc_decompress(source, section, section_len, max_inflate, &inflated, &body_len);
        if (rc)
            return rc;
        body = inflated;
    }
    const uint8_t *records = body;
    size_t records_len = body_len;
    if (codec != KC_CODEC_NONE) {
        int rc = kc_compress(codec, body, body_len, &deflated, &records_len);
        if (rc) {
            free(inflated);
            return rc;
        }
        records = deflated;
    }
    size_t n = KC_BATCH_HEADER_BYTES + records_len;
    uint8_t *b = malloc(n);
    if (!b)
        kc_fatal("records: out of memory (%zu bytes)", n);
    memcpy(b, batch, KC_BATCH_HEADER_BYTES);
    if (records_len)
        memcpy(b + KC_BATCH_HEADER_BYTES, records, records_len);
    kc_put_be32(b + 8, (uint32_t)(n - KC_BATCH_LOG_OVERHEAD));
    kc_put_be16(b + KC_BATCH_OFF_ATTRIBUTES,
                (uint16_t)((h->attributes & ~KC_ATTR_CODEC_MASK) | codec));
    kc_put_be32(b + KC_BATCH_OFF_CRC, kc_batch_compute_crc(b, n));
    free(inflated);
    free(deflated);
    *out = b;
    *out_len = n;
    return 0;
}

static int null_key_visit(const kc_record *r, void *arg)
{
    if (r->key_len < 0) {
        *(bool *)arg = true;
        return 1;
    }
    return 0;
}

bool kc_batch_has_null_key(const uint8_t *p, size_t batch_bytes, const kc_batch_header *h)
{
    bool found = false;
    kc_batch_for_each_record(p, batch_bytes, h, true, null_key_visit, &found);
    return found;
}

/* Bytes of the ZigZag varint encoding of @p v (kc_wbuf_varint / kc_wbuf_varlong). */
static size_t zigzag_size(int64_t v)
{
    uint64_t u = ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
    size_t n = 1;
    while (u >= 0x80) {
        u >>= 7;
        n++;
    }
    return n;
}

static size_t field_size(kc_bytes b)
{
    return zigzag_size(b.len < 0 ? -1 : b.len) + (b.len > 0 ? (size_t)b.len : 0);
}

static void put_field(kc_wbuf *w, kc_bytes b)
{
    kc_wbuf_varint(w, b.len < 0 ? -1 : b.len);
    if (b.len > 0)
        kc_wbuf_put(w, b.p, (size_t)b.len);
}

/* The one RecordBatch v2 writer: a timestamp per record when @p timestamps_ms is given, else
 * @p timestamp_ms for all. */
static void build(kc_wbuf *w, int16_t attributes, int64_t timestamp_ms,
                  const int64_t *timestamps_ms, const kc_record_in *recs, int n)
{
    int64_t base_ts = timestamps_ms ? timestamps_ms[0] : timestamp_ms, max_ts = base_ts;
    for (int i = 1; timestamps_ms && i < n; i++)
        if (timestamps_ms[i] > max_ts)
            max_ts = timestamps_ms[i];
    size_t start = w->len;
    kc_wbuf_i64(w, 0);  /* BaseOffset: the log assigns it */
    kc_wbuf_i32(w, 0);  /* Length, filled in below */
    kc_wbuf_i32(w, -1); /* PartitionLeaderEpoch: the log stamps it */
    kc_wbuf_i8(w, 2);   /* Magic */
    kc_wbuf_i32(w, 0);  /* CRC, filled in below */
    kc_wbuf_i16(w, attributes);
    kc_wbuf_i32(w, n - 1);
    kc_wbuf_i64(w, base_ts); /* BaseTimestamp */
    kc_wbuf_i64(w, max_ts);  /* MaxTimestamp */
    kc_wbuf_i64(w, -1);      /* ProducerId */
    kc_wbuf_i16(w, -1);      /* ProducerEpoch */
    kc_wbuf_i32(w, -1);      /* BaseSequence */
    kc_wbuf_i32(w, n);
    for (int i = 0; i < n; i++) {
        /* attributes, timestamp delta, offset delta, key, value, header count 0 */
        /* wrapped as in Java: kc_record_timestamp(base_ts, delta) gives timestamps_ms[i] back */
        int64_t delta =
            timestamps_ms ? (int64_t)((uint64_t)timestamps_ms[i] - (uint64_t)base_ts) : 0;
        size_t body = 1 + zigzag_size(delta) + zigzag_size(i) + field_size(recs[i].key) +
                      field_size(recs[i].value) + 1;
        kc_wbuf_varint(w, (int32_t)body);
        kc_wbuf_i8(w, 0);
        kc_wbuf_varlong(w, delta);
        kc_wbuf_varint(w, i);
        put_field(w, recs[i].key);
        put_field(w, recs[i].value);
        kc_wbuf_varint(w, 0);
    }
    size_t size = w->len - start;
    kc_wbuf_i32_at(w, start + KC_BATCH_OFF_LENGTH, (int32_t)(size - KC_BATCH_LOG_OVERHEAD));
    kc_wbuf_i32_at(w, start + KC_BATCH_OFF_CRC,
                   (int32_t)kc_batch_compute_crc(w->data + start, size));
}

void kc_batch_build(kc_wbuf *w, int64_t timestamp_ms, const kc_record_in *recs, int n)
{
    build(w, 0, timestamp_ms, NULL, recs, n);
}

void kc_batch_build_timed(kc_wbuf *w, int16_t attributes, const int64_t *timestamps_ms,
                          const kc_record_in *recs, int n)
{
    build(w, attributes, 0, timestamps_ms, recs, n);
}
