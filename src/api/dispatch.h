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

#endif
