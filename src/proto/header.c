/* Request header decoding, the response-header version rule, and which requests others wait
 * for (read from a frame's first bytes, before the frame is taken). */
#include "proto/header.h"

#include "kc_apis.h"

int kc_req_header_parse(kc_rbuf *r, kc_req_header *h)
{
    h->api_key = kc_rbuf_i16(r);
    h->api_version = kc_rbuf_i16(r);
    h->correlation_id = kc_rbuf_i32(r);
    h->client_id = kc_rbuf_str(r, false, true);
    if (r->err)
        return -1;
    if (h->client_id.len < 0)
        h->client_id = (kc_str){"", 0};
    if (h->api_key == KC_API_API_VERSIONS)
        h->flexible = h->api_version >= 3;
    else
        h->flexible = kc_api_is_flexible(h->api_key, h->api_version);
    if (h->flexible)
        kc_rbuf_skip_tags(r);
    return r->err ? -1 : 0;
}

void kc_req_header_write(kc_wbuf *w, int16_t api_key, int16_t api_version, int32_t correlation_id,
                         const char *client_id)
{
    kc_wbuf_i16(w, api_key);
    kc_wbuf_i16(w, api_version);
    kc_wbuf_i32(w, correlation_id);
    kc_wbuf_str(w, false, kc_str_c(client_id)); /* the client id is never compact */
    if (kc_api_is_flexible(api_key, api_version))
        kc_wbuf_u8(w, 0); /* no tagged fields */
}

bool kc_resp_header_flexible(int16_t api_key, int16_t api_version)
{
    return api_key != KC_API_API_VERSIONS && kc_api_is_flexible(api_key, api_version);
}

bool kc_req_waited_for(const uint8_t *p, size_t n)
{
    if (n < 2)
        return false;
    int16_t key = (int16_t)kc_be16(p);
    switch (key) {
    case KC_API_LEADER_AND_ISR:
    case KC_API_STOP_REPLICA:
    case KC_API_UPDATE_METADATA:
    case KC_API_CONTROLLED_SHUTDOWN:
    case KC_API_ALTER_ISR:
    case KC_API_API_VERSIONS: /* opens a connection, answered at once */
        return true;
    case KC_API_FETCH:
    case KC_API_OFFSET_FOR_LEADER_EPOCH: {
        /* replica_id is the body's first field: of every Fetch, of OffsetForLeaderEpoch v3+ */
        if (n < 10 || (key == KC_API_OFFSET_FOR_LEADER_EPOCH && kc_be16(p + 2) < 3))
            return false;
        int16_t id_len = (int16_t)kc_be16(p + 8); /* -1: a null client id */
        size_t at = 10 + (id_len > 0 ? (size_t)id_len : 0);
        return at + 4 <= n && (int32_t)kc_be32(p + at) >= 0;
    }
    default:
        return false;
    }
}
