/*
 * The control plane's pure parts: Kafka's leader election rules (controller/election.h), the
 * metadata cache's update rules (broker/metadata_cache.h), and the wire layout of the
 * inter-broker and admin requests added with it, pinned by byte vectors laid out from Kafka's
 * message specs (LeaderAndIsrRequest.json, StopReplicaRequest.json, UpdateMetadataRequest.json,
 * DeleteTopicsRequest/Response.json, CreatePartitionsRequest.json).
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "broker/metadata_cache.h"
#include "controller/election.h"
#include "kc_apis.h"

/* ---- election ---- */

static bool live_set(int32_t id, void *arg)
{
    const int32_t *live = arg; /* -1 terminated */
    for (; *live >= 0; live++)
        if (*live == id)
            return true;
    return false;
}

Test(election, first_live_replica_in_isr_in_assignment_order)
{
    const int32_t replicas[] = {3, 1, 2}, isr[] = {2, 1}; /* ISR order does not matter */
    int32_t live[] = {1, 2, -1};
    bool unclean;
    cr_assert_eq(kc_elect_offline_leader(replicas, 3, isr, 2, false, live_set, live, &unclean), 1);
    cr_assert_not(unclean);
    int32_t only2[] = {2, -1};
    cr_assert_eq(kc_elect_offline_leader(replicas, 3, isr, 2, false, live_set, only2, &unclean), 2);
}

Test(election, no_live_isr_member_stays_offline_unless_unclean)
{
    const int32_t replicas[] = {1, 2, 3}, isr[] = {1};
    int32_t live[] = {2, 3, -1};
    bool unclean;
    cr_assert_eq(kc_elect_offline_leader(replicas, 3, isr, 1, false, live_set, live, &unclean), -1);
    cr_assert_eq(kc_elect_offline_leader(replicas, 3, isr, 1, true, live_set, live, &unclean), 2);
    cr_assert(unclean, "the unclean path is reported so the ISR becomes [leader]");
    int32_t none[] = {-1};
    cr_assert_eq(kc_elect_offline_leader(replicas, 3, isr, 1, true, live_set, none, &unclean), -1);
}

Test(election, isr_loses_dead_members_but_is_never_emptied)
{
    int32_t isr[] = {1, 2, 3};
    int32_t live[] = {3, 1, -1};
    cr_assert_eq(kc_isr_keep_live(isr, 3, live_set, live), 2);
    cr_assert_eq(isr[0], 1);
    cr_assert_eq(isr[1], 3);
    int32_t last[] = {4, 5};
    int32_t none[] = {-1};
    cr_assert_eq(kc_isr_keep_live(last, 2, live_set, none), 1);
    cr_assert_eq(last[0], 4, "the first member stays when none is live");
    cr_assert_eq(kc_isr_keep_live(last, 0, live_set, none), 0);
}

/* ---- metadata cache ---- */

static kc_update_metadata_partition_state pstate(int32_t p, int32_t leader, int32_t *isr, int n)
{
    return (kc_update_metadata_partition_state){.partition_index = p,
                                                .controller_epoch = 1,
                                                .leader = leader,
                                                .leader_epoch = 0,
                                                .isr_count = n,
                                                .isr = isr,
                                                .zk_version = 0,
                                                .replicas_count = n,
                                                .replicas = isr,
                                                .offline_replicas_count = 0};
}

Test(metadata_cache, brokers_replaced_partitions_upserted_and_deleted)
{
    kc_metadata_cache mc;
    kc_metadata_cache_init(&mc);
    cr_assert_eq(mc.controller_id, -1);
    int32_t isr[] = {1, 2};
    kc_update_metadata_endpoint eps[] = {{9092, {"h1", 2}, {"PLAINTEXT", 9}, 0},
                                         {9093, {"h1", 2}, {"SSL", 3}, 1}};
    kc_update_metadata_broker brokers[] = {{1, 2, eps, {"r1", 2}}, {2, 1, eps, KC_STR_NULL}};
    kc_update_metadata_partition_state ps[] = {pstate(0, 1, isr, 2), pstate(1, 2, isr, 2)};
    kc_update_metadata_topic_state ts = {{"t", 1}, 2, ps};
    kc_update_metadata_req r = {2, 1, -1, 1, &ts, 2, brokers};
    kc_metadata_cache_update(&mc, &r);
    cr_assert_eq(mc.controller_id, 2);
    cr_assert_eq(mc.n_brokers, 2);
    const kc_mc_broker *b1 = kc_metadata_cache_broker(&mc, 1);
    cr_assert_str_eq(b1->rack, "r1");
    cr_assert_eq(kc_mc_broker_endpoint(b1, "SSL")->port, 9093);
    cr_assert_null(kc_mc_broker_endpoint(kc_metadata_cache_broker(&mc, 2), "SSL"));
    cr_assert(kc_metadata_cache_has_leaders(&mc, kc_str_c("t")));

    /* next update: one broker, partition 1 leaderless, a second topic; t-0 is kept */
    kc_update_metadata_partition_state ps2[] = {pstate(1, -1, isr, 1)};
    kc_update_metadata_partition_state ps3[] = {pstate(0, 1, isr, 1)};
    kc_update_metadata_topic_state ts2[] = {{{"t", 1}, 1, ps2}, {{"u", 1}, 1, ps3}};
    kc_update_metadata_req r2 = {1, 2, -1, 2, ts2, 1, brokers};
    kc_metadata_cache_update(&mc, &r2);
    cr_assert_eq(mc.n_brokers, 1, "live brokers are replaced");
    cr_assert_null(kc_metadata_cache_broker(&mc, 2));
    const kc_mc_topic *t = kc_metadata_cache_topic(&mc, kc_str_c("t"));
    cr_assert_eq(t->partitions[0].leader, 1, "unlisted partitions are kept");
    cr_assert_eq(t->partitions[1].leader, -1);
    cr_assert_not(kc_metadata_cache_has_leaders(&mc, kc_str_c("t")));
    cr_assert_eq(mc.n_topics, 2);

    /* LeaderDuringDelete removes partitions, then the topic */
    kc_update_metadata_partition_state del[] = {pstate(0, KC_LEADER_DURING_DELETE, isr, 2),
                                                pstate(1, KC_LEADER_DURING_DELETE, isr, 2)};
    kc_update_metadata_topic_state ts3 = {{"t", 1}, 1, del};
    kc_update_metadata_req r3 = {1, 2, -1, 1, &ts3, 1, brokers};
    kc_metadata_cache_update(&mc, &r3);
    cr_assert_not_null(kc_metadata_cache_topic(&mc, kc_str_c("t")), "partition 1 remains");
    ts3.partition_states = &del[1];
    kc_metadata_cache_update(&mc, &r3);
    cr_assert_null(kc_metadata_cache_topic(&mc, kc_str_c("t")));
    cr_assert_not_null(kc_metadata_cache_topic(&mc, kc_str_c("u")));
    kc_metadata_cache_free(&mc);
}

/* 5,000 topics through the name index: each found, unknown names not, deletions in the middle
 * keep the rest findable (the index is rebuilt around the moved entries). */
Test(metadata_cache, many_topics_by_name)
{
    enum { N = 5000 };
    kc_metadata_cache mc;
    kc_metadata_cache_init(&mc);
    cr_assert_null(kc_metadata_cache_topic(&mc, kc_str_c("t0")), "empty cache");
    static char names[N][16];
    static kc_update_metadata_topic_state ts[N];
    int32_t isr[] = {1};
    kc_update_metadata_partition_state ps = pstate(0, 1, isr, 1);
    for (int i = 0; i < N; i++) {
        int n = snprintf(names[i], sizeof(names[i]), "t%d", i);
        ts[i] = (kc_update_metadata_topic_state){{names[i], n}, 1, &ps};
    }
    kc_update_metadata_req r = {1, 1, -1, N, ts, 0, NULL};
    kc_metadata_cache_update(&mc, &r);
    cr_assert_eq(mc.n_topics, N);
    for (int i = 0; i < N; i++) {
        const kc_mc_topic *t = kc_metadata_cache_topic(&mc, kc_str_c(names[i]));
        cr_assert_not_null(t, "%s", names[i]);
        cr_assert_str_eq(t->name, names[i]);
    }
    cr_assert_null(kc_metadata_cache_topic(&mc, kc_str_c("t5000")));
    cr_assert_null(kc_metadata_cache_topic(&mc, kc_str_c("t1 ")));
    /* every third topic deleted */
    kc_update_metadata_partition_state del = pstate(0, KC_LEADER_DURING_DELETE, isr, 1);
    int n_del = 0;
    for (int i = 0; i < N; i += 3)
        ts[n_del++] =
            (kc_update_metadata_topic_state){{names[i], (int32_t)strlen(names[i])}, 1, &del};
    kc_update_metadata_req rd = {1, 1, -1, n_del, ts, 0, NULL};
    kc_metadata_cache_update(&mc, &rd);
    cr_assert_eq(mc.n_topics, N - n_del);
    for (int i = 0; i < N; i++)
        cr_assert_eq(kc_metadata_cache_topic(&mc, kc_str_c(names[i])) != NULL, i % 3 != 0, "%s",
                     names[i]);
    kc_metadata_cache_free(&mc);
}

/* ---- wire layouts ---- */

static void expect_bytes(const kc_wbuf *w, const uint8_t *want, size_t n)
{
    cr_assert_eq(w->len, n, "encoded %zu bytes, want %zu", w->len, n);
    cr_assert_arr_eq(w->data, want, n);
}

Test(control_wire, stop_replica_v1)
{
    int32_t parts[] = {0, 2};
    kc_stop_replica_topic t = {{"ab", 2}, 2, parts};
    kc_stop_replica_req r = {1, 7, 0x100000002LL, true, 1, &t};
    kc_wbuf w = {0};
    kc_stop_replica_req_encode(&w, 1, &r);
    const uint8_t want[] = {0, 0, 0, 1, 0, 0, 0,   7, /* controller id, epoch */
                            0, 0, 0, 1, 0, 0, 0,   2, /* broker epoch */
                            1,                        /* delete_partitions */
                            0, 0, 0, 1, 0, 2, 'a', 'b', 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2};
    expect_bytes(&w, want, sizeof(want));
    kc_rbuf rb;
    kc_rbuf_init(&rb, w.data, w.len);
    kc_arena a = {0};
    kc_stop_replica_req out;
    cr_assert_eq(kc_stop_replica_req_decode(&rb, 1, &out, &a), 0);
    cr_assert_eq(out.broker_epoch, 0x100000002LL);
    cr_assert_eq(out.topics[0].partition_indexes[1], 2);
    kc_arena_free(&a);
    kc_wbuf_free(&w);
}

Test(control_wire, leader_and_isr_v3_adds_adding_and_removing_replicas)
{
    int32_t isr[] = {1}, none[] = {0};
    kc_leader_and_isr_partition_state ps = {.partition_index = 0,
                                            .controller_epoch = 1,
                                            .leader = 1,
                                            .leader_epoch = 2,
                                            .isr_count = 1,
                                            .isr = isr,
                                            .zk_version = 3,
                                            .replicas_count = 1,
                                            .replicas = isr,
                                            .adding_replicas_count = 0,
                                            .adding_replicas = none,
                                            .removing_replicas_count = 0,
                                            .removing_replicas = none,
                                            .is_new = true};
    kc_leader_and_isr_topic_state ts = {{"t", 1}, 1, &ps};
    kc_leader_and_isr_live_leader ll = {1, {"h", 1}, 9092};
    kc_leader_and_isr_req r = {1, 1, 5, 1, &ts, 1, &ll};
    kc_wbuf w2 = {0}, w3 = {0};
    kc_leader_and_isr_req_encode(&w2, 2, &r);
    kc_leader_and_isr_req_encode(&w3, 3, &r);
    cr_assert_eq(w3.len, w2.len + 8, "v3 adds two empty int32 arrays");
    const uint8_t head[] = {0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 1, 0, 1, 't'};
    cr_assert_arr_eq(w2.data, head, sizeof(head));
    kc_rbuf rb;
    kc_rbuf_init(&rb, w3.data, w3.len);
    kc_arena a = {0};
    kc_leader_and_isr_req out;
    cr_assert_eq(kc_leader_and_isr_req_decode(&rb, 3, &out, &a), 0);
    cr_assert(out.topic_states[0].partition_states[0].is_new);
    cr_assert_eq(out.topic_states[0].partition_states[0].zk_version, 3);
    cr_assert_eq(out.live_leaders[0].port, 9092);
    kc_arena_free(&a);
    kc_wbuf_free(&w2);
    kc_wbuf_free(&w3);
}

Test(control_wire, update_metadata_v5_endpoint_layout)
{
    kc_update_metadata_endpoint ep = {9092, {"h", 1}, {"PL", 2}, 0};
    kc_update_metadata_broker b = {3, 1, &ep, KC_STR_NULL};
    kc_update_metadata_req r = {3, 2, -1, 0, NULL, 1, &b};
    kc_wbuf w = {0};
    kc_update_metadata_req_encode(&w, 5, &r);
    const uint8_t want[] = {0,    0,    0,    3,    0,    0, 0,    2,    0xff, 0xff, 0xff,
                            0xff, 0xff, 0xff, 0xff, 0xff, 0, 0,    0,    0, /* no topic states */
                            0,    0,    0,    1,    0,    0, 0,    3,       /* one broker, id 3 */
                            0,    0,    0,    1,    0,    0, 0x23, 0x84, 0,    1,    'h',
                            0,    2,    'P',  'L',  0,    0, 0xff, 0xff}; /* rack null */
    expect_bytes(&w, want, sizeof(want));
    kc_wbuf_free(&w);
}

Test(control_wire, delete_topics_response_throttle_from_v1)
{
    kc_deletable_topic_result res = {{"t", 1}, 41};
    kc_delete_topics_resp r = {0, 1, &res};
    kc_wbuf w0 = {0}, w1 = {0};
    kc_delete_topics_resp_encode(&w0, 0, &r);
    kc_delete_topics_resp_encode(&w1, 1, &r);
    const uint8_t v0[] = {0, 0, 0, 1, 0, 1, 't', 0, 41};
    expect_bytes(&w0, v0, sizeof(v0));
    cr_assert_eq(w1.len, sizeof(v0) + 4);
    kc_wbuf_free(&w0);
    kc_wbuf_free(&w1);
}

Test(control_wire, create_partitions_null_assignments)
{
    const uint8_t body[] = {0, 0,    0,    1,    0,    1, 't', 0,    0,    0,
                            6, 0xff, 0xff, 0xff, 0xff, 0, 0,   0x75, 0x30, 1};
    kc_rbuf rb;
    kc_rbuf_init(&rb, body, sizeof(body));
    kc_arena a = {0};
    kc_create_partitions_req out;
    cr_assert_eq(kc_create_partitions_req_decode(&rb, 0, &out, &a), 0);
    cr_assert_eq(out.topics[0].count, 6);
    cr_assert_eq(out.topics[0].assignments_count, -1, "null = place automatically");
    cr_assert_eq(out.timeout_ms, 30000);
    cr_assert(out.validate_only);
    kc_arena_free(&a);
}
