/*
 * StopReplica (5), v1, from the controller: stop serving the listed partitions; with
 * delete_partitions also remove their logs (topic deletion). The log folder is renamed away at
 * once and removed on a worker (log_manager.h), so a topic created again under the same name
 * starts from an empty folder.
 */
#include <string.h>

#include "api/dispatch.h"
#include "group/coordinator.h"
#include "broker/broker.h"
#include "broker/log_manager.h"
#include "replica/replica.h"
#include "common/log.h"
#include "kc_apis.h"
#include "proto/errors.h"

void kc_handle_stop_replica(kc_request *req)
{
    kc_broker *b = req->broker;
    kc_stop_replica_req r;
    if (kc_stop_replica_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed StopReplica request");
        return;
    }
    kc_stop_replica_resp resp = {kc_broker_check_control(b, r.controller_epoch, r.broker_epoch), 0,
                                 NULL};
    if (!resp.error_code) {
        int32_t total = 0;
        for (int32_t i = 0; i < r.topics_count; i++)
            total += r.topics[i].partition_indexes_count;
        resp.partition_errors =
            kc_arena_alloc(&req->arena, sizeof(*resp.partition_errors) * (size_t)(total + 1));
        for (int32_t i = 0; i < r.topics_count; i++) {
            kc_topic *t = kc_topics_find(&b->topics, r.topics[i].name);
            for (int32_t j = 0; j < r.topics[i].partition_indexes_count; j++) {
                int32_t id = r.topics[i].partition_indexes[j];
                kc_stop_replica_partition_error *pe =
                    &resp.partition_errors[resp.partition_errors_count++];
                *pe = (kc_stop_replica_partition_error){r.topics[i].name, id, KC_ERR_NONE};
                kc_partition *p = kc_topic_partition(t, id);
                if (!p)
                    continue; /* nothing here: already stopped (Kafka answers NONE too) */
                p->leader = -1;
                kc_replica_stop(b, p); /* no more fetching; waiters see it is not led here */
                if (t->internal && strcmp(t->name, KC_OFFSETS_TOPIC) == 0)
                    kc_coordinator_on_resign(b, p);
                if (r.delete_partitions) {
                    if (kc_log_manager_delete(b, p))
                        pe->error_code = KC_ERR_KAFKA_STORAGE_ERROR;
                    p->leader_epoch = -1;
                    t->config_loaded = false; /* a re-created topic reads its new config */
                }
            }
        }
    }
    kc_stop_replica_resp_encode(&req->out, req->hdr.api_version, &resp);
    kc_request_respond(req);
}
