/* Request header decoding and the response-header version rule. */
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
