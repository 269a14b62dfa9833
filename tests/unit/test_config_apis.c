/*
 * Codecs of DescribeConfigs (32) v0-2 and AlterConfigs (33) v0-1, generated from
 * src/proto/apis.spec. For every version: a fully populated struct is encoded, every strict prefix
 * must fail to decode, the whole must decode to the same fields (fields outside the version come
 * back as their documented default) and re-encode to the same bytes. Hand-built byte vectors laid
 * out from Kafka's DescribeConfigs/AlterConfigs Request/Response JSON specs pin the wire format
 * independently of the encoder.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/dispatch.h"
#include "codec_check.h"
#include "kc_apis.h"

Test(config_apis, versions_and_handlers)
{
    const kc_api_info *d = api(KC_API_DESCRIBE_CONFIGS), *a = api(KC_API_ALTER_CONFIGS);
    cr_assert_eq(d->key, 32);
    cr_assert_eq(d->min_version, 0);
    cr_assert_eq(d->max_version, 2);
    cr_assert_eq(a->key, 33);
    cr_assert_eq(a->min_version, 0);
    cr_assert_eq(a->max_version, 1);
    cr_assert(!kc_api_is_flexible(32, 2));
    cr_assert(!kc_api_is_flexible(33, 1));
    cr_assert_eq(kc_dispatch_find(32), kc_handle_describe_configs);
    cr_assert_eq(kc_dispatch_find(33), kc_handle_alter_configs);
}

/* ======================================================================================== */
/* DescribeConfigs                                                                          */
/* ======================================================================================== */

Test(config_apis, describe_configs_request_roundtrip_all_versions)
{
    kc_str keys[] = {S("retention.ms"), S("segment.bytes")};
    kc_describe_configs_resource res[] = {
        {2, S("events"), N_OF(keys), keys},
        {4, S(""), -1, NULL}, /* null configuration_keys = all */
        {4, S("1"), 0, NULL},
    };
    kc_describe_configs_req in = {N_OF(res), res, true};
    const kc_api_info *info = api(KC_API_DESCRIBE_CONFIGS);
    for (int16_t v = info->min_version; v <= info->max_version; v++) {
        kc_describe_configs_req out;
        kc_wbuf enc = {0};
        kc_arena a = KC_ARENA_INIT;
        ROUNDTRIP(kc_describe_configs_req, v, &in, &out, enc, a);
        EQ(out.resources_count, 3, "resources_count");
        for (int32_t i = 0; i < 3; i++) {
            EQ(out.resources[i].resource_type, res[i].resource_type, "resource_type");
            STR_EQ(out.resources[i].resource_name, res[i].resource_name, "resource_name");
            EQ(out.resources[i].configuration_keys_count, res[i].configuration_keys_count,
               "configuration_keys_count");
        }
        STR_EQ(out.resources[0].configuration_keys[0], keys[0], "key 0");
        STR_EQ(out.resources[0].configuration_keys[1], keys[1], "key 1");
        EQ(out.include_synonyms, v >= 1, "include_synonyms (v1+)");
        kc_wbuf_free(&enc);
        kc_arena_free(&a);
    }
}

Test(config_apis, describe_configs_response_roundtrip_all_versions)
{
    kc_describe_configs_synonym syn[] = {{S("retention.ms"), S("1000"), 1},
                                         {S("log.retention.hours"), S("168"), 5},
                                         {S("ssl.key.password"), {NULL, -1}, 4}};
    kc_describe_configs_resource_result cfgs[] = {
        {S("retention.ms"), S("1000"), false, false, 1, false, N_OF(syn), syn},
        {S("ssl.key.password"), {NULL, -1}, true, true, 5, true, 0, NULL},
    };
    kc_describe_configs_result results[] = {
        {0, {NULL, -1}, 2, S("events"), N_OF(cfgs), cfgs},
        {3, S("unknown"), 2, S("nope"), 0, NULL},
    };
    kc_describe_configs_resp in = {25, N_OF(results), results};
    const kc_api_info *info = api(KC_API_DESCRIBE_CONFIGS);
    for (int16_t v = info->min_version; v <= info->max_version; v++) {
        kc_describe_configs_resp out;
        kc_wbuf enc = {0};
        kc_arena a = KC_ARENA_INIT;
        ROUNDTRIP(kc_describe_configs_resp, v, &in, &out, enc, a);
        EQ(out.throttle_time_ms, 25, "throttle_time_ms");
        EQ(out.results_count, 2, "results_count");
        for (int32_t i = 0; i < 2; i++) {
            EQ(out.results[i].error_code, results[i].error_code, "error_code");
            STR_EQ(out.results[i].error_message, results[i].error_message, "error_message");
            EQ(out.results[i].resource_type, 2, "resource_type");
            STR_EQ(out.results[i].resource_name, results[i].resource_name, "resource_name");
        }
        EQ(out.results[0].configs_count, 2, "configs_count");
        EQ(out.results[1].configs_count, 0, "configs_count");
        for (int32_t c = 0; c < 2; c++) {
            const kc_describe_configs_resource_result *o = &out.results[0].configs[c];
            STR_EQ(o->name, cfgs[c].name, "name");
            STR_EQ(o->value, cfgs[c].value, "value");
            EQ(o->read_only, cfgs[c].read_only, "read_only");
            EQ(o->is_default, v == 0 ? cfgs[c].is_default : false, "is_default (v0 only)");
            EQ(o->config_source, v >= 1 ? cfgs[c].config_source : -1, "config_source (v1+)");
            EQ(o->is_sensitive, cfgs[c].is_sensitive, "is_sensitive");
            EQ(o->synonyms_count, v >= 1 ? cfgs[c].synonyms_count : 0, "synonyms_count (v1+)");
        }
        if (v >= 1)
            for (int32_t s = 0; s < N_OF(syn); s++) {
                STR_EQ(out.results[0].configs[0].synonyms[s].name, syn[s].name, "synonym name");
                STR_EQ(out.results[0].configs[0].synonyms[s].value, syn[s].value, "synonym value");
                EQ(out.results[0].configs[0].synonyms[s].source, syn[s].source, "synonym source");
            }
        kc_wbuf_free(&enc);
        kc_arena_free(&a);
    }
}

/* DescribeConfigs, laid out from DescribeConfigsRequest.json / DescribeConfigsResponse.json:
 * request  => [resources] include_synonyms(v1+);
 *             resources => resource_type:int8 resource_name:string configuration_keys:[string]
 * response => throttle_time_ms [results]; results => error_code error_message:nstring
 *             resource_type resource_name [configs]; configs => name value:nstring read_only
 *             is_default(v0) config_source:int8(v1+) is_sensitive [synonyms](v1+);
 *             synonyms => name value:nstring source:int8 */
Test(config_apis, describe_configs_bytes)
{
    static const uint8_t req_v1[] = {
        0x00, 0x00, 0x00, 0x01, /* [resources] 1 */
        0x02,                   /* resource_type TOPIC */
        0x00, 0x01, 't',        /* resource_name "t" */
        0xff, 0xff, 0xff, 0xff, /* configuration_keys null */
        0x01,                   /* include_synonyms (v1+) */
    };
    kc_rbuf r;
    kc_describe_configs_req req;
    kc_arena a = KC_ARENA_INIT;
    kc_rbuf_init(&r, req_v1, sizeof(req_v1));
    cr_assert_eq(kc_describe_configs_req_decode(&r, 1, &req, &a), 0);
    cr_assert_eq(kc_rbuf_remaining(&r), 0);
    cr_assert_eq(req.resources_count, 1);
    cr_assert_eq(req.resources[0].resource_type, 2);
    cr_assert(kc_str_eq(req.resources[0].resource_name, "t"));
    cr_assert_eq(req.resources[0].configuration_keys_count, -1);
    cr_assert_eq(req.include_synonyms, true);
    /* v0 has no include_synonyms: the same bytes leave one over */
    kc_rbuf_init(&r, req_v1, sizeof(req_v1));
    cr_assert_eq(kc_describe_configs_req_decode(&r, 0, &req, &a), 0);
    cr_assert_eq(kc_rbuf_remaining(&r), 1);

    static const uint8_t resp_v0[] = {
        0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
        0x00, 0x00, 0x00, 0x01, /* [results] 1 */
        0x00, 0x00,             /* error_code 0 */
        0xff, 0xff,             /* error_message null */
        0x02,                   /* resource_type TOPIC */
        0x00, 0x01, 't',        /* resource_name "t" */
        0x00, 0x00, 0x00, 0x01, /* [configs] 1 */
        0x00, 0x01, 'a',        /* name "a" */
        0x00, 0x01, '1',        /* value "1" */
        0x00,                   /* read_only false */
        0x01,                   /* is_default true (v0) */
        0x00,                   /* is_sensitive false */
    };
    static const uint8_t resp_v1[] = {
        0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
        0x00, 0x00, 0x00, 0x01, /* [results] 1 */
        0x00, 0x00,             /* error_code 0 */
        0xff, 0xff,             /* error_message null */
        0x02,                   /* resource_type TOPIC */
        0x00, 0x01, 't',        /* resource_name "t" */
        0x00, 0x00, 0x00, 0x01, /* [configs] 1 */
        0x00, 0x01, 'a',        /* name "a" */
        0x00, 0x01, '1',        /* value "1" */
        0x00,                   /* read_only false */
        0x05,                   /* config_source DEFAULT_CONFIG (v1+) */
        0x00,                   /* is_sensitive false */
        0x00, 0x00, 0x00, 0x01, /* [synonyms] 1 (v1+) */
        0x00, 0x01, 'b',        /* name "b" */
        0xff, 0xff,             /* value null */
        0x05,                   /* source DEFAULT_CONFIG */
    };
    kc_describe_configs_synonym syn = {S("b"), {NULL, -1}, 5};
    kc_describe_configs_resource_result c = {S("a"), S("1"), false, true, 5, false, 1, &syn};
    kc_describe_configs_result res = {0, {NULL, -1}, 2, S("t"), 1, &c};
    kc_describe_configs_resp resp = {0, 1, &res};
    for (int16_t v = 0; v <= 2; v++) {
        const uint8_t *want = v == 0 ? resp_v0 : resp_v1;
        size_t want_len = v == 0 ? sizeof(resp_v0) : sizeof(resp_v1);
        kc_wbuf w = {0};
        kc_describe_configs_resp_encode(&w, v, &resp);
        cr_assert_eq(w.len, want_len, "v%d: %zu bytes", v, w.len);
        cr_assert_eq(memcmp(w.data, want, want_len), 0, "v%d bytes differ", v);
        kc_wbuf_free(&w);
    }
    kc_arena_free(&a);
}

/* ======================================================================================== */
/* AlterConfigs                                                                             */
/* ======================================================================================== */

Test(config_apis, alter_configs_request_roundtrip_all_versions)
{
    kc_alterable_config cfgs[] = {{S("retention.ms"), S("1000")},
                                  {S("cleanup.policy"), {NULL, -1}}};
    kc_alter_configs_resource res[] = {{2, S("events"), N_OF(cfgs), cfgs}, {4, S(""), 0, NULL}};
    kc_alter_configs_req in = {N_OF(res), res, true};
    const kc_api_info *info = api(KC_API_ALTER_CONFIGS);
    for (int16_t v = info->min_version; v <= info->max_version; v++) {
        kc_alter_configs_req out;
        kc_wbuf enc = {0};
        kc_arena a = KC_ARENA_INIT;
        ROUNDTRIP(kc_alter_configs_req, v, &in, &out, enc, a);
        EQ(out.resources_count, 2, "resources_count");
        for (int32_t i = 0; i < 2; i++) {
            EQ(out.resources[i].resource_type, res[i].resource_type, "resource_type");
            STR_EQ(out.resources[i].resource_name, res[i].resource_name, "resource_name");
            EQ(out.resources[i].configs_count, res[i].configs_count, "configs_count");
        }
        for (int32_t k = 0; k < N_OF(cfgs); k++) {
            STR_EQ(out.resources[0].configs[k].name, cfgs[k].name, "name");
            STR_EQ(out.resources[0].configs[k].value, cfgs[k].value, "value");
        }
        EQ(out.validate_only, true, "validate_only");
        kc_wbuf_free(&enc);
        kc_arena_free(&a);
    }
}

Test(config_apis, alter_configs_response_roundtrip_all_versions)
{
    kc_alter_configs_resource_response rr[] = {
        {0, {NULL, -1}, 2, S("events")},
        {40, S("Unknown topic config name: x"), 2, S("other")},
        {42, S("Cannot update these configs dynamically"), 4, S("")},
    };
    kc_alter_configs_resp in = {3, N_OF(rr), rr};
    const kc_api_info *info = api(KC_API_ALTER_CONFIGS);
    for (int16_t v = info->min_version; v <= info->max_version; v++) {
        kc_alter_configs_resp out;
        kc_wbuf enc = {0};
        kc_arena a = KC_ARENA_INIT;
        ROUNDTRIP(kc_alter_configs_resp, v, &in, &out, enc, a);
        EQ(out.throttle_time_ms, 3, "throttle_time_ms");
        EQ(out.responses_count, 3, "responses_count");
        for (int32_t i = 0; i < 3; i++) {
            EQ(out.responses[i].error_code, rr[i].error_code, "error_code");
            STR_EQ(out.responses[i].error_message, rr[i].error_message, "error_message");
            EQ(out.responses[i].resource_type, rr[i].resource_type, "resource_type");
            STR_EQ(out.responses[i].resource_name, rr[i].resource_name, "resource_name");
        }
        kc_wbuf_free(&enc);
        kc_arena_free(&a);
    }
}

/* AlterConfigs v0/v1 (identical layouts), from AlterConfigsRequest.json / Response.json:
 * request  => [resources] validate_only; resources => resource_type resource_name [configs];
 *             configs => name value:nstring
 * response => throttle_time_ms [responses]; responses => error_code error_message:nstring
 *             resource_type resource_name */
Test(config_apis, alter_configs_bytes)
{
    static const uint8_t req_body[] = {
        0x00, 0x00, 0x00, 0x01, /* [resources] 1 */
        0x02,                   /* resource_type TOPIC */
        0x00, 0x01, 't',        /* resource_name "t" */
        0x00, 0x00, 0x00, 0x02, /* [configs] 2 */
        0x00, 0x01, 'r',        /* name "r" */
        0x00, 0x02, '1',  '0',  /* value "10" */
        0x00, 0x01, 's',        /* name "s" */
        0xff, 0xff,             /* value null */
        0x01,                   /* validate_only true */
    };
    for (int16_t v = 0; v <= 1; v++) {
        kc_rbuf r;
        kc_alter_configs_req req;
        kc_arena a = KC_ARENA_INIT;
        kc_rbuf_init(&r, req_body, sizeof(req_body));
        cr_assert_eq(kc_alter_configs_req_decode(&r, v, &req, &a), 0);
        cr_assert_eq(kc_rbuf_remaining(&r), 0);
        cr_assert_eq(req.resources_count, 1);
        cr_assert_eq(req.resources[0].resource_type, 2);
        cr_assert(kc_str_eq(req.resources[0].resource_name, "t"));
        cr_assert_eq(req.resources[0].configs_count, 2);
        cr_assert(kc_str_eq(req.resources[0].configs[0].name, "r"));
        cr_assert(kc_str_eq(req.resources[0].configs[0].value, "10"));
        cr_assert(kc_str_eq(req.resources[0].configs[1].name, "s"));
        cr_assert_eq(req.resources[0].configs[1].value.len, -1);
        cr_assert_eq(req.validate_only, true);
        kc_arena_free(&a);
    }

    static const uint8_t resp_body[] = {
        0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
        0x00, 0x00, 0x00, 0x01, /* [responses] 1 */
        0x00, 0x28,             /* error_code 40 INVALID_CONFIG */
        0x00, 0x01, 'x',        /* error_message "x" */
        0x02,                   /* resource_type TOPIC */
        0x00, 0x01, 't',        /* resource_name "t" */
    };
    kc_alter_configs_resource_response rr = {40, S("x"), 2, S("t")};
    kc_alter_configs_resp resp = {0, 1, &rr};
    for (int16_t v = 0; v <= 1; v++) {
        kc_wbuf w = {0};
        kc_alter_configs_resp_encode(&w, v, &resp);
        cr_assert_eq(w.len, sizeof(resp_body));
        cr_assert_eq(memcmp(w.data, resp_body, sizeof(resp_body)), 0);
        kc_wbuf_free(&w);
    }
}
