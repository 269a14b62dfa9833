/*
 * The controller (Kafka's KafkaController in ZooKeeper mode). Every broker runs one; the one
 * that wins the ephemeral /controller znode is active: it owns topic and partition state in
 * ZooKeeper, elects partition leaders and tells brokers through LeaderAndIsr, UpdateMetadata
 * and StopReplica (see ../shared/reference/kafka-zookeeper-layout.md §3-4).
 *
 * Threads: like Kafka's ControllerEventThread, the controller processes one event at a time on
 * a thread of its own and makes synchronous ZooKeeper calls there (through kc_zk_acquire), so
 * that multi-step decisions (read state, elect, fenced write, send) are never interleaved and
 * the reactor never blocks on them. It shares nothing mutable with the reactor: it reaches
 * brokers, itself included, only through the inter-broker listener (channel.h), and the
 * reactor reaches it only through kc_controller_* calls that queue events. Requests that only
 * the controller answers (AlterIsr, ControlledShutdown, ElectLeaders) are handed over with
 * kc_controller_submit() and answered through the submitting reactor's mailbox.
 *
 * Brokers that sent ControlledShutdown are "shutting down" until they re-register or die: no
 * election (offline, preferred, new partition) chooses them. The auto rebalance
 * (auto.leader.rebalance.enable) runs 5 s after winning, then every
 * leader.imbalance.check.interval.seconds, on the controller thread.
 *
 * Fencing: every controller write is a multi-op that first checks the version of
 * /controller_epoch (epochZkVersion); BADVERSION means another controller was elected and this
 * one resigns.
 */
#ifndef KC_CONTROLLER_H
#define KC_CONTROLLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/mailbox.h"
#include "config/config.h"
#include "zk/zk.h"

typedef struct kc_controller kc_controller;

/**
 * Create the controller of broker @p cfg->broker_id using session @p zk (both borrowed for its
 * life) and start its thread. It does nothing until kc_controller_elect().
 */
kc_controller *kc_controller_new(const kc_config *cfg, kc_zk *zk);

/**
 * Run the election (Kafka's "Startup"/"Reelect" event): after the broker registered in
 * /brokers/ids, and again after each re-registration in a new session. @p broker_epoch is the
 * czxid of this broker's registration.
 */
void kc_controller_elect(kc_controller *c, int64_t broker_epoch);

/** The ZooKeeper session expired: resign at once (before the handle is replaced). */
void kc_controller_session_expired(kc_controller *c);

/** True while this broker is the active controller (any thread). */
bool kc_controller_is_active(const kc_controller *c);

/** The id of the active controller as last seen in /controller, -1 when none (any thread). */
int32_t kc_controller_active_id(const kc_controller *c);

/** Epoch of this controller while active, else of the last one seen; 0 before any. */
int32_t kc_controller_epoch(const kc_controller *c);

/**
 * The controller's answer to a broker request handed over with kc_controller_submit(): the
 * response body (no header), encoded at the request's version.
 */
typedef struct kc_controller_reply {
    void *arg; /* the submitter's */
    uint8_t *body;
    size_t len;
} kc_controller_reply;

/** Runs on the reactor (posted to its mailbox); owns @p r (kc_controller_reply_free). */
typedef void (*kc_controller_done_fn)(kc_controller_reply *r);

/**
 * Hand a request that only the active controller answers to the controller thread:
 * AlterIsr (56), ControlledShutdown (7) or ElectLeaders (43). @p body (@p len bytes, the request
 * body of version @p version) is copied, so the request may die meanwhile; the controller
 * decodes it, processes it as one event (Kafka's AlterIsrReceived, ControlledShutdown and
 * ReplicaLeaderElection events) and posts @p done with the encoded response to @p mb. Every
 * submission is answered exactly once, with NOT_CONTROLLER when this broker is (no longer) the
 * controller, unless the controller is freed first. @p done is also given a reply with a NULL
 * body when the body cannot be decoded (the caller closes the connection).
 */
void kc_controller_submit(kc_controller *c, int16_t api_key, int16_t version, const uint8_t *body,
                          size_t len, kc_mailbox *mb, kc_controller_done_fn done, void *arg);

void kc_controller_reply_free(kc_controller_reply *r);

/** Resign, stop the thread and free @p c. Call before the ZooKeeper session is closed. */
void kc_controller_free(kc_controller *c);

#endif
