/*
 * The dispatch table: API key -> handler. Version ranges come from the generated kc_apis table
 * (one declaration in src/proto/apis.spec), so ApiVersions and dispatch cannot disagree.
 * A handler decodes its body, does the work, appends the response body to req->out and calls
 * kc_request_respond() — at once or later, from the reactor (delayed operations).
 */
#ifndef KC_DISPATCH_H
#define KC_DISPATCH_H

#include <stdint.h>

#include "net/conn.h"

typedef void (*kc_handler_fn)(kc_request *req);

/** The handler of @p api_key, or NULL when cafka does not serve that API. */
kc_handler_fn kc_dispatch_find(int16_t api_key);

struct kc_api_info;

/**
 * Run @p req (header parsed, version in range, response header written) through the
 * authorization its API declares in apis.spec and then its handler @p fn: an API with a
 * request-wide rule (api->cluster_op) whose principal lacks that operation on the Cluster is
 * answered CLUSTER_AUTHORIZATION_FAILED here, in its response's top-level error_code, and never
 * reaches the handler (Kafka's authorizeClusterOperation); the handler checks the rest.
 */
void kc_dispatch_call(kc_request *req, const struct kc_api_info *api, kc_handler_fn fn);

void kc_handle_api_versions(kc_request *req);
void kc_handle_metadata(kc_request *req);
void kc_handle_produce(kc_request *req);
void kc_handle_fetch(kc_request *req);
void kc_handle_list_offsets(kc_request *req);
void kc_handle_create_topics(kc_request *req);
void kc_handle_delete_records(kc_request *req);
void kc_handle_leader_and_isr(kc_request *req);
void kc_handle_stop_replica(kc_request *req);
void kc_handle_update_metadata(kc_request *req);
void kc_handle_delete_topics(kc_request *req);
void kc_handle_create_partitions(kc_request *req);
void kc_handle_describe_configs(kc_request *req);
void kc_handle_alter_configs(kc_request *req);
void kc_handle_offset_for_leader_epoch(kc_request *req);
void kc_handle_alter_isr(kc_request *req);
void kc_handle_controlled_shutdown(kc_request *req);
void kc_handle_elect_leaders(kc_request *req);
void kc_handle_find_coordinator(kc_request *req);
void kc_handle_init_producer_id(kc_request *req);
void kc_handle_join_group(kc_request *req);
void kc_handle_sync_group(kc_request *req);
void kc_handle_heartbeat(kc_request *req);
void kc_handle_leave_group(kc_request *req);
void kc_handle_offset_commit(kc_request *req);
void kc_handle_offset_fetch(kc_request *req);
void kc_handle_describe_groups(kc_request *req);
void kc_handle_list_groups(kc_request *req);
void kc_handle_delete_groups(kc_request *req);
void kc_handle_offset_delete(kc_request *req);
void kc_handle_sasl_handshake(kc_request *req);
void kc_handle_sasl_authenticate(kc_request *req);
void kc_handle_describe_user_scram_credentials(kc_request *req);
void kc_handle_alter_user_scram_credentials(kc_request *req);
void kc_handle_describe_acls(kc_request *req);
void kc_handle_create_acls(kc_request *req);
void kc_handle_delete_acls(kc_request *req);

/**
 * Hand @p req to the controller thread (controller_call.c): @p body is where its body starts
 * (the rest of the frame); the controller's answer is appended to req->out and sent from the
 * reactor. Only for the APIs kc_controller_submit() serves.
 */
void kc_api_to_controller(kc_request *req, const uint8_t *body);

#endif
