/*
 * The producer-id table of one partition: a chained hash table of entries, each with a ring of
 * its last five batches kept oldest first. Only the reactor touches it (the log's owner).
 */
#include "storage/producer_state.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "proto/errors.h"

int32_t kc_producer_last_seq(int32_t first_seq, int32_t count)
{
    int64_t last = (int64_t)first_seq + count - 1;
    return last > INT32_MAX ? (int32_t)(last - INT32_MAX - 1) : (int32_t)last;
}

void kc_producer_state_init(kc_producer_state *ps)
{
    memset(ps, 0, sizeof(*ps));
}

void kc_producer_state_clear(kc_producer_state *ps)
{
    for (int i = 0; i < ps->n_buckets; i++) {
        kc_producer_entry *e = ps->buckets[i];
        while (e) {
            kc_producer_entry *next = e->next;
            free(e);
            e = next;
        }
    }
    free(ps->buckets);
    kc_producer_state_init(ps);
}

static int bucket_of(const kc_producer_state *ps, int64_t producer_id)
{
    uint64_t h = (uint64_t)producer_id * 0x9E3779B97F4A7C15ull;
    return (int)(h >> 32) & (ps->n_buckets - 1);
}

const kc_producer_entry *kc_producer_state_find(const kc_producer_state *ps, int64_t producer_id)
{
    if (!ps->n_buckets)
        return NULL;
    for (const kc_producer_entry *e = ps->buckets[bucket_of(ps, producer_id)]; e; e = e->next)
        if (e->producer_id == producer_id)
            return e;
    return NULL;
}

static void grow(kc_producer_state *ps)
{
    int n = ps->n_buckets ? ps->n_buckets * 2 : 16;
    kc_producer_entry **b = calloc((size_t)n, sizeof(*b));
    if (!b)
        kc_fatal("producer state: out of memory");
    kc_producer_state old = *ps;
    ps->buckets = b;
    ps->n_buckets = n;
    for (int i = 0; i < old.n_buckets; i++) {
        kc_producer_entry *e = old.buckets[i];
        while (e) {
            kc_producer_entry *next = e->next;
            int k = bucket_of(ps, e->producer_id);
            e->next = ps->buckets[k];
            ps->buckets[k] = e;
            e = next;
        }
    }
    free(old.buckets);
}

/* ProducerStateManager.inSequence */
static bool in_sequence(int32_t last_seq, int32_t next_seq)
{
    return (int64_t)next_seq == (int64_t)last_seq + 1 || (next_seq == 0 && last_seq == INT32_MAX);
}

int16_t kc_producer_state_check(const kc_producer_state *ps, const kc_producer_append *a,
                                const kc_producer_batch **dup)
{
    *dup = NULL;
    const kc_producer_entry *e = kc_producer_state_find(ps, a->producer_id);
    if (!e)
        return KC_ERR_NONE; /* an unknown producer: any sequence (no UNKNOWN_PRODUCER_ID) */
    if (a->epoch == e->epoch)
        for (int i = 0; i < e->n_batches; i++)
            if (e->batches[i].first_seq == a->first_seq && e->batches[i].last_seq == a->last_seq) {
                *dup = &e->batches[i];
                return KC_ERR_NONE;
            }
    if (a->epoch < e->epoch)
        return KC_ERR_INVALID_PRODUCER_EPOCH;
    if (a->epoch != e->epoch)
        return a->first_seq == 0 ? KC_ERR_NONE : KC_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
    int32_t last = e->n_batches ? e->batches[e->n_batches - 1].last_seq : -1;
    return in_sequence(last, a->first_seq) ? KC_ERR_NONE : KC_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
}

void kc_producer_state_update(kc_producer_state *ps, const kc_producer_append *a)
{
    kc_producer_entry *e = (kc_producer_entry *)kc_producer_state_find(ps, a->producer_id);
    if (!e) {
        if (ps->n_entries >= ps->n_buckets)
            grow(ps);
        e = calloc(1, sizeof(*e));
        if (!e)
            kc_fatal("producer state: out of memory");
        e->producer_id = a->producer_id;
        e->epoch = a->epoch;
        int k = bucket_of(ps, a->producer_id);
        e->next = ps->buckets[k];
        ps->buckets[k] = e;
        ps->n_entries++;
    }
    if (a->epoch != e->epoch) { /* a new epoch starts a new sequence: forget the old batches */
        e->epoch = a->epoch;
        e->n_batches = 0;
    }
    if (e->n_batches == KC_PRODUCER_BATCHES) {
        memmove(&e->batches[0], &e->batches[1], sizeof(e->batches[0]) * (KC_PRODUCER_BATCHES - 1));
        e->n_batches--;
    }
    e->batches[e->n_batches++] = (kc_producer_batch){a->first_seq, a->last_seq, a->first_offset,
                                                     a->last_offset, a->timestamp};
    e->last_timestamp = a->timestamp;
}

int kc_producer_state_expire(kc_producer_state *ps, int64_t now_ms, int64_t max_age_ms)
{
    int dropped = 0;
    for (int i = 0; i < ps->n_buckets; i++) {
        kc_producer_entry **pp = &ps->buckets[i];
        while (*pp) {
            kc_producer_entry *e = *pp;
            if (now_ms - e->last_timestamp >= max_age_ms) {
                *pp = e->next;
                free(e);
                ps->n_entries--;
                dropped++;
            } else {
                pp = &e->next;
            }
        }
    }
    return dropped;
}
