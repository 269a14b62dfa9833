/*
 * `__consumer_offsets` key and value codecs (see offsets_codec.h). Decoders read through one
 * sticky-error kc_rbuf and check it once at the end; the only allocation is the members array,
 * made after kc_rbuf_array_len() has bounded the count by the bytes left.
 */
#include "group/offsets_codec.h"

#include <string.h>

/* Smallest wire size of one GroupMetadataValue member in version @p v: three int16 string
 * lengths (four from v3), one or two int32 timeouts (two from v1), two int32 byte lengths. */
static size_t member_min_bytes(int16_t v)
{
    return 3 * 2 + (v >= 3 ? 2 : 0) + (v >= 1 ? 8 : 4) + 2 * 4;
}

/* A schema STRING that is never null: null goes out as "". */
static kc_str or_empty(kc_str s)
{
    return s.len < 0 ? (kc_str){"", 0} : s;
}

static kc_bytes or_empty_bytes(kc_bytes b)
{
    return b.len < 0 ? (kc_bytes){NULL, 0} : b;
}

/* The reader ended cleanly: no short read and nothing left over. */
static int finish(const kc_rbuf *r)
{
    return r->err || kc_rbuf_remaining(r) != 0 ? -1 : 0;
}

void kc_offsets_key_encode_offset(kc_wbuf *w, kc_str group, kc_str topic, int32_t partition)
{
    kc_wbuf_i16(w, 1);
    kc_wbuf_str(w, false, group);
    kc_wbuf_str(w, false, topic);
    kc_wbuf_i32(w, partition);
}

void kc_offsets_key_encode_group(kc_wbuf *w, kc_str group)
{
    kc_wbuf_i16(w, 2);
    kc_wbuf_str(w, false, group);
}

int kc_offsets_key_decode(const uint8_t *p, size_t len, kc_offsets_key *out)
{
    kc_rbuf r;
    kc_rbuf_init(&r, p, len);
    out->version = kc_rbuf_i16(&r);
    out->topic = KC_STR_NULL;
    out->partition = -1;
    if (r.err || out->version < 0 || out->version > 2)
        return -1;
    out->group = kc_rbuf_str(&r, false, false);
    if (out->version <= 1) {
        out->topic = kc_rbuf_str(&r, false, false);
        out->partition = kc_rbuf_i32(&r);
    }
    return finish(&r);
}

void kc_offset_value_encode(kc_wbuf *w, const kc_offset_value *v)
{
    kc_wbuf_i16(w, v->version);
    kc_wbuf_i64(w, v->offset);
    if (v->version >= 3)
        kc_wbuf_i32(w, v->leader_epoch);
    kc_wbuf_str(w, false, or_empty(v->metadata));
    kc_wbuf_i64(w, v->commit_timestamp);
    if (v->version == 1)
        kc_wbuf_i64(w, v->expire_timestamp);
}

int kc_offset_value_decode(const uint8_t *p, size_t len, kc_offset_value *out)
{
    kc_rbuf r;
    kc_rbuf_init(&r, p, len);
    out->version = kc_rbuf_i16(&r);
    out->leader_epoch = -1;
    out->expire_timestamp = -1;
    if (r.err || out->version < 0 || out->version > 3)
        return -1;
    out->offset = kc_rbuf_i64(&r);
    if (out->version >= 3)
        out->leader_epoch = kc_rbuf_i32(&r);
    out->metadata = kc_rbuf_str(&r, false, false);
    out->commit_timestamp = kc_rbuf_i64(&r);
    if (out->version == 1)
        out->expire_timestamp = kc_rbuf_i64(&r);
    return finish(&r);
}

void kc_group_value_encode(kc_wbuf *w, const kc_group_value *v)
{
    int16_t ver = v->version;
    kc_wbuf_i16(w, ver);
    kc_wbuf_str(w, false, or_empty(v->protocol_type));
    kc_wbuf_i32(w, v->generation);
    kc_wbuf_str(w, false, v->protocol);
    kc_wbuf_str(w, false, v->leader);
    if (ver >= 2)
        kc_wbuf_i64(w, v->current_state_timestamp);
    kc_wbuf_array_len(w, false, v->n_members);
    for (int32_t i = 0; i < v->n_members; i++) {
        const kc_group_member_value *m = &v->members[i];
        kc_wbuf_str(w, false, or_empty(m->member_id));
        if (ver >= 3)
            kc_wbuf_str(w, false, m->group_instance_id);
        kc_wbuf_str(w, false, or_empty(m->client_id));
        kc_wbuf_str(w, false, or_empty(m->client_host));
        if (ver >= 1)
            kc_wbuf_i32(w, m->rebalance_timeout_ms);
        kc_wbuf_i32(w, m->session_timeout_ms);
        kc_wbuf_bytes(w, false, or_empty_bytes(m->subscription));
        kc_wbuf_bytes(w, false, or_empty_bytes(m->assignment));
    }
}

static void member_decode(kc_rbuf *r, int16_t ver, kc_group_member_value *m)
{
    m->member_id = kc_rbuf_str(r, false, false);
    m->group_instance_id = ver >= 3 ? kc_rbuf_str(r, false, true) : KC_STR_NULL;
    m->client_id = kc_rbuf_str(r, false, false);
    m->client_host = kc_rbuf_str(r, false, false);
    int32_t rebalance = ver >= 1 ? kc_rbuf_i32(r) : 0;
    m->session_timeout_ms = kc_rbuf_i32(r);
    /* GroupMetadataManager.readGroupMessageValue: v0 has no rebalance timeout of its own */
    m->rebalance_timeout_ms = ver >= 1 ? rebalance : m->session_timeout_ms;
    m->subscription = kc_rbuf_bytes(r, false, false);
    m->assignment = kc_rbuf_bytes(r, false, false);
}

int kc_group_value_decode(const uint8_t *p, size_t len, kc_arena *a, kc_group_value *out)
{
    kc_rbuf r;
    kc_rbuf_init(&r, p, len);
    memset(out, 0, sizeof(*out));
    out->version = kc_rbuf_i16(&r);
    out->current_state_timestamp = -1;
    if (r.err || out->version < 0 || out->version > 3)
        return -1;
    int16_t ver = out->version;
    out->protocol_type = kc_rbuf_str(&r, false, false);
    out->generation = kc_rbuf_i32(&r);
    out->protocol = kc_rbuf_str(&r, false, true);
    out->leader = kc_rbuf_str(&r, false, true);
    if (ver >= 2)
        out->current_state_timestamp = kc_rbuf_i64(&r);
    int32_t n = kc_rbuf_array_len(&r, false, false, member_min_bytes(ver));
    if (r.err)
        return -1; /* before any allocation: the count did not fit in the bytes left */
    out->n_members = n;
    if (n > 0)
        out->members = kc_arena_alloc(a, (size_t)n * sizeof(*out->members));
    for (int32_t i = 0; i < n && !r.err; i++)
        member_decode(&r, ver, &out->members[i]);
    return finish(&r);
}
