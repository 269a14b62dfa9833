/* RecordBatch v2 builder for unit tests; see batch_builder.h. */
#include "batch_builder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/crc32c.h"

typedef struct obuf {
    uint8_t *p;
    size_t len, cap;
} obuf;

static void ob_put(obuf *o, const void *d, size_t n)
{
    if (o->len + n > o->cap) {
        size_t cap = o->cap ? o->cap : 128;
        while (cap < o->len + n)
            cap *= 2;
        o->p = realloc(o->p, cap);
        if (!o->p)
            abort();
        o->cap = cap;
    }
    if (n)
        memcpy(o->p + o->len, d, n);
    o->len += n;
}

static void ob_u8(obuf *o, uint8_t v)
{
    ob_put(o, &v, 1);
}

static void ob_be(obuf *o, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--)
        ob_u8(o, (uint8_t)(v >> (8 * i)));
}

size_t bb_zigzag(int64_t v, uint8_t *out)
{
    uint64_t u = ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
    size_t n = 0;
    while (u >= 0x80) {
        out[n++] = (uint8_t)(u | 0x80);
        u >>= 7;
    }
    out[n++] = (uint8_t)u;
    return n;
}

static void ob_varint(obuf *o, int64_t v)
{
    uint8_t b[10];
    ob_put(o, b, bb_zigzag(v, b));
}

static void ob_bytes(obuf *o, const char *s)
{
    if (!s) {
        ob_varint(o, -1);
        return;
    }
    ob_varint(o, (int64_t)strlen(s));
    ob_put(o, s, strlen(s));
}

void bb_put_i16(uint8_t *p, int16_t v)
{
    p[0] = (uint8_t)((uint16_t)v >> 8);
    p[1] = (uint8_t)v;
}

void bb_put_i32(uint8_t *p, int32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)((uint32_t)v >> (24 - 8 * i));
}

void bb_put_i64(uint8_t *p, int64_t v)
{
    bb_put_i32(p, (int32_t)((uint64_t)v >> 32));
    bb_put_i32(p + 4, (int32_t)(uint32_t)v);
}

int32_t bb_get_i32(const uint8_t *p)
{
    return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

int64_t bb_get_i64(const uint8_t *p)
{
    return (int64_t)((uint64_t)(uint32_t)bb_get_i32(p) << 32 | (uint32_t)bb_get_i32(p + 4));
}

void bb_batch_defaults(bb_batch *b)
{
    memset(b, 0, sizeof(*b));
    b->magic = 2;
    b->last_offset_delta = BB_AUTO;
    b->base_timestamp = 1000;
    b->max_timestamp = BB_AUTO;
    b->producer_id = -1;
    b->producer_epoch = -1;
    b->base_sequence = -1;
    b->record_count = BB_AUTO;
}

void bb_record_defaults(bb_record *r)
{
    memset(r, 0, sizeof(*r));
    r->offset_delta = BB_AUTO;
}

void bb_fix_crc(uint8_t *p, size_t len)
{
    uint32_t crc = kc_crc32c(0, p + 21, len - 21);
    bb_put_i32(p + 17, (int32_t)crc);
}

uint8_t *bb_build(const bb_batch *b, size_t *len)
{
    obuf o = {0};
    int64_t max_delta = 0;
    ob_be(&o, (uint64_t)b->base_offset, 8);
    ob_be(&o, 0, 4); /* Length, patched below */
    ob_be(&o, (uint32_t)b->partition_leader_epoch, 4);
    ob_u8(&o, (uint8_t)b->magic);
    ob_be(&o, 0, 4); /* CRC, patched below */
    ob_be(&o, (uint16_t)b->attributes, 2);
    int64_t lod = b->last_offset_delta == BB_AUTO ? b->n_records - 1 : b->last_offset_delta;
    ob_be(&o, (uint32_t)(int32_t)lod, 4);
    ob_be(&o, (uint64_t)b->base_timestamp, 8);
    size_t max_ts_pos = o.len;
    ob_be(&o, 0, 8); /* MaxTimestamp, patched below */
    ob_be(&o, (uint64_t)b->producer_id, 8);
    ob_be(&o, (uint16_t)b->producer_epoch, 2);
    ob_be(&o, (uint32_t)b->base_sequence, 4);
    int64_t count = b->record_count == BB_AUTO ? b->n_records : b->record_count;
    ob_be(&o, (uint32_t)(int32_t)count, 4);
    if (o.len != 61)
        abort();
    for (int i = 0; i < b->n_records; i++) {
        const bb_record *r = &b->records[i];
        obuf body = {0};
        ob_u8(&body, 0); /* record attributes */
        ob_varint(&body, r->timestamp_delta);
        ob_varint(&body, r->offset_delta == BB_AUTO ? i : r->offset_delta);
        ob_bytes(&body, r->key);
        ob_bytes(&body, r->value);
        ob_varint(&body, r->n_headers);
        for (int h = 0; h < r->n_headers; h++) {
            ob_bytes(&body, r->header_keys[h]);
            ob_bytes(&body, r->header_values[h]);
        }
        ob_varint(&o, (int64_t)body.len);
        ob_put(&o, body.p, body.len);
        free(body.p);
        if (i == 0 || r->timestamp_delta > max_delta)
            max_delta = r->timestamp_delta;
    }
    int64_t max_ts = b->max_timestamp == BB_AUTO ? b->base_timestamp + max_delta : b->max_timestamp;
    bb_put_i64(o.p + max_ts_pos, max_ts);
    bb_put_i32(o.p + 8, (int32_t)(o.len - 12));
    bb_fix_crc(o.p, o.len);
    *len = o.len;
    return o.p;
}

uint8_t *bb_simple(int n, int64_t base_ts, size_t *len)
{
    bb_record *recs = calloc((size_t)(n > 0 ? n : 1), sizeof(*recs));
    char(*keys)[16] = calloc((size_t)(n > 0 ? n : 1), sizeof(*keys));
    char(*vals)[24] = calloc((size_t)(n > 0 ? n : 1), sizeof(*vals));
    char(*hv)[16] = calloc((size_t)(n > 0 ? n : 1), sizeof(*hv));
    if (!recs || !keys || !vals || !hv)
        abort();
    for (int i = 0; i < n; i++) {
        bb_record_defaults(&recs[i]);
        snprintf(keys[i], sizeof(keys[i]), "k%d", i);
        snprintf(vals[i], sizeof(vals[i]), "value-%d", i);
        snprintf(hv[i], sizeof(hv[i]), "%d", i);
        recs[i].timestamp_delta = 10 * i;
        recs[i].key = keys[i];
        recs[i].value = vals[i];
        recs[i].n_headers = 1;
        recs[i].header_keys[0] = "h";
        recs[i].header_values[0] = hv[i];
    }
    bb_batch b;
    bb_batch_defaults(&b);
    b.base_timestamp = base_ts;
    b.n_records = n;
    b.records = recs;
    uint8_t *out = bb_build(&b, len);
    free(recs);
    free(keys);
    free(vals);
    free(hv);
    return out;
}
