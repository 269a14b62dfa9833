/*
 * Up- and down-conversion between message format v0/v1 and RecordBatch v2. Both sides only read
 * their input; the up-conversion holds views into the request and into inflated wrappers until
 * the batch is built, then frees the wrappers.
 */
#include "proto/legacy_records.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/log.h"
#include "proto/compression.h"
#include "proto/errors.h"
#include "proto/records.h"

/* Offset, Size: the bytes of an entry that Size does not count */
#define LEGACY_LOG_OVERHEAD 12
/* CRC, Magic, Attributes, Key length, Value length: the smallest v0 entry after its Size */
#define LEGACY_MIN_V0 14

/* ---------------------------------------------------------------- up-conversion */

typedef struct legacy_set {
    kc_record_in *recs;
    int64_t *timestamps;
    int n, cap;
    int codec;              /* of the wrappers, KC_CODEC_NONE when there were none */
    int16_t timestamp_type; /* KC_ATTR_LOG_APPEND_TIME when an entry said so */
    uint8_t **inflated;     /* wrapper contents the views point into */
    int n_inflated;
} legacy_set;

static void set_add(legacy_set *s, kc_bytes key, kc_bytes value, int64_t ts)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->recs = realloc(s->recs, sizeof(*s->recs) * (size_t)s->cap);
        s->timestamps = realloc(s->timestamps, sizeof(*s->timestamps) * (size_t)s->cap);
        if (!s->recs || !s->timestamps)
            kc_fatal("legacy records: out of memory");
    }
    s->recs[s->n] = (kc_record_in){key, value};
    s->timestamps[s->n++] = ts;
}

static void set_free(legacy_set *s)
{
    for (int i = 0; i < s->n_inflated; i++)
        free(s->inflated[i]);
    free(s->inflated);
    free(s->recs);
    free(s->timestamps);
}

/* A Key or Value field at *p within [*p, end): -1 when its length does not fit. */
static int read_field(const uint8_t **p, const uint8_t *end, kc_bytes *b)
{
    if (end - *p < 4)
        return -1;
    int32_t len = (int32_t)kc_be32(*p);
    *p += 4;
    if (len < -1 || (len > 0 && end - *p < len))
        return -1;
    b->p = len > 0 ? *p : NULL;
    b->len = len;
    if (len > 0)
        *p += len;
    return 0;
}

static int parse_set(const uint8_t *p, size_t len, bool inner, size_t max_inflate, legacy_set *s)
{
    const uint8_t *end = p + len;
    while (p < end) {
        if (end - p < LEGACY_LOG_OVERHEAD)
            return KC_ERR_CORRUPT_MESSAGE;
        int32_t size = (int32_t)kc_be32(p + 8);
        if (size < LEGACY_MIN_V0 || end - (p + LEGACY_LOG_OVERHEAD) < size)
            return KC_ERR_CORRUPT_MESSAGE;
        const uint8_t *e = p + LEGACY_LOG_OVERHEAD, *e_end = e + size;
        uint32_t crc = kc_be32(e);
        if (crc32(0, e + 4, (uInt)(size - 4)) != crc)
            return KC_ERR_CORRUPT_MESSAGE;
        int8_t magic = (int8_t)e[4];
        uint8_t attributes = e[5];
        const uint8_t *q = e + 6;
        int64_t ts = -1;
        if (magic == 1) {
            if (e_end - q < 8 + 8)
                return KC_ERR_CORRUPT_MESSAGE;
            ts = (int64_t)kc_be64(q);
            q += 8;
            if (attributes & KC_ATTR_LOG_APPEND_TIME)
                s->timestamp_type = KC_ATTR_LOG_APPEND_TIME;
        } else if (magic != 0) {
            return KC_ERR_CORRUPT_MESSAGE;
        }
        kc_bytes key, value;
        if (read_field(&q, e_end, &key) || read_field(&q, e_end, &value) || q != e_end)
            return KC_ERR_CORRUPT_MESSAGE;
        int codec = attributes & KC_ATTR_CODEC_MASK;
        if (codec == KC_CODEC_NONE) {
            set_add(s, key, value, ts);
        } else if (codec == KC_CODEC_ZSTD) {
            return KC_ERR_UNSUPPORTED_COMPRESSION_TYPE; /* zstd needs magic 2 (KIP-110) */
        } else {
            if (inner || value.len <= 0)
                return KC_ERR_CORRUPT_MESSAGE;
            uint8_t *body;
            size_t body_len;
            int rc =
                kc_decompress(codec, value.p, (size_t)value.len, max_inflate, &body, &body_len);
            if (rc)
                return rc == KC_CODEC_ERR_TOO_LARGE ? KC_ERR_MESSAGE_TOO_LARGE
                                                    : KC_ERR_CORRUPT_MESSAGE;
            /* a wrapper inflating to nothing (body NULL) holds no entry: Kafka refuses it
             * ("Found invalid compressed record set with no inner records"); parsing it would
             * also compute NULL + 0 (undefined behaviour, found by tests/fuzz) */
            if (body_len == 0)
                return KC_ERR_INVALID_RECORD;
            s->inflated = realloc(s->inflated, sizeof(*s->inflated) * (size_t)(s->n_inflated + 1));
            if (!s->inflated)
                kc_fatal("legacy records: out of memory");
            s->inflated[s->n_inflated++] = body;
            s->codec = codec;
            if ((rc = parse_set(body, body_len, true, max_inflate, s)))
                return rc;
        }
        p = e_end;
    }
    return KC_ERR_NONE;
}

int kc_legacy_up_convert(const uint8_t *in, size_t len, size_t max_inflate, uint8_t **out,
                         size_t *out_len)
{
    legacy_set s = {0};
    int rc = parse_set(in, len, false, max_inflate, &s);
    if (rc == KC_ERR_NONE && s.n == 0)
        rc = KC_ERR_INVALID_RECORD;
    if (rc != KC_ERR_NONE) {
        set_free(&s);
        return rc;
    }
    kc_wbuf w = {0};
    kc_batch_build_timed(&w, s.timestamp_type, s.timestamps, s.recs, s.n);
    set_free(&s);
    if (s.codec == KC_CODEC_NONE) {
        *out = w.data;
        *out_len = w.len;
        return KC_ERR_NONE;
    }
    kc_batch_header h;
    kc_batch_header_parse(w.data, w.len, &h);
    rc = kc_batch_recompress(w.data, w.len, &h, s.codec, w.len, out, out_len);
    kc_wbuf_free(&w);
    return rc ? KC_ERR_CORRUPT_MESSAGE : KC_ERR_NONE; /* compressing cannot fail */
}

/* ---------------------------------------------------------------- down-conversion */

typedef struct down_ctx {
    kc_wbuf *out;
    const kc_batch_header *h;
    int8_t magic;
    int64_t min_offset;
} down_ctx;

static void put_legacy_field(kc_wbuf *w, const uint8_t *p, int32_t len)
{
    kc_wbuf_i32(w, len);
    if (len > 0)
        kc_wbuf_put(w, p, (size_t)len);
}

static int down_record(const kc_record *r, void *arg)
{
    down_ctx *d = arg;
    int64_t offset = d->h->base_offset + r->offset_delta;
    if (offset < d->min_offset)
        return 0;
    kc_wbuf *w = d->out;
    bool append_time = d->h->attributes & KC_ATTR_LOG_APPEND_TIME;
    size_t start = w->len;
    kc_wbuf_i64(w, offset);
    kc_wbuf_i32(w, 0); /* Size, filled in below */
    kc_wbuf_i32(w, 0); /* CRC, filled in below */
    kc_wbuf_i8(w, d->magic);
    kc_wbuf_i8(w, (int8_t)(d->magic == 1 && append_time ? KC_ATTR_LOG_APPEND_TIME : 0));
    if (d->magic == 1)
        kc_wbuf_i64(w, append_time ? d->h->max_timestamp
                                   : kc_record_timestamp(d->h->base_timestamp, r->timestamp_delta));
    put_legacy_field(w, r->key, r->key_len);
    put_legacy_field(w, r->value, r->value_len);
    size_t size = w->len - start - LEGACY_LOG_OVERHEAD;
    kc_wbuf_i32_at(w, start + 8, (int32_t)size);
    const uint8_t *crc_from = w->data + start + LEGACY_LOG_OVERHEAD + 4;
    kc_wbuf_i32_at(w, start + LEGACY_LOG_OVERHEAD, (int32_t)crc32(0, crc_from, (uInt)(size - 4)));
    return 0;
}

int kc_legacy_down_convert(const uint8_t *in, size_t len, int8_t magic, int64_t min_offset,
                           kc_wbuf *out)
{
    size_t pos = 0;
    kc_batch_header h;
    while (kc_batch_header_parse(in + pos, len - pos, &h) == 0) {
        size_t size = (size_t)h.length + KC_BATCH_LOG_OVERHEAD;
        if (h.length < KC_BATCH_HEADER_BYTES - KC_BATCH_LOG_OVERHEAD || size > len - pos)
            break; /* the partial batch a size limit cut */
        down_ctx d = {out, &h, magic, min_offset};
        if (!(h.attributes & KC_ATTR_CONTROL) &&
            kc_batch_for_each_record(in + pos, size, &h, false, down_record, &d))
            return -1;
        pos += size;
    }
    return 0;
}
