/*
 * Wire layouts of the controller's replication APIs against byte vectors written from Kafka's
 * message JSON (AlterIsrRequest/Response.json v0 flexible; ControlledShutdownRequest/
 * Response.json v1-3, flexible from v3; ElectLeadersRequest/Response.json v0-2, flexible from
 * v2): compact arrays and strings (length + 1 as an unsigned varint, 0 = null), a tag buffer
 * after every struct, request header v2 / response header v1 for the flexible versions.
 */
#include <criterion/criterion.h>

#include <string.h>

#include "codec_check.h"
#include "controller/election.h"
#include "kc_apis.h"
#include "proto/header.h"

/* Decodes @p bytes with @p type at @p v (every byte consumed), then re-encodes and compares. */
#define DECODE_EXACT(type, v, bytes, out, arena)                                                   \
    do {                                                                                           \
        kc_rbuf r_;                                                                                \
        kc_rbuf_init(&r_, (bytes), sizeof(bytes));                                                 \
        cr_assert_eq(type##_decode(&r_, (v), (out), &(arena)), 0, #type " v%d: decode", (v));      \
        cr_assert_eq(kc_rbuf_remaining(&r_), 0, #type " v%d: bytes left", (v));                    \
        kc_wbuf w_ = {0};                                                                          \
        type##_encode(&w_, (v), (out));                                                            \
        cr_assert_eq(w_.len, sizeof(bytes), #type " v%d: re-encoded %zu bytes, want %zu", (v),     \
                     w_.len, sizeof(bytes));                                                       \
        cr_assert_arr_eq(w_.data, (bytes), sizeof(bytes), #type " v%d: re-encoded bytes", (v));    \
        kc_wbuf_free(&w_);                                                                         \
    } while (0)

/* ---- headers ---- */

Test(replication_headers, flexible_versions_use_header_v2_and_v1)
{
    cr_assert(kc_api_is_flexible(KC_API_ALTER_ISR, 0));
    cr_assert(kc_api_is_flexible(KC_API_CONTROLLED_SHUTDOWN, 3));
    cr_assert_not(kc_api_is_flexible(KC_API_CONTROLLED_SHUTDOWN, 2));
    cr_assert(kc_api_is_flexible(KC_API_ELECT_LEADERS, 2));
    cr_assert_not(kc_api_is_flexible(KC_API_ELECT_LEADERS, 1));
    cr_assert(kc_resp_header_flexible(KC_API_ALTER_ISR, 0));
    cr_assert(kc_resp_header_flexible(KC_API_CONTROLLED_SHUTDOWN, 3));
    cr_assert_not(kc_resp_header_flexible(KC_API_CONTROLLED_SHUTDOWN, 1));
    cr_assert(kc_resp_header_flexible(KC_API_ELECT_LEADERS, 2));
    cr_assert_not(kc_resp_header_flexible(KC_API_ELECT_LEADERS, 0));

    /* AlterIsr v0 request header v2: classic client id, then a tag buffer */
    static const uint8_t h[] = {0x00, 0x38, 0x00, 0x00, 0x00, 0x00, 0x00,
                                0x09, 0x00, 0x02, 'b',  '1',  0x00, 0xAA};
    kc_rbuf r;
    kc_rbuf_init(&r, h, sizeof(h));
    kc_req_header hdr;
    cr_assert_eq(kc_req_header_parse(&r, &hdr), 0);
    cr_assert_eq(hdr.api_key, 56);
    cr_assert_eq(hdr.correlation_id, 9);
    cr_assert(kc_str_eq(hdr.client_id, "b1"));
    cr_assert(hdr.flexible);
    cr_assert_eq(kc_rbuf_remaining(&r), 1, "the tag buffer is consumed, the body is next");

    /* ControlledShutdown v2 keeps header v1: no tag buffer */
    static const uint8_t h2[] = {0x00, 0x07, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0xFF, 0xFF, 0x00};
    kc_rbuf_init(&r, h2, sizeof(h2));
    cr_assert_eq(kc_req_header_parse(&r, &hdr), 0);
    cr_assert_not(hdr.flexible);
    cr_assert_eq(kc_rbuf_remaining(&r), 1);
}

/* ---- AlterIsr v0 ---- */

Test(alter_isr_wire, request_v0)
{
    static const uint8_t b[] = {
        0x00, 0x00, 0x00, 0x02,                               /* broker_id 2 */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10,       /* broker_epoch */
        0x02,                                                 /* topics: 1 (compact) */
        0x02, 't',                                            /* name "t" (compact) */
        0x02,                                                 /* partitions: 1 */
        0x00, 0x00, 0x00, 0x01,                               /* partition_index 1 */
        0x00, 0x00, 0x00, 0x05,                               /* leader_epoch 5 */
        0x03, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, /* new_isr [2, 3] */
        0x00, 0x00, 0x00, 0x07,                               /* current_isr_version 7 */
        0x00,                                                 /* partition tags */
        0x00,                                                 /* topic tags */
        0x00,                                                 /* request tags */
    };
    int v = 0;
    kc_arena a = KC_ARENA_INIT;
    kc_alter_isr_req out;
    DECODE_EXACT(kc_alter_isr_req, 0, b, &out, a);
    EQ(out.broker_id, 2, "broker_id");
    EQ(out.broker_epoch, 0x100000010LL, "broker_epoch");
    EQ(out.topics_count, 1, "topics");
    STR_EQ(out.topics[0].name, S("t"), "name");
    const kc_alter_isr_partition_data *p = &out.topics[0].partitions[0];
    EQ(p->partition_index, 1, "partition");
    EQ(p->leader_epoch, 5, "leader_epoch");
    int32_t isr[] = {2, 3};
    i32_array_eq(v, p->new_isr, p->new_isr_count, isr, 2, "new_isr");
    EQ(p->current_isr_version, 7, "current_isr_version");
    kc_arena_free(&a);
}

Test(alter_isr_wire, request_v0_skips_unknown_tags)
{
    static const uint8_t b[] = {
        0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x01, 0x01, /* no topics */
        0x01, 0x05, 0x02, 0xAB, 0xCD,       /* one tagged field: tag 5, 2 bytes */
    };
    kc_rbuf r;
    kc_rbuf_init(&r, b, sizeof(b));
    kc_arena a = KC_ARENA_INIT;
    kc_alter_isr_req out;
    cr_assert_eq(kc_alter_isr_req_decode(&r, 0, &out, &a), 0);
    cr_assert_eq(out.topics_count, 0);
    cr_assert_eq(kc_rbuf_remaining(&r), 0);
    kc_arena_free(&a);
}

Test(alter_isr_wire, response_v0)
{
    static const uint8_t b[] = {
        0x00, 0x00, 0x00, 0x00,                               /* throttle_time_ms */
        0x00, 0x00,                                           /* error_code */
        0x02,                                                 /* topics: 1 */
        0x03, 'a',  'b',                                      /* name "ab" */
        0x03,                                                 /* partitions: 2 */
        0x00, 0x00, 0x00, 0x00,                               /* partition 0 */
        0x00, 0x00,                                           /* error NONE */
        0x00, 0x00, 0x00, 0x01,                               /* leader 1 */
        0x00, 0x00, 0x00, 0x04,                               /* leader_epoch 4 */
        0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, /* isr [1, 2] */
        0x00, 0x00, 0x00, 0x08,                               /* current_isr_version 8 */
        0x00,                                                 /* tags */
        0x00, 0x00, 0x00, 0x01,                               /* partition 1 */
        0x00, 0x5F,                                           /* INVALID_UPDATE_VERSION 95 */
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,       /* leader -1, epoch -1 */
        0x01,                                                 /* isr [] */
        0xFF, 0xFF, 0xFF, 0xFF,                               /* version -1 */
        0x00, 0x00, 0x00,                                     /* partition, topic, top tags */
    };
    int v = 0;
    int32_t isr[] = {1, 2};
    kc_alter_isr_partition_response ps[] = {{0, 0, 1, 4, 2, isr, 8}, {1, 95, -1, -1, 0, NULL, -1}};
    kc_alter_isr_topic_response t = {S("ab"), 2, ps};
    kc_alter_isr_resp in = {0, 0, 1, &t};
    kc_wbuf w = {0};
    kc_alter_isr_resp_encode(&w, 0, &in);
    cr_assert_eq(w.len, sizeof(b));
    cr_assert_arr_eq(w.data, b, sizeof(b));
    kc_wbuf_free(&w);
    kc_arena a = KC_ARENA_INIT;
    kc_alter_isr_resp out;
    DECODE_EXACT(kc_alter_isr_resp, 0, b, &out, a);
    EQ(out.topics[0].partitions[1].error_code, 95, "error");
    EQ(out.topics[0].partitions[0].current_isr_version, 8, "version");
    kc_arena_free(&a);
}

/* ---- ControlledShutdown v1-3 ---- */

Test(controlled_shutdown_wire, request_v1_v2_v3)
{
    int v = 1;
    kc_arena a = KC_ARENA_INIT;
    kc_controlled_shutdown_req out;
    static const uint8_t v1[] = {0x00, 0x00, 0x00, 0x03};
    DECODE_EXACT(kc_controlled_shutdown_req, 1, v1, &out, a);
    EQ(out.broker_id, 3, "broker_id");
    EQ(out.broker_epoch, -1, "broker_epoch default");
    static const uint8_t v2[] = {0x00, 0x00, 0x00, 0x03, 0x00, 0x00,
                                 0x00, 0x00, 0x00, 0x00, 0x00, 0x2A};
    v = 2;
    DECODE_EXACT(kc_controlled_shutdown_req, 2, v2, &out, a);
    EQ(out.broker_epoch, 42, "broker_epoch");
    static const uint8_t v3[] = {0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
                                 0x00, 0x00, 0x00, 0x00, 0x2A, 0x00};
    v = 3;
    DECODE_EXACT(kc_controlled_shutdown_req, 3, v3, &out, a);
    EQ(out.broker_id, 3, "broker_id");
    EQ(out.broker_epoch, 42, "broker_epoch");
    kc_arena_free(&a);
}

Test(controlled_shutdown_wire, response_v1_and_v3)
{
    kc_remaining_partition rem[] = {{S("t"), 2}};
    kc_controlled_shutdown_resp in = {0, 1, rem};
    static const uint8_t v1[] = {
        0x00, 0x00,             /* error_code */
        0x00, 0x00, 0x00, 0x01, /* remaining: 1 (classic) */
        0x00, 0x01, 't',        /* topic_name (int16 length) */
        0x00, 0x00, 0x00, 0x02, /* partition_index */
    };
    static const uint8_t v3[] = {
        0x00, 0x00,             /* error_code */
        0x02,                   /* remaining: 1 (compact) */
        0x02, 't',              /* topic_name (compact) */
        0x00, 0x00, 0x00, 0x02, /* partition_index */
        0x00,                   /* partition tags */
        0x00,                   /* response tags */
    };
    kc_wbuf w = {0};
    kc_controlled_shutdown_resp_encode(&w, 1, &in);
    cr_assert_eq(w.len, sizeof(v1));
    cr_assert_arr_eq(w.data, v1, sizeof(v1));
    kc_wbuf_free(&w);
    kc_wbuf w3 = {0};
    kc_controlled_shutdown_resp_encode(&w3, 3, &in);
    cr_assert_eq(w3.len, sizeof(v3));
    cr_assert_arr_eq(w3.data, v3, sizeof(v3));
    kc_wbuf_free(&w3);
    int v = 3;
    kc_arena a = KC_ARENA_INIT;
    kc_controlled_shutdown_resp out;
    DECODE_EXACT(kc_controlled_shutdown_resp, 3, v3, &out, a);
    EQ(out.remaining_partitions_count, 1, "remaining");
    STR_EQ(out.remaining_partitions[0].topic_name, S("t"), "topic");
    kc_arena_free(&a);
}

/* ---- ElectLeaders v0-2 ---- */

Test(elect_leaders_wire, request_v0_v1_v2)
{
    kc_arena a = KC_ARENA_INIT;
    kc_elect_leaders_req out;
    int v = 0;
    static const uint8_t v0[] = {
        0x00, 0x00, 0x00, 0x01,                         /* topic_partitions: 1 */
        0x00, 0x01, 't',                                /* topic */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03, /* partitions [3] */
        0x00, 0x00, 0x75, 0x30,                         /* timeout_ms 30000 */
    };
    DECODE_EXACT(kc_elect_leaders_req, 0, v0, &out, a);
    EQ(out.election_type, 0, "election_type default (preferred)");
    EQ(out.topic_partitions[0].partitions[0], 3, "partition");
    EQ(out.timeout_ms, 30000, "timeout");
    static const uint8_t v1[] = {
        0x01,                   /* election_type unclean */
        0xFF, 0xFF, 0xFF, 0xFF, /* topic_partitions null: all */
        0x00, 0x00, 0x03, 0xE8, /* timeout_ms 1000 */
    };
    v = 1;
    DECODE_EXACT(kc_elect_leaders_req, 1, v1, &out, a);
    EQ(out.election_type, 1, "election_type");
    EQ(out.topic_partitions_count, -1, "null topic_partitions");
    static const uint8_t v2[] = {
        0x00,                                                 /* preferred */
        0x02,                                                 /* topic_partitions: 1 (compact) */
        0x02, 't',                                            /* topic */
        0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, /* partitions [0, 1] */
        0x00,                                                 /* topic tags */
        0x00, 0x00, 0x03, 0xE8,                               /* timeout_ms */
        0x00,                                                 /* request tags */
    };
    v = 2;
    DECODE_EXACT(kc_elect_leaders_req, 2, v2, &out, a);
    EQ(out.topic_partitions_count, 1, "topics");
    EQ(out.topic_partitions[0].partitions_count, 2, "partitions");
    static const uint8_t v2_null[] = {0x00, 0x00, 0x00, 0x00, 0x03, 0xE8, 0x00};
    DECODE_EXACT(kc_elect_leaders_req, 2, v2_null, &out, a);
    EQ(out.topic_partitions_count, -1, "null compact array");
    kc_arena_free(&a);
}

Test(elect_leaders_wire, response_v0_and_v2)
{
    kc_partition_result pr[] = {{0, 84, KC_STR_NULL}, {1, 80, S("no")}};
    kc_replica_election_result res = {S("t"), 2, pr};
    kc_elect_leaders_resp in = {0, 41, 1, &res};
    static const uint8_t v0[] = {
        0x00, 0x00, 0x00, 0x00,                         /* throttle; no error_code before v1 */
        0x00, 0x00, 0x00, 0x01,                         /* results: 1 */
        0x00, 0x01, 't',                                /* topic */
        0x00, 0x00, 0x00, 0x02,                         /* partition results: 2 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x54, 0xFF, 0xFF, /* 0, ELECTION_NOT_NEEDED, null */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x50, 0x00, 0x02, 'n', 'o', /* 1, 80, "no" */
    };
    static const uint8_t v2[] = {
        0x00, 0x00, 0x00, 0x00,                         /* throttle */
        0x00, 0x29,                                     /* error_code 41 */
        0x02,                                           /* results: 1 */
        0x02, 't',                                      /* topic */
        0x03,                                           /* partition results: 2 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x54, 0x00, 0x00, /* 0, 84, null (compact 0), tags */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x50, 0x03, 'n',  'o', 0x00, /* 1, 80, "no", tags */
        0x00,                                                      /* topic tags */
        0x00,                                                      /* response tags */
    };
    kc_wbuf w = {0};
    kc_elect_leaders_resp_encode(&w, 0, &in);
    cr_assert_eq(w.len, sizeof(v0));
    cr_assert_arr_eq(w.data, v0, sizeof(v0));
    kc_wbuf_free(&w);
    kc_wbuf w2 = {0};
    kc_elect_leaders_resp_encode(&w2, 2, &in);
    cr_assert_eq(w2.len, sizeof(v2));
    cr_assert_arr_eq(w2.data, v2, sizeof(v2));
    kc_wbuf_free(&w2);
    int v = 2;
    kc_arena a = KC_ARENA_INIT;
    kc_elect_leaders_resp out;
    DECODE_EXACT(kc_elect_leaders_resp, 2, v2, &out, a);
    EQ(out.error_code, 41, "error_code");
    cr_assert_null(out.replica_election_results[0].partition_result[0].error_message.p);
    STR_EQ(out.replica_election_results[0].partition_result[1].error_message, S("no"), "msg");
    kc_arena_free(&a);
}

/* ---- election rules ---- */

static bool live_set(int32_t id, void *arg)
{
    for (const int32_t *p = arg; *p >= 0; p++)
        if (*p == id)
            return true;
    return false;
}

Test(election_rules, controlled_shutdown_leader)
{
    int32_t replicas[] = {1, 2, 3}, isr[] = {3, 2, 1};
    int32_t eligible[] = {2, 3, -1}; /* 1 shuts down */
    cr_assert_eq(kc_elect_controlled_shutdown_leader(replicas, 3, isr, 3, live_set, eligible), 2,
                 "assignment order, not ISR order");
    int32_t isr1[] = {1};
    cr_assert_eq(kc_elect_controlled_shutdown_leader(replicas, 3, isr1, 1, live_set, eligible), -1,
                 "no other ISR member: it stays leader");
    int32_t only3[] = {3, -1};
    cr_assert_eq(kc_elect_controlled_shutdown_leader(replicas, 3, isr, 3, live_set, only3), 3);
}

Test(election_rules, preferred_leader)
{
    int32_t replicas[] = {1, 2, 3}, isr[] = {2, 1};
    int32_t all[] = {1, 2, 3, -1}, no1[] = {2, 3, -1};
    cr_assert_eq(kc_elect_preferred_leader(replicas, 3, isr, 2, live_set, all), 1);
    cr_assert_eq(kc_elect_preferred_leader(replicas, 3, isr, 2, live_set, no1), -1,
                 "preferred replica dead");
    int32_t isr2[] = {2, 3};
    cr_assert_eq(kc_elect_preferred_leader(replicas, 3, isr2, 2, live_set, all), -1,
                 "preferred replica out of the ISR");
    cr_assert_eq(kc_elect_preferred_leader(replicas, 0, isr, 2, live_set, all), -1);
}

Test(election_rules, isr_remove_never_empties)
{
    int32_t isr[] = {1, 2, 3};
    cr_assert_eq(kc_isr_remove(isr, 3, 2), 2);
    cr_assert_eq(isr[0], 1);
    cr_assert_eq(isr[1], 3);
    cr_assert_eq(kc_isr_remove(isr, 2, 9), 2, "not a member: unchanged");
    int32_t one[] = {4};
    cr_assert_eq(kc_isr_remove(one, 1, 4), 1, "the last member stays");
    cr_assert_eq(one[0], 4);
}

Test(election_rules, leader_imbalance_ratio)
{
    cr_assert_not(kc_leader_imbalanced(1, 10, 10), "10%% is not more than 10%%");
    cr_assert(kc_leader_imbalanced(2, 10, 10));
    cr_assert(kc_leader_imbalanced(1, 1, 10));
    cr_assert_not(kc_leader_imbalanced(0, 5, 0));
    cr_assert(kc_leader_imbalanced(1, 5, 0));
    cr_assert_not(kc_leader_imbalanced(0, 0, 10), "no preferred partitions");
}

Test(election_rules, alter_isr_validation)
{
    int32_t replicas[] = {1, 2, 3};
    int32_t all[] = {1, 2, 3, -1}, no3[] = {1, 2, -1};
    int32_t ok[] = {1, 3}, dup[] = {1, 1}, stranger[] = {1, 4}, noleader[] = {2, 3};
    cr_assert(kc_alter_isr_valid(replicas, 3, ok, 2, 1, live_set, all));
    cr_assert_not(kc_alter_isr_valid(replicas, 3, ok, 2, 1, live_set, no3), "dead member");
    cr_assert_not(kc_alter_isr_valid(replicas, 3, dup, 2, 1, live_set, all), "duplicate");
    cr_assert_not(kc_alter_isr_valid(replicas, 3, stranger, 2, 1, live_set, all), "not a replica");
    cr_assert_not(kc_alter_isr_valid(replicas, 3, noleader, 2, 1, live_set, all), "no leader");
    cr_assert_not(kc_alter_isr_valid(replicas, 3, ok, 0, 1, live_set, all), "empty");
}
