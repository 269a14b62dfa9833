/*
 * The record keys and values of the internal topic `__consumer_offsets`, byte-compatible with
 * Kafka 2.8 (core/src/main/resources/common/message/{OffsetCommitKey,OffsetCommitValue,
 * GroupMetadataKey,GroupMetadataValue}.json, framed by MessageUtil.toVersionPrefixedBytes): an
 * int16 version, then the fields of that version in the classic (non-flexible) encoding,
 * big-endian — STRING = int16 length + UTF-8 (-1 = null where nullable), BYTES = int32 length +
 * data, ARRAY = int32 count + items.
 *
 *   key   v0, v1  group STRING, topic STRING, partition INT32          (offset commit)
 *   key   v2      group STRING                                         (group metadata)
 *   value OffsetCommitValue v0..v3, GroupMetadataValue v0..v3          (see the structs)
 *
 * Invariants: encoders write exactly the fields of the version they are given; decoders are
 * pure functions over a bounds-checked reader (proto/buf.h): every length and array count is
 * checked against the bytes that remain before anything is allocated (CVE-2022-34917), a
 * non-nullable field read as null is an error, and a key or value must end exactly where its
 * last field does (Kafka ignores trailing bytes; a cafka reader refuses them, as no Kafka 2.8
 * writer produces them). Decoded strings and bytes are views into the input (never copied).
 *
 * Versions Kafka 2.8 writes at inter.broker.protocol.version 2.8-IV1 (GroupMetadataManager
 * .offsetCommitValue / .groupMetadataValue): key v1 with OffsetCommitValue v3 (v1 when the
 * commit carries an expire timestamp), key v2 with GroupMetadataValue v3.
 */
#ifndef KC_OFFSETS_CODEC_H
#define KC_OFFSETS_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "proto/buf.h"

/** A decoded key: an offset commit key (version 0 or 1) or a group metadata key (version 2). */
typedef struct kc_offsets_key {
    int16_t version; /* 0 or 1 = offset commit, 2 = group metadata */
    kc_str group;
    kc_str topic;      /* offset commit keys only (null for a group key) */
    int32_t partition; /* offset commit keys only (-1 for a group key) */
} kc_offsets_key;

/**
 * Append an OffsetCommitKey, always version 1 as Kafka writes it (GroupMetadataManager
 * .offsetCommitKey): 00 01 | group | topic | partition.
 * @param w         the writer (grows; aborts on OOM)
 * @param group     the group id (not null)
 * @param topic     the topic name (not null)
 * @param partition the partition index
 */
void kc_offsets_key_encode_offset(kc_wbuf *w, kc_str group, kc_str topic, int32_t partition);

/**
 * Append a GroupMetadataKey, always version 2 (GroupMetadataManager.groupMetadataKey):
 * 00 02 | group.
 * @param group the group id (not null)
 */
void kc_offsets_key_encode_group(kc_wbuf *w, kc_str group);

/**
 * Decode the key at @p p (@p len bytes; the record's whole key).
 * @param out receives the key; its strings are views into @p p. Unspecified on failure.
 * @return 0, or -1 when the bytes are short or malformed (a null or negative-length string),
 *         the version is not 0..2 (GroupMetadataManager.readMessageKey's "unknown version"), or
 *         bytes follow the last field.
 */
int kc_offsets_key_decode(const uint8_t *p, size_t len, kc_offsets_key *out);

/** OffsetCommitValue (OffsetAndMetadata as stored). */
typedef struct kc_offset_value {
    int16_t version; /* 0..3; encode writes this version */
    int64_t offset;
    int32_t leader_epoch;     /* v3; -1 = none (decode of v0-2 gives -1) */
    kc_str metadata;          /* never null on the wire: encode writes "" for null */
    int64_t commit_timestamp; /* ms since the epoch */
    int64_t expire_timestamp; /* v1 only; -1 otherwise (decode of v0, v2, v3 gives -1) */
} kc_offset_value;

/**
 * Append OffsetCommitValue @p v in version v->version (0..3; another value is a caller bug):
 *   v0, v2: offset i64, metadata STRING, commitTimestamp i64
 *   v1:     offset i64, metadata STRING, commitTimestamp i64, expireTimestamp i64
 *   v3:     offset i64, leaderEpoch i32, metadata STRING, commitTimestamp i64
 * Fields the version lacks are not written (leader_epoch below v3, expire_timestamp but in v1).
 */
void kc_offset_value_encode(kc_wbuf *w, const kc_offset_value *v);

/**
 * Decode the OffsetCommitValue at @p p (@p len bytes; a record value, so not a tombstone: the
 * caller handles a null value, which deletes the offset).
 * @param out receives the value; metadata is a view into @p p. Unspecified on failure.
 * @return 0, or -1 on short or malformed bytes (null metadata included), a version outside
 *         0..3, or trailing bytes.
 */
int kc_offset_value_decode(const uint8_t *p, size_t len, kc_offset_value *out);

/** One member of a GroupMetadataValue. */
typedef struct kc_group_member_value {
    kc_str member_id;
    kc_str group_instance_id; /* v3+, nullable (len -1); decode of v0-2 gives null */
    kc_str client_id;
    kc_str client_host;           /* InetAddress.toString(), e.g. "/10.0.0.5" */
    int32_t rebalance_timeout_ms; /* v1+; decode of v0 gives session_timeout_ms */
    int32_t session_timeout_ms;
    kc_bytes subscription; /* the member's metadata for the chosen protocol */
    kc_bytes assignment;
} kc_group_member_value;

/** GroupMetadataValue: a group's state as stored at the end of a rebalance. */
typedef struct kc_group_value {
    int16_t version;      /* 0..3; encode writes this version */
    kc_str protocol_type; /* "" = none */
    int32_t generation;
    kc_str protocol;                 /* nullable */
    kc_str leader;                   /* nullable */
    int64_t current_state_timestamp; /* v2+; -1 = unknown (decode of v0-1 gives -1) */
    int32_t n_members;
    kc_group_member_value *members; /* n_members of them; NULL when there are none */
} kc_group_value;

/**
 * Append GroupMetadataValue @p v in version v->version (0..3; another value is a caller bug):
 * protocolType, generation, protocol, leader, [v2+ currentStateTimestamp], members (memberId,
 * [v3+ groupInstanceId], clientId, clientHost, [v1+ rebalanceTimeout], sessionTimeout,
 * subscription, assignment). A null protocol_type, member_id, client_id or client_host is
 * written as ""; a null subscription or assignment as empty bytes (the schema allows no null
 * there).
 */
void kc_group_value_encode(kc_wbuf *w, const kc_group_value *v);

/**
 * Decode the GroupMetadataValue at @p p (@p len bytes; not a tombstone).
 * @param a   the members array is allocated from it (nothing when there are no members, or
 *            when the count cannot fit in the bytes left: each member takes at least 18 bytes
 *            in v0, 22 in v1-2, 24 in v3)
 * @param out receives the value; strings and bytes are views into @p p. Unspecified on failure.
 * @return 0, or -1 on short or malformed bytes (a null where the schema has none, a member
 *         count larger than the bytes could hold, a negative length), a version outside 0..3,
 *         or trailing bytes.
 */
int kc_group_value_decode(const uint8_t *p, size_t len, kc_arena *a, kc_group_value *out);

#endif
