/*
 * Generated protocol codecs (build/<preset>/gen/kc_apis.[ch] from src/proto/apis.spec).
 *
 * For every API and every implemented version: encode a fully populated struct, decode it,
 * compare every field (fields outside the version must come back as their documented default),
 * re-encode and compare the bytes, and check that every strict prefix of the encoding fails to
 * decode. Hand-built byte vectors laid out from Kafka's protocol guide
 * (https://kafka.apache.org/protocol) pin the wire format independently of the encoder.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/dispatch.h"
#include "codec_check.h"
#include "kc_apis.h"
#include "proto/errors.h"
#include "proto/header.h"
#include "security/acl.h"

/* ---- helpers ---- */

/* RECORDS fields held in memory (decoders never produce file-backed ones: fd -1). */
static bool records_equal(kc_records a, kc_records b)
{
    if (a.len < 0 || b.len < 0)
        return a.len == b.len;
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, (size_t)a.len) == 0);
}

#define R(lit) ((kc_records){(const uint8_t *)(lit), (int32_t)sizeof(lit) - 1, -1, 0})
#define R_NULL ((kc_records){NULL, -1, -1, 0})

/* ---- the API table and dispatch ---- */

Test(apis, table_matches_spec)
{
    static const struct {
        int16_t key;
        const char *name;
        int16_t lo, hi, flex;
    } want[] = {
        {0, "Produce", 0, 7, 32767},
        {1, "Fetch", 0, 11, 32767},
        {2, "ListOffsets", 1, 3, 32767},
        {3, "Metadata", 0, 5, 32767},
        {4, "LeaderAndIsr", 2, 3, 32767},
        {5, "StopReplica", 1, 1, 32767},
        {6, "UpdateMetadata", 5, 5, 32767},
        {7, "ControlledShutdown", 1, 3, 3},
        {8, "OffsetCommit", 2, 8, 8},
        {9, "OffsetFetch", 1, 7, 6},
        {10, "FindCoordinator", 0, 3, 3},
        {11, "JoinGroup", 0, 7, 6},
        {12, "Heartbeat", 0, 4, 4},
        {13, "LeaveGroup", 0, 4, 4},
        {14, "SyncGroup", 0, 5, 4},
        {15, "DescribeGroups", 0, 5, 5},
        {16, "ListGroups", 0, 4, 3},
        {17, "SaslHandshake", 0, 1, 32767},
        {18, "ApiVersions", 0, 3, 3},
        {19, "CreateTopics", 0, 4, 32767},
        {20, "DeleteTopics", 0, 3, 32767},
        {21, "DeleteRecords", 0, 1, 32767},
        {22, "InitProducerId", 0, 4, 2},
        {23, "OffsetForLeaderEpoch", 0, 3, 32767},
        {29, "DescribeAcls", 0, 2, 2},
        {30, "CreateAcls", 0, 2, 2},
        {31, "DeleteAcls", 0, 2, 2},
        {32, "DescribeConfigs", 0, 2, 32767},
        {33, "AlterConfigs", 0, 1, 32767},
        {36, "SaslAuthenticate", 0, 2, 2},
        {37, "CreatePartitions", 0, 1, 32767},
        {42, "DeleteGroups", 0, 2, 2},
        {43, "ElectLeaders", 0, 2, 2},
        {47, "OffsetDelete", 0, 0, 32767},
        {50, "DescribeUserScramCredentials", 0, 0, 0},
        {51, "AlterUserScramCredentials", 0, 0, 0},
        {56, "AlterIsr", 0, 0, 0},
    };
    cr_assert_eq(KC_API_COUNT, N_OF(want));
    for (int i = 0; i < KC_API_COUNT; i++) {
        cr_assert_eq(kc_apis[i].key, want[i].key);
        cr_assert_str_eq(kc_apis[i].name, want[i].name);
        cr_assert_eq(kc_apis[i].min_version, want[i].lo, "%s min", want[i].name);
        cr_assert_eq(kc_apis[i].max_version, want[i].hi, "%s max", want[i].name);
        cr_assert_eq(kc_apis[i].flex_from, want[i].flex, "%s flex", want[i].name);
        cr_assert_eq(kc_api_find(want[i].key), &kc_apis[i]);
        if (i > 0)
            cr_assert_gt(kc_apis[i].key, kc_apis[i - 1].key, "table must ascend");
    }
    cr_assert_null(kc_api_find(-1));
    cr_assert_null(kc_api_find(24), "AddPartitionsToTxn is not served");
}

Test(apis, every_api_has_a_handler)
{
    for (int i = 0; i < KC_API_COUNT; i++)
        cr_assert_not_null(kc_dispatch_find(kc_apis[i].key), "no handler for %s (%d)",
                           kc_apis[i].name, kc_apis[i].key);
    cr_assert_null(kc_dispatch_find(24), "AddPartitionsToTxn is not served");
    cr_assert_null(kc_dispatch_find(-1));
    cr_assert_null(kc_dispatch_find(1000));
}

/* The authorization declared in apis.spec: only ApiVersions and the SASL exchange before
 * authentication; the control-plane APIs refused for the whole request by the dispatcher. */
Test(apis, auth_rules_match_kafka)
{
    for (int i = 0; i < KC_API_COUNT; i++) {
        int16_t k = kc_apis[i].key;
        bool pre =
            k == KC_API_API_VERSIONS || k == KC_API_SASL_HANDSHAKE || k == KC_API_SASL_AUTHENTICATE;
        cr_assert_eq(kc_apis[i].before_auth, pre, "%s before_auth", kc_apis[i].name);
        cr_assert_not_null(kc_apis[i].auth);
        int want = 0;
        if (k == KC_API_LEADER_AND_ISR || k == KC_API_STOP_REPLICA || k == KC_API_UPDATE_METADATA ||
            k == KC_API_CONTROLLED_SHUTDOWN || k == KC_API_ALTER_ISR)
            want = KC_OP_CLUSTER_ACTION;
        else if (k == KC_API_DESCRIBE_ACLS || k == KC_API_DESCRIBE_USER_SCRAM_CREDENTIALS)
            want = KC_OP_DESCRIBE;
        cr_assert_eq(kc_apis[i].cluster_op, want, "%s cluster_op", kc_apis[i].name);
    }
}

/* The dispatcher's refusal: the response's top-level error_code, decodable by every version. */
Test(apis, error_response_sets_the_top_level_error)
{
    for (int16_t v = 2; v <= 3; v++) {
        kc_wbuf w = {0};
        cr_assert_eq(kc_api_encode_error_response(KC_API_LEADER_AND_ISR, v,
                                                  KC_ERR_CLUSTER_AUTHORIZATION_FAILED, &w),
                     0);
        kc_rbuf r;
        kc_rbuf_init(&r, w.data, w.len);
        kc_arena a = {0};
        kc_leader_and_isr_resp out;
        cr_assert_eq(kc_leader_and_isr_resp_decode(&r, v, &out, &a), 0);
        cr_assert_eq(out.error_code, KC_ERR_CLUSTER_AUTHORIZATION_FAILED);
        cr_assert_eq(r.p, r.end, "every byte read");
        kc_arena_free(&a);
        kc_wbuf_free(&w);
    }
    kc_wbuf w = {0};
    cr_assert_eq(
        kc_api_encode_error_response(KC_API_DESCRIBE_ACLS, 2, KC_ERR_SECURITY_DISABLED, &w), 0);
    kc_rbuf r;
    kc_rbuf_init(&r, w.data, w.len);
    kc_arena a = {0};
    kc_describe_acls_resp out;
    cr_assert_eq(kc_describe_acls_resp_decode(&r, 2, &out, &a), 0);
    cr_assert_eq(out.error_code, KC_ERR_SECURITY_DISABLED);
    cr_assert_eq(out.resources_count, 0);
    kc_arena_free(&a);
    kc_wbuf_free(&w);
    cr_assert_eq(kc_api_encode_error_response(KC_API_PRODUCE, 7, 31, &w), -1, "handler-checked");
    cr_assert_eq(w.len, 0);
}

/* ======================================================================================== */
/* Produce                                                                                  */
/* ======================================================================================== */

static void produce_req_cmp(int v, const kc_produce_req *a, const kc_produce_req *b)
{
    if (v >= 3)
        STR_EQ(a->transactional_id, b->transactional_id, "transactional_id");
    else
        EQ(b->transactional_id.len, -1, "transactional_id (absent before v3) is null");
    EQ(a->acks, b->acks, "acks");
    EQ(a->timeout_ms, b->timeout_ms, "timeout_ms");
    EQ(a->topic_data_count, b->topic_data_count, "topic_data_count");
    for (int32_t i = 0; i < a->topic_data_count; i++) {
        const kc_produce_topic *x = &a->topic_data[i], *y = &b->topic_data[i];
        STR_EQ(x->name, y->name, "topic name");
        EQ(x->partition_data_count, y->partition_data_count, "partition_data_count");
        for (int32_t j = 0; j < x->partition_data_count; j++) {
            EQ(x->partition_data[j].index, y->partition_data[j].index, "index");
            cr_assert(records_equal(x->partition_data[j].records, y->partition_data[j].records),
                      "v%d records", v);
            cr_assert_eq(y->partition_data[j].records.fd, -1, "v%d decoded records are a view", v);
        }
    }
}

Test(apis, produce_request_roundtrip_all_versions)
{
    kc_produce_partition p0[] = {{0, R("\x01\x02\x03\x04\x05")}, {7, R_NULL}};
    kc_produce_partition p1[] = {{2, R("")}};
    kc_produce_topic t[] = {{S("orders"), N_OF(p0), p0}, {S("t2"), N_OF(p1), p1}};
    const kc_api_info *info = api(KC_API_PRODUCE);
    for (int16_t v = info->min_version; v <= info->max_version; v++) {
        for (int txn = 0; txn < 2; txn++) {
            kc_produce_req in = {txn ? S("txn-1") : KC_STR_NULL, -1, 30000, N_OF(t), t};
            kc_produce_req out;
            kc_wbuf enc = {0};
            kc_arena a = KC_ARENA_INIT;
            ROUNDTRIP(kc_produce_req, v, &in, &out, enc, a);
            produce_req_cmp(v, &in, &out);
            kc_wbuf_free(&enc);
            kc_arena_free(&a);
        }
    }
}

static void produce_resp_cmp(int v, const kc_produce_resp *in, const kc_produce_resp *out)
{
    EQ(out->responses_count, in->responses_count, "responses_count");
    for (int32_t i = 0; i < in->responses_count; i++) {
        const kc_produce_topic_response *x = &in->responses[i], *y = &out->responses[i];
        STR_EQ(y->name, x->name, "name");
        EQ(y->partition_responses_count, x->partition_responses_count, "partition count");
        for (int32_t j = 0; j < x->partition_responses_count; j++) {
            const kc_produce_partition_response *p = &x->partition_responses[j],
                                                *q = &y->partition_responses[j];
            EQ(q->index, p->index, "index");
            EQ(q->error_code, p->error_code, "error_code");
            EQ(q->base_offset, p->base_offset, "base_offset");
            EQ(q->log_append_time_ms, v >= 2 ? p->log_append_time_ms : -1, "log_append_time_ms");
            EQ(q->log_start_offset, v >= 5 ? p->log_start_offset : -1, "log_start_offset");
        }
    }
    EQ(out->throttle_time_ms, v >= 1 ? in->throttle_time_ms : 0, "throttle_time_ms");
}

Test(apis, produce_response_roundtrip_all_versions)
{
    kc_produce_partition_response pr[] = {{0, 0, 42, 1700000000000ll, 3}, {1, 10, -1, -1, 9}};
    kc_produce_topic_response tr[] = {{S("orders"), N_OF(pr), pr}};
    kc_produce_resp in = {N_OF(tr), tr, 250};
    const kc_api_info *info = api(KC_API_PRODUCE);
    size_t prev_len = 0;
    for (int16_t v = info->min_version; v <= info->max_version; v++) {
        kc_produce_resp out;
        kc_wbuf enc = {0};
        kc_arena a = KC_ARENA_INIT;
        ROUNDTRIP(kc_produce_resp, v, &in, &out, enc, a);
        produce_resp_cmp(v, &in, &out);
        if (v == 5)
            cr_assert_eq(enc.len, prev_len + 2 * 8, "v5 adds log_start_offset per partition");
        prev_len = enc.len;
        kc_wbuf_free(&enc);
        kc_arena_free(&a);
    }
}

/* Produce v3 request, header v1 + body, laid out by hand from the protocol guide. */
Test(apis, produce_v3_request_bytes)
{
    static const uint8_t frame[] = {
        0x00, 0x00,                                          /* api_key 0 (Produce) */
        0x00, 0x03,                                          /* api_version 3 */
        0x00, 0x00, 0x00, 0x2A,                              /* correlation_id 42 */
        0x00, 0x07, 'p',  'r',  'o',  'd',  'u',  'c',  'e', /* client_id */
        0xFF, 0xFF,                                          /* transactional_id null */
        0xFF, 0xFF,                                          /* acks -1 */
        0x00, 0x00, 0x75, 0x30,                              /* timeout_ms 30000 */
        0x00, 0x00, 0x00, 0x01,                              /* [topic_data] 1 */
        0x00, 0x03, 'f',  'o',  'o',                         /* name "foo" */
        0x00, 0x00, 0x00, 0x01,                              /* [partition_data] 1 */
        0x00, 0x00, 0x00, 0x02,                              /* index 2 */
        0x00, 0x00, 0x00, 0x04, 0xDE, 0xAD, 0xBE, 0xEF,      /* records (4 bytes) */
    };
    kc_rbuf r;
    kc_rbuf_init(&r, frame, sizeof(frame));
    kc_req_header h;
    cr_assert_eq(kc_req_header_parse(&r, &h), 0);
    cr_assert_eq(h.api_key, KC_API_PRODUCE);
    cr_assert_eq(h.api_version, 3);
    cr_assert_eq(h.correlation_id, 42);
    cr_assert(kc_str_eq(h.client_id, "produce"));
    cr_assert_not(h.flexible);
    const uint8_t *body = r.p;
    size_t body_len = kc_rbuf_remaining(&r);
    kc_produce_req req;
    kc_arena a = KC_ARENA_INIT;
    cr_assert_eq(kc_produce_req_decode(&r, h.api_version, &req, &a), 0);
    cr_assert_eq(kc_rbuf_remaining(&r), 0);
    cr_assert_eq(req.transactional_id.len, -1);
    cr_assert_eq(req.acks, -1);
    cr_assert_eq(req.timeout_ms, 30000);
    cr_assert_eq(req.topic_data_count, 1);
    cr_assert(kc_str_eq(req.topic_data[0].name, "foo"));
    cr_assert_eq(req.topic_data[0].partition_data_count, 1);
    cr_assert_eq(req.topic_data[0].partition_data[0].index, 2);
    kc_records rec = req.topic_data[0].partition_data[0].records;
    cr_assert_eq(rec.len, 4);
    cr_assert_eq(rec.p, frame + sizeof(frame) - 4, "records must be a view into the frame");
    cr_assert_eq(rec.fd, -1);
    /* re-encoding gives the same body */
    kc_wbuf w = {0};
    kc_produce_req_encode(&w, 3, &req);
    cr_assert_eq(w.len, body_len);
    cr_assert_eq(memcmp(w.data, body, body_len), 0);
    kc_wbuf_free(&w);
    /* truncated body */
    for (size_t n = 0; n < body_len; n++) {
        kc_rbuf t;
        kc_rbuf_init(&t, body, n);
        kc_produce_req x;
        cr_assert_eq(kc_produce_req_decode(&t, 3, &x, &a), -1, "prefix %zu", n);
    }
    kc_arena_free(&a);
}

Test(apis, produce_request_records_length_beyond_body_fails)
{
    static const uint8_t body[] = {
        0xFF, 0xFF, 0x00, 0x01, 0x00, 0x00, 0x03, 0xE8, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't',
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0xAA, 0xBB,
    };
    kc_rbuf r;
    kc_rbuf_init(&r, body, sizeof(body));
    kc_produce_req req;
    kc_arena a = KC_ARENA_INIT;
    cr_assert_eq(kc_produce_req_decode(&r, 3, &req, &a), -1);
    kc_arena_free(&a);
}

Test(apis, produce_request_huge_array_count_fails)
{
    /* topic_data count 0x7FFFFFFF with 4 bytes left: rejected before any allocation */
    static const uint8_t body[] = {0xFF, 0xFF, 0x00, 0x01, 0x00, 0x00, 0x03, 0xE8,
                                   0x7F, 0xFF, 0xFF, 0xFF, 0x00, 0x01, 't',  0x00};
    kc_rbuf r;
    kc_rbuf_init(&r, body, sizeof(body));
    kc_produce_req req;
    kc_arena a = KC_ARENA_INIT;
    cr_assert_eq(kc_produce_req_decode(&r, 3, &req, &a), -1);
    kc_arena_free(&a);
}

/* Produce v3 response: no log_start_offset (v5+). v5: with it. */
Test(apis, produce_v3_and_v5_response_bytes)
{
    static const uint8_t v3[] = {
        0x00, 0x00, 0x00, 0x01,                         /* [responses] 1 */
        0x00, 0x03, 'f',  'o',  'o',                    /* name */
        0x00, 0x00, 0x00, 0x01,                         /* [partition_responses] 1 */
        0x00, 0x00, 0x00, 0x02,                         /* index 2 */
        0x00, 0x00,                                     /* error_code 0 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, /* base_offset 100 */
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, /* log_append_time_ms -1 */
        0x00, 0x00, 0x00, 0x05,                         /* throttle_time_ms 5 */
    };
    kc_rbuf r;
    kc_rbuf_init(&r, v3, sizeof(v3));
    kc_produce_resp resp;
    kc_arena a = KC_ARENA_INIT;
    cr_assert_eq(kc_produce_resp_decode(&r, 3, &resp, &a), 0);
    cr_assert_eq(kc_rbuf_remaining(&r), 0);
    cr_assert_eq(resp.responses_count, 1);
    cr_assert(kc_str_eq(resp.responses[0].name, "foo"));
    const kc_produce_partition_response *p = &resp.responses[0].partition_responses[0];
    cr_assert_eq(p->index, 2);
    cr_assert_eq(p->error_code, 0);
    cr_assert_eq(p->base_offset, 100);
    cr_assert_eq(p->log_append_time_ms, -1);
    cr_assert_eq(p->log_start_offset, -1, "absent before v5: default -1");
    cr_assert_eq(resp.throttle_time_ms, 5);

    /* the same bytes read as v5 lack 8 bytes */
    kc_rbuf_init(&r, v3, sizeof(v3));
    cr_assert_eq(kc_produce_resp_decode(&r, 5, &resp, &a), -1);

    uint8_t v5[sizeof(v3) + 8];
    memcpy(v5, v3, 35);
    static const uint8_t lso[] = {0, 0, 0, 0, 0, 0, 0, 0x07};
    memcpy(v5 + 35, lso, 8);
    memcpy(v5 + 43, v3 + 35, 4);
    kc_rbuf_init(&r, v5, sizeof(v5));
    cr_assert_eq(kc_produce_resp_decode(&r, 5, &resp, &a), 0);
    cr_assert_eq(kc_rbuf_remaining(&r), 0);
    cr_assert_eq(resp.responses[0].partition_responses[0].log_start_offset, 7);
    cr_assert_eq(resp.throttle_time_ms, 5);
    kc_arena_free(&a);
}

/* ======================================================================================== */
/* Fetch                                                                                    */
/* ======================================================================================== */

static void fetch_req_cmp(int v, const kc_fetch_req *in, const kc_fetch_req *out)
{
    EQ(out->replica_id, in->replica_id, "replica_id");
    EQ(out->max_wait_ms, in->max_wait_ms, "max_wait_ms");
    EQ(out->min_bytes, in->min_bytes, "min_bytes");
    EQ(out->max_bytes, v >= 3 ? in->max_bytes : INT32_MAX, "max_bytes");
    EQ(out->isolation_level, v >= 4 ? in->isolation_level : 0, "isolation_level");
    EQ(out->session_id, v >= 7 ? in->session_id : 0, "session_id");
    EQ(out->session_epoch, v >= 7 ? in->session_epoch : -1, "session_epoch");
    EQ(out->topics_count, in->topics_count, "topics_count");
    for (int32_t i = 0; i < in->topics_count; i++) {
        STR_EQ(out->topics[i].topic, in->topics[i].topic, "topic");
        EQ(out->topics[i].partitions_count, in->topics[i].partitions_count, "partitions_count");
        for (int32_t j = 0; j < in->topics[i].partitions_count; j++) {
            const kc_fetch_partition *p = &in->topics[i].partitions[j],
                                     *q = &out->topics[i].partitions[j];
            EQ(q->partition, p->partition, "partition");
            EQ(q->current_leader_epoch, v >= 9 ? p->current_leader_epoch : -1,
               "current_leader_epoch");
            EQ(q->fetch_offset, p->fetch_offset, "fetch_offset");
            EQ(q->log_start_offset, v >= 5 ? p->log_start_offset : -1, "log_start_offset");
            EQ(q->partition_max_bytes, p->partition_max_bytes, "partition_max_bytes");
        }
    }
    if (v >= 7) {
        EQ(out->forgotten_topics_data_count, in->forgotten_topics_data_count, "forgotten count");
        for (int32_t i = 0; i < in->forgotten_topics_data_count; i++) {
            STR_EQ(out->forgotten_topics_data[i].topic, in->forgotten_topics_data[i].topic,
                   "forgotten topic");
            i32_array_eq(v, out->forgotten_topics_data[i].partitions,
                         out->forgotten_topics_data[i].partitions_count,
                         in->forgotten_topics_data[i].partitions,
                         in->forgotten_topics_data[i].partitions_count, "forgotten partitions");
        }
    } else {
        EQ(out->forgotten_topics_data_count, 0, "forgotten count (absent)");
    }
    if (v >= 11)
        STR_EQ(out->rack_id, in->rack_id, "rack_id");
    else
        EQ(out->rack_id.len, 0, "rack_id (absent) is empty");
}

Test(apis, fetch_request_roundtrip_all_versions)
{
    kc_fetch_partition fp[] = {{0, 5, 1234567890123ll, 17, 1048576}, {3, 6, 0, -1, 65536}};
    kc_fetch_topic ft[] = {{S("events"), N_OF(fp), fp}, {S("x"), 0, NULL}};
    int32_t forgotten_parts[] = {4, 5, 6};
    kc_fetch_forgotten_topic ff[] = {{S("old"), N_OF(forgotten_parts), forgotten_parts}};
    kc_fetch_req in = {-1, 500, 1, 52428800, 1, 77, 3, N_OF(ft), ft, N_OF(ff), ff, S("rack-a")};
    const kc_api_info *info = api(KC_API_FETCH);
    for (int16_t v = info->min_version; v <= info->max_version; v++) {
        kc_fetch_req out;
        kc_wbuf enc = {0};
        kc_arena a = KC_ARENA_INIT;
        ROUNDTRIP(kc_fetch_req, v, &in, &out, enc, a);
        fetch_req_cmp(v, &in, &out);
        kc_wbuf_free(&enc);
        kc_arena_free(&a);
    }
}

static void fetch_resp_cmp(int v, const kc_fetch_resp *in, const kc_fetch_resp *out)
{
    EQ(out->throttle_time_ms, v >= 1 ? in->throttle_time_ms : 0, "throttle_time_ms");
    EQ(out->error_code, v >= 7 ? in->error_code : 0, "error_code");
    EQ(out->session_id, v >= 7 ? in->session_id : 0, "session_id");
    EQ(out->responses_count, in->responses_count, "responses_count");
    for (int32_t i = 0; i < in->responses_count; i++) {
        STR_EQ(out->responses[i].topic, in->responses[i].topic, "topic");
        EQ(out->responses[i].partitions_count, in->responses[i].partitions_count, "partitions");
        for (int32_t j = 0; j < in->responses[i].partitions_count; j++) {
            const kc_fetch_partition_data *p = &in->responses[i].partitions[j],
                                          *q = &out->responses[i].partitions[j];
            EQ(q->partition_index, p->partition_index, "partition_index");
            EQ(q->error_code, p->error_code, "error_code");
            EQ(q->high_watermark, p->high_watermark, "high_watermark");
            EQ(q->last_stable_offset, v >= 4 ? p->last_stable_offset : -1, "last_stable_offset");
            EQ(q->log_start_offset, v >= 5 ? p->log_start_offset : -1, "log_start_offset");
            EQ(q->aborted_transactions_count, v >= 4 ? p->aborted_transactions_count : -1,
               "aborted count (null before v4)");
            for (int32_t k = 0; k < q->aborted_transactions_count; k++) {
                EQ(q->aborted_transactions[k].producer_id, p->aborted_transactions[k].producer_id,
                   "producer_id");
                EQ(q->aborted_transactions[k].first_offset, p->aborted_transactions[k].first_offset,
                   "first_offset");
            }
            EQ(q->preferred_read_replica, v >= 11 ? p->preferred_read_replica : -1,
               "preferred_read_replica");
            cr_assert(records_equal(q->records, p->records), "v%d records", v);
            cr_assert_eq(q->records.fd, -1, "v%d decoded records are a view", v);
        }
    }
}

Test(apis, fetch_response_roundtrip_all_versions)
{
    kc_fetch_aborted_transaction at[] = {{1000, 5}, {1001, 9}};
    kc_fetch_partition_data pd[] = {
        {0, 0, 100, 90, 3, N_OF(at), at, 2, R("\x00\x01\x02\x03\x04\x05\x06\x07")},
        {1, 1, -1, -1, -1, -1, NULL, -1, R_NULL},
        {2, 0, 5, 5, 0, 0, NULL, 1, R("")},
    };
    kc_fetch_topic_response tr[] = {{S("events"), N_OF(pd), pd}};
    kc_fetch_resp in = {12, 0, 4242, N_OF(tr), tr};
    const kc_api_info *info = api(KC_API_FETCH);
    for (int16_t v = info->min_version; v <= info->max_version; v++) {
        kc_fetch_resp out;
        kc_wbuf enc = {0};
        kc_arena a = KC_ARENA_INIT;
        ROUNDTRIP(kc_fetch_resp, v, &in, &out, enc, a);
        fetch_resp_cmp(v, &in, &out);
        kc_wbuf_free(&enc);
        kc_arena_free(&a);
    }
}

/* The bytes a writer sends: its memory with the spliced file ranges read in at their places. */
static uint8_t *flatten(const kc_wbuf *w, size_t *len)
{
    size_t total = kc_wbuf_total(w), out = 0, mem = 0;
    uint8_t *b = malloc(total ? total : 1);
    cr_assert_not_null(b);
    for (int i = 0; i < w->n_splices; i++) {
        const kc_wbuf_splice *sp = &w->splices[i];
        cr_assert_geq(sp->at, mem, "splices in output order");
        memcpy(b + out, w->data + mem, sp->at - mem);
        out += sp->at - mem;
        mem = sp->at;
        cr_assert_eq(pread(sp->fd, b + out, sp->len, sp->offset), (ssize_t)sp->len);
        out += sp->len;
    }
    memcpy(b + out, w->data + mem, w->len - mem);
    out += w->len - mem;
    cr_assert_eq(out, total);
    *len = out;
    return b;
}

/* A Fetch response whose records are a file range (zero-copy) sends exactly the bytes of the
 * same response with the records in memory, in every version. */
Test(apis, fetch_response_file_backed_records_all_versions)
{
    static const uint8_t file_bytes[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    char path[] = "/tmp/cafka-unit-apis-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    unlink(path);
    cr_assert_eq(write(fd, file_bytes, sizeof(file_bytes) - 1), (ssize_t)sizeof(file_bytes) - 1);
    /* bytes 5..24 of the file */
    kc_records from_file = {NULL, 20, fd, 5};
    kc_records in_mem = {file_bytes + 5, 20, -1, 0};
    const kc_api_info *info = api(KC_API_FETCH);
    for (int16_t v = info->min_version; v <= info->max_version; v++) {
        kc_fetch_partition_data pd_file[] = {{0, 0, 100, 100, 0, 0, NULL, -1, from_file},
                                             {1, 0, 7, 7, 0, 0, NULL, -1, R("")}};
        kc_fetch_partition_data pd_mem[] = {{0, 0, 100, 100, 0, 0, NULL, -1, in_mem},
                                            {1, 0, 7, 7, 0, 0, NULL, -1, R("")}};
        kc_fetch_topic_response tf[] = {{S("t"), N_OF(pd_file), pd_file}};
        kc_fetch_topic_response tm[] = {{S("t"), N_OF(pd_mem), pd_mem}};
        kc_fetch_resp rf = {0, 0, 0, N_OF(tf), tf}, rm = {0, 0, 0, N_OF(tm), tm};
        kc_wbuf wf = {0}, wm = {0};
        kc_fetch_resp_encode(&wf, v, &rf);
        kc_fetch_resp_encode(&wm, v, &rm);
        cr_assert_eq(wf.n_splices, 1, "v%d: one splice", v);
        cr_assert_eq(wf.splices[0].len, 20);
        cr_assert_eq(wf.splices[0].offset, 5);
        cr_assert_eq(wm.n_splices, 0);
        cr_assert_eq(kc_wbuf_total(&wf), wm.len, "v%d: same size", v);
        size_t n;
        uint8_t *flat = flatten(&wf, &n);
        cr_assert_eq(memcmp(flat, wm.data, n), 0, "v%d: same bytes", v);
        /* and it decodes to the records */
        kc_rbuf r;
        kc_rbuf_init(&r, flat, n);
        kc_fetch_resp out;
        kc_arena a = KC_ARENA_INIT;
        cr_assert_eq(kc_fetch_resp_decode(&r, v, &out, &a), 0);
        cr_assert_eq(kc_rbuf_remaining(&r), 0);
        cr_assert(records_equal(out.responses[0].partitions[0].records, in_mem), "v%d", v);
        free(flat);
        kc_arena_free(&a);
        kc_wbuf_free(&wf);
        kc_wbuf_free(&wm);
    }
    close(fd);
}

/* Fetch v4 request as librdkafka/Java send it: no session, no log_start_offset. */
Test(apis, fetch_v4_request_bytes)
{
    static const uint8_t body[] = {
        0xFF, 0xFF, 0xFF, 0xFF,                         /* replica_id -1 */
        0x00, 0x00, 0x01, 0xF4,                         /* max_wait_ms 500 */
        0x00, 0x00, 0x00, 0x01,                         /* min_bytes 1 */
        0x03, 0x20, 0x00, 0x00,                         /* max_bytes 52428800 */
        0x01,                                           /* isolation_level READ_COMMITTED */
        0x00, 0x00, 0x00, 0x01,                         /* [topics] 1 */
        0x00, 0x01, 't',                                /* topic "t" */
        0x00, 0x00, 0x00, 0x01,                         /* [partitions] 1 */
        0x00, 0x00, 0x00, 0x00,                         /* partition 0 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, /* fetch_offset 5 */
        0x00, 0x10, 0x00, 0x00,                         /* partition_max_bytes 1 MiB */
    };
    kc_rbuf r;
    kc_rbuf_init(&r, body, sizeof(body));
    kc_fetch_req req;
    kc_arena a = KC_ARENA_INIT;
    cr_assert_eq(kc_fetch_req_decode(&r, 4, &req, &a), 0);
    cr_assert_eq(kc_rbuf_remaining(&r), 0);
    cr_assert_eq(req.replica_id, -1);
    cr_assert_eq(req.max_wait_ms, 500);
    cr_assert_eq(req.min_bytes, 1);
    cr_assert_eq(req.max_bytes, 52428800);
    cr_assert_eq(req.isolation_level, 1);
    cr_assert_eq(req.session_id, 0);
    cr_assert_eq(req.session_epoch, -1);
    cr_assert_eq(req.topics_count, 1);
    cr_assert(kc_str_eq(req.topics[0].topic, "t"));
    cr_assert_eq(req.topics[0].partitions_count, 1);
    cr_assert_eq(req.topics[0].partitions[0].partition, 0);
    cr_assert_eq(req.topics[0].partitions[0].fetch_offset, 5);
    cr_assert_eq(req.topics[0].partitions[0].partition_max_bytes, 1048576);
    cr_assert_eq(req.topics[0].partitions[0].log_start_offset, -1);
    cr_assert_eq(req.topics[0].partitions[0].current_leader_epoch, -1);
    cr_assert_eq(req.forgotten_topics_data_count, 0);
    cr_assert_eq(req.rack_id.len, 0);
    for (size_t n = 0; n < sizeof(body); n++) {
        kc_rbuf t;
        kc_rbuf_init(&t, body, n);
        cr_assert_eq(kc_fetch_req_decode(&t, 4, &req, &a), -1, "prefix %zu", n);
    }
    kc_arena_free(&a);
}

/* Fetch v4 response with a null aborted_transactions and null records. */
Test(apis, fetch_v4_response_bytes)
{
    static const uint8_t body[] = {
        0x00, 0x00, 0x00, 0x00,                         /* throttle_time_ms 0 */
        0x00, 0x00, 0x00, 0x01,                         /* [responses] 1 */
        0x00, 0x01, 't',                                /* topic */
        0x00, 0x00, 0x00, 0x01,                         /* [partitions] 1 */
        0x00, 0x00, 0x00, 0x00,                         /* partition_index 0 */
        0x00, 0x01,                                     /* error_code 1 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0A, /* high_watermark 10 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0A, /* last_stable_offset 10 */
        0xFF, 0xFF, 0xFF, 0xFF,                         /* aborted_transactions null */
        0xFF, 0xFF, 0xFF, 0xFF,                         /* records null */
    };
    kc_rbuf r;
    kc_rbuf_init(&r, body, sizeof(body));
    kc_fetch_resp resp;
    kc_arena a = KC_ARENA_INIT;
    cr_assert_eq(kc_fetch_resp_decode(&r, 4, &resp, &a), 0);
    cr_assert_eq(kc_rbuf_remaining(&r), 0);
    cr_assert_eq(resp.error_code, 0);
    cr_assert_eq(resp.session_id, 0);
    const kc_fetch_partition_data *p = &resp.responses[0].partitions[0];
    cr_assert_eq(p->error_code, 1);
    cr_assert_eq(p->high_watermark, 10);
    cr_assert_eq(p->last_stable_offset, 10);
    cr_assert_eq(p->log_start_offset, -1);
    cr_assert_eq(p->aborted_transactions_count, -1);
    cr_assert_eq(p->preferred_read_replica, -1);
    cr_assert_eq(p->records.len, -1);
    kc_wbuf w = {0};
    kc_fetch_resp_encode(&w, 4, &resp);
    cr_assert_eq(w.len, sizeof(body));
    cr_assert_eq(memcmp(w.data, body, sizeof(body)), 0);
    kc_wbuf_free(&w);
    kc_arena_free(&a);
}

/* ======================================================================================== */
/* ListOffsets                                                                              */
/* ======================================================================================== */

Test(apis, list_offsets_request_roundtrip_all_versions)
{
    kc_list_offsets_partition lp[] = {{0, -1}, {1, -2}, {2, 1700000000000ll}};
    kc_list_offsets_topic lt[] = {{S("events"), N_OF(lp), lp}};
    kc_list_offsets_req in = {-1, 1, N_OF(lt), lt};
    const kc_api_info *info = api(KC_API_LIST_OFFSETS);
    for (int16_t v = info->min_version; v <= info->max_version; v++) {
        kc_list_offsets_req out;
        kc_wbuf enc = {0};
        kc_arena a = KC_ARENA_INIT;
        ROUNDTRIP(kc_list_offsets_req, v, &in, &out, enc, a);
        EQ(out.replica_id, -1, "replica_id");
        EQ(out.isolation_level, v >= 2 ? 1 : 0, "isolation_level");
        EQ(out.topics_count, 1, "topics_count");
        STR_EQ(out.topics[0].name, S("events"), "name");
        EQ(out.topics[0].partitions_count, N_OF(lp), "partitions_count");
        for (int32_t j = 0; j < N_OF(lp); j++) {
            EQ(out.topics[0].partitions[j].partition_index, lp[j].partition_index, "partition");
            EQ(out.topics[0].partitions[j].timestamp, lp[j].timestamp, "timestamp");
        }
        kc_wbuf_free(&enc);
        kc_arena_free(&a);
    }
}

Test(apis, list_offsets_response_roundtrip_all_versions)
{
    kc_list_offsets_partition_response lp[] = {{0, 0, -1, 42}, {1, 3, 1700000000000ll, -1}};
    kc_list_offsets_topic_response lt[] = {{S("events"), N_OF(lp), lp}, {S("e2"), 0, NULL}};
    kc_list_offsets_resp in = {100, N_OF(lt), lt};
    const kc_api_info *info = api(KC_API_LIST_OFFSETS);
    for (int16_t v = info->min_version; v <= info->max_version; v++) {
        kc_list_offsets_resp out;
        kc_wbuf enc = {0};
        kc_arena a = KC_ARENA_INIT;
        ROUNDTRIP(kc_list_offsets_resp, v, &in, &out, enc, a);
        EQ(out.throttle_time_ms, v >= 2 ? 100 : 0, "throttle_time_ms");
        EQ(out.topics_count, 2, "topics_count");
        STR_EQ(out.topics[1].name, S("e2"), "name");
        EQ(out.topics[1].partitions_count, 0, "empty partitions");
        for (int32_t j = 0; j < N_OF(lp); j++) {
            const kc_list_offsets_partition_response *q = &out.topics[0].partitions[j];
            EQ(q->partition_index, lp[j].partition_index, "partition_index");
            EQ(q->error_code, lp[j].error_code, "error_code");
            EQ(q->timestamp, lp[j].timestamp, "timestamp");
            EQ(q->offset, lp[j].offset, "offset");
        }
        kc_wbuf_free(&enc);
        kc_arena_free(&a);
    }
}

Test(apis, list_offsets_v1_bytes)
{
    static const uint8_t req_body[] = {
        0xFF, 0xFF, 0xFF, 0xFF,                         /* replica_id -1 */
        0x00, 0x00, 0x00, 0x01,                         /* [topics] 1 */
        0x00, 0x01, 't',                                /* name */
        0x00, 0x00, 0x00, 0x01,                         /* [partitions] 1 */
        0x00, 0x00, 0x00, 0x03,                         /* partition_index 3 */
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, /* timestamp -2 (earliest) */
    };
    kc_rbuf r;
    kc_rbuf_init(&r, req_body, sizeof(req_body));
    kc_list_offsets_req req;
    kc_arena a = KC_ARENA_INIT;
    cr_assert_eq(kc_list_offsets_req_decode(&r, 1, &req, &a), 0);
    cr_assert_eq(kc_rbuf_remaining(&r), 0);
    cr_assert_eq(req.replica_id, -1);
    cr_assert_eq(req.isolation_level, 0, "isolation_level is v2+");
    cr_assert_eq(req.topics[0].partitions[0].partition_index, 3);
    cr_assert_eq(req.topics[0].partitions[0].timestamp, -2);
    /* as v2 the isolation_level byte is expected after replica_id: the count is misread */
    kc_rbuf_init(&r, req_body, sizeof(req_body));
    cr_assert_eq(kc_list_offsets_req_decode(&r, 2, &req, &a), -1);

    static const uint8_t resp_body[] = {
        0x00, 0x00, 0x00, 0x01,                         /* [topics] 1 */
        0x00, 0x01, 't',                                /* name */
        0x00, 0x00, 0x00, 0x01,                         /* [partitions] 1 */
        0x00, 0x00, 0x00, 0x03,                         /* partition_index 3 */
        0x00, 0x00,                                     /* error_code 0 */
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, /* timestamp -1 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, /* offset 256 */
    };
    kc_list_offsets_resp resp;
    kc_rbuf_init(&r, resp_body, sizeof(resp_body));
    cr_assert_eq(kc_list_offsets_resp_decode(&r, 1, &resp, &a), 0);
    cr_assert_eq(kc_rbuf_remaining(&r), 0);
    cr_assert_eq(resp.throttle_time_ms, 0, "throttle_time_ms is v2+");
    cr_assert_eq(resp.topics[0].partitions[0].partition_index, 3);
    cr_assert_eq(resp.topics[0].partitions[0].timestamp, -1);
    cr_assert_eq(resp.topics[0].partitions[0].offset, 256);
    kc_arena_free(&a);
}

/* ======================================================================================== */
/* Metadata                                                                                 */
/* ======================================================================================== */

Test(apis, metadata_request_roundtrip_all_versions)
{
    kc_metadata_request_topic mt[] = {{S("a")}, {S("topic-b")}};
    const kc_api_info *info = api(KC_API_METADATA);
    for (int16_t v = info->min_version; v <= info->max_version; v++) {
        for (int variant = 0; variant < 3; variant++) {
            if (variant == 2 && v < 1)
                continue; /* null (all topics) needs v1+ */
            kc_metadata_req in = {variant == 0   ? N_OF(mt)
                                  : variant == 1 ? 0
                                                 : -1,
                                  variant == 0 ? mt : NULL, false};
            kc_metadata_req out;
            kc_wbuf enc = {0};
            kc_arena a = KC_ARENA_INIT;
            ROUNDTRIP(kc_metadata_req, v, &in, &out, enc, a);
            EQ(out.topics_count, in.topics_count, "topics_count");
            for (int32_t i = 0; i < in.topics_count; i++)
                STR_EQ(out.topics[i].name, in.topics[i].name, "name");
            EQ(out.allow_auto_topic_creation, v >= 4 ? false : true, "allow_auto_topic_creation");
            kc_wbuf_free(&enc);
            kc_arena_free(&a);
        }
    }
}

static void metadata_resp_cmp(int v, const kc_metadata_resp *in, const kc_metadata_resp *out)
{
    EQ(out->throttle_time_ms, v >= 3 ? in->throttle_time_ms : 0, "throttle_time_ms");
    EQ(out->brokers_count, in->brokers_count, "brokers_count");
    for (int32_t i = 0; i < in->brokers_count; i++) {
        EQ(out->brokers[i].node_id, in->brokers[i].node_id, "node_id");
        STR_EQ(out->brokers[i].host, in->brokers[i].host, "host");
        EQ(out->brokers[i].port, in->brokers[i].port, "port");
        STR_EQ(out->brokers[i].rack, v >= 1 ? in->brokers[i].rack : KC_STR_NULL, "rack");
    }
    STR_EQ(out->cluster_id, v >= 2 ? in->cluster_id : KC_STR_NULL, "cluster_id");
    EQ(out->controller_id, v >= 1 ? in->controller_id : -1, "controller_id");
    EQ(out->topics_count, in->topics_count, "topics_count");
    for (int32_t i = 0; i < in->topics_count; i++) {
        const kc_metadata_topic *t = &in->topics[i], *u = &out->topics[i];
        EQ(u->error_code, t->error_code, "topic error_code");
        STR_EQ(u->name, t->name, "topic name");
        EQ(u->is_internal, v >= 1 ? t->is_internal : false, "is_internal");
        EQ(u->partitions_count, t->partitions_count, "partitions_count");
        for (int32_t j = 0; j < t->partitions_count; j++) {
            const kc_metadata_partition *p = &t->partitions[j], *q = &u->partitions[j];
            EQ(q->error_code, p->error_code, "partition error_code");
            EQ(q->partition_index, p->partition_index, "partition_index");
            EQ(q->leader_id, p->leader_id, "leader_id");
            i32_array_eq(v, q->replica_nodes, q->replica_nodes_count, p->replica_nodes,
                         p->replica_nodes_count, "replica_nodes");
            i32_array_eq(v, q->isr_nodes, q->isr_nodes_count, p->isr_nodes, p->isr_nodes_count,
                         "isr_nodes");
            if (v >= 5)
                i32_array_eq(v, q->offline_replicas, q->offline_replicas_count, p->offline_replicas,
                             p->offline_replicas_count, "offline_replicas");
            else
                EQ(q->offline_replicas_count, 0, "offline_replicas (absent)");
        }
    }
}

Test(apis, metadata_response_roundtrip_all_versions)
{
    kc_metadata_broker br[] = {{1, S("host-1"), 9092, S("rack-a")},
                               {2, S("host-2"), 9093, KC_STR_NULL}};
    int32_t reps[] = {1, 2}, isr[] = {2}, off[] = {1};
    kc_metadata_partition mp[] = {
        {0, 0, 1, N_OF(reps), reps, N_OF(isr), isr, N_OF(off), off},
        {5, 1, -1, 0, NULL, 0, NULL, 0, NULL},
    };
    kc_metadata_topic mt[] = {{0, S("events"), false, N_OF(mp), mp},
                              {3, S("missing"), false, 0, NULL},
                              {0, S("__consumer_offsets"), true, 0, NULL}};
    kc_metadata_resp in = {7, N_OF(br), br, S("Q1w2e3r4t5y6u7i8o9p0aa"), 2, N_OF(mt), mt};
    const kc_api_info *info = api(KC_API_METADATA);
    for (int16_t v = info->min_version; v <= info->max_version; v++) {
        kc_metadata_resp out;
        kc_wbuf enc = {0};
        kc_arena a = KC_ARENA_INIT;
        ROUNDTRIP(kc_metadata_resp, v, &in, &out, enc, a);
        metadata_resp_cmp(v, &in, &out);
        kc_wbuf_free(&enc);
        kc_arena_free(&a);
    }
}

Test(apis, metadata_v0_request_bytes)
{
    static const uint8_t body[] = {
        0x00, 0x00, 0x00, 0x02,           /* [topics] 2 */
        0x00, 0x03, 'f',  'o',  'o',      /* "foo" */
        0x00, 0x04, 'b',  'a',  'r', '2', /* "bar2" */
    };
    kc_rbuf r;
    kc_rbuf_init(&r, body, sizeof(body));
    kc_metadata_req req;
    kc_arena a = KC_ARENA_INIT;
    cr_assert_eq(kc_metadata_req_decode(&r, 0, &req, &a), 0);
    cr_assert_eq(kc_rbuf_remaining(&r), 0);
    cr_assert_eq(req.topics_count, 2);
    cr_assert(kc_str_eq(req.topics[0].name, "foo"));
    cr_assert(kc_str_eq(req.topics[1].name, "bar2"));
    cr_assert_eq(req.allow_auto_topic_creation, true, "v0-3 always allow auto creation");

    /* v0 has no null array: an empty list means all topics, -1 is malformed */
    static const uint8_t null_topics[] = {0xFF, 0xFF, 0xFF, 0xFF};
    kc_rbuf_init(&r, null_topics, sizeof(null_topics));
    cr_assert_eq(kc_metadata_req_decode(&r, 0, &req, &a), -1);
    kc_rbuf_init(&r, null_topics, sizeof(null_topics));
    cr_assert_eq(kc_metadata_req_decode(&r, 1, &req, &a), 0);
    cr_assert_eq(req.topics_count, -1, "v1+ null = all topics");

    /* v4: allow_auto_topic_creation false */
    static const uint8_t v4[] = {0x00, 0x00, 0x00, 0x00, 0x00};
    kc_rbuf_init(&r, v4, sizeof(v4));
    cr_assert_eq(kc_metadata_req_decode(&r, 4, &req, &a), 0);
    cr_assert_eq(req.topics_count, 0);
    cr_assert_eq(req.allow_auto_topic_creation, false);
    kc_rbuf_init(&r, v4, 4);
    cr_assert_eq(kc_metadata_req_decode(&r, 4, &req, &a), -1, "v4 without the bool");
    kc_arena_free(&a);
}

Test(apis, metadata_v0_response_bytes)
{
    static const uint8_t body[] = {
        0x00, 0x00, 0x00, 0x01,                                        /* [brokers] 1 */
        0x00, 0x00, 0x00, 0x01,                                        /* node_id 1 */
        0x00, 0x09, 'l',  'o',  'c',  'a',  'l',  'h',  'o', 's', 't', /* host */
        0x00, 0x00, 0x23, 0x84,                                        /* port 9092 */
        0x00, 0x00, 0x00, 0x01,                                        /* [topics] 1 */
        0x00, 0x00,                                                    /* error_code 0 */
        0x00, 0x03, 'f',  'o',  'o',                                   /* name */
        0x00, 0x00, 0x00, 0x01,                                        /* [partitions] 1 */
        0x00, 0x00,                                                    /* error_code 0 */
        0x00, 0x00, 0x00, 0x00,                                        /* partition_index 0 */
        0x00, 0x00, 0x00, 0x01,                                        /* leader_id 1 */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,                /* replica_nodes [1] */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,                /* isr_nodes [1] */
    };
    kc_rbuf r;
    kc_rbuf_init(&r, body, sizeof(body));
    kc_metadata_resp m;
    kc_arena a = KC_ARENA_INIT;
    cr_assert_eq(kc_metadata_resp_decode(&r, 0, &m, &a), 0);
    cr_assert_eq(kc_rbuf_remaining(&r), 0);
    cr_assert_eq(m.throttle_time_ms, 0);
    cr_assert_eq(m.brokers_count, 1);
    cr_assert_eq(m.brokers[0].node_id, 1);
    cr_assert(kc_str_eq(m.brokers[0].host, "localhost"));
    cr_assert_eq(m.brokers[0].port, 9092);
    cr_assert_eq(m.brokers[0].rack.len, -1, "no rack before v1");
    cr_assert_eq(m.controller_id, -1, "no controller_id in v0");
    cr_assert_eq(m.cluster_id.len, -1, "no cluster_id in v0");
    cr_assert_eq(m.topics_count, 1);
    cr_assert(kc_str_eq(m.topics[0].name, "foo"));
    cr_assert_eq(m.topics[0].is_internal, false);
    const kc_metadata_partition *p = &m.topics[0].partitions[0];
    cr_assert_eq(p->leader_id, 1);
    cr_assert_eq(p->replica_nodes_count, 1);
    cr_assert_eq(p->replica_nodes[0], 1);
    cr_assert_eq(p->isr_nodes_count, 1);
    cr_assert_eq(p->isr_nodes[0], 1);
    cr_assert_eq(p->offline_replicas_count, 0);
    kc_wbuf w = {0};
    kc_metadata_resp_encode(&w, 0, &m);
    cr_assert_eq(w.len, sizeof(body));
    cr_assert_eq(memcmp(w.data, body, sizeof(body)), 0);
    kc_wbuf_free(&w);
    /* a v1 reader wants rack, controller_id and is_internal: these bytes are too short */
    kc_rbuf_init(&r, body, sizeof(body));
    cr_assert_eq(kc_metadata_resp_decode(&r, 1, &m, &a), -1);
    kc_arena_free(&a);
}

Test(apis, metadata_v5_response_bytes)
{
    static const uint8_t body[] = {
        0x00, 0x00, 0x00, 0x00,                         /* throttle_time_ms */
        0x00, 0x00, 0x00, 0x01,                         /* [brokers] 1 */
        0x00, 0x00, 0x00, 0x02,                         /* node_id 2 */
        0x00, 0x01, 'h',                                /* host "h" */
        0x00, 0x00, 0x23, 0x85,                         /* port 9093 */
        0x00, 0x01, 'r',                                /* rack "r" */
        0x00, 0x03, 'c',  'i',  'd',                    /* cluster_id "cid" */
        0x00, 0x00, 0x00, 0x02,                         /* controller_id 2 */
        0x00, 0x00, 0x00, 0x01,                         /* [topics] 1 */
        0x00, 0x00,                                     /* error_code */
        0x00, 0x01, 'x',                                /* name */
        0x01,                                           /* is_internal true */
        0x00, 0x00, 0x00, 0x01,                         /* [partitions] 1 */
        0x00, 0x00,                                     /* error_code */
        0x00, 0x00, 0x00, 0x00,                         /* partition_index */
        0x00, 0x00, 0x00, 0x02,                         /* leader_id 2 */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, /* replicas [2] */
        0x00, 0x00, 0x00, 0x00,                         /* isr [] */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, /* offline_replicas [2] */
    };
    kc_rbuf r;
    kc_rbuf_init(&r, body, sizeof(body));
    kc_metadata_resp m;
    kc_arena a = KC_ARENA_INIT;
    cr_assert_eq(kc_metadata_resp_decode(&r, 5, &m, &a), 0);
    cr_assert_eq(kc_rbuf_remaining(&r), 0);
    cr_assert(kc_str_eq(m.brokers[0].rack, "r"));
    cr_assert(kc_str_eq(m.cluster_id, "cid"));
    cr_assert_eq(m.controller_id, 2);
    cr_assert_eq(m.topics[0].is_internal, true);
    cr_assert_eq(m.topics[0].partitions[0].isr_nodes_count, 0);
    cr_assert_eq(m.topics[0].partitions[0].offline_replicas_count, 1);
    cr_assert_eq(m.topics[0].partitions[0].offline_replicas[0], 2);
    kc_arena_free(&a);
}

/* ======================================================================================== */
/* ApiVersions                                                                              */
/* ======================================================================================== */

Test(apis, api_versions_roundtrip_all_versions)
{
    kc_api_versions_key keys[] = {{0, 3, 7}, {1, 4, 11}, {18, 0, 3}};
    kc_api_versions_resp in = {35, N_OF(keys), keys, 9};
    kc_api_versions_req rin = {S("librdkafka"), S("2.0.2")};
    const kc_api_info *info = api(KC_API_API_VERSIONS);
    for (int16_t v = info->min_version; v <= info->max_version; v++) {
        kc_api_versions_resp out;
        kc_wbuf enc = {0};
        kc_arena a = KC_ARENA_INIT;
        ROUNDTRIP(kc_api_versions_resp, v, &in, &out, enc, a);
        EQ(out.error_code, 35, "error_code");
        EQ(out.api_keys_count, N_OF(keys), "api_keys_count");
        for (int32_t i = 0; i < N_OF(keys); i++) {
            EQ(out.api_keys[i].api_key, keys[i].api_key, "api_key");
            EQ(out.api_keys[i].min_version, keys[i].min_version, "min_version");
            EQ(out.api_keys[i].max_version, keys[i].max_version, "max_version");
        }
        EQ(out.throttle_time_ms, v >= 1 ? 9 : 0, "throttle_time_ms");
        /* v0-2: 2 + 4 + 3*6 (+4); v3: compact count, per-key tags, top-level tags */
        size_t want = v == 0 ? 24 : v < 3 ? 28 : 2 + 1 + 3 * 7 + 4 + 1;
        EQ(enc.len, want, "encoded length");
        kc_wbuf_free(&enc);

        kc_api_versions_req rout;
        kc_wbuf renc = {0};
        ROUNDTRIP(kc_api_versions_req, v, &rin, &rout, renc, a);
        if (v >= 3) {
            STR_EQ(rout.client_software_name, rin.client_software_name, "software name");
            STR_EQ(rout.client_software_version, rin.client_software_version, "software ver");
        } else {
            EQ(renc.len, 0, "v0-2 request body is empty");
            EQ(rout.client_software_name.len, 0, "software name (absent)");
            EQ(rout.client_software_version.len, 0, "software version (absent)");
        }
        kc_wbuf_free(&renc);
        kc_arena_free(&a);
    }
}

Test(apis, api_versions_v0_response_bytes)
{
    static const uint8_t body[] = {
        0x00, 0x00,                         /* error_code 0 */
        0x00, 0x00, 0x00, 0x02,             /* [api_keys] 2 */
        0x00, 0x00, 0x00, 0x03, 0x00, 0x07, /* Produce 3..7 */
        0x00, 0x12, 0x00, 0x00, 0x00, 0x03, /* ApiVersions 0..3 */
    };
    kc_rbuf r;
    kc_rbuf_init(&r, body, sizeof(body));
    kc_api_versions_resp resp;
    kc_arena a = KC_ARENA_INIT;
    cr_assert_eq(kc_api_versions_resp_decode(&r, 0, &resp, &a), 0);
    cr_assert_eq(kc_rbuf_remaining(&r), 0);
    cr_assert_eq(resp.error_code, 0);
    cr_assert_eq(resp.api_keys_count, 2);
    cr_assert_eq(resp.api_keys[0].api_key, 0);
    cr_assert_eq(resp.api_keys[0].min_version, 3);
    cr_assert_eq(resp.api_keys[0].max_version, 7);
    cr_assert_eq(resp.api_keys[1].api_key, 18);
    cr_assert_eq(resp.api_keys[1].max_version, 3);
    cr_assert_eq(resp.throttle_time_ms, 0, "no throttle_time_ms in v0");
    kc_wbuf w = {0};
    kc_api_versions_resp_encode(&w, 0, &resp);
    cr_assert_eq(w.len, sizeof(body));
    cr_assert_eq(memcmp(w.data, body, sizeof(body)), 0);
    kc_wbuf_free(&w);
    for (size_t n = 0; n < sizeof(body); n++) {
        kc_rbuf t;
        kc_rbuf_init(&t, body, n);
        cr_assert_eq(kc_api_versions_resp_decode(&t, 0, &resp, &a), -1, "prefix %zu", n);
    }
    kc_arena_free(&a);
}

/* ApiVersions v3 is flexible: compact arrays, a tag section per struct (KIP-482, KIP-511). */
Test(apis, api_versions_v3_response_bytes_with_tags)
{
    static const uint8_t body[] = {
        0x00, 0x00,                               /* error_code 0 */
        0x03,                                     /* compact [api_keys] 2 */
        0x00, 0x00, 0x00, 0x03, 0x00, 0x07, 0x00, /* Produce 3..7, no tags */
        0x00, 0x12, 0x00, 0x00, 0x00, 0x03,       /* ApiVersions 0..3 */
        0x01, 0x09, 0x01, 0xAA,                   /*   one unknown tag (9, 1 byte) */
        0x00, 0x00, 0x00, 0x0A,                   /* throttle_time_ms 10 */
        0x01,                                     /* one tagged field: */
        0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, /* tag 1, 8 bytes (epoch) */
    };
    kc_rbuf r;
    kc_rbuf_init(&r, body, sizeof(body));
    kc_api_versions_resp resp;
    kc_arena a = KC_ARENA_INIT;
    cr_assert_eq(kc_api_versions_resp_decode(&r, 3, &resp, &a), 0);
    cr_assert_eq(kc_rbuf_remaining(&r), 0);
    cr_assert_eq(resp.error_code, 0);
    cr_assert_eq(resp.api_keys_count, 2);
    cr_assert_eq(resp.api_keys[0].max_version, 7);
    cr_assert_eq(resp.api_keys[1].api_key, 18);
    cr_assert_eq(resp.api_keys[1].min_version, 0);
    cr_assert_eq(resp.api_keys[1].max_version, 3);
    cr_assert_eq(resp.throttle_time_ms, 10);
    /* read as v2 (classic int32 count) this is garbage */
    kc_rbuf_init(&r, body, sizeof(body));
    cr_assert_eq(kc_api_versions_resp_decode(&r, 2, &resp, &a), -1);
    /* a truncated tag section fails */
    kc_rbuf_init(&r, body, sizeof(body) - 1);
    cr_assert_eq(kc_api_versions_resp_decode(&r, 3, &resp, &a), -1);
    kc_arena_free(&a);
}

Test(apis, api_versions_v3_request_bytes)
{
    static const uint8_t body[] = {
        0x0B, 'l', 'i', 'b', 'r', 'd', 'k', 'a', 'f', 'k', 'a', /* compact string */
        0x06, '2', '.', '0', '.', '2',                          /* compact string */
        0x00,                                                   /* no tags */
    };
    kc_rbuf r;
    kc_rbuf_init(&r, body, sizeof(body));
    kc_api_versions_req req;
    kc_arena a = KC_ARENA_INIT;
    cr_assert_eq(kc_api_versions_req_decode(&r, 3, &req, &a), 0);
    cr_assert_eq(kc_rbuf_remaining(&r), 0);
    cr_assert(kc_str_eq(req.client_software_name, "librdkafka"));
    cr_assert(kc_str_eq(req.client_software_version, "2.0.2"));
    /* the software name is not nullable */
    static const uint8_t null_name[] = {0x00, 0x01, 0x00};
    kc_rbuf_init(&r, null_name, sizeof(null_name));
    cr_assert_eq(kc_api_versions_req_decode(&r, 3, &req, &a), -1);
    /* missing tag section */
    kc_rbuf_init(&r, body, sizeof(body) - 1);
    cr_assert_eq(kc_api_versions_req_decode(&r, 3, &req, &a), -1);
    kc_arena_free(&a);
}

/* ======================================================================================== */
/* CreateTopics                                                                             */
/* ======================================================================================== */

Test(apis, create_topics_request_roundtrip_all_versions)
{
    int32_t b0[] = {1, 2}, b1[] = {2, 3};
    kc_creatable_replica_assignment as[] = {{0, N_OF(b0), b0}, {1, N_OF(b1), b1}};
    kc_creatable_topic_config cf[] = {{S("retention.ms"), S("1000")},
                                      {S("cleanup.policy"), KC_STR_NULL}};
    kc_creatable_topic ct[] = {{S("assigned"), -1, -1, N_OF(as), as, N_OF(cf), cf},
                               {S("plain"), 3, 2, 0, NULL, 0, NULL}};
    kc_create_topics_req in = {N_OF(ct), ct, 15000, true};
    const kc_api_info *info = api(KC_API_CREATE_TOPICS);
    for (int16_t v = info->min_version; v <= info->max_version; v++) {
        kc_create_topics_req out;
        kc_wbuf enc = {0};
        kc_arena a = KC_ARENA_INIT;
        ROUNDTRIP(kc_create_topics_req, v, &in, &out, enc, a);
        EQ(out.topics_count, N_OF(ct), "topics_count");
        for (int32_t i = 0; i < N_OF(ct); i++) {
            const kc_creatable_topic *x = &ct[i], *y = &out.topics[i];
            STR_EQ(y->name, x->name, "name");
            EQ(y->num_partitions, x->num_partitions, "num_partitions");
            EQ(y->replication_factor, x->replication_factor, "replication_factor");
            EQ(y->assignments_count, x->assignments_count, "assignments_count");
            for (int32_t j = 0; j < x->assignments_count; j++) {
                EQ(y->assignments[j].partition_index, x->assignments[j].partition_index,
                   "partition_index");
                i32_array_eq(v, y->assignments[j].broker_ids, y->assignments[j].broker_ids_count,
                             x->assignments[j].broker_ids, x->assignments[j].broker_ids_count,
                             "broker_ids");
            }
            EQ(y->configs_count, x->configs_count, "configs_count");
            for (int32_t j = 0; j < x->configs_count; j++) {
                STR_EQ(y->configs[j].name, x->configs[j].name, "config name");
                STR_EQ(y->configs[j].value, x->configs[j].value, "config value");
            }
        }
        EQ(out.timeout_ms, 15000, "timeout_ms");
        EQ(out.validate_only, v >= 1, "validate_only");
        kc_wbuf_free(&enc);
        kc_arena_free(&a);
    }
}

Test(apis, create_topics_response_roundtrip_all_versions)
{
    kc_creatable_topic_result tr[] = {{S("ok"), 0, KC_STR_NULL},
                                      {S("dup"), 36, S("Topic 'dup' already exists.")}};
    kc_create_topics_resp in = {50, N_OF(tr), tr};
    const kc_api_info *info = api(KC_API_CREATE_TOPICS);
    for (int16_t v = info->min_version; v <= info->max_version; v++) {
        kc_create_topics_resp out;
        kc_wbuf enc = {0};
        kc_arena a = KC_ARENA_INIT;
        ROUNDTRIP(kc_create_topics_resp, v, &in, &out, enc, a);
        EQ(out.throttle_time_ms, v >= 2 ? 50 : 0, "throttle_time_ms");
        EQ(out.topics_count, 2, "topics_count");
        for (int32_t i = 0; i < 2; i++) {
            STR_EQ(out.topics[i].name, tr[i].name, "name");
            EQ(out.topics[i].error_code, tr[i].error_code, "error_code");
            STR_EQ(out.topics[i].error_message, v >= 1 ? tr[i].error_message : KC_STR_NULL,
                   "error_message");
        }
        kc_wbuf_free(&enc);
        kc_arena_free(&a);
    }
}

Test(apis, create_topics_v0_bytes)
{
    static const uint8_t req_body[] = {
        0x00, 0x00, 0x00, 0x01,      /* [topics] 1 */
        0x00, 0x03, 'n',  'e',  'w', /* name */
        0x00, 0x00, 0x00, 0x03,      /* num_partitions 3 */
        0x00, 0x01,                  /* replication_factor 1 */
        0x00, 0x00, 0x00, 0x00,      /* [assignments] 0 */
        0x00, 0x00, 0x00, 0x01,      /* [configs] 1 */
        0x00, 0x0E, 'c',  'l',  'e',  'a', 'n', 'u', 'p', '.', 'p', 'o', 'l',
        'i',  'c',  'y',  0x00, 0x07, 'c', 'o', 'm', 'p', 'a', 'c', 't', /* value */
        0x00, 0x00, 0x13, 0x88,                                          /* timeout_ms 5000 */
    };
    kc_rbuf r;
    kc_rbuf_init(&r, req_body, sizeof(req_body));
    kc_create_topics_req req;
    kc_arena a = KC_ARENA_INIT;
    cr_assert_eq(kc_create_topics_req_decode(&r, 0, &req, &a), 0);
    cr_assert_eq(kc_rbuf_remaining(&r), 0);
    cr_assert_eq(req.topics_count, 1);
    cr_assert(kc_str_eq(req.topics[0].name, "new"));
    cr_assert_eq(req.topics[0].num_partitions, 3);
    cr_assert_eq(req.topics[0].replication_factor, 1);
    cr_assert_eq(req.topics[0].assignments_count, 0);
    cr_assert_eq(req.topics[0].configs_count, 1);
    cr_assert(kc_str_eq(req.topics[0].configs[0].name, "cleanup.policy"));
    cr_assert(kc_str_eq(req.topics[0].configs[0].value, "compact"));
    cr_assert_eq(req.timeout_ms, 5000);
    cr_assert_eq(req.validate_only, false, "validate_only is v1+");
    /* v1 needs the validate_only byte */
    kc_rbuf_init(&r, req_body, sizeof(req_body));
    cr_assert_eq(kc_create_topics_req_decode(&r, 1, &req, &a), -1);

    static const uint8_t resp_body[] = {
        0x00, 0x00, 0x00, 0x01,      /* [topics] 1 */
        0x00, 0x03, 'n',  'e',  'w', /* name */
        0x00, 0x24,                  /* error_code 36 TOPIC_ALREADY_EXISTS */
    };
    kc_create_topics_resp resp;
    kc_rbuf_init(&r, resp_body, sizeof(resp_body));
    cr_assert_eq(kc_create_topics_resp_decode(&r, 0, &resp, &a), 0);
    cr_assert_eq(kc_rbuf_remaining(&r), 0);
    cr_assert_eq(resp.topics[0].error_code, 36);
    cr_assert_eq(resp.topics[0].error_message.len, -1, "no error_message in v0");
    cr_assert_eq(resp.throttle_time_ms, 0);
    kc_arena_free(&a);
}

Test(apis, create_topics_assignment_bytes)
{
    /* v4 with a manual assignment: partition 0 -> [1, 2] */
    static const uint8_t body[] = {
        0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'm', /* [topics] 1, "m" */
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,      /* -1, -1 */
        0x00, 0x00, 0x00, 0x01,                  /* [assignments] 1 */
        0x00, 0x00, 0x00, 0x00,                  /* partition_index 0 */
        0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, /* [1, 2] */
        0x00, 0x00, 0x00, 0x00,                                                 /* [configs] 0 */
        0x00, 0x00, 0x00, 0x00,                                                 /* timeout 0 */
        0x01,                                                                   /* validate_only */
    };
    kc_rbuf r;
    kc_rbuf_init(&r, body, sizeof(body));
    kc_create_topics_req req;
    kc_arena a = KC_ARENA_INIT;
    cr_assert_eq(kc_create_topics_req_decode(&r, 4, &req, &a), 0);
    cr_assert_eq(kc_rbuf_remaining(&r), 0);
    cr_assert_eq(req.topics[0].num_partitions, -1);
    cr_assert_eq(req.topics[0].replication_factor, -1);
    cr_assert_eq(req.topics[0].assignments_count, 1);
    cr_assert_eq(req.topics[0].assignments[0].broker_ids_count, 2);
    cr_assert_eq(req.topics[0].assignments[0].broker_ids[0], 1);
    cr_assert_eq(req.topics[0].assignments[0].broker_ids[1], 2);
    cr_assert_eq(req.validate_only, true);
    kc_arena_free(&a);
}

/* ======================================================================================== */
/* DeleteRecords                                                                            */
/* ======================================================================================== */

Test(apis, delete_records_request_roundtrip_all_versions)
{
    kc_delete_records_partition dp[] = {{0, 100}, {3, -1}};
    kc_delete_records_topic dt[] = {{S("events"), N_OF(dp), dp}, {S("empty"), 0, NULL}};
    kc_delete_records_req in = {N_OF(dt), dt, 30000};
    const kc_api_info *info = api(KC_API_DELETE_RECORDS);
    for (int16_t v = info->min_version; v <= info->max_version; v++) {
        kc_delete_records_req out;
        kc_wbuf enc = {0};
        kc_arena a = KC_ARENA_INIT;
        ROUNDTRIP(kc_delete_records_req, v, &in, &out, enc, a);
        EQ(out.topics_count, 2, "topics_count");
        for (int32_t i = 0; i < 2; i++) {
            STR_EQ(out.topics[i].name, dt[i].name, "name");
            EQ(out.topics[i].partitions_count, dt[i].partitions_count, "partitions_count");
            for (int32_t j = 0; j < dt[i].partitions_count; j++) {
                EQ(out.topics[i].partitions[j].partition_index, dp[j].partition_index,
                   "partition_index");
                EQ(out.topics[i].partitions[j].offset, dp[j].offset, "offset");
            }
        }
        EQ(out.timeout_ms, 30000, "timeout_ms");
        kc_wbuf_free(&enc);
        kc_arena_free(&a);
    }
}

Test(apis, delete_records_response_roundtrip_all_versions)
{
    kc_delete_records_partition_result pr[] = {{0, 100, 0}, {3, -1, 1}};
    kc_delete_records_topic_result tr[] = {{S("events"), N_OF(pr), pr}};
    kc_delete_records_resp in = {7, N_OF(tr), tr};
    const kc_api_info *info = api(KC_API_DELETE_RECORDS);
    for (int16_t v = info->min_version; v <= info->max_version; v++) {
        kc_delete_records_resp out;
        kc_wbuf enc = {0};
        kc_arena a = KC_ARENA_INIT;
        ROUNDTRIP(kc_delete_records_resp, v, &in, &out, enc, a);
        EQ(out.throttle_time_ms, 7, "throttle_time_ms");
        EQ(out.topics_count, 1, "topics_count");
        STR_EQ(out.topics[0].name, tr[0].name, "name");
        EQ(out.topics[0].partitions_count, 2, "partitions_count");
        for (int32_t j = 0; j < 2; j++) {
            EQ(out.topics[0].partitions[j].partition_index, pr[j].partition_index, "index");
            EQ(out.topics[0].partitions[j].low_watermark, pr[j].low_watermark, "low_watermark");
            EQ(out.topics[0].partitions[j].error_code, pr[j].error_code, "error_code");
        }
        kc_wbuf_free(&enc);
        kc_arena_free(&a);
    }
}

/* DeleteRecords v0, laid out from the protocol guide:
 * request  => [topics] timeout_ms; topics => name [partitions]; partitions => partition_index
 *             offset
 * response => throttle_time_ms [topics]; topics => name [partitions];
 *             partitions => partition_index low_watermark error_code */
Test(apis, delete_records_v0_bytes)
{
    static const uint8_t req_body[] = {
        0x00, 0x00, 0x00, 0x01,                         /* [topics] 1 */
        0x00, 0x01, 't',                                /* name "t" */
        0x00, 0x00, 0x00, 0x01,                         /* [partitions] 1 */
        0x00, 0x00, 0x00, 0x02,                         /* partition_index 2 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, /* offset 256 */
        0x00, 0x00, 0x13, 0x88,                         /* timeout_ms 5000 */
    };
    kc_rbuf r;
    kc_rbuf_init(&r, req_body, sizeof(req_body));
    kc_delete_records_req req;
    kc_arena a = KC_ARENA_INIT;
    cr_assert_eq(kc_delete_records_req_decode(&r, 0, &req, &a), 0);
    cr_assert_eq(kc_rbuf_remaining(&r), 0);
    cr_assert_eq(req.topics_count, 1);
    cr_assert(kc_str_eq(req.topics[0].name, "t"));
    cr_assert_eq(req.topics[0].partitions_count, 1);
    cr_assert_eq(req.topics[0].partitions[0].partition_index, 2);
    cr_assert_eq(req.topics[0].partitions[0].offset, 256);
    cr_assert_eq(req.timeout_ms, 5000);

    static const uint8_t resp_body[] = {
        0x00, 0x00, 0x00, 0x00,                         /* throttle_time_ms 0 */
        0x00, 0x00, 0x00, 0x01,                         /* [topics] 1 */
        0x00, 0x01, 't',                                /* name "t" */
        0x00, 0x00, 0x00, 0x01,                         /* [partitions] 1 */
        0x00, 0x00, 0x00, 0x02,                         /* partition_index 2 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, /* low_watermark 256 */
        0x00, 0x01,                                     /* error_code OFFSET_OUT_OF_RANGE */
    };
    kc_delete_records_partition_result pr = {2, 256, 1};
    kc_delete_records_topic_result tr = {S("t"), 1, &pr};
    kc_delete_records_resp resp = {0, 1, &tr};
    kc_wbuf w = {0};
    kc_delete_records_resp_encode(&w, 0, &resp);
    cr_assert_eq(w.len, sizeof(resp_body));
    cr_assert_eq(memcmp(w.data, resp_body, sizeof(resp_body)), 0);
    kc_wbuf_free(&w);
    kc_arena_free(&a);
}
