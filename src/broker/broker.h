/*
 * The broker process: owns the configuration, the reactor (one libevent base), the ZooKeeper
 * session, the topic registry with its partition logs, the listeners and connections, and the
 * delayed operations. Start-up order follows Kafka's KafkaServer.startup: ZooKeeper and the
 * cluster id, log dirs and meta.properties, logs, listeners, then registration in
 * /brokers/ids. Everything after start-up runs on the reactor thread.
 */
#ifndef KC_BROKER_H
#define KC_BROKER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "broker/metadata_cache.h"
#include "broker/topics.h"
#include "common/mailbox.h"
#include "config/config.h"
#include "net/ibclient.h"
#include "zk/zk.h"

struct event_base;
struct event;
struct evconnlistener;
struct kc_conn;
struct kc_controller;
struct kc_fetch_session_cache;
struct kc_purgatory;
struct kc_scram_store;
struct kc_replica_manager;
struct ssl_ctx_st;

typedef struct kc_broker {
    kc_config *cfg;
    struct event_base *base;
    kc_mailbox *mb;
    struct kc_workers *workers; /* fsync, deletion, prefetch, cleaning */
    struct kc_log_manager *log_manager;
    kc_zk *zk;
    kc_topics topics;           /* local replicas (LeaderAndIsr) */
    kc_metadata_cache metadata; /* the cluster as UpdateMetadata describes it */
    struct kc_controller *controller;
    int32_t controller_epoch; /* highest controller epoch seen in control requests */
    char cluster_id[64];
    int64_t broker_epoch; /* czxid of our /brokers/ids/<id> */
    bool registered;
    bool registering; /* a re-registration multi is in flight */

    struct evconnlistener *listeners[KC_MAX_LISTENERS];
    struct ssl_ctx_st *ssl_ctx;             /* NULL without an SSL listener */
    struct ssl_ctx_st *ssl_client_ctx;      /* inter-broker TLS client; NULL unless it is SSL */
    kc_ibclient_security ib_security;       /* how this broker reaches the others (ibclient.h) */
    LIST_HEAD(kc_conn_list, kc_conn) conns; /* every open connection */
    int n_conns;
    struct kc_conn_quotas *conn_quotas; /* max.connections[.per.ip] (net/conn_quotas.h) */
    bool accept_paused;                 /* client listeners disabled at max.connections */
    struct event *conn_sweep;           /* idle connections and stalled handshakes/frames */
    int64_t queued_requests;            /* read, neither answered nor delayed (net/conn.c) */
    int64_t held_request_bytes;         /* frames of those requests */
    int admit_waiters;                  /* connections waiting for those to fall */
    int64_t queued_response_bytes;      /* response bytes queued in memory (not file ranges) */
    int64_t response_bytes_peak;        /* of queued_response_bytes since the last heap trim */

    struct kc_purgatory *purgatory;       /* every delayed operation (purgatory.h) */
    struct kc_scram_store *scram_store;   /* SCRAM credentials from /config/users */
    struct kc_acls *acls;                 /* the authorizer; NULL without one (acls.h) */
    struct kc_replica_manager *replicas;  /* fetchers, ISR changes (replica/replica.h) */
    struct kc_coordinator *coordinator;   /* consumer groups (group/coordinator.h) */
    struct kc_producer_ids *producer_ids; /* idempotent producer ids (broker/producer_ids.h) */
    struct kc_topic_create *creating;     /* topic creations in flight */
    struct kc_ibclient *ctl_client;       /* to the active controller (controller_client.h) */
    int32_t ctl_client_for;               /* the controller id ctl_client connects to */
    /* KIP-227 incremental fetch sessions (fetch_session.h) */
    struct kc_fetch_session_cache *fetch_sessions;

    struct event *sig_term, *sig_int, *shutdown_timer;
    bool cs_started;        /* controlled shutdown under way */
    int cs_attempts;        /* ControlledShutdown attempts that failed */
    struct event *cs_timer; /* retry after controlled.shutdown.retry.backoff.ms */
    bool shutting_down;
    int shutdown_polls;
    int exit_code;
    int next_log_dir; /* round-robin over cfg->log_dirs for new partitions */
} kc_broker;

/**
 * Start the broker with @p cfg (borrowed for the broker's life): everything up to and including
 * the registration in ZooKeeper. Blocking; runs before the reactor loop.
 * @return 0, or -1 after logging why (ZooKeeper unreachable, cluster id mismatch with
 *         meta.properties, a log dir unusable, a listener port taken, broker id in use...).
 */
int kc_broker_start(kc_broker *b, kc_config *cfg);

/** Run the reactor until shutdown (SIGTERM/SIGINT). @return the process exit code. */
int kc_broker_run(kc_broker *b);

/** Release everything (flushes logs, closes the session so /brokers/ids/<id> goes). */
void kc_broker_destroy(kc_broker *b);

/**
 * Ask the reactor to shut down gracefully with @p exit_code: first a controlled shutdown when
 * controlled.shutdown.enable (leaderships move away; controlled_shutdown.h), then
 * kc_broker_shutdown_now(). Reactor thread only.
 */
void kc_broker_shutdown(kc_broker *b, int exit_code);

/** Stop now: stop listening and fetching, answer what waits, close connections, end the loop. */
void kc_broker_shutdown_now(kc_broker *b);

/** Milliseconds since the Unix epoch (wall clock, for timestamps). */
int64_t kc_now_ms(void);

/**
 * Partition @p partition of topic @p topic when this broker leads it (LeaderAndIsr) and hosts
 * its log; otherwise NULL with @p err set to NOT_LEADER_OR_FOLLOWER when the metadata cache
 * knows the partition, else UNKNOWN_TOPIC_OR_PARTITION: the codes Produce, Fetch,
 * ListOffsets and DeleteRecords answer.
 */
kc_partition *kc_broker_leader_partition(kc_broker *b, kc_str topic, int32_t partition,
                                         int16_t *err);

/**
 * Check the epochs of a control request (LeaderAndIsr, UpdateMetadata, StopReplica) as Kafka
 * does: a controller epoch below the highest seen is STALE_CONTROLLER_EPOCH, a broker epoch
 * other than -1 below ours is STALE_BROKER_EPOCH. Accepting raises the epoch seen.
 * @return KC_ERR_NONE or the error to answer.
 */
int16_t kc_broker_check_control(kc_broker *b, int32_t controller_epoch, int64_t broker_epoch);

/**
 * Apply a `/config/topics/<t>` payload ({"version":1,"config":{...}}) over the broker's log
 * defaults into @p t->log_config and every open log of @p t (the config applies live);
 * unusable entries are logged and skipped. @p json NULL = no overrides.
 */
void kc_broker_apply_topic_config(kc_broker *b, kc_topic *t, const char *json, int len);

/**
 * Something delayed operations on @p p wait for changed (records appended, high watermark moved,
 * leadership changed): complete those that can finish now (delayed fetch, delayed produce).
 */
void kc_broker_on_partition_change(kc_broker *b, kc_partition *p);

#endif
