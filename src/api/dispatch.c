/* API key -> handler. Every key in kc_apis must have a handler here (checked by a unit test). */
#include "api/dispatch.h"

#include <stddef.h>

#include "api/authz.h"
#include "kc_apis.h"
#include "proto/errors.h"

static const struct {
    int16_t key;
    kc_handler_fn fn;
} handlers[] = {
    /* clang-format off */
    {KC_API_PRODUCE, kc_handle_produce},
    {KC_API_FETCH, kc_handle_fetch},
    {KC_API_LIST_OFFSETS, kc_handle_list_offsets},
    {KC_API_METADATA, kc_handle_metadata},
    {KC_API_API_VERSIONS, kc_handle_api_versions},
    {KC_API_CREATE_TOPICS, kc_handle_create_topics},
    {KC_API_DELETE_RECORDS, kc_handle_delete_records},
    {KC_API_LEADER_AND_ISR, kc_handle_leader_and_isr},
    {KC_API_STOP_REPLICA, kc_handle_stop_replica},
    {KC_API_UPDATE_METADATA, kc_handle_update_metadata},
    {KC_API_DELETE_TOPICS, kc_handle_delete_topics},
    {KC_API_CREATE_PARTITIONS, kc_handle_create_partitions},
    {KC_API_DESCRIBE_CONFIGS, kc_handle_describe_configs},
    {KC_API_ALTER_CONFIGS, kc_handle_alter_configs},
    {KC_API_OFFSET_FOR_LEADER_EPOCH, kc_handle_offset_for_leader_epoch},
    {KC_API_ALTER_ISR, kc_handle_alter_isr},
    {KC_API_CONTROLLED_SHUTDOWN, kc_handle_controlled_shutdown},
    {KC_API_ELECT_LEADERS, kc_handle_elect_leaders},
    {KC_API_FIND_COORDINATOR, kc_handle_find_coordinator},
    {KC_API_JOIN_GROUP, kc_handle_join_group},
    {KC_API_SYNC_GROUP, kc_handle_sync_group},
    {KC_API_HEARTBEAT, kc_handle_heartbeat},
    {KC_API_LEAVE_GROUP, kc_handle_leave_group},
    {KC_API_OFFSET_COMMIT, kc_handle_offset_commit},
    {KC_API_OFFSET_FETCH, kc_handle_offset_fetch},
    {KC_API_DESCRIBE_GROUPS, kc_handle_describe_groups},
    {KC_API_LIST_GROUPS, kc_handle_list_groups},
    {KC_API_DELETE_GROUPS, kc_handle_delete_groups},
    {KC_API_OFFSET_DELETE, kc_handle_offset_delete},
    {KC_API_INIT_PRODUCER_ID, kc_handle_init_producer_id},
    {KC_API_SASL_HANDSHAKE, kc_handle_sasl_handshake},
    {KC_API_SASL_AUTHENTICATE, kc_handle_sasl_authenticate},
    {KC_API_DESCRIBE_USER_SCRAM_CREDENTIALS, kc_handle_describe_user_scram_credentials},
    {KC_API_ALTER_USER_SCRAM_CREDENTIALS, kc_handle_alter_user_scram_credentials},
    {KC_API_DESCRIBE_ACLS, kc_handle_describe_acls},
    {KC_API_CREATE_ACLS, kc_handle_create_acls},
    {KC_API_DELETE_ACLS, kc_handle_delete_acls},
    /* clang-format on */
};

kc_handler_fn kc_dispatch_find(int16_t api_key)
{
    for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
        if (handlers[i].key == api_key)
            return handlers[i].fn;
    return NULL;
}

void kc_dispatch_call(kc_request *req, const kc_api_info *api, kc_handler_fn fn)
{
    if (api->cluster_op && !kc_authorized_cluster(req, api->cluster_op)) {
        kc_api_encode_error_response(req->hdr.api_key, req->hdr.api_version,
                                     KC_ERR_CLUSTER_AUTHORIZATION_FAILED, &req->out);
        kc_request_respond(req);
        return;
    }
    fn(req);
}
