/*
 * Topic names, the topic registry (src/broker/topics.h) and Kafka's rack-unaware replica
 * placement (kc_assign_replicas_rack_unaware in src/broker/replica_assign.h), the size bound of
 * one topic (kc_topic_size_check in src/broker/topic_create.h).
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/replica_assign.h"
#include "broker/topic_create.h"
#include "broker/topics.h"

TestSuite(topics, .timeout = 10);

/* ---- names ---- */

static bool valid(const char *s)
{
    return kc_topic_name_valid(kc_str_c(s));
}

Test(topics, name_rule)
{
    cr_assert(valid("a"));
    cr_assert(valid("orders"));
    cr_assert(valid("my-topic_v1.2"));
    cr_assert(valid("__consumer_offsets"));
    cr_assert(valid("..."), "only '.' and '..' are reserved");
    cr_assert(valid(".hidden"));
    cr_assert(valid("ABCxyz0123456789"));
    cr_assert_not(valid(""));
    cr_assert_not(valid("."));
    cr_assert_not(valid(".."));
    cr_assert_not(valid("a b"));
    cr_assert_not(valid("a/b"));
    cr_assert_not(valid("a:b"));
    cr_assert_not(valid("a,b"));
    cr_assert_not(valid("a+b"));
    cr_assert_not(valid("t\n"));
    cr_assert_not(valid("caf\xc3\xa9"), "non-ASCII");
    cr_assert_not(kc_topic_name_valid(KC_STR_NULL));
    cr_assert_not(kc_topic_name_valid((kc_str){"a\0b", 3}), "embedded NUL");
}

Test(topics, name_length_limit_249)
{
    char name[251];
    memset(name, 'x', sizeof(name));
    cr_assert(kc_topic_name_valid((kc_str){name, 249}));
    cr_assert_not(kc_topic_name_valid((kc_str){name, 250}));
    cr_assert(kc_topic_name_valid((kc_str){name, 1}));
}

/* ---- registry ---- */

Test(topics, add_find_duplicate)
{
    kc_topics t;
    kc_topics_init(&t);
    const int32_t reps[] = {1, 2, 2, 3, 3, 1};
    kc_topic *a = kc_topics_add(&t, "orders", 3, 2, reps);
    cr_assert_not_null(a);
    cr_assert_str_eq(a->name, "orders");
    cr_assert_eq(a->n_partitions, 3);
    cr_assert_eq(a->internal, false);
    for (int32_t p = 0; p < 3; p++) {
        kc_partition *part = kc_topic_partition(a, p);
        cr_assert_not_null(part);
        cr_assert_eq(part->id, p);
        cr_assert_eq(part->topic, a);
        cr_assert_eq(part->n_replicas, 2);
        cr_assert_eq(part->replicas[0], reps[2 * p]);
        cr_assert_eq(part->replicas[1], reps[2 * p + 1]);
        cr_assert_eq(part->leader, -1, "no leader before LeaderAndIsr");
        cr_assert_eq(part->leader_epoch, -1);
        cr_assert_null(part->log);
    }
    cr_assert_null(kc_topic_partition(a, 3));
    cr_assert_null(kc_topic_partition(a, -1));
    cr_assert_null(kc_topic_partition(NULL, 0));

    cr_assert_eq(kc_topics_find(&t, kc_str_c("orders")), a);
    /* a view that is not NUL-terminated */
    const char *buf = "ordersXYZ";
    cr_assert_eq(kc_topics_find(&t, (kc_str){buf, 6}), a);
    cr_assert_null(kc_topics_find(&t, (kc_str){buf, 5}));
    cr_assert_null(kc_topics_find(&t, (kc_str){buf, 7}));
    cr_assert_null(kc_topics_find(&t, kc_str_c("Orders")));
    cr_assert_null(kc_topics_find(&t, KC_STR_NULL));

    cr_assert_null(kc_topics_add(&t, "orders", 1, 1, reps), "duplicate name");
    cr_assert_eq(t.count, 1);

    kc_topic *b = kc_topics_add(&t, "__consumer_offsets", 1, 1, reps);
    cr_assert_not_null(b);
    cr_assert(b->internal);
    cr_assert(kc_topics_add(&t, "__transaction_state", 1, 1, reps)->internal);
    cr_assert_eq(t.count, 3);
    cr_assert_eq(t.all[0], a, "insertion order");
    cr_assert_eq(t.all[1], b);
    cr_assert_eq(kc_topics_find(&t, kc_str_c("orders")), a, "still found after more adds");
    kc_topics_destroy(&t);
}

Test(topics, many_topics_all_findable)
{
    /* enough topics to grow the hash table (256 initial buckets) several times */
    enum { N = 1500 };
    kc_topics t;
    kc_topics_init(&t);
    const int32_t reps[] = {0};
    kc_topic *added[N];
    char name[32];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "topic-%d", i);
        added[i] = kc_topics_add(&t, name, 1, 1, reps);
        cr_assert_not_null(added[i], "add %s", name);
    }
    cr_assert_eq(t.count, N);
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "topic-%d", i);
        cr_assert_eq(kc_topics_find(&t, kc_str_c(name)), added[i], "find %s", name);
    }
    /* names never added: each lookup must end (a cycle in a bucket chain would hang here) */
    for (int i = 0; i < 20000; i++) {
        snprintf(name, sizeof(name), "missing-%d", i);
        cr_assert_null(kc_topics_find(&t, kc_str_c(name)), "found %s", name);
    }
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "topic-%d", i);
        cr_assert_null(kc_topics_add(&t, name, 1, 1, reps), "duplicate %s accepted", name);
    }
    kc_topics_destroy(&t);
}

Test(topics, lookups_right_after_first_growth)
{
    /* the 257th add grows the table; every earlier topic must still be found */
    kc_topics t;
    kc_topics_init(&t);
    const int32_t reps[] = {0};
    char name[32];
    for (int i = 0; i < 257; i++) {
        snprintf(name, sizeof(name), "t%d", i);
        cr_assert_not_null(kc_topics_add(&t, name, 1, 1, reps));
    }
    for (int i = 0; i < 257; i++) {
        snprintf(name, sizeof(name), "t%d", i);
        kc_topic *e = kc_topics_find(&t, kc_str_c(name));
        cr_assert_not_null(e, "lost %s after the table grew", name);
        cr_assert_str_eq(e->name, name);
    }
    kc_topics_destroy(&t);
}

/* ---- replica placement ---- */

Test(topics, assign_matches_kafka_admin_utils)
{
    /* AdminZkClientTest.testReplicaAssignment: brokers 0..4, 10 partitions, rf 3, fixed start 0 */
    const int32_t brokers[] = {0, 1, 2, 3, 4};
    const int32_t want[10][3] = {{0, 1, 2}, {1, 2, 3}, {2, 3, 4}, {3, 4, 0}, {4, 0, 1},
                                 {0, 2, 3}, {1, 3, 4}, {2, 4, 0}, {3, 0, 1}, {4, 1, 2}};
    int32_t out[30];
    memset(out, 0xFF, sizeof(out));
    kc_assign_replicas_rack_unaware(brokers, 5, 10, 3, 0, 0, out);
    for (int p = 0; p < 10; p++)
        for (int r = 0; r < 3; r++)
            cr_assert_eq(out[p * 3 + r], want[p][r], "partition %d replica %d: %d want %d", p, r,
                         out[p * 3 + r], want[p][r]);
}

Test(topics, assign_uses_broker_ids_not_indexes)
{
    const int32_t brokers[] = {101, 102, 103};
    int32_t out[6 * 2];
    kc_assign_replicas_rack_unaware(brokers, 3, 6, 2, 1, 0, out);
    /* first replica of p at (p + 1) % 3; follower at +1 + shift, shift 1 from p = 3 */
    const int32_t want[6][2] = {{102, 103}, {103, 101}, {101, 102},
                                {102, 101}, {103, 102}, {101, 103}};
    for (int p = 0; p < 6; p++)
        for (int r = 0; r < 2; r++)
            cr_assert_eq(out[p * 2 + r], want[p][r], "p%d r%d: %d", p, r, out[p * 2 + r]);
}

Test(topics, assign_single_broker)
{
    const int32_t brokers[] = {7};
    int32_t out[4];
    kc_assign_replicas_rack_unaware(brokers, 1, 4, 1, 0, 0, out);
    for (int p = 0; p < 4; p++)
        cr_assert_eq(out[p], 7);
}

Test(topics, assign_properties)
{
    const int32_t brokers[] = {1, 2, 3, 4, 5, 6, 7};
    for (int n = 1; n <= 7; n++) {
        for (int rf = 1; rf <= n; rf++) {
            for (int start = 0; start < n; start++) {
                for (int shift = 0; shift < (n > 1 ? n - 1 : 1); shift++) {
                    int32_t np = 4 * n;
                    int32_t *out = calloc((size_t)(np * rf), sizeof(int32_t));
                    kc_assign_replicas_rack_unaware(brokers, n, np, rf, start, shift, out);
                    int leaders[8] = {0}, total[8] = {0};
                    for (int32_t p = 0; p < np; p++) {
                        int32_t *r = out + p * rf;
                        cr_assert_eq(r[0], brokers[(p + start) % n],
                                     "n%d rf%d start%d: leader of p%d", n, rf, start, p);
                        for (int i = 0; i < rf; i++) {
                            cr_assert(r[i] >= 1 && r[i] <= n, "unknown broker %d", r[i]);
                            total[r[i]]++;
                            for (int k = 0; k < i; k++)
                                cr_assert_neq(r[i], r[k],
                                              "n%d rf%d start%d shift%d: p%d repeats broker %d", n,
                                              rf, start, shift, p, r[i]);
                        }
                        leaders[r[0]]++;
                    }
                    for (int b = 1; b <= n; b++) {
                        cr_assert_eq(leaders[b], 4, "n%d rf%d: broker %d leads %d of %d", n, rf, b,
                                     leaders[b], np);
                        cr_assert_eq(total[b], 4 * rf,
                                     "n%d rf%d start%d shift%d: broker %d "
                                     "holds %d replicas",
                                     n, rf, start, shift, b, total[b]);
                    }
                    free(out);
                }
            }
        }
    }
}

/* ---- size bound: 64-bit arithmetic, no overflow at the int32/int16 extremes ---- */

Test(topics, size_check_refuses_counts_that_cannot_be_written)
{
    const char *msg = NULL;
    cr_assert_eq(kc_topic_size_check(1, 1, &msg), 0);
    cr_assert_eq(kc_topic_size_check(10000, 3, &msg), 0);
    cr_assert_eq(kc_topic_size_check(100000, 3, &msg), 0x25 /* INVALID_PARTITIONS */);
    cr_assert(msg && strstr(msg, "jute.maxbuffer"));
    cr_assert_eq(kc_topic_size_check(INT32_MAX, 1, &msg), 0x25);
    cr_assert_eq(kc_topic_size_check(INT32_MAX, INT16_MAX, &msg), 0x25);
    /* 65536 x 32768 is 2^31: the int32 product would wrap to a negative size */
    cr_assert_eq(kc_topic_size_check(65536, 32768, &msg), 0x25);
    cr_assert_eq(kc_topic_size_check(2, 32767, &msg), 0);
}
