/*
 * Fuzz target: a response body as the inter-broker client (replica fetchers, the controller's
 * channels, src/net/ibclient.c) and the CLI's wire client read it from a peer, decoded with the
 * generated decoder of that api key and version (kc_api_decode_response), and the round trip of
 * fuzz_api_round_trip().
 *
 * Input: api_key i16, api_version i16, then the response body (after the response header).
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"
#include "kc_apis.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet();
    kc_rbuf r;
    kc_rbuf_init(&r, data, size);
    int16_t key = kc_rbuf_i16(&r), v = kc_rbuf_i16(&r);
    if (!r.err)
        fuzz_api_round_trip(kc_api_decode_response, key, v, &r);
    return 0;
}
