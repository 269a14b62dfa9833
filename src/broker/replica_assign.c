/*
 * Kafka's automatic replica placement (AdminUtils.assignReplicasToBrokers and its helpers
 * getRackAlternatedBrokerList and replicaIndex); see replica_assign.h for the rules.
 */
#include "broker/replica_assign.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* AdminUtils.replicaIndex: the broker index of a follower, never @p first itself (n >= 2). 64-bit
 * so that a large shift (times numRacks) cannot overflow. */
static int replica_index(int first, int64_t second_shift, int64_t k, int n)
{
    int64_t shift = 1 + (second_shift + k) % (n - 1);
    return (int)((first + shift) % n);
}

static int pick(int fixed, int n)
{
    return fixed >= 0 ? fixed : rand() % n;
}

void kc_assign_replicas_rack_unaware(const int32_t *brokers, int n_brokers, int32_t n_partitions,
                                     int32_t rf, int start_index, int shift, int32_t *out)
{
    int start = pick(start_index, n_brokers);
    int64_t next_shift = pick(shift, n_brokers);
    for (int32_t p = 0; p < n_partitions; p++) {
        if (p > 0 && p % n_brokers == 0)
            next_shift++;
        int first = (int)(((int64_t)p + start) % n_brokers);
        int32_t *r = out + (size_t)p * (size_t)rf;
        r[0] = brokers[first];
        for (int32_t j = 0; j < rf - 1; j++)
            r[1 + j] = brokers[replica_index(first, next_shift, j, n_brokers)];
    }
}

static int cmp_id(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static int cmp_rack_then_id(const void *a, const void *b)
{
    const kc_broker_meta *x = a, *y = b;
    int c = strcmp(x->rack, y->rack);
    if (c != 0)
        return c;
    return (x->id > y->id) - (x->id < y->id);
}

/* Sorted by (rack, id) into @p sorted; fills rack_start[r] = first index of rack r in sorted
 * order, rack_start[numRacks] = n. Returns numRacks or a KC_ASSIGN_E* code. */
static int group_by_rack(const kc_broker_meta *brokers, int n, kc_broker_meta *sorted,
                         int *rack_start)
{
    for (int i = 0; i < n; i++)
        if (!brokers[i].rack)
            return KC_ASSIGN_EINVAL;
    if (n > 0)
        memcpy(sorted, brokers, (size_t)n * sizeof(*sorted));
    qsort(sorted, (size_t)n, sizeof(*sorted), cmp_rack_then_id);
    int n_racks = 0;
    for (int i = 0; i < n; i++) {
        if (i == 0 || strcmp(sorted[i].rack, sorted[i - 1].rack) != 0)
            rack_start[n_racks++] = i;
    }
    rack_start[n_racks] = n;
    return n_racks;
}

/* The rack-alternated list into @p ids and, for each entry, its rack's index into @p rack_of
 * (may be NULL). Returns numRacks or a KC_ASSIGN_E* code. */
static int rack_alternated(const kc_broker_meta *brokers, int n, int32_t *ids, int *rack_of)
{
    kc_broker_meta *sorted = malloc((size_t)(n > 0 ? n : 1) * sizeof(*sorted));
    int *rack_start = malloc((size_t)(n + 1) * sizeof(int));
    int n_racks = KC_ASSIGN_ENOMEM, filled = 0;
    if (!sorted || !rack_start)
        goto out;
    n_racks = group_by_rack(brokers, n, sorted, rack_start);
    if (n_racks < 0)
        goto out;
    /* One id per rack per round, racks in sorted order, skipping racks already used up: the
     * same sequence as Kafka's loop over the per-rack iterators. */
    for (int round = 0; filled < n; round++)
        for (int r = 0; r < n_racks; r++) {
            int at = rack_start[r] + round;
            if (at >= rack_start[r + 1])
                continue;
            /* A repeated id (in one rack or in two) is the caller's error. */
            for (int i = 0; i < filled; i++)
                if (ids[i] == sorted[at].id) {
                    n_racks = KC_ASSIGN_EINVAL;
                    goto out;
                }
            ids[filled] = sorted[at].id;
            if (rack_of)
                rack_of[filled] = r;
            filled++;
        }
out:
    free(sorted);
    free(rack_start);
    return n_racks;
}

int kc_rack_alternated_broker_list(const kc_broker_meta *brokers, int n, int32_t *out)
{
    if (n < 0 || (n > 0 && (!brokers || !out)))
        return KC_ASSIGN_EINVAL;
    return rack_alternated(brokers, n, out, NULL);
}

static int check_counts(int n, int32_t n_partitions, int32_t rf)
{
    if (n_partitions <= 0)
        return KC_ASSIGN_EPARTITIONS;
    if (rf <= 0 || rf > n)
        return KC_ASSIGN_EREPLICATION;
    return KC_ASSIGN_OK;
}

/* The rack-aware walk over the rack-alternated list @p list (rack_of[i] = rack index of list[i]);
 * broker_used has n entries, rack_used n_racks. */
static void place_rack_aware(const int32_t *list, const int *rack_of, int n, int n_racks,
                             int32_t n_partitions, int32_t rf, int start, int64_t next_shift,
                             bool *broker_used, bool *rack_used, int32_t *out)
{
    for (int32_t p = 0; p < n_partitions; p++) {
        if (p > 0 && p % n == 0)
            next_shift++;
        int first = (int)(((int64_t)p + start) % n);
        int32_t *r = out + (size_t)p * (size_t)rf;
        memset(broker_used, 0, (size_t)n * sizeof(bool));
        memset(rack_used, 0, (size_t)n_racks * sizeof(bool));
        r[0] = list[first];
        broker_used[first] = true;
        rack_used[rack_of[first]] = true;
        int n_brokers_used = 1, n_racks_used = 1;
        int64_t k = 0; /* not reset between the followers of one partition, as in Kafka */
        for (int32_t j = 1; j < rf; k++) {
            /* Ends within n - 1 steps per follower: replicaIndex visits every index but first
             * once per n - 1 consecutive k, and among those is one in an unused rack while some
             * rack is unused, else an unused broker (rf <= n). */
            int idx = replica_index(first, next_shift * n_racks, k, n);
            int rack = rack_of[idx];
            if ((!rack_used[rack] || n_racks_used == n_racks) &&
                (!broker_used[idx] || n_brokers_used == n)) {
                r[j++] = list[idx];
                if (!rack_used[rack]) {
                    rack_used[rack] = true;
                    n_racks_used++;
                }
                if (!broker_used[idx]) {
                    broker_used[idx] = true;
                    n_brokers_used++;
                }
            }
        }
    }
}

int kc_assign_replicas_rack_aware(const kc_broker_meta *brokers, int n, int32_t n_partitions,
                                  int32_t rf, int start_index, int shift, int32_t *out)
{
    int rc = check_counts(n, n_partitions, rf);
    if (rc != KC_ASSIGN_OK)
        return rc;
    if (!brokers || !out)
        return KC_ASSIGN_EINVAL;
    int32_t *list = malloc((size_t)(n > 0 ? n : 1) * sizeof(int32_t));
    int *rack_of = malloc((size_t)(n > 0 ? n : 1) * sizeof(int));
    bool *broker_used = malloc((size_t)(n > 0 ? n : 1) * sizeof(bool)); /* by index into list */
    bool *rack_used = malloc((size_t)(n > 0 ? n : 1) * sizeof(bool));   /* n_racks <= n */
    int n_racks = KC_ASSIGN_ENOMEM;
    if (list && rack_of && broker_used && rack_used)
        n_racks = rack_alternated(brokers, n, list, rack_of);
    if (n_racks > 0) {
        int start = pick(start_index, n);
        int first_shift = pick(shift, n);
        place_rack_aware(list, rack_of, n, n_racks, n_partitions, rf, start, first_shift,
                         broker_used, rack_used, out);
    }
    free(list);
    free(rack_of);
    free(broker_used);
    free(rack_used);
    return n_racks < 0 ? n_racks : KC_ASSIGN_OK;
}

int kc_assign_replicas_auto(const kc_broker_meta *brokers, int n, int32_t n_partitions, int32_t rf,
                            int start_index, int shift, int32_t *out)
{
    int rc = check_counts(n, n_partitions, rf);
    if (rc != KC_ASSIGN_OK)
        return rc;
    if (!brokers || !out)
        return KC_ASSIGN_EINVAL;
    int with_rack = 0;
    for (int i = 0; i < n; i++)
        with_rack += brokers[i].rack != NULL;
    if (with_rack == n)
        return kc_assign_replicas_rack_aware(brokers, n, n_partitions, rf, start_index, shift, out);
    if (with_rack > 0)
        return KC_ASSIGN_EMIXED_RACKS;

    int32_t *ids = malloc((size_t)(n > 0 ? n : 1) * sizeof(int32_t));
    if (!ids)
        return KC_ASSIGN_ENOMEM;
    for (int i = 0; i < n; i++)
        ids[i] = brokers[i].id;
    qsort(ids, (size_t)n, sizeof(int32_t), cmp_id);
    for (int i = 1; i < n; i++)
        if (ids[i] == ids[i - 1]) {
            free(ids);
            return KC_ASSIGN_EINVAL;
        }
    kc_assign_replicas_rack_unaware(ids, n, n_partitions, rf, start_index, shift, out);
    free(ids);
    return KC_ASSIGN_OK;
}
