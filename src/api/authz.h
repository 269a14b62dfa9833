/*
 * The authorization checks handlers make, on the principal and client address of the request's
 * connection, through the broker's authorizer (broker/acls.h; everything is allowed without
 * one). Each API's rule is declared in src/proto/apis.spec: request-wide cluster rules are
 * checked by the dispatcher (kc_dispatch_call), per-resource ones here by the handler, with
 * Kafka's error codes for what is refused (KafkaApis of Kafka 2.8). A refusal is logged at INFO,
 * rate-limited, as Kafka's kafka.authorizer.logger does for denied operations.
 */
#ifndef KC_API_AUTHZ_H
#define KC_API_AUTHZ_H

#include <stdbool.h>

#include "net/conn.h"
#include "proto/buf.h"
#include "security/acl.h"

/**
 * Whether @p req's principal may perform @p op (enum kc_acl_op) on the resource
 * (@p resource_type, @p name); @p name is the bytes the client sent (not NUL-terminated; a null
 * string is the name ""). Reactor thread.
 */
bool kc_authorized(kc_request *req, int op, int resource_type, kc_str name);

/** kc_authorized() on the one Cluster resource ("kafka-cluster"). */
bool kc_authorized_cluster(kc_request *req, int op);

/**
 * Whether @p req's principal may perform @p op on some resource of @p resource_type
 * (KIP-679's authorizeByResourceType; see kc_acls_authorize_any).
 */
bool kc_authorized_any(kc_request *req, int op, int resource_type);

/*
 * The per-name checks the group coordinator applies while it builds an answer
 * (group/coordinator.h's kc_coord_authz_fn): KC_ERR_NONE when allowed, else Kafka's error for
 * the refused item (TOPIC_ or GROUP_AUTHORIZATION_FAILED).
 */
int16_t kc_authz_topic_read(kc_request *req, kc_str topic);
int16_t kc_authz_topic_describe(kc_request *req, kc_str topic);
int16_t kc_authz_group_describe(kc_request *req, kc_str group);
int16_t kc_authz_group_delete(kc_request *req, kc_str group);

/** DescribeGroups' authorized_operations of @p group: bit 1 << op for each of READ, DESCRIBE
 *  and DELETE allowed (Kafka's authorizedOperations over AclEntry.supportedOperations(GROUP)). */
int32_t kc_authz_group_ops(kc_request *req, kc_str group);

/** Whether the broker runs an authorizer (authorizer.class.name set): DescribeAcls, CreateAcls
 *  and DeleteAcls answer SECURITY_DISABLED without one. */
bool kc_authorizer_enabled(const kc_request *req);

#endif
