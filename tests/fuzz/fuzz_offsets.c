/*
 * Fuzz target: the record keys and values of `__consumer_offsets` (group/offsets_codec), which
 * a coordinator decodes when it loads a partition's groups from a log that other brokers (or
 * Kafka itself) wrote: the input is decoded as a key, an OffsetCommitValue and a
 * GroupMetadataValue. What decodes is encoded again, decoded and encoded once more: both
 * encodings must be equal.
 *
 * Input: the key or value bytes (version prefix first).
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"
#include "group/offsets_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void key(const uint8_t *data, size_t size)
{
    kc_offsets_key k;
    if (kc_offsets_key_decode(data, size, &k))
        return;
    kc_wbuf once = {0}, twice = {0};
    if (k.version == 2)
        kc_offsets_key_encode_group(&once, k.group);
    else
        kc_offsets_key_encode_offset(&once, k.group, k.topic, k.partition);
    FUZZ_CHECK(kc_offsets_key_decode(once.data, once.len, &k) == 0);
    if (k.version == 2)
        kc_offsets_key_encode_group(&twice, k.group);
    else
        kc_offsets_key_encode_offset(&twice, k.group, k.topic, k.partition);
    FUZZ_CHECK(fuzz_same_bytes(&once, &twice));
    kc_wbuf_free(&once);
    kc_wbuf_free(&twice);
}

static void offset_value(const uint8_t *data, size_t size)
{
    kc_offset_value v;
    if (kc_offset_value_decode(data, size, &v))
        return;
    kc_wbuf once = {0}, twice = {0};
    kc_offset_value_encode(&once, &v);
    FUZZ_CHECK(kc_offset_value_decode(once.data, once.len, &v) == 0);
    kc_offset_value_encode(&twice, &v);
    FUZZ_CHECK(fuzz_same_bytes(&once, &twice));
    kc_wbuf_free(&once);
    kc_wbuf_free(&twice);
}

static void group_value(const uint8_t *data, size_t size)
{
    kc_arena a = KC_ARENA_INIT;
    kc_group_value v;
    if (kc_group_value_decode(data, size, &a, &v) == 0) {
        kc_wbuf once = {0}, twice = {0};
        kc_group_value_encode(&once, &v);
        FUZZ_CHECK(kc_group_value_decode(once.data, once.len, &a, &v) == 0);
        kc_group_value_encode(&twice, &v);
        FUZZ_CHECK(fuzz_same_bytes(&once, &twice));
        kc_wbuf_free(&once);
        kc_wbuf_free(&twice);
    }
    kc_arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet();
    key(data, size);
    offset_value(data, size);
    group_value(data, size);
    return 0;
}
