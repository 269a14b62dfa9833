/*
 * The group coordinator (Kafka's GroupCoordinator + GroupMetadataManager): this broker
 * coordinates the groups whose `__consumer_offsets` partition
 * (abs(String.hashCode(group.id)) % partitions, common/java_hash.h) it leads. It loads a
 * partition's groups and offsets from its log when it becomes leader, drops them when it stops
 * leading, keeps every group's membership state machine (group/group.h), and writes commits and
 * group metadata to that partition in Kafka's key/value formats (group/offsets_codec.h) with
 * offsets.commit.required.acks.
 *
 * Each kc_coord_* request function takes its decoded request, answers @p req (now, or later
 * from a delayed operation in the purgatory) and owns it from then on. Error codes follow Kafka
 * 2.8's GroupCoordinator; the per-API rules are in
 * ../shared/reference/kafka-groups-and-producer-state.md §2-§3.
 *
 * Reactor thread only.
 */
#ifndef KC_COORDINATOR_H
#define KC_COORDINATOR_H

#include <stdint.h>

#include "broker/topics.h"
#include "kc_apis.h"
#include "proto/buf.h"

struct kc_broker;
struct kc_request;

#define KC_OFFSETS_TOPIC "__consumer_offsets"

/** Start the coordinator of @p b (the offset expiration timer). Aborts on OOM. */
void kc_coordinator_start(struct kc_broker *b);

/**
 * Shutting down: unload every group (parked JoinGroup/SyncGroup requests get NOT_COORDINATOR,
 * as Kafka's shutdown does) and stop the timer. Idempotent.
 */
void kc_coordinator_shutdown(struct kc_broker *b);

/** Free the coordinator (after kc_coordinator_shutdown()). */
void kc_coordinator_free(struct kc_broker *b);

/**
 * This broker became leader of @p p, a partition of __consumer_offsets: load its groups and
 * offsets from the log (log start offset to log end offset, last value wins, tombstones
 * delete) and start coordinating them (GroupMetadataManager.loadGroupsForPartition).
 */
void kc_coordinator_on_elect(struct kc_broker *b, kc_partition *p);

/**
 * This broker no longer leads @p p (follower, StopReplica): its groups are unloaded; parked
 * requests get NOT_COORDINATOR (GroupMetadataManager.removeGroupsForPartition).
 */
void kc_coordinator_on_resign(struct kc_broker *b, kc_partition *p);

/** The __consumer_offsets partition of @p group_id (kc_group_partition over the topic's size). */
int32_t kc_coordinator_partition_for(struct kc_broker *b, kc_str group_id);

/**
 * The handler's authorization of one name for the request it answers (KafkaApis' per-resource
 * checks, made by the api/ handler, applied here where the answer is built): @return
 * KC_ERR_NONE when @p name (a topic or a group, as the API says) is allowed, else the error its
 * items answer, or leave it out of a listing.
 */
typedef int16_t (*kc_coord_authz_fn)(struct kc_request *req, kc_str name);

/** The authorized_operations bitfield (bit 1 << op per allowed op) of group @p name. */
typedef int32_t (*kc_coord_ops_fn)(struct kc_request *req, kc_str name);

void kc_coord_join_group(struct kc_request *req, const kc_join_group_req *r);
void kc_coord_sync_group(struct kc_request *req, const kc_sync_group_req *r);
void kc_coord_heartbeat(struct kc_request *req, const kc_heartbeat_req *r);
void kc_coord_leave_group(struct kc_request *req, const kc_leave_group_req *r);
/* @p topic_authz: a refused topic's partitions answer its error before their existence is
 * looked at, and are not committed. */
void kc_coord_offset_commit(struct kc_request *req, const kc_offset_commit_req *r,
                            kc_coord_authz_fn topic_authz);
/* @p topic_authz: a listed partition of a refused topic answers its error with offset -1 (a
 * group error wins); an all-partitions answer leaves refused topics out. */
void kc_coord_offset_fetch(struct kc_request *req, const kc_offset_fetch_req *r,
                           kc_coord_authz_fn topic_authz);
/* @p group_authz: a refused group answers its error with no state; @p ops (NULL: not asked)
 * fills authorized_operations of the groups described without error. */
void kc_coord_describe_groups(struct kc_request *req, const kc_describe_groups_req *r,
                              kc_coord_authz_fn group_authz, kc_coord_ops_fn ops);
/* @p group_authz (NULL: every group): refused groups are left out. */
void kc_coord_list_groups(struct kc_request *req, const kc_list_groups_req *r,
                          kc_coord_authz_fn group_authz);
/* @p group_authz: a refused group answers its error and is not deleted. */
void kc_coord_delete_groups(struct kc_request *req, const kc_delete_groups_req *r,
                            kc_coord_authz_fn group_authz);
/* @p topic_authz: after the group's checks, a refused topic's partitions answer its error
 * before their existence is looked at, and keep their offsets. */
void kc_coord_offset_delete(struct kc_request *req, const kc_offset_delete_req *r,
                            kc_coord_authz_fn topic_authz);

#endif
