/*
 * One consumer group as the coordinator keeps it (Kafka's GroupMetadata and MemberMetadata):
 * its state, generation, chosen protocol, leader, members, pending members (KIP-394), static
 * members (KIP-345) and committed offsets. Pure data and rules, no I/O and no timers, so the
 * state machine's rules are unit-tested directly; group/coordinator.c drives it.
 *
 * Invariants: n_awaiting_join counts the members whose JoinGroup is parked (join_req set);
 * a member is in exactly one of `members` and `pending`; the leader, when set, is a member;
 * a static member's instance id maps to exactly one member. Reactor thread only.
 */
#ifndef KC_GROUP_H
#define KC_GROUP_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/buf.h"

struct kc_request;
struct kc_delayed;

/* Kafka's GroupState names, as DescribeGroups and ListGroups show them. */
typedef enum kc_group_state {
    KC_GROUP_EMPTY,
    KC_GROUP_PREPARING_REBALANCE,
    KC_GROUP_COMPLETING_REBALANCE,
    KC_GROUP_STABLE,
    KC_GROUP_DEAD,
} kc_group_state;

typedef struct kc_group kc_group;

typedef struct kc_protocol {
    char *name;
    uint8_t *metadata;
    int32_t metadata_len;
} kc_protocol;

typedef struct kc_member {
    kc_group *group;
    char *member_id;
    char *group_instance_id; /* NULL = dynamic member */
    char *client_id;
    char *client_host; /* "/127.0.0.1", as Kafka's InetAddress.toString() */
    int32_t session_timeout_ms;
    int32_t rebalance_timeout_ms;
    kc_protocol *protocols; /* in the member's order of preference */
    int n_protocols;
    uint8_t *assignment; /* from the leader's SyncGroup; NULL/0 = empty */
    int32_t assignment_len;
    struct kc_request *join_req; /* a parked JoinGroup (awaiting join) */
    struct kc_request *sync_req; /* a parked SyncGroup (awaiting sync) */
    bool is_new;                 /* joined but not yet through a completed join */
    bool heartbeat_satisfied;
    bool leaving;     /* removed: its heartbeat operation completes without effect */
    bool pending;     /* KIP-394: id handed out, first join with it not seen yet */
    bool sync_wanted; /* answered JoinGroup, SyncGroup not seen yet (DelayedSync) */
} kc_member;

/* A committed offset (OffsetCommitValue). */
typedef struct kc_committed {
    char *topic;
    int32_t partition;
    int64_t offset;
    int32_t leader_epoch;
    char *metadata;
    int64_t commit_timestamp;
    int64_t expire_timestamp; /* -1 = none (value v1 only) */
    int pending;              /* commits of it being appended (never expired meanwhile) */
    bool present;             /* false while only pending */
    struct kc_committed *next;
} kc_committed;

struct kc_group {
    char *group_id;
    int32_t partition; /* of __consumer_offsets */
    kc_group_state state;
    int64_t state_timestamp_ms; /* wall clock of the last state change; -1 unknown */
    int32_t generation;
    char *protocol_type; /* NULL = none (offsets-only group) */
    char *protocol;      /* chosen protocol of the generation; NULL = none */
    char *leader_id;     /* NULL = none; borrowed from the member */
    kc_member **members; /* admission order */
    int n_members, cap_members;
    kc_member **pending; /* KIP-394 pending members */
    int n_pending, cap_pending;
    int n_awaiting_join;
    bool new_member_added; /* InitialDelayedJoin: someone joined during the delay */
    int64_t rebalance_timeout_ms;
    kc_committed **offsets; /* hash buckets (topic, partition) */
    int n_buckets, n_offsets;
    bool join_armed;           /* a DelayedJoin/InitialDelayedJoin is in the purgatory */
    bool join_initial;         /* the armed join is KIP-134's InitialDelayedJoin */
    int64_t join_remaining_ms; /* InitialDelayedJoin: what is left of the rebalance timeout */
    bool sync_armed;           /* a DelayedSync is in the purgatory */
    int writes;                /* appends in flight that reference the group */
    bool unloaded;             /* dropped from the coordinator; freed when writes reach 0 */
    uint8_t *load_value;       /* while loading: the last GroupMetadata value read (NULL = none) */
    int32_t load_value_len;
    kc_group *hash_next;
};

/** State name as Kafka prints it ("Empty", "PreparingRebalance", ...). */
const char *kc_group_state_name(kc_group_state s);

/** A new Empty group, generation 0, no protocol type. Aborts on OOM. */
kc_group *kc_group_new(kc_str group_id, int32_t partition);

/** Free @p g with its members and offsets (their parked requests must be answered before). */
void kc_group_free(kc_group *g);

/**
 * Move to @p to, checking Kafka's valid previous states (GroupMetadata.assertValidTransition).
 * @return 0, or -1 when @p to may not follow the current state (nothing changes).
 */
int kc_group_transition(kc_group *g, kc_group_state to, int64_t now_ms);

/** The member of id @p member_id (not pending), or NULL (also for a null id). */
kc_member *kc_group_member(const kc_group *g, kc_str member_id);

/** A malloc'd NUL-terminated copy of @p s, "" for a null string (the caller frees it).
 *  Aborts on OOM, as every allocation of the coordinator's state. */
char *kc_group_strdup(kc_str s);

/** The pending member of id @p member_id, or NULL. */
kc_member *kc_group_pending_member(const kc_group *g, kc_str member_id);

/** The member holding static instance id @p instance_id, or NULL (also for a null id). */
kc_member *kc_group_static_member(const kc_group *g, kc_str instance_id);

/**
 * The member of id @p member_id, or NULL; @p fenced is set when @p instance_id (null = none)
 * belongs to a static member with another id (Kafka's GroupMetadata.isStaticMemberFenced).
 */
kc_member *kc_group_identify(const kc_group *g, kc_str member_id, kc_str instance_id, bool *fenced);

/**
 * A new member (not yet in the group) with copies of the given fields; protocols copied from
 * @p names / @p metadata (n entries). Aborts on OOM.
 */
kc_member *kc_member_new(kc_group *g, const char *member_id, kc_str instance_id, kc_str client_id,
                         const char *client_host, int32_t session_timeout_ms,
                         int32_t rebalance_timeout_ms);

/** Replace @p m's protocols with @p n copies (name, metadata). */
void kc_member_set_protocols(kc_member *m, const kc_str *names, const kc_bytes *metadata, int n);

/** The metadata @p m offered for protocol @p name, or NULL (with *len 0). */
const uint8_t *kc_member_metadata(const kc_member *m, const char *name, int32_t *len);

/**
 * Whether @p m already offered exactly these protocols (names and metadata, in order): Kafka's
 * MemberMetadata.matches, which decides whether a rejoin changes anything.
 */
bool kc_member_matches(const kc_member *m, const kc_str *names, const kc_bytes *metadata, int n);

/** Replace the assignment of @p m with a copy of @p a. */
void kc_member_set_assignment(kc_member *m, const uint8_t *a, int32_t len);

/** Give @p m the id @p new_id (a static member's swap), keeping the leadership with it. */
void kc_group_rename_member(kc_group *g, kc_member *m, const char *new_id);

/** Free a member that is in no group list. */
void kc_member_free(kc_member *m);

/**
 * Add @p m to the members (GroupMetadata.add): the first member of a group without a leader
 * becomes leader; the rebalance timeout of the group is the largest of its members'.
 */
void kc_group_add_member(kc_group *g, kc_member *m);

/**
 * Take @p m out of the members (or pending list); when it led, another member leads (the
 * first remaining, Kafka picks an arbitrary one). The member is not freed.
 */
void kc_group_remove_member(kc_group *g, kc_member *m);

/** Add @p m to the pending members (KIP-394). */
void kc_group_add_pending(kc_group *g, kc_member *m);

/** Whether every member's JoinGroup is parked and no member is pending (hasAllMembersJoined). */
bool kc_group_all_joined(const kc_group *g);

/**
 * Whether the group supports a member offering @p type and protocols @p names (n): an Empty
 * group needs a non-empty type and list; otherwise the type must match and one offered protocol
 * must be supported by every member (GroupMetadata.supportsProtocols).
 */
bool kc_group_supports(const kc_group *g, kc_str type, const kc_str *names, int n);

/**
 * Kafka's protocol vote (GroupMetadata.selectProtocol): candidates are the protocols every
 * member supports; each member votes for its most preferred candidate; most votes wins, ties to
 * the candidate the first member prefers most. @return the name (borrowed from a member) or NULL
 * when there are no members or no common protocol.
 */
const char *kc_group_select_protocol(const kc_group *g);

/**
 * Whether @p topic is among the topics the members subscribe to, as Kafka decides it for
 * `consumer` groups (ConsumerProtocol Subscription of the chosen protocol); true when the group
 * is not a consumer group or a subscription cannot be parsed (Kafka's "unknown" is "subscribed").
 */
bool kc_group_subscribed_to(const kc_group *g, const char *topic);

/** Whether the subscriptions of every member could be read (a consumer group with a protocol). */
bool kc_group_subscriptions_known(const kc_group *g);

/** The committed offset of (@p topic, @p partition), or NULL. */
kc_committed *kc_group_offset(const kc_group *g, const char *topic, int32_t partition);

/** The entry for (@p topic, @p partition), created (present = false) when missing. */
kc_committed *kc_group_offset_ensure(kc_group *g, const char *topic, int32_t partition);

/** Drop the entry of (@p topic, @p partition) if any. */
void kc_group_offset_remove(kc_group *g, const char *topic, int32_t partition);

/** Call @p fn for each committed entry (it may not add or remove entries). */
void kc_group_offsets_each(kc_group *g, void (*fn)(kc_committed *c, void *arg), void *arg);

#endif
