/*
 * What the coordinator's files share (coordinator.c: groups, partitions, loading, admin APIs;
 * membership.c: join/sync/heartbeat/leave and their delayed operations; offsets.c: commits
 * and fetches; group_log.c: appends to and reads of __consumer_offsets). Not a public header.
 */
#ifndef KC_COORD_INTERNAL_H
#define KC_COORD_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "broker/broker.h"
#include "group/coordinator.h"
#include "group/group.h"
#include "net/conn.h"
#include "proto/records.h"

struct event;
typedef struct kc_group_load kc_group_load;

typedef struct kc_coordinator {
    kc_broker *b;
    kc_group **buckets; /* by group id */
    int n_buckets, n_groups;
    bool *owned;             /* [n_parts] this broker leads the partition and loaded it */
    kc_group_load **loading; /* [n_parts] the load under way, while the partition loads */
    int32_t n_parts;
    struct event *expire_timer;
    bool shut;
} kc_coordinator;

kc_coordinator *kc_coord(kc_broker *b);

/** The cached group @p id, or NULL. */
kc_group *kc_coord_find(kc_coordinator *c, kc_str id);

/** A new Empty group @p id in the table (it must not exist). */
kc_group *kc_coord_create(kc_coordinator *c, kc_str id, int32_t partition);

/** Drop @p g from the table and free it once no append references it. */
void kc_coord_drop(kc_coordinator *c, kc_group *g);

/**
 * Kafka's validateGroupStatus: INVALID_GROUP_ID for an empty id unless @p empty_ok, else
 * COORDINATOR_NOT_AVAILABLE when shut down, COORDINATOR_LOAD_IN_PROGRESS while the group's
 * partition loads, NOT_COORDINATOR when it is not owned here. @p partition gets the partition.
 * @return KC_ERR_NONE or the error.
 */
int16_t kc_coord_check(kc_coordinator *c, kc_str id, bool empty_ok, int32_t *partition);

/** "/host" of the request's client, as Kafka's InetAddress.toString(). */
void kc_coord_client_host(const kc_request *req, char *buf, size_t len);

/** Wall clock, ms. */
int64_t kc_coord_now(void);

/**
 * Remove @p n offsets of @p g from the cache with tombstones (Kafka's cleanupGroupMetadata); an
 * Empty group left without offsets dies and is dropped (with a group tombstone when its
 * generation is above 0).
 */
void kc_coord_remove_offsets(kc_coordinator *c, kc_group *g, char **topics, int32_t *parts, int n);

/* ---- membership.c */

/**
 * A liveness event for @p m: complete its heartbeat operation and arm the next one for
 * @p timeout_ms (completeAndScheduleNextExpiration).
 */
void kc_member_heartbeat(kc_coordinator *c, kc_member *m, int64_t timeout_ms);

/** @p m is going away: its heartbeat operation completes without effect, parked requests get
 *  @p err (none when 0), it leaves the group and is freed. */
void kc_member_discard(kc_coordinator *c, kc_group *g, kc_member *m, int16_t err);

/** Arm the heartbeats of a loaded group's members (session timeout each). */
void kc_group_loaded(kc_coordinator *c, kc_group *g);

/** The group goes away (unload, deletion): Dead, parked requests answered with @p err, members
 *  discarded, delayed operations completed. The group stays allocated (kc_coord_drop). */
void kc_group_kill(kc_coordinator *c, kc_group *g, int16_t err);

/* ---- group_log.c */

/** Called once with the append's outcome: KC_ERR_NONE, NOT_LEADER_OR_FOLLOWER,
 *  NOT_ENOUGH_REPLICAS(_AFTER_APPEND), REQUEST_TIMED_OUT, KAFKA_STORAGE_ERROR,
 *  MESSAGE_TOO_LARGE. May run before kc_group_log_append() returns. */
typedef void (*kc_group_log_cb)(kc_broker *b, int16_t err, void *arg);

/**
 * The coordinator's answer for an append outcome @p err (kc_group_log_cb), as Kafka's
 * GroupMetadataManager maps it: NONE stays, a missing or under-replicated partition is
 * COORDINATOR_NOT_AVAILABLE, a lost leadership or storage error NOT_COORDINATOR,
 * REQUEST_TIMED_OUT becomes @p timed_out, MESSAGE_TOO_LARGE @p too_large, anything else
 * UNKNOWN_SERVER_ERROR. Group stores (SyncGroup) and offset commits differ only in those two.
 */
int16_t kc_group_log_error(int16_t err, int16_t timed_out, int16_t too_large);

/**
 * Append @p n records (keys and values already encoded) as one batch to partition @p partition
 * of __consumer_offsets, led here. With @p wait the callback runs once the records are
 * replicated as offsets.commit.required.acks asks (offsets.commit.timeout.ms at most);
 * without, after the leader's append (Kafka's tombstones use acks=0). @p cb may be NULL.
 * @p g (may be NULL) is the group the write is for: it stays allocated until @p cb returned,
 * even when dropped meanwhile (g->unloaded is then set).
 */
void kc_group_log_append(kc_broker *b, int32_t partition, kc_group *g, const kc_record_in *recs,
                         int n, bool wait, kc_group_log_cb cb, void *arg);

/**
 * Write @p g's GroupMetadata record (value v3 with every member, their subscription for the
 * chosen protocol and assignment) and call @p cb with the outcome in the coordinator's terms
 * (kc_group_log_error with REQUEST_TIMED_OUT as REBALANCE_IN_PROGRESS, as storeGroup).
 */
void kc_group_log_store_group(kc_coordinator *c, kc_group *g, kc_group_log_cb cb, void *arg);

/**
 * Tombstones, without waiting (Kafka's cleanupGroupMetadata): one per (topic, partition) of
 * @p g given in @p topics/@p partitions (@p n), and one for the group key when @p group_too.
 */
void kc_group_log_tombstones(kc_coordinator *c, kc_group *g, char *const *topics,
                             const int32_t *partitions, int n, bool group_too);

/** A partition of __consumer_offsets being read into the cache (GroupMetadataManager's
 *  loadGroupsAndOffsets), one offsets.load.buffer.size read per step. */
struct kc_group_load {
    int32_t partition;
    int64_t next; /* the next offset to read */
    int64_t end;  /* the log end offset when the load began: later appends are ours */
    int bad;      /* records (or compressed batches) that could not be decoded */
    int64_t started_ms;
    struct event *step;
    kc_coordinator *c;
};

/**
 * Start reading partition @p partition of __consumer_offsets (led here): @p l gets the range
 * from log start to log end. @return 0, or -1 when the partition is not here.
 */
int kc_group_log_load_begin(kc_coordinator *c, int32_t partition, kc_group_load *l);

/**
 * Read the next chunk of @p l into the coordinator's groups (last value wins, tombstones
 * delete); the groups stay shells until kc_group_log_load_end(). @return 1 when more remains,
 * 0 when the log end is reached, -1 when the log could not be read there (what was read stays).
 */
int kc_group_log_load_step(kc_coordinator *c, kc_group_load *l);

/**
 * Turn the shells of @p l's partition into groups (Stable with their members, or Empty), drop
 * those left with nothing and arm the members' heartbeats. @return the groups loaded.
 */
int kc_group_log_load_end(kc_coordinator *c, kc_group_load *l);

#endif
