/*
 * Internals shared by the controller's files (controller thread only, except the atomics).
 * The context (Kafka's ControllerContext) mirrors ZooKeeper: live brokers with their epochs
 * and endpoints, topics with their assignments, and each partition's state znode.
 */
#ifndef KC_CTL_INTERNAL_H
#define KC_CTL_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "controller/channel.h"
#include "controller/controller.h"
#include "controller/election.h"

#define CTL_MAX_ENDPOINTS 8

typedef struct ctl_endpoint {
    char listener[64];
    char host[256];
    int32_t port;
    int16_t protocol; /* Kafka's SecurityProtocol id: 0 PLAINTEXT, 1 SSL */
} ctl_endpoint;

typedef struct ctl_broker {
    int32_t id;
    int64_t epoch; /* czxid of /brokers/ids/<id> */
    char *rack;
    ctl_endpoint eps[CTL_MAX_ENDPOINTS];
    int n_eps;
    kc_channel *ch;
    bool shutting_down; /* sent ControlledShutdown: no new leaderships until it re-registers */
} ctl_broker;

typedef struct ctl_partition {
    int32_t *replicas;
    int n_replicas;
    bool has_state; /* .../partitions/<p>/state exists */
    int32_t leader, leader_epoch, controller_epoch, zk_version;
    int32_t *isr;
    int n_isr;
    bool dirty;      /* changed: LeaderAndIsr to its live replicas at the next flush */
    bool is_new;     /* created since the last flush (LeaderAndIsr IsNew) */
    bool meta_dirty; /* state read, written, or a replica's broker came or went since the last
                        UpdateMetadata: in the next one (the others only to brokers that get
                        everything, as Kafka's addUpdateMetadataRequestForBrokers) */
} ctl_partition;

typedef struct ctl_topic {
    struct ctl_topic *next;
    char *name;
    char topic_id[32];
    int n_partitions;
    ctl_partition *parts;
    bool deleting;     /* marker seen under /admin/delete_topics */
    bool stop_sent;    /* StopReplica(delete) sent to every replica */
    int32_t *awaiting; /* replicas that have not confirmed the deletion yet */
    int n_awaiting;
} ctl_topic;

/** One partition of the context. */
typedef struct ctl_tp {
    ctl_topic *t;
    int32_t p;
} ctl_tp;

typedef enum ctl_event_type {
    EV_ELECT,
    EV_EXPIRED,
    EV_CONTROLLER_CHANGE,
    EV_BROKER_CHANGE,
    EV_TOPIC_CHANGE,
    EV_PARTITION_MODIFICATION, /* name = topic */
    EV_TOPIC_DELETION,
    EV_STOP_REPLICA_DONE, /* name = topic, broker, error */
    EV_CALL,              /* call = a broker request to answer (kc_controller_submit) */
    EV_STOP,
} ctl_event_type;

typedef struct ctl_call {
    int16_t api_key, version;
    uint8_t *body;
    size_t len;
    kc_mailbox *mb;
    kc_controller_done_fn done;
    void *arg;
} ctl_call;

typedef struct ctl_event {
    struct ctl_event *next;
    ctl_event_type type;
    char *name;
    int32_t broker;
    int16_t error;
    int64_t broker_epoch;
    ctl_call *call;
} ctl_event;

struct kc_controller {
    const kc_config *cfg;
    kc_zk *zk;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    ctl_event *head, *tail;

    atomic_bool active; /* what other threads see; cleared at once on session expiry */
    bool acting;        /* controller thread's own view: won and not yet resigned */
    atomic_int active_id;
    atomic_int epoch;
    int32_t epoch_zk_version;
    int64_t broker_epoch; /* ours */
    bool registered;      /* our registration exists in the current session */
    bool moved;           /* a fenced write found another controller: resign */

    ctl_broker *brokers; /* live, sorted by id */
    int n_brokers;
    ctl_topic *topics;
    int64_t next_rebalance_ms; /* CLOCK_MONOTONIC; 0 = none scheduled */
};

/* ---- ctl_zk.c: synchronous ZooKeeper access on the controller thread ---- */

/** The watcher every controller watch uses: turns ZooKeeper events into controller events. */
void ctl_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx);
/** zoo_wget (watch when @p watch) into a malloc'd NUL-terminated buffer; ZOK or an error. */
int ctl_get(kc_controller *c, const char *path, bool watch, char **data, int *len, struct Stat *st);
/** zoo_wget_children; the caller frees with deallocate_String_vector. */
int ctl_children(kc_controller *c, const char *path, bool watch, struct String_vector *out);
/** zoo_wexists with the controller watch. */
int ctl_exists(kc_controller *c, const char *path, struct Stat *st);
/**
 * A fenced write: zoo_multi of check(/controller_epoch, epoch_zk_version) followed by @p ops.
 * A failed check sets c->moved. @p res gets @p n results (may be NULL).
 * @return the multi's rc (ZOK, ZBADVERSION, ZNODEEXISTS, ZNONODE...).
 */
int ctl_fenced(kc_controller *c, int n, zoo_op_t *ops, zoo_op_result_t *res);

/** Reads /brokers/ids/<id> into @p b (endpoints, rack, epoch). */
int ctl_load_broker(kc_controller *c, int32_t id, ctl_broker *b);
/** Reads /brokers/topics/<name> (data watch) into a new topic, states included. NULL on error. */
ctl_topic *ctl_load_topic(kc_controller *c, const char *name);
/** Rereads the assignment of @p t; new partitions are appended (no state yet). */
int ctl_reload_assignment(kc_controller *c, ctl_topic *t);
/** Writes the state znode of partition @p p of @p t (create when !has_state), fenced. */
int ctl_write_state(kc_controller *c, ctl_topic *t, int p, int32_t leader, int32_t leader_epoch,
                    const int32_t *isr, int n_isr);
/**
 * Creates the first state znodes (leader isr[0], leader epoch 0) of the @p n partitions
 * @p ps of @p t, with their partition nodes, in fenced multis of 500 partitions (Kafka's
 * controller also creates them in one batch): one round trip per 500 partitions instead of one
 * per partition. ISR i is isrs[i * stride .. + n_isrs[i]]. A partition written is marked dirty
 * and new; a failed batch is retried partition by partition with ctl_write_state.
 */
void ctl_create_states(kc_controller *c, ctl_topic *t, const int *ps, const int32_t *isrs,
                       const int *n_isrs, int stride, int n);
/** Deletes the topic's znodes in Kafka's order (assignment tree, config, marker), fenced. */
int ctl_delete_topic_znodes(kc_controller *c, ctl_topic *t);
/** Deletes the marker /admin/delete_topics/<name>, fenced. */
int ctl_delete_marker(kc_controller *c, const char *name);

/* ---- ctl_send.c: requests to brokers ---- */

/** LeaderAndIsr to every live broker for its dirty partitions (all partitions for the brokers
 *  in @p full), then UpdateMetadata to every live broker: every partition to those in @p full,
 *  the partitions marked meta_dirty (and those of topics being deleted) to the others. */
void ctl_flush(kc_controller *c, const int32_t *full, int n_full);
/** StopReplica(delete) of every partition of @p t to each live replica. */
void ctl_send_stop_replica(kc_controller *c, ctl_topic *t);
/** UpdateMetadata with the meta_dirty partitions to every live broker (no LeaderAndIsr). */
void ctl_send_update_metadata_all(kc_controller *c);
/** Marks meta_dirty every partition with a replica on one of the @p n brokers @p ids (they
 *  came or went: the partitions' offline replicas changed). */
void ctl_mark_replicas_of(kc_controller *c, const int32_t *ids, int n);
/** StopReplica(delete=false) of the @p n partitions @p tps to @p dst (controlled shutdown:
 *  the broker stops following them); the answers are not awaited. */
void ctl_send_stop_replica_keep(kc_controller *c, ctl_broker *dst, const ctl_tp *tps, int n);

/* ---- ctl_requests.c: broker requests to the controller, and the auto rebalance ---- */

/** Decodes, processes and answers @p call (controller thread; answers 41 when not acting). */
void ctl_on_call(kc_controller *c, ctl_call *call);
void ctl_call_free(ctl_call *call);
/** Kafka's checkAndTriggerAutoLeaderRebalance. */
void ctl_auto_rebalance(kc_controller *c);
/** Live and not shutting down: the brokers elections may choose (kc_live_fn). */
bool ctl_broker_eligible(int32_t id, void *c);

/* ---- ctl_state.c: the state machines ---- */

void ctl_on_broker_change(kc_controller *c);
void ctl_on_topic_change(kc_controller *c);
void ctl_on_partition_modification(kc_controller *c, const char *topic);
void ctl_on_topic_deletion(kc_controller *c);
void ctl_on_stop_replica_done(kc_controller *c, const char *topic, int32_t broker, int16_t error);
/** Failover work after winning the election (Kafka's onControllerFailover steps 2-10). */
void ctl_on_failover(kc_controller *c);
/** Forget everything (resignation): channels closed, context emptied. */
void ctl_clear(kc_controller *c);

/* ---- shared helpers ---- */

/** Queue an event (any thread). @p name copied. */
void ctl_post(kc_controller *c, ctl_event_type type, const char *name, int32_t broker,
              int16_t error);
ctl_broker *ctl_broker_find(kc_controller *c, int32_t id);
bool ctl_broker_live(int32_t id, void *c);
ctl_topic *ctl_topic_find(kc_controller *c, const char *name);
void ctl_topic_free(ctl_topic *t);

#endif
