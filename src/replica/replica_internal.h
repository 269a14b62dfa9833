/*
 * State shared by the replica files (reactor thread only): per partition the leader's view of
 * its followers and the ISR change in flight, per broker the fetchers and the AlterIsr queue.
 */
#ifndef KC_REPLICA_INTERNAL_H
#define KC_REPLICA_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "broker/broker.h"
#include "replica/replica.h"

struct event;
struct kc_fetcher;

/** A remote replica as its leader sees it (Kafka's Replica). */
typedef struct kc_peer {
    int32_t id;
    int64_t leo;               /* log end offset from its last fetch; -1 = unknown */
    int64_t last_caught_up_ms; /* 0 = never */
    int64_t last_fetch_leader_leo;
    int64_t last_fetch_ms;
} kc_peer;

struct kc_replica_state {
    /* leader role */
    kc_peer *peers; /* the assignment minus this broker */
    int n_peers;
    int64_t epoch_start_offset; /* log end offset when this leader epoch began */
    bool alter_pending;         /* an ISR proposal waits for the controller's answer */
    bool alter_queued;          /* ... and is in the AlterIsr queue (not sent yet) */
    int32_t *proposed_isr;
    int32_t n_proposed_isr;
    kc_partition *next_queued; /* AlterIsr queue link */
    /* follower role */
    struct kc_fetcher *fetcher; /* the fetcher holding it, NULL when not fetching */
    bool truncating;            /* must truncate by leader epoch before fetching (KIP-101) */
    int64_t retry_at_ms;        /* backing off (replica.fetch.backoff.ms) until then */
    uint32_t fetch_gen;         /* bumped at every add: answers to older requests are dropped */
    /* what the fetcher's latest request asked of it: the request's sequence number, the
     * generation and the log end offset it was built with */
    uint64_t sent_seq;
    uint32_t sent_gen;
    int64_t sent_offset;
};

typedef struct kc_replica_manager {
    struct event *isr_timer;
    struct kc_fetcher **fetchers; /* one per (source broker, fetcher index) */
    int n_fetchers, cap_fetchers;
    /* AlterIsr: one request in flight carrying every queued partition (Kafka's AlterIsrManager) */
    kc_partition *alter_queue;
    bool alter_in_flight;
    kc_partition **alter_sent; /* what the request in flight carries, queued again if it fails */
    int n_alter_sent, cap_alter_sent;
    struct event *alter_retry;
    bool stopped;
} kc_replica_manager;

/** The partition's replication state, created on first use. */
struct kc_replica_state *kc_replica_state_of(kc_partition *p);

/* fetcher.c */
void kc_fetchers_add(kc_broker *b, kc_partition *p);
void kc_fetchers_remove(kc_broker *b, kc_partition *p);
void kc_fetchers_free_all(kc_broker *b);

/* alter_isr.c */
/** Queue @p p's proposed ISR for the controller (rs->proposed_isr set, rs->alter_pending). */
void kc_alter_isr_enqueue(kc_broker *b, kc_partition *p);
/** Drop @p p from the AlterIsr queue (it got a new state or left). */
void kc_alter_isr_dequeue(kc_broker *b, kc_partition *p);
void kc_alter_isr_free(kc_broker *b);

#endif
