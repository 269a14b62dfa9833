/*
 * Kafka's automatic replica placement (src/broker/replica_assign.h): vectors from Kafka's own
 * tests and vectors worked out by hand from AdminUtils' source, properties over many broker and
 * rack layouts and the error rules.
 */
#include <criterion/criterion.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "broker/replica_assign.h"
#include "broker/topic_create.h"

TestSuite(replica_assign, .timeout = 30);

static void expect_rows(const int32_t *out, int np, int rf, const int32_t *want)
{
    for (int p = 0; p < np; p++)
        for (int r = 0; r < rf; r++)
            cr_assert_eq(out[p * rf + r], want[p * rf + r], "partition %d replica %d: %d want %d",
                         p, r, out[p * rf + r], want[p * rf + r]);
}

/* ---- known vectors ---- */

Test(replica_assign, rack_alternated_list_kafka_vectors)
{
    /* AdminRackAwareTest.testGetRackAlternatedBrokerListAndAssignReplicasToBrokers */
    const kc_broker_meta b[] = {{0, "rack1"}, {1, "rack3"}, {2, "rack3"},
                                {3, "rack2"}, {4, "rack2"}, {5, "rack1"}};
    int32_t out[9];
    cr_assert_eq(kc_rack_alternated_broker_list(b, 6, out), 3);
    const int32_t want6[] = {0, 3, 1, 5, 4, 2};
    cr_assert_arr_eq(out, want6, sizeof(want6));
    /* same map without broker 5 */
    cr_assert_eq(kc_rack_alternated_broker_list(b, 5, out), 3);
    const int32_t want5[] = {0, 3, 1, 4, 2};
    cr_assert_arr_eq(out, want5, sizeof(want5));

    /* AdminUtils' doc comment of getRackAlternatedBrokerList, input deliberately shuffled */
    const kc_broker_meta c[] = {{8, "rack3"}, {4, "rack2"}, {0, "rack1"},
                                {6, "rack3"}, {2, "rack1"}, {5, "rack2"},
                                {1, "rack1"}, {7, "rack3"}, {3, "rack2"}};
    cr_assert_eq(kc_rack_alternated_broker_list(c, 9, out), 3);
    const int32_t want9[] = {0, 3, 6, 1, 4, 7, 2, 5, 8};
    cr_assert_arr_eq(out, want9, sizeof(want9));
}

Test(replica_assign, rack_aware_kafka_vector)
{
    /* AdminRackAwareTest.testGetRackAlternatedBrokerListAndAssignReplicasToBrokers:
     * assignReplicasToBrokers(rackMap, 7, 3, fixedStartIndex = 0, startPartitionId = 0), so
     * startIndex 0 and nextReplicaShift 0. Input given in a scrambled order. */
    const kc_broker_meta b[] = {{4, "rack2"}, {1, "rack3"}, {5, "rack1"},
                                {0, "rack1"}, {3, "rack2"}, {2, "rack3"}};
    const int32_t want[7 * 3] = {0, 3, 1, 3, 1, 5, 1, 5, 4, 5, 4, 2, 4, 2, 0, 2, 0, 3, 0, 4, 2};
    int32_t out[7 * 3];
    cr_assert_eq(kc_assign_replicas_rack_aware(b, 6, 7, 3, 0, 0, out), KC_ASSIGN_OK);
    expect_rows(out, 7, 3, want);
    memset(out, 0xFF, sizeof(out));
    cr_assert_eq(kc_assign_replicas_auto(b, 6, 7, 3, 0, 0, out), KC_ASSIGN_OK);
    expect_rows(out, 7, 3, want);
}

Test(replica_assign, rack_aware_hand_vector_rack1_rack2_rack2_rack3_rack3_rack1)
{
    /* Brokers 0..5 in racks rack1,rack2,rack2,rack3,rack3,rack1 (the layout of
     * AdminRackAwareTest.testAssignmentWithRackAware), start 0, shift 0, 7 partitions, rf 3.
     * Worked by hand from AdminUtils: alternated list [0,1,3,5,2,4] (rack1 {0,5}, rack2 {1,2},
     * rack3 {3,4}). p1: leader list[1]=1 (rack2); k=0 -> 1+(0+0)%5=1 -> list[2]=3 (rack3), take;
     * k=1 -> list[3]=5 (rack1), take. p6: shift 1 -> second shift 1*3; k=0 -> 1+3%5=4 ->
     * list[4]=2 (rack2), take; k=1 -> 1+4%5=5 -> list[5]=4 (rack3), take. */
    const kc_broker_meta b[] = {{0, "rack1"}, {1, "rack2"}, {2, "rack2"},
                                {3, "rack3"}, {4, "rack3"}, {5, "rack1"}};
    int32_t list[6];
    cr_assert_eq(kc_rack_alternated_broker_list(b, 6, list), 3);
    const int32_t want_list[] = {0, 1, 3, 5, 2, 4};
    cr_assert_arr_eq(list, want_list, sizeof(want_list));
    const int32_t want[7 * 3] = {0, 1, 3, 1, 3, 5, 3, 5, 2, 5, 2, 4, 2, 4, 0, 4, 0, 1, 0, 2, 4};
    int32_t out[7 * 3];
    cr_assert_eq(kc_assign_replicas_auto(b, 6, 7, 3, 0, 0, out), KC_ASSIGN_OK);
    expect_rows(out, 7, 3, want);
}

Test(replica_assign, rack_aware_skips_broker_already_assigned)
{
    /* Layout and call of AdminRackAwareTest.testSkipBrokerWithReplicaAlreadyAssigned: racks
     * 0:a 1:b 2:c 3:a 4:a, 6 partitions, rf 4, fixedStartIndex 2 (start 2 and shift 2). Kafka's
     * test only checks properties; these rows are worked by hand from AdminUtils: list
     * [0,1,2,3,4], second shift 2*3 = 6. p2: leader 4 (a); k=0 -> idx (4+1+6%4)%5=2 -> 2 (c) take;
     * k=1 -> 3 (a) skip, rack a used and b unused; k=2 -> 0 (a) skip; k=3 -> 1 (b) take, all racks
     * used; k=4 -> 2 skip, already holds a replica; k=5 -> 3 take. p5: shift 3, second shift 9. */
    const kc_broker_meta b[] = {{0, "a"}, {1, "b"}, {2, "c"}, {3, "a"}, {4, "a"}};
    const int32_t want[6 * 4] = {2, 0, 1, 3, 3, 1, 2, 4, 4, 2, 1, 3,
                                 0, 1, 2, 3, 1, 4, 2, 3, 2, 4, 1, 3};
    int32_t out[6 * 4];
    cr_assert_eq(kc_assign_replicas_auto(b, 5, 6, 4, 2, 2, out), KC_ASSIGN_OK);
    expect_rows(out, 6, 4, want);
}

Test(replica_assign, rack_unaware_kafka_vector)
{
    /* AdminZkClientTest.testReplicaAssignment: brokers 0..4, 10 partitions, rf 3, fixedStartIndex
     * 0 (start 0, shift 0); also the table in AdminUtils' doc comment. Input unsorted, no racks. */
    const kc_broker_meta b[] = {{3, NULL}, {0, NULL}, {4, NULL}, {2, NULL}, {1, NULL}};
    const int32_t want[10 * 3] = {0, 1, 2, 1, 2, 3, 2, 3, 4, 3, 4, 0, 4, 0, 1,
                                  0, 2, 3, 1, 3, 4, 2, 4, 0, 3, 0, 1, 4, 1, 2};
    int32_t out[10 * 3];
    cr_assert_eq(kc_assign_replicas_auto(b, 5, 10, 3, 0, 0, out), KC_ASSIGN_OK);
    expect_rows(out, 10, 3, want);
    const int32_t ids[] = {0, 1, 2, 3, 4};
    memset(out, 0xFF, sizeof(out));
    kc_assign_replicas_rack_unaware(ids, 5, 10, 3, 0, 0, out);
    expect_rows(out, 10, 3, want);
}

Test(replica_assign, single_rack_equals_rack_unaware)
{
    /* With one rack the rack condition always holds and replicaIndex with shift*1 never repeats a
     * broker before k = n - 1, so every k is taken: the rack-unaware rows over the sorted ids. */
    const kc_broker_meta b[] = {{5, "r"}, {1, "r"}, {4, "r"}, {2, "r"}, {3, "r"}, {0, "r"}};
    const int32_t ids[] = {0, 1, 2, 3, 4, 5};
    int32_t a[25 * 6], u[25 * 6];
    for (int rf = 1; rf <= 6; rf++)
        for (int start = 0; start < 6; start++)
            for (int shift = 0; shift < 8; shift++) {
                cr_assert_eq(kc_assign_replicas_auto(b, 6, 25, rf, start, shift, a), 0);
                kc_assign_replicas_rack_unaware(ids, 6, 25, rf, start, shift, u);
                cr_assert_arr_eq(a, u, (size_t)(25 * rf) * sizeof(int32_t), "rf%d start%d shift%d",
                                 rf, start, shift);
            }
}

/* ---- properties ---- */

typedef struct layout {
    const char *name;
    int n;
    kc_broker_meta b[12];
    bool even; /* Kafka's test verifies an even replica spread for this layout and rf */
    int even_rf;
} layout;

/* Broker/rack layouts of AdminRackAwareTest (and a few more, uneven ones). */
static const layout layouts[] = {
    {"testAssignmentWithRackAware",
     6,
     {{0, "rack1"}, {1, "rack2"}, {2, "rack2"}, {3, "rack3"}, {4, "rack3"}, {5, "rack1"}},
     true,
     3},
    {"testAssignmentWith2ReplicasRackAware",
     6,
     {{0, "rack1"}, {1, "rack2"}, {2, "rack2"}, {3, "rack3"}, {4, "rack3"}, {5, "rack1"}},
     true,
     2},
    {"testAssignmentWithRackAwareWithUnevenRacks",
     6,
     {{0, "rack1"}, {1, "rack1"}, {2, "rack2"}, {3, "rack3"}, {4, "rack3"}, {5, "rack1"}},
     false,
     0},
    {"testAssignmentWith2ReplicasRackAwareWith6PartitionsAnd3Brokers",
     3,
     {{0, "rack1"}, {1, "rack2"}, {4, "rack3"}},
     true,
     2},
    {"testLargeNumberPartitionsAssignment",
     12,
     {{0, "rack1"},
      {1, "rack2"},
      {2, "rack2"},
      {3, "rack3"},
      {4, "rack3"},
      {5, "rack1"},
      {6, "rack1"},
      {7, "rack2"},
      {8, "rack2"},
      {9, "rack3"},
      {10, "rack1"},
      {11, "rack3"}},
     true,
     3},
    {"testMoreReplicasThanRacks",
     6,
     {{0, "rack1"}, {1, "rack2"}, {2, "rack2"}, {3, "rack3"}, {4, "rack3"}, {5, "rack2"}},
     false,
     0},
    {"testSkipBrokerWithReplicaAlreadyAssigned",
     5,
     {{0, "a"}, {1, "b"}, {2, "c"}, {3, "a"}, {4, "a"}},
     false,
     0},
    {"testRackAwareExpansion ids",
     6,
     {{6, "rack1"}, {7, "rack2"}, {8, "rack2"}, {9, "rack3"}, {10, "rack3"}, {11, "rack1"}},
     true,
     2},
    {"two racks 1+4", 5, {{10, "x"}, {20, "y"}, {30, "y"}, {40, "y"}, {50, "y"}}, false, 0},
    {"four racks, one broker each", 4, {{4, "d"}, {3, "c"}, {2, "b"}, {1, "a"}}, true, 4},
    {"empty string is a rack", 3, {{1, ""}, {2, "z"}, {3, ""}}, false, 0},
};

static int index_of(const layout *l, int32_t id)
{
    for (int i = 0; i < l->n; i++)
        if (l->b[i].id == id)
            return i;
    return -1;
}

static int count_racks(const layout *l)
{
    int count = 0;
    for (int i = 0; i < l->n; i++) {
        bool seen = false;
        for (int j = 0; j < i; j++)
            seen = seen || strcmp(l->b[i].rack, l->b[j].rack) == 0;
        count += !seen;
    }
    return count;
}

static void check_layout(const layout *l, int32_t np, int rf, int start, int shift)
{
    int n = l->n, n_racks = count_racks(l);
    int32_t *out = malloc((size_t)(np * rf) * sizeof(int32_t));
    int32_t list[12];
    cr_assert_eq(kc_rack_alternated_broker_list(l->b, n, list), n_racks);
    cr_assert_eq(kc_assign_replicas_auto(l->b, n, np, rf, start, shift, out), KC_ASSIGN_OK);
    int leaders[12] = {0}, replicas[12] = {0};
    for (int32_t p = 0; p < np; p++) {
        const int32_t *r = out + p * rf;
        cr_assert_eq(r[0], list[(p + start) % n], "%s rf%d start%d: leader of p%d", l->name, rf,
                     start, p);
        const char *racks[12];
        int spanned = 0;
        for (int i = 0; i < rf; i++) {
            int at = index_of(l, r[i]);
            cr_assert(at >= 0, "%s: unknown broker %d", l->name, r[i]);
            replicas[at]++;
            for (int k = 0; k < i; k++)
                cr_assert_neq(r[i], r[k], "%s rf%d start%d shift%d: p%d repeats broker %d", l->name,
                              rf, start, shift, p, r[i]);
            bool seen = false;
            for (int k = 0; k < spanned; k++)
                seen = seen || strcmp(racks[k], l->b[at].rack) == 0;
            if (!seen)
                racks[spanned++] = l->b[at].rack;
        }
        int want_span = rf < n_racks ? rf : n_racks;
        cr_assert_eq(spanned, want_span, "%s rf%d start%d shift%d: p%d spans %d racks, want %d",
                     l->name, rf, start, shift, p, spanned, want_span);
        leaders[index_of(l, r[0])]++;
    }
    for (int i = 0; i < n; i++) {
        if (np % n == 0)
            cr_assert_eq(leaders[i], np / n, "%s rf%d start%d np%d: broker %d leads %d", l->name,
                         rf, start, np, l->b[i].id, leaders[i]);
        else /* round robin over the list: every broker leads floor or ceil of np / n */
            cr_assert(leaders[i] == np / n || leaders[i] == np / n + 1, "%s: broker %d leads %d",
                      l->name, l->b[i].id, leaders[i]);
        /* checkReplicaDistribution(verifyReplicasDistribution = true) in AdminRackAwareTest */
        if (l->even && rf == l->even_rf && np % n == 0)
            cr_assert_eq(replicas[i], np * rf / n,
                         "%s rf%d start%d shift%d np%d: broker %d holds %d replicas", l->name, rf,
                         start, shift, np, l->b[i].id, replicas[i]);
    }
    free(out);
}

Test(replica_assign, rack_aware_properties)
{
    for (size_t li = 0; li < sizeof(layouts) / sizeof(layouts[0]); li++) {
        const layout *l = &layouts[li];
        int n = l->n;
        const int32_t nps[] = {
            1, 2, (int32_t)n, (int32_t)(3 * n), (int32_t)(3 * n + 1), (int32_t)(8 * n)};
        for (int rf = 1; rf <= n; rf++)
            for (int start = 0; start < n; start++)
                for (int shift = 0; shift < n + 2; shift++)
                    for (size_t k = 0; k < sizeof(nps) / sizeof(nps[0]); k++)
                        check_layout(l, nps[k], rf, start, shift);
    }
}

Test(replica_assign, rack_unaware_properties)
{
    kc_broker_meta b[7];
    const int32_t ids[] = {70, 10, 60, 20, 50, 30, 40};
    for (int i = 0; i < 7; i++)
        b[i] = (kc_broker_meta){ids[i], NULL};
    int32_t out[28 * 7];
    for (int n = 1; n <= 7; n++)
        for (int rf = 1; rf <= n; rf++)
            for (int start = 0; start < n; start++)
                for (int shift = 0; shift < n + 2; shift++) {
                    int32_t np = 4 * n;
                    cr_assert_eq(kc_assign_replicas_auto(b, n, np, rf, start, shift, out), 0);
                    int leaders[7] = {0};
                    for (int32_t p = 0; p < np; p++)
                        for (int i = 0; i < rf; i++) {
                            int at = -1;
                            for (int j = 0; j < n; j++)
                                if (b[j].id == out[p * rf + i])
                                    at = j;
                            cr_assert(at >= 0, "unknown broker %d", out[p * rf + i]);
                            if (i == 0)
                                leaders[at]++;
                            for (int k = 0; k < i; k++)
                                cr_assert_neq(out[p * rf + i], out[p * rf + k],
                                              "n%d rf%d start%d shift%d: p%d repeats", n, rf, start,
                                              shift, p);
                        }
                    for (int j = 0; j < n; j++)
                        cr_assert_eq(leaders[j], 4, "n%d rf%d: broker %d leads %d", n, rf, b[j].id,
                                     leaders[j]);
                }
}

Test(replica_assign, random_start_and_shift_still_valid)
{
    /* -1 = Kafka's random start index and shift; the result must still satisfy every rule. */
    srand(7);
    const layout *l = &layouts[0];
    int32_t out[12 * 3], list[6];
    cr_assert_eq(kc_rack_alternated_broker_list(l->b, 6, list), 3);
    for (int round = 0; round < 50; round++) {
        cr_assert_eq(kc_assign_replicas_auto(l->b, 6, 12, 3, -1, -1, out), KC_ASSIGN_OK);
        int start = -1;
        for (int i = 0; i < 6; i++)
            if (list[i] == out[0])
                start = i;
        cr_assert(start >= 0);
        for (int p = 0; p < 12; p++) {
            cr_assert_eq(out[p * 3], list[(p + start) % 6]);
            cr_assert_neq(out[p * 3], out[p * 3 + 1]);
            cr_assert_neq(out[p * 3], out[p * 3 + 2]);
            cr_assert_neq(out[p * 3 + 1], out[p * 3 + 2]);
        }
    }
}

/* ---- errors ---- */

Test(replica_assign, errors_follow_kafka_order)
{
    const kc_broker_meta plain[] = {{1, NULL}, {2, NULL}, {3, NULL}};
    const kc_broker_meta racked[] = {{1, "a"}, {2, "b"}, {3, "a"}};
    const kc_broker_meta mixed[] = {{1, "a"}, {2, NULL}, {3, "b"}};
    int32_t out[4 * 3];
    for (int i = 0; i < 12; i++)
        out[i] = -7;

    /* AdminUtils.assignReplicasToBrokers: partitions first, then rf <= 0, then rf > brokers,
     * then the rack check. */
    cr_assert_eq(kc_assign_replicas_auto(plain, 3, 0, 1, 0, 0, out), KC_ASSIGN_EPARTITIONS);
    cr_assert_eq(kc_assign_replicas_auto(plain, 3, -5, 0, 0, 0, out), KC_ASSIGN_EPARTITIONS);
    cr_assert_eq(kc_assign_replicas_auto(plain, 3, 4, 0, 0, 0, out), KC_ASSIGN_EREPLICATION);
    cr_assert_eq(kc_assign_replicas_auto(plain, 3, 4, -1, 0, 0, out), KC_ASSIGN_EREPLICATION);
    cr_assert_eq(kc_assign_replicas_auto(plain, 3, 4, 4, 0, 0, out), KC_ASSIGN_EREPLICATION);
    cr_assert_eq(kc_assign_replicas_auto(plain, 0, 4, 1, 0, 0, out), KC_ASSIGN_EREPLICATION);
    cr_assert_eq(kc_assign_replicas_auto(mixed, 3, 4, 4, 0, 0, out), KC_ASSIGN_EREPLICATION);
    cr_assert_eq(kc_assign_replicas_auto(mixed, 3, 4, 3, 0, 0, out), KC_ASSIGN_EMIXED_RACKS);
    cr_assert_eq(kc_assign_replicas_auto(mixed, 3, 4, 1, 0, 0, out), KC_ASSIGN_EMIXED_RACKS);
    cr_assert_eq(kc_assign_replicas_rack_aware(racked, 3, 0, 1, 0, 0, out), KC_ASSIGN_EPARTITIONS);
    cr_assert_eq(kc_assign_replicas_rack_aware(racked, 3, 4, 4, 0, 0, out), KC_ASSIGN_EREPLICATION);
    cr_assert_eq(kc_assign_replicas_rack_aware(mixed, 3, 4, 2, 0, 0, out), KC_ASSIGN_EINVAL);
    int32_t list[3];
    cr_assert_eq(kc_rack_alternated_broker_list(mixed, 3, list), KC_ASSIGN_EINVAL);
    cr_assert_eq(kc_rack_alternated_broker_list(racked, -1, list), KC_ASSIGN_EINVAL);
    cr_assert_eq(kc_rack_alternated_broker_list(racked, 0, list), 0);

    /* nothing written on failure */
    for (int i = 0; i < 12; i++)
        cr_assert_eq(out[i], -7);
}

Test(replica_assign, repeated_broker_id_rejected)
{
    const kc_broker_meta plain[] = {{1, NULL}, {2, NULL}, {1, NULL}};
    const kc_broker_meta same_rack[] = {{1, "a"}, {2, "b"}, {1, "a"}};
    const kc_broker_meta two_racks[] = {{1, "a"}, {2, "b"}, {1, "c"}};
    int32_t out[4 * 2], list[3];
    cr_assert_eq(kc_assign_replicas_auto(plain, 3, 4, 2, 0, 0, out), KC_ASSIGN_EINVAL);
    cr_assert_eq(kc_assign_replicas_auto(same_rack, 3, 4, 2, 0, 0, out), KC_ASSIGN_EINVAL);
    cr_assert_eq(kc_assign_replicas_auto(two_racks, 3, 4, 2, 0, 0, out), KC_ASSIGN_EINVAL);
    cr_assert_eq(kc_rack_alternated_broker_list(same_rack, 3, list), KC_ASSIGN_EINVAL);
    cr_assert_eq(kc_rack_alternated_broker_list(two_racks, 3, list), KC_ASSIGN_EINVAL);
}

Test(replica_assign, single_broker)
{
    const kc_broker_meta plain[] = {{9, NULL}};
    const kc_broker_meta racked[] = {{9, "r"}};
    int32_t out[5];
    cr_assert_eq(kc_assign_replicas_auto(plain, 1, 5, 1, 0, 0, out), 0);
    for (int p = 0; p < 5; p++)
        cr_assert_eq(out[p], 9);
    memset(out, 0, sizeof(out));
    cr_assert_eq(kc_assign_replicas_auto(racked, 1, 5, 1, -1, -1, out), 0);
    for (int p = 0; p < 5; p++)
        cr_assert_eq(out[p], 9);
}
