/*
 * Kafka request and response headers (protocol guide, "Headers"; KIP-482, KIP-511).
 * Request header v1: api_key, api_version, correlation_id, client_id (int16-length nullable
 * string); v2 adds tagged fields and is used for flexible versions. Response header v0 is the
 * correlation id; v1 adds tagged fields, except that ApiVersions always answers with v0.
 */
#ifndef KC_HEADER_H
#define KC_HEADER_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/buf.h"

typedef struct kc_req_header {
    int16_t api_key;
    int16_t api_version;
    int32_t correlation_id;
    kc_str client_id; /* view into the frame; null client ids read as "" */
    bool flexible;    /* request header v2 was used: the body is flexible too */
} kc_req_header;

/**
 * Parse a request header from @p r (positioned at the start of the frame after its size).
 * Flexibility is decided by kc_api_is_flexible() on the key and version; for an unknown key or
 * a too-new ApiVersions (which must still be answered, KIP-511) the header is treated as
 * flexible when ApiVersions >= 3, since that is how clients send it.
 * @return 0, or -1 when the header is truncated (the connection must be closed).
 */
int kc_req_header_parse(kc_rbuf *r, kc_req_header *h);

/**
 * Append a request header for (@p api_key, @p api_version) to @p w: v1, or v2 (an empty tag
 * buffer after the client id, which stays an int16-length string) when that version is flexible.
 * The caller writes the size prefix and the body around it.
 */
void kc_req_header_write(kc_wbuf *w, int16_t api_key, int16_t api_version, int32_t correlation_id,
                         const char *client_id);

/** How much of a frame kc_req_waited_for() needs at most: a request header v1 with a client id
 * of up to 64 bytes (cafka's fetchers use short ones), then a replica_id. */
#define KC_REQ_WAITED_FOR_PEEK_BYTES (10 + 64 + 4)

/**
 * Whether the request whose frame (after its size prefix) starts with the @p n bytes at @p p is
 * one that delayed requests wait for, so that the broker's admission limits (queued.max.requests,
 * queued.max.request.bytes) must never hold it back behind them:
 * - a follower's Fetch and OffsetForLeaderEpoch (v3+: replica_id >= 0): acks=all produces and
 *   offset commits wait for the high watermark they move, and a truncating follower asks for
 *   epochs before it fetches; a consumer's (replica_id -1) is not;
 * - the cluster actions LeaderAndIsr, StopReplica, UpdateMetadata (admin requests wait for the
 *   metadata it brings), ControlledShutdown and AlterIsr, which Kafka keeps apart on
 *   control.plane.listener.name;
 * - ApiVersions, with which peers open the connections those come on (answered at once; the
 *   SASL exchange that may follow passes as every frame before authentication does, net/conn.c).
 * Any peer could send these, so a spoofed one gains only what the per-connection limits allow.
 * False when the bytes do not tell: fewer than 2, or a replica_id beyond @p n (a client id
 * longer than KC_REQ_WAITED_FOR_PEEK_BYTES leaves room for). Neither Fetch (0-11) nor
 * OffsetForLeaderEpoch (0-3) is flexible in the versions cafka serves: request header v1.
 */
bool kc_req_waited_for(const uint8_t *p, size_t n);

/** True when the response to (@p api_key, @p api_version) uses response header v1. */
bool kc_resp_header_flexible(int16_t api_key, int16_t api_version);

#endif
