/*
 * Incremental fetch sessions (KIP-227; Kafka's FetchSession.scala, FetchSessionCache,
 * FetchMetadata.java): the broker's cache of fetch sessions. A session remembers the partitions
 * a fetcher reads (in order) with the request fields last sent for each and the high watermark
 * and log start offset last answered, so that an incremental Fetch (id, epoch > 0) lists only
 * what changed and its response only the partitions with something new.
 *
 * Pure data structure: no I/O, no clock, no libevent. Times are milliseconds passed in by the
 * caller and must not go backwards between calls (the LRU order is the order of the touches).
 * Reactor thread only (not thread-safe).
 *
 * Invariants: session ids are unique, in [1, 2^31-1], drawn from a PRNG seeded at creation; the
 * cache holds at most max_slots sessions; a session's partitions are unique by (topic,
 * partition), kept in a doubly linked list (their order) and in a hash table (lookup), both
 * owned by the session; every session is on the cache's LRU list, least recently used first
 * (mirrors excepted: they belong to a fetcher, not to a cache).
 * A session's serial (a counter of the cache, never reused) tells it apart from a later session
 * that happens to draw the same id.
 */
#ifndef KC_FETCH_SESSION_H
#define KC_FETCH_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "proto/buf.h"
#include "proto/errors.h"

/** Minimum age for eviction (KafkaServer.MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS). */
#define KC_FETCH_SESSION_EVICTION_MS 120000
/** Default of max.incremental.fetch.session.cache.slots. */
#define KC_FETCH_SESSION_DEFAULT_SLOTS 1000

/* FetchMetadata: no session / the full fetch that opens one / the one that closes it */
#define KC_FETCH_SESSION_INVALID_ID    0
#define KC_FETCH_SESSION_INITIAL_EPOCH 0
#define KC_FETCH_SESSION_FINAL_EPOCH   (-1)

/** One partition of a session (Kafka's CachedPartition). Owned by its session. */
typedef struct kc_fs_partition {
    int32_t partition;
    /* from the requests */
    int32_t max_bytes;
    int64_t fetch_offset;
    int64_t log_start_offset; /* the fetcher's, -1 for consumers */
    int32_t current_leader_epoch;
    /* from the responses: last sent, -1 when added (or after an error, for the HW) */
    int64_t high_watermark;
    int64_t local_log_start_offset;
    TAILQ_ENTRY(kc_fs_partition) order; /* session order */
    struct kc_fs_partition *hnext;      /* hash chain */
    uint32_t hash;
    int32_t topic_len;
    char topic[]; /* topic_len bytes, not NUL-terminated */
} kc_fs_partition;

/** One session. Owned by its cache. */
typedef struct kc_fetch_session {
    int32_t id;
    uint64_t serial; /* unique for the cache's life */
    bool privileged; /* created by a follower (replica_id >= 0) */
    int64_t created_ms, last_used_ms;
    int32_t epoch;                                  /* the next epoch expected from the fetcher */
    int32_t size;                                   /* partitions */
    TAILQ_HEAD(kc_fs_order, kc_fs_partition) order; /* oldest sent first */
    kc_fs_partition **buckets;                      /* n_buckets, a power of two */
    uint32_t n_buckets;
    TAILQ_ENTRY(kc_fetch_session) lru; /* cache's LRU list */
    struct kc_fetch_session *id_next;  /* cache's id hash chain */
} kc_fetch_session;

typedef struct kc_fetch_session_cache kc_fetch_session_cache;

/** The request fields a session caches per partition (§4.2). */
typedef struct kc_fs_fetch_data {
    int32_t max_bytes;
    int64_t fetch_offset;
    int64_t log_start_offset;
    int32_t current_leader_epoch;
} kc_fs_fetch_data;

/** What a Fetch's (session_id, epoch) asks for (KIP-227 §4.1, FetchManager.newContext). */
typedef enum kc_fs_mode {
    KC_FS_SESSIONLESS, /* full fetch, no session: (0, -1), (ID, -1) after closing ID */
    KC_FS_FULL, /* full fetch, create a session when the response is built: (0, 0), (ID, 0) */
    KC_FS_INCREMENTAL, /* (ID, N) with N the session's epoch */
    KC_FS_ERROR,       /* FETCH_SESSION_ID_NOT_FOUND or INVALID_FETCH_SESSION_EPOCH */
} kc_fs_mode;

/**
 * A cache of at most @p max_slots sessions (max.incremental.fetch.session.cache.slots; 0 = no
 * session is ever created; negative is taken as 0). Ids are drawn from a PRNG seeded with
 * @p seed (same seed, same ids: tests). Eviction minimum age KC_FETCH_SESSION_EVICTION_MS.
 * @return the cache (kc_fetch_session_cache_free()); aborts on OOM.
 */
kc_fetch_session_cache *kc_fetch_session_cache_new(int32_t max_slots, uint64_t seed);

/** Free @p c and every session in it. NULL is accepted. */
void kc_fetch_session_cache_free(kc_fetch_session_cache *c);

/** Number of sessions cached. */
int32_t kc_fetch_session_cache_size(const kc_fetch_session_cache *c);

/** The session @p id, or NULL (0 and unknown ids). Borrowed: valid until it is removed. */
kc_fetch_session *kc_fetch_session_get(kc_fetch_session_cache *c, int32_t id);

/** Remove and free session @p id if cached. @return whether it was. */
bool kc_fetch_session_remove(kc_fetch_session_cache *c, int32_t id);

/**
 * The decision table of KIP-227 §4.1 for a Fetch v7+ with @p session_id and @p epoch (Fetch
 * v0-6 read as (0, -1)). (ID, 0) and (ID, -1) close session ID first. For (ID, N) any other
 * epoch, unknown ID is FETCH_SESSION_ID_NOT_FOUND (70), N other than the session's epoch
 * INVALID_FETCH_SESSION_EPOCH (71); the session is kept either way.
 * @param out  receives the session for KC_FS_INCREMENTAL, else NULL. Borrowed.
 * @param err  receives 70 or 71 for KC_FS_ERROR, else 0.
 * The caller then applies the request (kc_fetch_session_update/forget/commit) for
 * KC_FS_INCREMENTAL, or kc_fetch_session_create when the full response is built for KC_FS_FULL.
 */
kc_fs_mode kc_fetch_session_begin(kc_fetch_session_cache *c, int32_t session_id, int32_t epoch,
                                  kc_fetch_session **out, int16_t *err);

/** The epoch that follows @p epoch: N+1, and 1 after INT32_MAX (FetchMetadata.nextEpoch). */
int32_t kc_fetch_session_next_epoch(int32_t epoch);

/**
 * Create a session for a full fetch of @p n_partitions partitions from a follower
 * (@p privileged) or a consumer at @p now_ms, evicting one if the cache is full (§4.5: the
 * least recently used if idle more than 120 s, else the smallest evictable (privileged, size,
 * id) key if the new key (privileged, n_partitions, 0) is larger). The caller then adds the
 * partitions (kc_fetch_session_update, kc_fetch_session_sent). The new session's epoch is 1.
 * @return the session (borrowed), or NULL when the cache has no room: answer session_id 0.
 */
kc_fetch_session *kc_fetch_session_create(kc_fetch_session_cache *c, bool privileged,
                                          int32_t n_partitions, int64_t now_ms);

/**
 * A session outside any cache: a fetcher's mirror of the partitions and request fields that its
 * leader's session holds (Kafka's FetchSessionHandler.sessionPartitions), so that an incremental
 * Fetch lists only what changed. Only the partition calls below apply to it (id 0, no epoch,
 * no LRU). @p n_partitions_hint sizes its hash table. @return the mirror
 * (kc_fetch_session_mirror_free()); aborts on OOM.
 */
kc_fetch_session *kc_fetch_session_mirror_new(int32_t n_partitions_hint);

/** Remove every partition of mirror @p s (the leader's session was closed or replaced). */
void kc_fetch_session_mirror_clear(kc_fetch_session *s);

/** Free mirror @p s. NULL is accepted. */
void kc_fetch_session_mirror_free(kc_fetch_session *s);

/** The partition (@p topic, @p partition) of @p s, or NULL. O(1): by hash. */
kc_fs_partition *kc_fetch_session_find(kc_fetch_session *s, kc_str topic, int32_t partition);

/**
 * §4.3 step 1: add (@p topic, @p partition) at the tail of @p s with @p d and HW/log start
 * offset -1, or update its request fields in place when already there. @p topic is copied.
 * @return the partition (owned by @p s); aborts on OOM.
 */
kc_fs_partition *kc_fetch_session_update(kc_fetch_session *s, kc_str topic, int32_t partition,
                                         const kc_fs_fetch_data *d);

/** §4.3 step 2: remove (@p topic, @p partition) from @p s. @return whether it was there. */
bool kc_fetch_session_forget(kc_fetch_session *s, kc_str topic, int32_t partition);

/**
 * §4.3 steps 3-4, after the updates and forgets of an incremental request: an empty session is
 * removed (and freed: @p s is then invalid) and false returned (serve the request without a
 * session, session_id 0); otherwise the session is touched at @p now_ms (LRU), its epoch bumped,
 * and true returned.
 */
bool kc_fetch_session_commit(kc_fetch_session_cache *c, kc_fetch_session *s, int64_t now_ms);

/**
 * Mark @p s used at @p now_ms: moves it to the most recently used end of the LRU list.
 * Non-decreasing times expected.
 */
void kc_fetch_session_touch(kc_fetch_session_cache *c, kc_fetch_session *s, int64_t now_ms);

/**
 * The inclusion rule of §4.4 for cached partition @p p of @p s answered with @p error,
 * @p high_watermark, @p log_start_offset and @p has_records (records, a preferred read replica
 * or a diverging epoch also count): included when any is set/nonzero or the HW or log start
 * offset differ from what was last sent. Updates what was last sent (the HW to -1 on an error,
 * so that the partition is resent once the error clears); when @p incremental and included,
 * moves @p p to the tail of the session (the order rotates). A full response passes
 * @p incremental false: every partition is answered, only the cached values change.
 * @return whether the partition goes in the response.
 */
bool kc_fetch_session_sent(kc_fetch_session *s, kc_fs_partition *p, int16_t error,
                           int64_t high_watermark, int64_t log_start_offset, bool has_records,
                           bool incremental);

#endif
