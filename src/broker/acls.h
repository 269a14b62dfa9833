/*
 * The broker's authorizer, as Kafka 2.8's ZooKeeper-mode AclAuthorizer runs it: the ACL cache
 * (security/acl.h's kc_acl_store) filled from `/kafka-acl*` before the listeners start, kept
 * current through the change notifications under `/kafka-acl-changes` (literal patterns) and
 * `/kafka-acl-extended-changes` (prefixed ones), and the writer behind CreateAcls / DeleteAcls
 * (AclAuthorizer.updateResourceAcls: a read-modify-write of one pattern's znode, conditional on
 * its version, then a change notification so that every broker re-reads it).
 *
 * With no authorizer configured (authorizer.class.name empty) b->acls is NULL and every
 * request is allowed, as Kafka does without an authorizer. Reactor thread only after start-up.
 */
#ifndef KC_BROKER_ACLS_H
#define KC_BROKER_ACLS_H

#include <stdbool.h>
#include <stdint.h>

#include "broker/broker.h"
#include "security/acl.h"

typedef struct kc_acls kc_acls;

/**
 * When cfg->authorizer, set b->acls up: check super.users, create Kafka's ACL folders
 * (`/kafka-acl/<Type>`, `/kafka-acl-extended/prefixed/<Type>`, both change folders:
 * KafkaZkClient.createAclPaths) and read every ACL, blocking (start-up only, before the listeners
 * accept). Otherwise leave b->acls NULL.
 * @return 0, or -1 after logging why: super.users malformed (the message names the key), or
 *         ZooKeeper failing. A malformed ACL znode is logged and read as holding no ACL.
 */
int kc_acls_load(kc_broker *b);

/** Follow the ACL change notifications (after kc_acls_load, once the reactor is set up). */
void kc_acls_start(kc_broker *b);

/** A watch event from broker.c's on_zk_watch (child events on the change folders). */
void kc_acls_on_watch(kc_broker *b, int type, const char *path);

/** Free b->acls (after the ZooKeeper session is closed; NULL is fine). */
void kc_acls_free(kc_broker *b);

/**
 * Whether @p principal ("User:alice") connected from @p host may perform @p op (enum kc_acl_op)
 * on the resource (@p resource_type, @p name): always true without an authorizer, else
 * kc_acl_authorize() over the cache with super.users and allow.everyone.if.no.acl.found.
 */
bool kc_acls_authorize(const kc_broker *b, const char *principal, const char *host, int op,
                       int resource_type, const char *name);

/**
 * Whether @p principal from @p host may perform @p op on at least one resource of
 * @p resource_type (Kafka 2.8's Authorizer.authorizeByResourceType, KIP-679; InitProducerId
 * lets an idempotent producer holding WRITE on some topic in). Only ACEs naming the principal
 * (or User:*), the host (or *) and @p op or ALL count; nothing is implied. In order: a super user
 * is allowed; a DENY on the literal "*" refuses; allow.everyone.if.no.acl.found allows; with no
 * DENY any ALLOW allows; otherwise an ALLOW must survive: a prefix with no denied prefix of it,
 * or a literal that is "*" or has neither an equal denied literal nor a denied prefix of it.
 */
bool kc_acls_authorize_any(const kc_broker *b, const char *principal, const char *host, int op,
                           int resource_type);

/** The ACL cache (DescribeAcls, DeleteAcls), or NULL without an authorizer. Borrowed until the
 *  next reactor callback. */
const kc_acl_store *kc_acls_store(const kc_broker *b);

/**
 * The change to one pattern's entries: called with the entries its znode holds now (@p n of
 * them at @p cur, borrowed), fills @p out with the entries to keep (empty @p out: delete the
 * znode). May be called several times (once per attempt after a concurrent write).
 */
typedef void (*kc_acls_edit_fn)(const kc_acl_entry *cur, int n, kc_acl_entries *out, void *arg);

/** Called once on the reactor: KC_ERR_NONE, or an error code with a message (borrowed). */
typedef void (*kc_acls_done_fn)(int16_t error_code, const char *message, void *arg);

/**
 * Rewrite pattern @p p's znode with what @p edit makes of its current entries, conditional on
 * the version read (a concurrent writer makes it read and edit again, at most 10 times as
 * Kafka's maxUpdateRetries), creating or deleting the znode as needed; then update the cache
 * and create the change notification. Nothing is written when the entries do not change.
 * @p p is copied. @p done runs exactly once (at once for a refused pattern, else later):
 * KC_ERR_NONE; KC_ERR_SECURITY_DISABLED without an authorizer; KC_ERR_INVALID_REQUEST for a
 * pattern with no znode (kc_acl_znode_path refuses it) or a string that is not UTF-8; or
 * KC_ERR_UNKNOWN_SERVER_ERROR when ZooKeeper failed, the stored ACLs are malformed or the
 * retries ran out.
 */
void kc_acls_update(kc_broker *b, const kc_acl_pattern *p, kc_acls_edit_fn edit, void *edit_arg,
                    kc_acls_done_fn done, void *done_arg);

#endif
