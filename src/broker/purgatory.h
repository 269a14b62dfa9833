/*
 * The one purgatory of delayed operations (Kafka's DelayedOperationPurgatory): a request that
 * cannot be answered yet (a fetch waiting for min_bytes, an acks=all produce waiting for the
 * ISR, an admin request waiting for the metadata cache) becomes an operation watched under one
 * or more keys (a partition, the metadata cache, later a group) with a timer. Whoever changes
 * what a key stands for calls kc_purgatory_check(key); every operation watching it is asked
 * whether it can finish now. Each operation completes exactly once: ready, expired, cancelled
 * because its connection closed, or at shutdown.
 *
 * Reactor thread only. Keys are opaque pointers compared by identity (kc_partition *,
 * &b->metadata).
 */
#ifndef KC_PURGATORY_H
#define KC_PURGATORY_H

#include <stdbool.h>
#include <stdint.h>

struct kc_broker;
struct kc_request;

typedef struct kc_purgatory kc_purgatory;
typedef struct kc_delayed kc_delayed;

typedef struct kc_delayed_ops {
    /** Whether the operation can finish now (Kafka's tryComplete condition). No side effects. */
    bool (*ready)(struct kc_broker *b, void *arg);
    /**
     * Finish the operation, once: @p expired is true when its timeout passed first, its
     * connection closed (the answer then goes nowhere) or the broker is shutting down. The
     * operation is no longer watched when this runs; it may free @p arg.
     */
    void (*complete)(struct kc_broker *b, void *arg, bool expired);
} kc_delayed_ops;

/** A purgatory on @p b's reactor. @return it (kc_purgatory_free()); aborts on OOM. */
kc_purgatory *kc_purgatory_new(struct kc_broker *b);

/**
 * Watch an operation under @p n_keys keys (@p keys copied; duplicates allowed; none = only
 * expiry and kc_purgatory_expire_all() complete it) for at most
 * @p timeout_ms (>= 0). The caller has checked that it is not ready yet. When @p req is given
 * (the request the operation answers), the operation completes (expired) as soon as that
 * request's connection closes, through req->on_orphan.
 * @return the operation (owned by the purgatory until it completes).
 */
kc_delayed *kc_purgatory_watch(kc_purgatory *pg, const void *const *keys, int n_keys,
                               int64_t timeout_ms, const kc_delayed_ops *ops, void *arg,
                               struct kc_request *req);

/** Something @p key stands for changed: complete every operation watching it that is ready. */
void kc_purgatory_check(kc_purgatory *pg, const void *key);

/**
 * Like kc_purgatory_check(), later in this turn of the loop: after every callback already due
 * (the rest of what one read brought, the other sockets that were ready), once per key however
 * often it was asked for. For the appends of a busy partition: one follower fetch answered with
 * the batches of several produce requests is one round instead of several, where Kafka's request
 * handler threads would each complete it at once. Only a key that operations watch now is kept;
 * an operation watched after this call is still checked with the rest.
 */
void kc_purgatory_check_soon(kc_purgatory *pg, const void *key);

/** Number of operations waiting (tests, metrics). */
int kc_purgatory_size(const kc_purgatory *pg);

/** Complete every operation as expired (shutdown), including ones added meanwhile. */
void kc_purgatory_expire_all(kc_purgatory *pg);

/** Free the purgatory; it must be empty (kc_purgatory_expire_all() first). */
void kc_purgatory_free(kc_purgatory *pg);

#endif
