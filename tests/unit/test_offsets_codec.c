/*
 * `__consumer_offsets` keys and values (src/group/offsets_codec.h): the exact bytes of the
 * reference's example (../shared/reference/kafka-groups-and-producer-state.md §2.1: key v1,
 * value v3, group key v2), round trips of every key and value version, a v3 group value with
 * two members (one static), v0 members taking their rebalance timeout from the session
 * timeout, and rejection of truncated input, unknown versions, nulls the schema forbids,
 * trailing bytes and a member count the bytes cannot hold (refused before any allocation).
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <string.h>

#include "common/arena.h"
#include "group/offsets_codec.h"

#define S(lit)       ((kc_str){lit, (int32_t)sizeof(lit) - 1})
#define BYTES(lit)   ((kc_bytes){(const uint8_t *)(lit), (int32_t)sizeof(lit) - 1})
#define HEX_EQ(w, e) expect_bytes((w).data, (w).len, (const uint8_t *)(e), sizeof(e) - 1)

static void expect_bytes(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len)
{
    cr_assert_eq(got_len, want_len, "%zu bytes, want %zu", got_len, want_len);
    for (size_t i = 0; i < want_len; i++)
        cr_assert_eq(got[i], want[i], "byte %zu is %02x, want %02x", i, got[i], want[i]);
}

static bool str_is(kc_str s, kc_str want)
{
    if (s.len < 0 || want.len < 0)
        return s.len == want.len;
    return s.len == want.len && (s.len == 0 || memcmp(s.p, want.p, (size_t)s.len) == 0);
}

static bool bytes_is(kc_bytes b, kc_bytes want)
{
    return str_is((kc_str){(const char *)b.p, b.len}, (kc_str){(const char *)want.p, want.len});
}

/* ------------------------------------------------------------------ reference example */

static const char KEY_V1[] = "\x00\x01"
                             "\x00\x08my-group"
                             "\x00\x06orders"
                             "\x00\x00\x00\x03";
static const char VALUE_V3[] = "\x00\x03"
                               "\x00\x00\x00\x00\x00\x00\x00\x2a"
                               "\x00\x00\x00\x05"
                               "\x00\x00"
                               "\x00\x00\x01\x8b\xcf\xe5\x68\x00";
static const char GROUP_KEY_V2[] = "\x00\x02"
                                   "\x00\x08my-group";

Test(offsets_codec, reference_offset_key_v1)
{
    kc_wbuf w = {0};
    kc_offsets_key_encode_offset(&w, S("my-group"), S("orders"), 3);
    HEX_EQ(w, KEY_V1);
    kc_offsets_key k;
    cr_assert_eq(kc_offsets_key_decode(w.data, w.len, &k), 0);
    cr_assert_eq(k.version, 1);
    cr_assert(str_is(k.group, S("my-group")));
    cr_assert(str_is(k.topic, S("orders")));
    cr_assert_eq(k.partition, 3);
    kc_wbuf_free(&w);
}

Test(offsets_codec, reference_offset_value_v3)
{
    kc_offset_value v = {.version = 3,
                         .offset = 42,
                         .leader_epoch = 5,
                         .metadata = S(""),
                         .commit_timestamp = 1700000000000,
                         .expire_timestamp = -1};
    kc_wbuf w = {0};
    kc_offset_value_encode(&w, &v);
    HEX_EQ(w, VALUE_V3);
    kc_offset_value d;
    cr_assert_eq(kc_offset_value_decode(w.data, w.len, &d), 0);
    cr_assert_eq(d.version, 3);
    cr_assert_eq(d.offset, 42);
    cr_assert_eq(d.leader_epoch, 5);
    cr_assert(str_is(d.metadata, S("")));
    cr_assert_eq(d.commit_timestamp, 1700000000000);
    cr_assert_eq(d.expire_timestamp, -1);
    kc_wbuf_free(&w);
}

Test(offsets_codec, null_metadata_is_written_as_empty)
{
    kc_offset_value v = {.version = 3,
                         .offset = 42,
                         .leader_epoch = 5,
                         .metadata = KC_STR_NULL,
                         .commit_timestamp = 1700000000000};
    kc_wbuf w = {0};
    kc_offset_value_encode(&w, &v);
    HEX_EQ(w, VALUE_V3);
    kc_wbuf_free(&w);
}

Test(offsets_codec, reference_group_key_v2)
{
    kc_wbuf w = {0};
    kc_offsets_key_encode_group(&w, S("my-group"));
    HEX_EQ(w, GROUP_KEY_V2);
    kc_offsets_key k;
    cr_assert_eq(kc_offsets_key_decode(w.data, w.len, &k), 0);
    cr_assert_eq(k.version, 2);
    cr_assert(str_is(k.group, S("my-group")));
    cr_assert_eq(k.topic.len, -1);
    cr_assert_eq(k.partition, -1);
    kc_wbuf_free(&w);
}

/* ------------------------------------------------------------------ keys */

Test(offsets_codec, offset_key_v0_decodes_like_v1)
{
    char v0[sizeof(KEY_V1) - 1];
    memcpy(v0, KEY_V1, sizeof(v0));
    v0[1] = 0;
    kc_offsets_key k;
    cr_assert_eq(kc_offsets_key_decode((const uint8_t *)v0, sizeof(v0), &k), 0);
    cr_assert_eq(k.version, 0);
    cr_assert(str_is(k.group, S("my-group")));
    cr_assert(str_is(k.topic, S("orders")));
    cr_assert_eq(k.partition, 3);
}

Test(offsets_codec, keys_refuse_bad_input)
{
    kc_offsets_key k;
    const uint8_t *key = (const uint8_t *)KEY_V1, *gkey = (const uint8_t *)GROUP_KEY_V2;
    for (size_t n = 0; n < sizeof(KEY_V1) - 1; n++)
        cr_assert_eq(kc_offsets_key_decode(key, n, &k), -1, "offset key cut to %zu bytes", n);
    for (size_t n = 0; n < sizeof(GROUP_KEY_V2) - 1; n++)
        cr_assert_eq(kc_offsets_key_decode(gkey, n, &k), -1, "group key cut to %zu bytes", n);

    uint8_t buf[64];
    memcpy(buf, KEY_V1, sizeof(KEY_V1) - 1);
    buf[sizeof(KEY_V1) - 1] = 0;
    cr_assert_eq(kc_offsets_key_decode(buf, sizeof(KEY_V1), &k), -1, "a trailing byte");
    memcpy(buf, GROUP_KEY_V2, sizeof(GROUP_KEY_V2) - 1);
    memcpy(buf + sizeof(GROUP_KEY_V2) - 1, "\x00\x00\x00\x03", 4);
    cr_assert_eq(kc_offsets_key_decode(buf, sizeof(GROUP_KEY_V2) - 1 + 4, &k), -1,
                 "a group key with a partition after it");

    int16_t bogus[] = {3, 4, -1, 0x7fff, (int16_t)0x8000};
    for (size_t i = 0; i < sizeof(bogus) / sizeof(bogus[0]); i++) {
        memcpy(buf, GROUP_KEY_V2, sizeof(GROUP_KEY_V2) - 1);
        buf[0] = (uint8_t)((uint16_t)bogus[i] >> 8);
        buf[1] = (uint8_t)bogus[i];
        cr_assert_eq(kc_offsets_key_decode(buf, sizeof(GROUP_KEY_V2) - 1, &k), -1, "version %d",
                     bogus[i]);
    }

    static const char null_group[] = "\x00\x02\xff\xff";
    cr_assert_eq(kc_offsets_key_decode((const uint8_t *)null_group, 4, &k), -1, "null group");
    static const char long_group[] = "\x00\x02\x00\x09my-group";
    cr_assert_eq(kc_offsets_key_decode((const uint8_t *)long_group, sizeof(long_group) - 1, &k), -1,
                 "string longer than the key");
}

/* ------------------------------------------------------------------ offset values */

Test(offsets_codec, offset_value_round_trips_every_version)
{
    /* v0 and v2: offset, metadata, commit; v1: + expire; v3: offset, epoch, metadata, commit */
    static const size_t want_len[4] = {2 + 8 + 6 + 8, 2 + 8 + 6 + 8 + 8, 2 + 8 + 6 + 8,
                                       2 + 8 + 4 + 6 + 8};
    for (int16_t ver = 0; ver <= 3; ver++) {
        kc_offset_value v = {.version = ver,
                             .offset = 0x0102030405060708,
                             .leader_epoch = 9,
                             .metadata = S("meta"),
                             .commit_timestamp = 1700000000000,
                             .expire_timestamp = 1700000600000};
        kc_wbuf w = {0};
        kc_offset_value_encode(&w, &v);
        cr_assert_eq(w.len, want_len[ver], "v%d: %zu bytes", ver, w.len);
        cr_assert_eq(w.data[0], 0);
        cr_assert_eq(w.data[1], ver);
        kc_offset_value d;
        cr_assert_eq(kc_offset_value_decode(w.data, w.len, &d), 0, "v%d", ver);
        cr_assert_eq(d.version, ver);
        cr_assert_eq(d.offset, v.offset);
        cr_assert_eq(d.leader_epoch, ver == 3 ? 9 : -1, "v%d", ver);
        cr_assert(str_is(d.metadata, S("meta")));
        cr_assert_eq(d.commit_timestamp, v.commit_timestamp);
        cr_assert_eq(d.expire_timestamp, ver == 1 ? v.expire_timestamp : -1, "v%d", ver);
        kc_wbuf re = {0};
        kc_offset_value_encode(&re, &d);
        expect_bytes(re.data, re.len, w.data, w.len);
        for (size_t n = 0; n < w.len; n++)
            cr_assert_eq(kc_offset_value_decode(w.data, n, &d), -1, "v%d cut to %zu", ver, n);
        kc_wbuf_put(&w, "", 1);
        cr_assert_eq(kc_offset_value_decode(w.data, w.len, &d), -1, "v%d + a byte", ver);
        kc_wbuf_free(&w);
        kc_wbuf_free(&re);
    }
}

Test(offsets_codec, offset_value_refuses_bad_versions_and_null_metadata)
{
    kc_offset_value d;
    uint8_t buf[sizeof(VALUE_V3) - 1];
    int16_t bogus[] = {4, 5, -1, 0x7fff};
    for (size_t i = 0; i < sizeof(bogus) / sizeof(bogus[0]); i++) {
        memcpy(buf, VALUE_V3, sizeof(buf));
        buf[0] = (uint8_t)((uint16_t)bogus[i] >> 8);
        buf[1] = (uint8_t)bogus[i];
        cr_assert_eq(kc_offset_value_decode(buf, sizeof(buf), &d), -1, "version %d", bogus[i]);
    }
    memcpy(buf, VALUE_V3, sizeof(buf));
    buf[14] = 0xff; /* metadata length -1: the schema's STRING is not nullable */
    buf[15] = 0xff;
    cr_assert_eq(kc_offset_value_decode(buf, sizeof(buf), &d), -1);
}

/* ------------------------------------------------------------------ group values */

static kc_group_member_value member(kc_str id, kc_str instance, kc_str client, kc_str host,
                                    int32_t rebalance, int32_t session, kc_bytes sub,
                                    kc_bytes assign)
{
    return (kc_group_member_value){id, instance, client, host, rebalance, session, sub, assign};
}

static void expect_member(const kc_group_member_value *g, const kc_group_member_value *w, int ver)
{
    cr_assert(str_is(g->member_id, w->member_id), "v%d member id", ver);
    if (ver >= 3)
        cr_assert(str_is(g->group_instance_id, w->group_instance_id), "v%d instance id", ver);
    else
        cr_assert_eq(g->group_instance_id.len, -1, "v%d has no instance id", ver);
    cr_assert(str_is(g->client_id, w->client_id), "v%d client id", ver);
    cr_assert(str_is(g->client_host, w->client_host), "v%d client host", ver);
    cr_assert_eq(g->rebalance_timeout_ms,
                 ver >= 1 ? w->rebalance_timeout_ms : w->session_timeout_ms,
                 "v%d rebalance timeout", ver);
    cr_assert_eq(g->session_timeout_ms, w->session_timeout_ms);
    cr_assert(bytes_is(g->subscription, w->subscription), "v%d subscription", ver);
    cr_assert(bytes_is(g->assignment, w->assignment), "v%d assignment", ver);
}

static void two_members(kc_group_member_value m[2])
{
    m[0] = member(S("consumer-1-6a0c"), KC_STR_NULL, S("consumer-1"), S("/10.0.0.5"), 300000, 45000,
                  BYTES("\x00\x01sub"),
                  BYTES("\x00\x01"
                        "assign"));
    m[1] = member(S("static-b-77"), S("instance-b"), S("client-b"), S("/10.0.0.6"), 60000, 10000,
                  BYTES(""), BYTES("\x00"));
}

/* A Stable consumer group of generation 3 with the two members @p m, in version @p ver. */
static kc_group_value stable_group(int16_t ver, kc_group_member_value m[2])
{
    return (kc_group_value){.version = ver,
                            .protocol_type = S("consumer"),
                            .generation = 3,
                            .protocol = S("range"),
                            .leader = S("consumer-1-6a0c"),
                            .current_state_timestamp = 1700000000000,
                            .n_members = 2,
                            .members = m};
}

/* Group value v3, two members, member 2 static: the bytes written field by field. */
Test(offsets_codec, group_value_v3_two_members_exact_bytes)
{
    kc_group_member_value m[2];
    two_members(m);
    kc_group_value v = stable_group(3, m);
    kc_wbuf w = {0};
    kc_group_value_encode(&w, &v);
    static const char want[] = "\x00\x03"
                               "\x00\x08"
                               "consumer"
                               "\x00\x00\x00\x03"
                               "\x00\x05range"
                               "\x00\x0f"
                               "consumer-1-6a0c"
                               "\x00\x00\x01\x8b\xcf\xe5\x68\x00"
                               "\x00\x00\x00\x02"
                               /* member 1 */
                               "\x00\x0f"
                               "consumer-1-6a0c"
                               "\xff\xff"
                               "\x00\x0a"
                               "consumer-1"
                               "\x00\x09/10.0.0.5"
                               "\x00\x04\x93\xe0"
                               "\x00\x00\xaf\xc8"
                               "\x00\x00\x00\x05\x00\x01sub"
                               "\x00\x00\x00\x08\x00\x01"
                               "assign"
                               /* member 2 */
                               "\x00\x0bstatic-b-77"
                               "\x00\x0ainstance-b"
                               "\x00\x08"
                               "client-b"
                               "\x00\x09/10.0.0.6"
                               "\x00\x00\xea\x60"
                               "\x00\x00\x27\x10"
                               "\x00\x00\x00\x00"
                               "\x00\x00\x00\x01\x00";
    HEX_EQ(w, want);
    kc_arena a = KC_ARENA_INIT;
    kc_group_value d;
    cr_assert_eq(kc_group_value_decode(w.data, w.len, &a, &d), 0);
    cr_assert_eq(d.version, 3);
    cr_assert(str_is(d.protocol_type, S("consumer")));
    cr_assert_eq(d.generation, 3);
    cr_assert(str_is(d.protocol, S("range")));
    cr_assert(str_is(d.leader, S("consumer-1-6a0c")));
    cr_assert_eq(d.current_state_timestamp, 1700000000000);
    cr_assert_eq(d.n_members, 2);
    expect_member(&d.members[0], &m[0], 3);
    expect_member(&d.members[1], &m[1], 3);
    kc_arena_free(&a);
    kc_wbuf_free(&w);
}

Test(offsets_codec, group_value_round_trips_every_version)
{
    kc_group_member_value m[2];
    two_members(m);
    for (int16_t ver = 0; ver <= 3; ver++) {
        kc_group_value v = stable_group(ver, m);
        kc_wbuf w = {0};
        kc_group_value_encode(&w, &v);
        kc_arena a = KC_ARENA_INIT;
        kc_group_value d;
        cr_assert_eq(kc_group_value_decode(w.data, w.len, &a, &d), 0, "v%d", ver);
        cr_assert_eq(d.version, ver);
        cr_assert(str_is(d.protocol_type, S("consumer")));
        cr_assert_eq(d.generation, 3);
        cr_assert(str_is(d.protocol, S("range")));
        cr_assert(str_is(d.leader, S("consumer-1-6a0c")));
        cr_assert_eq(d.current_state_timestamp, ver >= 2 ? 1700000000000 : -1, "v%d", ver);
        cr_assert_eq(d.n_members, 2);
        for (int i = 0; i < 2; i++)
            expect_member(&d.members[i], &m[i], ver);
        if (ver >= 1) { /* v0 loses the rebalance timeout, so only v1+ re-encode identically */
            kc_wbuf re = {0};
            kc_group_value_encode(&re, &d);
            expect_bytes(re.data, re.len, w.data, w.len);
            kc_wbuf_free(&re);
        }
        for (size_t n = 0; n < w.len; n++)
            cr_assert_eq(kc_group_value_decode(w.data, n, &a, &d), -1, "v%d cut to %zu", ver, n);
        kc_wbuf_put(&w, "", 1);
        cr_assert_eq(kc_group_value_decode(w.data, w.len, &a, &d), -1, "v%d + a byte", ver);
        kc_arena_free(&a);
        kc_wbuf_free(&w);
    }
}

/* The record Kafka writes when a rebalance ends with no members (reference §2.1). */
Test(offsets_codec, empty_group_record)
{
    kc_group_value v = {.version = 3,
                        .protocol_type = S("consumer"),
                        .generation = 4,
                        .protocol = KC_STR_NULL,
                        .leader = KC_STR_NULL,
                        .current_state_timestamp = 5};
    kc_wbuf w = {0};
    kc_group_value_encode(&w, &v);
    static const char want[] = "\x00\x03"
                               "\x00\x08"
                               "consumer"
                               "\x00\x00\x00\x04"
                               "\xff\xff"
                               "\xff\xff"
                               "\x00\x00\x00\x00\x00\x00\x00\x05"
                               "\x00\x00\x00\x00";
    HEX_EQ(w, want);
    kc_arena a = KC_ARENA_INIT;
    kc_group_value d;
    cr_assert_eq(kc_group_value_decode(w.data, w.len, &a, &d), 0);
    cr_assert_eq(d.protocol.len, -1);
    cr_assert_eq(d.leader.len, -1);
    cr_assert_eq(d.n_members, 0);
    cr_assert_null(d.members);
    cr_assert_null(a.head, "nothing allocated for no members");
    kc_wbuf_free(&w);
}

Test(offsets_codec, group_value_refuses_bad_input)
{
    kc_arena a = KC_ARENA_INIT;
    kc_group_value d;
    static const char v4[] = "\x00\x04\x00\x00\x00\x00\x00\x01\xff\xff\xff\xff\x00\x00\x00\x00";
    cr_assert_eq(kc_group_value_decode((const uint8_t *)v4, sizeof(v4) - 1, &a, &d), -1);
    static const char neg[] = "\xff\xff\x00\x00\x00\x00\x00\x01\xff\xff\xff\xff\x00\x00\x00\x00";
    cr_assert_eq(kc_group_value_decode((const uint8_t *)neg, sizeof(neg) - 1, &a, &d), -1);
    /* v1: protocolType null (not nullable) */
    static const char null_type[] = "\x00\x01\xff\xff\x00\x00\x00\x01\xff\xff\xff\xff"
                                    "\x00\x00\x00\x00";
    cr_assert_eq(kc_group_value_decode((const uint8_t *)null_type, sizeof(null_type) - 1, &a, &d),
                 -1);
    /* v1: members array null (not nullable) */
    static const char null_members[] = "\x00\x01\x00\x00\x00\x00\x00\x01\xff\xff\xff\xff"
                                       "\xff\xff\xff\xff";
    cr_assert_eq(
        kc_group_value_decode((const uint8_t *)null_members, sizeof(null_members) - 1, &a, &d), -1);
    /* v1: a member whose member id is null */
    static const char null_member_id[] = "\x00\x01\x00\x00\x00\x00\x00\x01\xff\xff\xff\xff"
                                         "\x00\x00\x00\x01"
                                         "\xff\xff\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x01"
                                         "\x00\x00\x00\x00\x00\x00\x00\x00";
    cr_assert_eq(
        kc_group_value_decode((const uint8_t *)null_member_id, sizeof(null_member_id) - 1, &a, &d),
        -1);
    /* v1: subscription length -2 */
    static const char neg_bytes[] = "\x00\x01\x00\x00\x00\x00\x00\x01\xff\xff\xff\xff"
                                    "\x00\x00\x00\x01"
                                    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x01"
                                    "\xff\xff\xff\xfe\x00\x00\x00\x00";
    cr_assert_eq(kc_group_value_decode((const uint8_t *)neg_bytes, sizeof(neg_bytes) - 1, &a, &d),
                 -1);
    /* the same with a valid subscription decodes: the cases above fail for their one fault */
    static const char ok[] = "\x00\x01\x00\x00\x00\x00\x00\x01\xff\xff\xff\xff"
                             "\x00\x00\x00\x01"
                             "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x01"
                             "\x00\x00\x00\x00\x00\x00\x00\x00";
    cr_assert_eq(kc_group_value_decode((const uint8_t *)ok, sizeof(ok) - 1, &a, &d), 0);
    cr_assert_eq(d.n_members, 1);
    kc_arena_free(&a);
}

Test(offsets_codec, huge_member_count_is_refused_before_allocating)
{
    /* v3, protocolType "", generation 1, null protocol and leader, timestamp, 0x7fffffff
     * members, then a few bytes: far fewer than one 24-byte member each */
    static const char huge[] = "\x00\x03\x00\x00\x00\x00\x00\x01\xff\xff\xff\xff"
                               "\x00\x00\x00\x00\x00\x00\x00\x00"
                               "\x7f\xff\xff\xff"
                               "\x00\x01x\xff\xff\x00\x01y\x00\x01z";
    kc_arena a = KC_ARENA_INIT;
    kc_group_value d;
    cr_assert_eq(kc_group_value_decode((const uint8_t *)huge, sizeof(huge) - 1, &a, &d), -1);
    cr_assert_null(a.head, "nothing was allocated");
    /* a count just one too large for the bytes present is refused the same way */
    static const char one_too_many[] = "\x00\x00\x00\x00\x00\x00\x00\x01\xff\xff\xff\xff"
                                       "\x00\x00\x00\x02"
                                       "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"
                                       "\x00\x00\x00\x00\x00\x00\x00\x00";
    cr_assert_eq(
        kc_group_value_decode((const uint8_t *)one_too_many, sizeof(one_too_many) - 1, &a, &d), -1);
    cr_assert_null(a.head, "nothing was allocated");
}

Test(offsets_codec, v0_member_takes_rebalance_timeout_from_session_timeout)
{
    /* v0: protocolType "consumer", generation 1, protocol "range", leader "m", one member
     * "m" client "c" host "/h" session 10000, subscription "", assignment "" */
    static const char v0[] = "\x00\x00"
                             "\x00\x08"
                             "consumer"
                             "\x00\x00\x00\x01"
                             "\x00\x05range"
                             "\x00\x01m"
                             "\x00\x00\x00\x01"
                             "\x00\x01m"
                             "\x00\x01"
                             "c"
                             "\x00\x02/h"
                             "\x00\x00\x27\x10"
                             "\x00\x00\x00\x00"
                             "\x00\x00\x00\x00";
    kc_arena a = KC_ARENA_INIT;
    kc_group_value d;
    cr_assert_eq(kc_group_value_decode((const uint8_t *)v0, sizeof(v0) - 1, &a, &d), 0);
    cr_assert_eq(d.current_state_timestamp, -1);
    cr_assert_eq(d.n_members, 1);
    cr_assert_eq(d.members[0].session_timeout_ms, 10000);
    cr_assert_eq(d.members[0].rebalance_timeout_ms, 10000);
    cr_assert_eq(d.members[0].group_instance_id.len, -1);
    kc_arena_free(&a);
}
