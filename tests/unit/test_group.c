/*
 * The group bookkeeping rules of src/group/group.c against Kafka 2.8's GroupMetadata: valid
 * state transitions, leader choice, join completeness with pending members, protocol support
 * and the vote, consumer subscriptions, and the committed-offsets table.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "group/group.h"
#include "proto/buf.h"

static kc_member *member(kc_group *g, const char *id, const char *const *protos, int n)
{
    kc_member *m =
        kc_member_new(g, id, KC_STR_NULL, kc_str_c("client"), "/127.0.0.1", 10000, 30000);
    kc_str names[8];
    kc_bytes md[8];
    for (int i = 0; i < n; i++) {
        names[i] = kc_str_c(protos[i]);
        md[i] = (kc_bytes){(const uint8_t *)protos[i], (int32_t)strlen(protos[i])};
    }
    kc_member_set_protocols(m, names, md, n);
    return m;
}

Test(group, transitions_follow_kafka)
{
    kc_group *g = kc_group_new(kc_str_c("g"), 3);
    cr_assert_eq(g->state, KC_GROUP_EMPTY);
    cr_assert_eq(g->generation, 0);
    cr_assert_eq(kc_group_transition(g, KC_GROUP_STABLE, 1), -1, "Empty -> Stable is invalid");
    cr_assert_eq(kc_group_transition(g, KC_GROUP_COMPLETING_REBALANCE, 1), -1);
    cr_assert_eq(g->state, KC_GROUP_EMPTY, "a refused transition changes nothing");
    cr_assert_eq(kc_group_transition(g, KC_GROUP_PREPARING_REBALANCE, 5), 0);
    cr_assert_eq(g->state_timestamp_ms, 5);
    cr_assert_eq(kc_group_transition(g, KC_GROUP_STABLE, 6), -1);
    cr_assert_eq(kc_group_transition(g, KC_GROUP_COMPLETING_REBALANCE, 7), 0);
    cr_assert_eq(kc_group_transition(g, KC_GROUP_EMPTY, 7), -1);
    cr_assert_eq(kc_group_transition(g, KC_GROUP_STABLE, 8), 0);
    cr_assert_eq(kc_group_transition(g, KC_GROUP_PREPARING_REBALANCE, 9), 0);
    cr_assert_eq(kc_group_transition(g, KC_GROUP_EMPTY, 10), 0);
    cr_assert_eq(kc_group_transition(g, KC_GROUP_DEAD, 11), 0);
    cr_assert_eq(kc_group_transition(g, KC_GROUP_DEAD, 12), 0, "Dead -> Dead is allowed");
    cr_assert_eq(kc_group_transition(g, KC_GROUP_PREPARING_REBALANCE, 13), -1);
    cr_assert_str_eq(kc_group_state_name(KC_GROUP_COMPLETING_REBALANCE), "CompletingRebalance");
    cr_assert_str_eq(kc_group_state_name(KC_GROUP_PREPARING_REBALANCE), "PreparingRebalance");
    kc_group_free(g);
}

Test(group, first_member_leads_and_leadership_moves_on_removal)
{
    static const char *const p[] = {"range"};
    kc_group *g = kc_group_new(kc_str_c("g"), 0);
    kc_member *a = member(g, "a", p, 1), *b = member(g, "b", p, 1);
    kc_group_add_member(g, a);
    kc_group_add_member(g, b);
    cr_assert_str_eq(g->leader_id, "a");
    cr_assert_eq(g->rebalance_timeout_ms, 30000);
    kc_group_remove_member(g, a);
    kc_member_free(a);
    cr_assert_str_eq(g->leader_id, "b");
    kc_group_rename_member(g, b, "b2");
    cr_assert_str_eq(g->leader_id, "b2", "a static swap keeps the leadership");
    cr_assert_eq(kc_group_member(g, kc_str_c("b2")), b);
    cr_assert_null(kc_group_member(g, kc_str_c("b")));
    kc_group_remove_member(g, b);
    kc_member_free(b);
    cr_assert_null(g->leader_id);
    kc_group_free(g);
}

Test(group, pending_members_block_join_completion)
{
    static const char *const p[] = {"range"};
    kc_group *g = kc_group_new(kc_str_c("g"), 0);
    kc_member *a = member(g, "a", p, 1);
    a->join_req = (struct kc_request *)1; /* parked: only its presence matters here */
    kc_group_add_member(g, a);
    cr_assert(kc_group_all_joined(g));
    kc_member *pend = member(g, "p", p, 1);
    kc_group_add_pending(g, pend);
    cr_assert_not(kc_group_all_joined(g), "KIP-394: a pending member blocks the join");
    cr_assert_eq(kc_group_pending_member(g, kc_str_c("p")), pend);
    cr_assert_null(kc_group_member(g, kc_str_c("p")), "a pending member is not a member");
    kc_group_remove_member(g, pend);
    kc_member_free(pend);
    cr_assert(kc_group_all_joined(g));
    kc_member *b = member(g, "b", p, 1);
    kc_group_add_member(g, b);
    cr_assert_not(kc_group_all_joined(g), "b has not rejoined");
    cr_assert_eq(g->n_awaiting_join, 1);
    a->join_req = NULL; /* the coordinator keeps the count with the parked request */
    g->n_awaiting_join--;
    kc_group_free(g);
}

Test(group, protocol_support_and_vote)
{
    static const char *const ab[] = {"a", "b"}, *const ba[] = {"b", "a"}, *const b_only[] = {"b"},
                             *const c_only[] = {"c"};
    kc_group *g = kc_group_new(kc_str_c("g"), 0);
    kc_str names[] = {kc_str_c("c")};
    cr_assert(kc_group_supports(g, kc_str_c("consumer"), names, 1), "an empty group takes any");
    cr_assert_not(kc_group_supports(g, kc_str_c(""), names, 1), "but not an empty type");
    cr_assert_not(kc_group_supports(g, kc_str_c("consumer"), names, 0), "nor no protocols");
    g->protocol_type = strdup("consumer");
    kc_group_add_member(g, member(g, "m1", ab, 2));
    kc_group_add_member(g, member(g, "m2", ba, 2));
    kc_group_add_member(g, member(g, "m3", ba, 2));
    cr_assert_str_eq(kc_group_select_protocol(g), "b", "two of three prefer b");
    cr_assert(kc_group_supports(g, kc_str_c("consumer"), (kc_str[]){kc_str_c("b")}, 1));
    cr_assert_not(kc_group_supports(g, kc_str_c("connect"), (kc_str[]){kc_str_c("b")}, 1),
                  "another protocol type is inconsistent");
    cr_assert_not(kc_group_supports(g, kc_str_c("consumer"), (kc_str[]){kc_str_c("c")}, 1),
                  "a protocol no member offers is inconsistent");
    kc_group_add_member(g, member(g, "m4", b_only, 1));
    cr_assert_str_eq(kc_group_select_protocol(g), "b", "only b is common");
    kc_group_add_member(g, member(g, "m5", c_only, 1));
    cr_assert_null(kc_group_select_protocol(g), "nothing is common");
    kc_group_free(g);
}

Test(group, vote_tie_goes_to_first_members_preference)
{
    static const char *const ab[] = {"a", "b"}, *const ba[] = {"b", "a"};
    kc_group *g = kc_group_new(kc_str_c("g"), 0);
    kc_group_add_member(g, member(g, "m1", ab, 2));
    kc_group_add_member(g, member(g, "m2", ba, 2));
    cr_assert_str_eq(kc_group_select_protocol(g), "a");
    kc_group_free(g);
}

/* ConsumerProtocolSubscription v0: int16 version, [string topics], nullable bytes user data */
static size_t subscription(uint8_t *out, const char *const *topics, int n)
{
    kc_wbuf w = {0};
    kc_wbuf_i16(&w, 0);
    kc_wbuf_i32(&w, n);
    for (int i = 0; i < n; i++)
        kc_wbuf_str(&w, false, kc_str_c(topics[i]));
    kc_wbuf_i32(&w, -1);
    size_t len = w.len;
    memcpy(out, w.data, len);
    kc_wbuf_free(&w);
    return len;
}

Test(group, consumer_subscriptions)
{
    static const char *const t1[] = {"orders", "payments"}, *const t2[] = {"clicks"};
    kc_group *g = kc_group_new(kc_str_c("g"), 0);
    cr_assert(kc_group_subscribed_to(g, "orders"), "unknown subscriptions count as subscribed");
    g->protocol_type = strdup("consumer");
    g->protocol = strdup("range");
    uint8_t buf[256];
    const char *const range[] = {"range"};
    kc_member *a = member(g, "a", range, 1), *b = member(g, "b", range, 1);
    size_t n = subscription(buf, t1, 2);
    kc_member_set_protocols(a, (kc_str[]){kc_str_c("range")}, (kc_bytes[]){{buf, (int32_t)n}}, 1);
    n = subscription(buf, t2, 1);
    kc_member_set_protocols(b, (kc_str[]){kc_str_c("range")}, (kc_bytes[]){{buf, (int32_t)n}}, 1);
    kc_group_add_member(g, a);
    kc_group_add_member(g, b);
    cr_assert(kc_group_subscriptions_known(g));
    cr_assert(kc_group_subscribed_to(g, "payments"));
    cr_assert(kc_group_subscribed_to(g, "clicks"));
    cr_assert_not(kc_group_subscribed_to(g, "other"));
    /* a truncated subscription makes them unknown: everything counts as subscribed */
    kc_member_set_protocols(b, (kc_str[]){kc_str_c("range")}, (kc_bytes[]){{buf, 5}}, 1);
    cr_assert_not(kc_group_subscriptions_known(g));
    cr_assert(kc_group_subscribed_to(g, "other"));
    kc_group_free(g);
}

Test(group, member_matches_protocols_exactly)
{
    static const char *const ab[] = {"a", "b"};
    kc_group *g = kc_group_new(kc_str_c("g"), 0);
    kc_member *m = member(g, "m", ab, 2);
    kc_str names[] = {kc_str_c("a"), kc_str_c("b")};
    kc_bytes md[] = {{(const uint8_t *)"a", 1}, {(const uint8_t *)"b", 1}};
    cr_assert(kc_member_matches(m, names, md, 2));
    md[1] = (kc_bytes){(const uint8_t *)"x", 1};
    cr_assert_not(kc_member_matches(m, names, md, 2), "other metadata");
    cr_assert_not(kc_member_matches(m, names, md, 1), "fewer protocols");
    int32_t len;
    cr_assert_not_null(kc_member_metadata(m, "b", &len));
    cr_assert_eq(len, 1);
    cr_assert_null(kc_member_metadata(m, "z", &len));
    kc_member_free(m);
    kc_group_free(g);
}

static void count(kc_committed *c, void *arg)
{
    (void)c;
    (*(int *)arg)++;
}

Test(group, offsets_table_grows_and_removes)
{
    kc_group *g = kc_group_new(kc_str_c("g"), 0);
    char topic[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(topic, sizeof(topic), "t%d", i % 37);
        kc_committed *c = kc_group_offset_ensure(g, topic, i);
        cr_assert_eq(c->offset, -1);
        cr_assert_not(c->present);
        c->offset = i;
        c->present = true;
    }
    cr_assert_eq(g->n_offsets, 1000);
    for (int i = 0; i < 1000; i++) {
        snprintf(topic, sizeof(topic), "t%d", i % 37);
        kc_committed *c = kc_group_offset(g, topic, i);
        cr_assert_not_null(c);
        cr_assert_eq(c->offset, i);
        cr_assert_eq(kc_group_offset_ensure(g, topic, i), c, "ensure finds the same entry");
    }
    cr_assert_null(kc_group_offset(g, "t0", 1), "t1 holds partition 1, not t0");
    kc_group_offset_remove(g, "t0", 0);
    kc_group_offset_remove(g, "t0", 0);
    cr_assert_null(kc_group_offset(g, "t0", 0));
    int n = 0;
    kc_group_offsets_each(g, count, &n);
    cr_assert_eq(n, 999);
    cr_assert_eq(g->n_offsets, 999);
    kc_group_free(g);
}

Test(group, static_members_are_identified_and_fenced)
{
    static const char *const p[] = {"range"};
    kc_group *g = kc_group_new(kc_str_c("g"), 0);
    kc_member *s =
        kc_member_new(g, "inst-1-uuid", kc_str_c("inst-1"), kc_str_c("c"), "/h", 10000, 10000);
    kc_member_set_protocols(s, (kc_str[]){kc_str_c("range")},
                            (kc_bytes[]){{(const uint8_t *)"x", 1}}, 1);
    kc_group_add_member(g, s);
    kc_group_add_member(g, member(g, "dyn", p, 1));
    bool fenced;
    cr_assert_eq(kc_group_identify(g, kc_str_c("inst-1-uuid"), kc_str_c("inst-1"), &fenced), s);
    cr_assert_not(fenced);
    cr_assert_null(kc_group_identify(g, kc_str_c("old-uuid"), kc_str_c("inst-1"), &fenced));
    cr_assert(fenced, "an old member id of a known instance is fenced (KIP-345)");
    cr_assert_not_null(kc_group_identify(g, kc_str_c("dyn"), KC_STR_NULL, &fenced));
    cr_assert_not(fenced);
    cr_assert_not_null(kc_group_identify(g, kc_str_c("dyn"), kc_str_c("inst-1"), &fenced));
    cr_assert(fenced, "a dynamic member naming another's instance id is fenced");
    cr_assert_null(kc_group_static_member(g, kc_str_c("inst-1-longer")), "ids match exactly");
    cr_assert_null(kc_group_static_member(g, KC_STR_NULL));
    kc_group_free(g);
}
