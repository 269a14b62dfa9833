/*
 * Fuzz target: a request frame as the broker reads it after the size prefix (src/net/conn.c):
 * the request header (proto/header.c), then the body of that api key and version with the
 * decoder generated from src/proto/apis.spec (every API and version cafka serves, through
 * kc_api_decode_request), and the round trip of fuzz_api_round_trip().
 *
 * Input: request header v1/v2 (api_key i16, api_version i16, correlation_id i32, client_id
 * int16-length string, tagged fields when flexible) followed by the body.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"
#include "kc_apis.h"
#include "proto/header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet();
    kc_rbuf r;
    kc_rbuf_init(&r, data, size);
    kc_req_header h;
    if (kc_req_header_parse(&r, &h) == 0)
        fuzz_api_round_trip(kc_api_decode_request, h.api_key, h.api_version, &r);
    return 0;
}
