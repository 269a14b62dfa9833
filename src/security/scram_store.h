/*
 * The SCRAM credentials this broker accepts, per user and mechanism, as ZooKeeper keeps them in
 * `/config/users/<user>` ({"version":1,"config":{"SCRAM-SHA-256":"salt=...,stored_key=...,
 * server_key=...,iterations=..."}}, Kafka's ScramCredentialUtils format). Filled at start-up
 * and on every `users/<user>` change notification (broker/config_changes.c), read by SCRAM
 * authentication and DescribeUserScramCredentials. Reactor thread only. A user without any
 * credential is not kept.
 */
#ifndef KC_SCRAM_STORE_H
#define KC_SCRAM_STORE_H

#include "security/scram.h"

typedef struct kc_scram_store kc_scram_store;

/** An empty store. Aborts on OOM. */
kc_scram_store *kc_scram_store_new(void);

/** Free @p s and every credential (NULL is fine). */
void kc_scram_store_free(kc_scram_store *s);

/**
 * Replace every credential of @p user with those in @p json (the payload of
 * `/config/users/<user>`, @p len bytes; NULL or 0 bytes: the znode is gone). Keys other than
 * SCRAM-SHA-256 and SCRAM-SHA-512 (quotas) are ignored.
 * @return the number of credentials kept for @p user, or -1 when the payload or one of its
 *         credentials is malformed (logged, without the secret; the well-formed ones are kept).
 */
int kc_scram_store_update(kc_scram_store *s, const char *user, const char *json, int len);

/** The credential of @p user for @p mech (KC_SCRAM_SHA_256/512), or NULL. Valid until the next
 *  update of that user. */
const kc_scram_credential *kc_scram_store_get(const kc_scram_store *s, const char *user, int mech);

/** Number of users with at least one credential. */
int kc_scram_store_count(const kc_scram_store *s);

/** The name of user @p i (0 <= i < count; the order changes with updates). Borrowed. */
const char *kc_scram_store_user(const kc_scram_store *s, int i);

#endif
