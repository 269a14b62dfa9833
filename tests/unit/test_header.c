/* Request header v1/v2 parsing and the response header rule (src/proto/header.h). */
#include <criterion/criterion.h>

#include <string.h>

#include "kc_apis.h"
#include "proto/header.h"

/* Metadata v1 request header (v1: no tags) followed by a 4-byte body. */
static const uint8_t metadata_v1[] = {
    0x00, 0x03,                                 /* api_key 3 */
    0x00, 0x01,                                 /* api_version 1 */
    0x00, 0x00, 0x00, 0x07,                     /* correlation_id 7 */
    0x00, 0x06, 'c',  'l',  'i', 'e', 'n', 't', /* client_id "client" */
    0xFF, 0xFF, 0xFF, 0xFF,                     /* body: topics = null */
};

/* ApiVersions v3 request: header v2 with a tagged field, then the flexible body. */
static const uint8_t api_versions_v3[] = {
    0x00, 0x12,                  /* api_key 18 */
    0x00, 0x03,                  /* api_version 3 */
    0x00, 0x00, 0x01, 0x02,      /* correlation_id 258 */
    0x00, 0x03, 'a',  'd',  'm', /* client_id "adm" (classic nullable string even in v2) */
    0x01,                        /* one tagged field */
    0x07, 0x02, 0xEE, 0xEE,      /* tag 7, 2 bytes */
    0x04, 'l',  'i',  'b',       /* body: client_software_name "lib" (compact) */
    0x04, '1',  '.',  '0',       /* client_software_version "1.0" */
    0x00,                        /* body tags */
};

Test(header, request_v1)
{
    kc_rbuf r;
    kc_rbuf_init(&r, metadata_v1, sizeof(metadata_v1));
    kc_req_header h;
    memset(&h, 0xAB, sizeof(h));
    cr_assert_eq(kc_req_header_parse(&r, &h), 0);
    cr_assert_eq(h.api_key, 3);
    cr_assert_eq(h.api_version, 1);
    cr_assert_eq(h.correlation_id, 7);
    cr_assert(kc_str_eq(h.client_id, "client"));
    cr_assert_eq(h.flexible, false);
    cr_assert_eq(kc_rbuf_remaining(&r), 4, "reader must stop at the body");
    cr_assert_eq(kc_rbuf_i32(&r), -1);
}

Test(header, null_client_id_reads_as_empty)
{
    static const uint8_t b[] = {0x00, 0x00, 0x00, 0x03, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    kc_rbuf r;
    kc_rbuf_init(&r, b, sizeof(b));
    kc_req_header h;
    cr_assert_eq(kc_req_header_parse(&r, &h), 0);
    cr_assert_eq(h.api_key, 0);
    cr_assert_eq(h.api_version, 3);
    cr_assert_eq(h.correlation_id, INT32_MAX);
    cr_assert_eq(h.client_id.len, 0);
    cr_assert_not_null(h.client_id.p);
    cr_assert(kc_str_eq(h.client_id, ""));
    cr_assert_eq(kc_rbuf_remaining(&r), 0);
}

Test(header, negative_correlation_id)
{
    static const uint8_t b[] = {0x00, 0x12, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFE, 0x00, 0x00};
    kc_rbuf r;
    kc_rbuf_init(&r, b, sizeof(b));
    kc_req_header h;
    cr_assert_eq(kc_req_header_parse(&r, &h), 0);
    cr_assert_eq(h.correlation_id, -2);
    cr_assert_eq(h.flexible, false, "ApiVersions v0 uses header v1");
}

Test(header, request_v2_api_versions_v3)
{
    kc_rbuf r;
    kc_rbuf_init(&r, api_versions_v3, sizeof(api_versions_v3));
    kc_req_header h;
    cr_assert_eq(kc_req_header_parse(&r, &h), 0);
    cr_assert_eq(h.api_key, 18);
    cr_assert_eq(h.api_version, 3);
    cr_assert_eq(h.correlation_id, 258);
    cr_assert(kc_str_eq(h.client_id, "adm"));
    cr_assert_eq(h.flexible, true);
    cr_assert_eq(kc_rbuf_remaining(&r), 9, "the tagged field must be skipped");
    /* and the body decodes from there */
    kc_arena a = KC_ARENA_INIT;
    kc_api_versions_req req;
    cr_assert_eq(kc_api_versions_req_decode(&r, h.api_version, &req, &a), 0);
    cr_assert(kc_str_eq(req.client_software_name, "lib"));
    cr_assert(kc_str_eq(req.client_software_version, "1.0"));
    kc_arena_free(&a);
}

Test(header, api_versions_newer_than_supported_is_flexible)
{
    /* KIP-511: a client may send ApiVersions v4+; the header is still v2 */
    static const uint8_t b[] = {0x00, 0x12, 0x00, 0x07, 0x00, 0x00, 0x00,
                                0x09, 0x00, 0x01, 'x',  0x00, 0x55};
    kc_rbuf r;
    kc_rbuf_init(&r, b, sizeof(b));
    kc_req_header h;
    cr_assert_eq(kc_req_header_parse(&r, &h), 0);
    cr_assert_eq(h.api_version, 7);
    cr_assert_eq(h.flexible, true);
    cr_assert_eq(kc_rbuf_remaining(&r), 1);
}

Test(header, unknown_api_key_parses_as_v1)
{
    static const uint8_t b[] = {0x03, 0xE7, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00};
    kc_rbuf r;
    kc_rbuf_init(&r, b, sizeof(b));
    kc_req_header h;
    cr_assert_eq(kc_req_header_parse(&r, &h), 0);
    cr_assert_eq(h.api_key, 999);
    cr_assert_eq(h.flexible, false);
}

Test(header, truncated_v1_fails_at_every_length)
{
    size_t header_len = sizeof(metadata_v1) - 4;
    for (size_t n = 0; n < header_len; n++) {
        kc_rbuf r;
        kc_rbuf_init(&r, metadata_v1, n);
        kc_req_header h;
        cr_assert_eq(kc_req_header_parse(&r, &h), -1, "prefix of %zu bytes accepted", n);
    }
}

Test(header, truncated_v2_fails_at_every_length)
{
    size_t header_len = sizeof(api_versions_v3) - 9;
    for (size_t n = 0; n < header_len; n++) {
        kc_rbuf r;
        kc_rbuf_init(&r, api_versions_v3, n);
        kc_req_header h;
        cr_assert_eq(kc_req_header_parse(&r, &h), -1, "prefix of %zu bytes accepted", n);
    }
}

Test(header, response_header_version)
{
    /* ApiVersions always answers with response header v0, even when flexible */
    cr_assert_eq(kc_resp_header_flexible(18, 3), false);
    cr_assert_eq(kc_resp_header_flexible(18, 0), false);
    /* none of the other implemented versions are flexible */
    cr_assert_eq(kc_resp_header_flexible(0, 7), false);
    cr_assert_eq(kc_resp_header_flexible(1, 11), false);
    cr_assert_eq(kc_resp_header_flexible(3, 5), false);
    cr_assert_eq(kc_resp_header_flexible(19, 4), false);
    cr_assert_eq(kc_resp_header_flexible(999, 0), false);
}

Test(header, api_flexibility_table)
{
    cr_assert(kc_api_is_flexible(18, 3));
    cr_assert_not(kc_api_is_flexible(18, 2));
    cr_assert_not(kc_api_is_flexible(0, 7));
    cr_assert_not(kc_api_is_flexible(999, 10));
}

/* A Fetch request's first bytes: header v1 with client id @p id, then replica_id. */
static size_t fetch_head(uint8_t *p, const char *id, int32_t replica_id)
{
    size_t n = strlen(id);
    uint8_t h[] = {0x00, 0x01, 0x00, 0x0B, 0, 0, 0, 9, (uint8_t)(n >> 8), (uint8_t)n};
    memcpy(p, h, sizeof(h));
    memcpy(p + sizeof(h), id, n);
    uint32_t r = (uint32_t)replica_id;
    uint8_t rb[] = {(uint8_t)(r >> 24), (uint8_t)(r >> 16), (uint8_t)(r >> 8), (uint8_t)r};
    memcpy(p + sizeof(h) + n, rb, 4);
    return sizeof(h) + n + 4;
}

Test(header, a_followers_fetch_is_waited_for_a_consumers_is_not)
{
    uint8_t p[256];
    size_t n = fetch_head(p, "broker-2-fetcher-0", 2);
    cr_assert(kc_req_waited_for(p, n));
    cr_assert_not(kc_req_waited_for(p, n - 1), "replica_id not all there: cannot tell");
    n = fetch_head(p, "rdkafka", -1);
    cr_assert_not(kc_req_waited_for(p, n), "a consumer's fetch");
    /* a null client id (length -1) puts replica_id right after the length */
    n = fetch_head(p, "", 0);
    p[8] = p[9] = 0xFF;
    cr_assert(kc_req_waited_for(p, n));
    /* a client id longer than the peek allows: the replica id lies beyond it */
    char id[100];
    memset(id, 'x', sizeof(id) - 1);
    id[sizeof(id) - 1] = 0;
    n = fetch_head(p, id, 1);
    cr_assert_not(kc_req_waited_for(p, KC_REQ_WAITED_FOR_PEEK_BYTES));
    cr_assert(kc_req_waited_for(p, n));
}

Test(header, a_followers_offset_for_leader_epoch_is_waited_for_from_v3)
{
    uint8_t p[256];
    size_t n = fetch_head(p, "replica-fetcher-2-0", 2);
    p[1] = KC_API_OFFSET_FOR_LEADER_EPOCH;
    p[3] = 3;
    cr_assert(kc_req_waited_for(p, n));
    p[3] = 2; /* before v3 the body starts with the topics, not a replica_id */
    cr_assert_not(kc_req_waited_for(p, n));
    n = fetch_head(p, "rdkafka", -1);
    p[1] = KC_API_OFFSET_FOR_LEADER_EPOCH;
    p[3] = 3;
    cr_assert_not(kc_req_waited_for(p, n), "a consumer's");
}

Test(header, cluster_actions_are_waited_for_client_requests_are_not)
{
    const int16_t waited[] = {KC_API_LEADER_AND_ISR,  KC_API_STOP_REPLICA,
                              KC_API_UPDATE_METADATA, KC_API_CONTROLLED_SHUTDOWN,
                              KC_API_ALTER_ISR,       KC_API_API_VERSIONS};
    for (size_t i = 0; i < sizeof(waited) / sizeof(*waited); i++) {
        uint8_t p[2] = {(uint8_t)(waited[i] >> 8), (uint8_t)waited[i]};
        cr_assert(kc_req_waited_for(p, 2), "api %d", waited[i]);
        cr_assert_not(kc_req_waited_for(p, 1), "one byte does not tell");
    }
    const int16_t not_waited[] = {KC_API_PRODUCE,       KC_API_METADATA,      KC_API_JOIN_GROUP,
                                  KC_API_OFFSET_COMMIT, KC_API_CREATE_TOPICS, KC_API_ELECT_LEADERS};
    for (size_t i = 0; i < sizeof(not_waited) / sizeof(*not_waited); i++) {
        uint8_t p[2] = {(uint8_t)(not_waited[i] >> 8), (uint8_t)not_waited[i]};
        cr_assert_not(kc_req_waited_for(p, 2), "api %d", not_waited[i]);
    }
    cr_assert_not(kc_req_waited_for(metadata_v1, sizeof(metadata_v1)));
}
