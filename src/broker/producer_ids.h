/*
 * Producer ids for idempotent producers (Kafka 2.8's ProducerIdManager): blocks of 1000 ids
 * claimed from `/latest_producer_id_block` with a setData conditional on the znode's version,
 * handed out one by one; a new block is claimed when the current one runs out. Requests that
 * arrive while a block is being claimed wait for it.
 */
#ifndef KC_PRODUCER_IDS_H
#define KC_PRODUCER_IDS_H

#include <stdint.h>

struct kc_broker;

/** Ids per block (ProducerIdManager.PidBlockSize). */
#define KC_PRODUCER_ID_BLOCK 1000

/** Called once with a new producer id, or -1 and an error (COORDINATOR_NOT_AVAILABLE when
 *  ZooKeeper could not give a block, the broker shutting down included). */
typedef void (*kc_producer_id_cb)(struct kc_broker *b, int64_t producer_id, int16_t err, void *arg);

/** Set up the allocator and claim the first block (as Kafka does at start-up). */
void kc_producer_ids_start(struct kc_broker *b);

/**
 * A new producer id for @p cb: at once when the current block has one left, else once the next
 * block is claimed (@p cb may run before this returns).
 */
void kc_producer_ids_take(struct kc_broker *b, kc_producer_id_cb cb, void *arg);

/** Waiting callers get COORDINATOR_NOT_AVAILABLE; nothing is handed out afterwards. */
void kc_producer_ids_shutdown(struct kc_broker *b);

/** Free the allocator (after the ZooKeeper session's completions have run). */
void kc_producer_ids_free(struct kc_broker *b);

#endif
