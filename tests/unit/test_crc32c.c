/* CRC-32C (Castagnoli): RFC 3720 appendix B.4 check values, chaining, and hw == sw. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <string.h>

#include "common/crc32c.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Both implementations must produce the RFC value for each vector. */
static void check_both(const void *data, size_t len, uint32_t want)
{
    cr_assert_eq(kc_crc32c(0, data, len), want, "kc_crc32c = 0x%08X, want 0x%08X",
                 kc_crc32c(0, data, len), want);
    cr_assert_eq(kc_crc32c_sw(0, data, len), want, "kc_crc32c_sw = 0x%08X, want 0x%08X",
                 kc_crc32c_sw(0, data, len), want);
}

Test(crc32c, rfc3720_32_zero_bytes)
{
    uint8_t b[32];
    memset(b, 0, sizeof(b));
    check_both(b, sizeof(b), 0x8A9136AAu);
}

Test(crc32c, rfc3720_32_ff_bytes)
{
    uint8_t b[32];
    memset(b, 0xFF, sizeof(b));
    check_both(b, sizeof(b), 0x62A8AB43u);
}

Test(crc32c, rfc3720_ascending)
{
    uint8_t b[32];
    for (int i = 0; i < 32; i++)
        b[i] = (uint8_t)i;
    check_both(b, sizeof(b), 0x46DD794Eu);
}

Test(crc32c, rfc3720_descending)
{
    uint8_t b[32];
    for (int i = 0; i < 32; i++)
        b[i] = (uint8_t)(31 - i);
    check_both(b, sizeof(b), 0x113FDB5Cu);
}

Test(crc32c, check_string_123456789)
{
    check_both("123456789", 9, 0xE3069283u);
}

Test(crc32c, empty_input_is_identity)
{
    cr_assert_eq(kc_crc32c(0, "", 0), 0u);
    cr_assert_eq(kc_crc32c(0x12345678u, "", 0), 0x12345678u);
    cr_assert_eq(kc_crc32c_sw(0x12345678u, "", 0), 0x12345678u);
}

Test(crc32c, chained_calls_equal_one_call)
{
    uint8_t b[1000];
    for (size_t i = 0; i < sizeof(b); i++)
        b[i] = (uint8_t)rng();
    uint32_t whole = kc_crc32c(0, b, sizeof(b));
    cr_assert_eq(whole, kc_crc32c_sw(0, b, sizeof(b)));
    /* every split point, two pieces */
    for (size_t cut = 0; cut <= sizeof(b); cut += 7) {
        uint32_t c = kc_crc32c(0, b, cut);
        c = kc_crc32c(c, b + cut, sizeof(b) - cut);
        cr_assert_eq(c, whole, "split at %zu: 0x%08X != 0x%08X", cut, c, whole);
        uint32_t s = kc_crc32c_sw(0, b, cut);
        s = kc_crc32c_sw(s, b + cut, sizeof(b) - cut);
        cr_assert_eq(s, whole, "sw split at %zu", cut);
    }
    /* many small irregular pieces */
    uint32_t c = 0;
    size_t off = 0, step = 1;
    while (off < sizeof(b)) {
        size_t n = step < sizeof(b) - off ? step : sizeof(b) - off;
        c = kc_crc32c(c, b + off, n);
        off += n;
        step = step * 3 % 17 + 1;
    }
    cr_assert_eq(c, whole);
    /* "123456789" in pieces */
    uint32_t d = kc_crc32c(0, "1234", 4);
    d = kc_crc32c(d, "56789", 5);
    cr_assert_eq(d, 0xE3069283u);
}

Test(crc32c, hw_equals_sw_random_lengths_and_alignments)
{
    static uint8_t buf[4096 + 64];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)rng();
    for (size_t align = 0; align < 16; align++) {
        for (size_t len = 0; len <= 300; len++) {
            uint32_t seed = (uint32_t)rng();
            uint32_t hw = kc_crc32c(seed, buf + align, len);
            uint32_t sw = kc_crc32c_sw(seed, buf + align, len);
            cr_assert_eq(hw, sw, "align %zu len %zu seed 0x%08X: hw 0x%08X sw 0x%08X", align, len,
                         seed, hw, sw);
        }
    }
    for (int k = 0; k < 200; k++) {
        size_t align = rng() % 64, len = rng() % 4096;
        cr_assert_eq(kc_crc32c(0, buf + align, len), kc_crc32c_sw(0, buf + align, len),
                     "align %zu len %zu", align, len);
    }
}

Test(crc32c, single_bit_flip_changes_crc)
{
    uint8_t b[64];
    for (size_t i = 0; i < sizeof(b); i++)
        b[i] = (uint8_t)i;
    uint32_t base = kc_crc32c(0, b, sizeof(b));
    for (size_t i = 0; i < sizeof(b); i++) {
        b[i] ^= 0x01;
        cr_assert_neq(kc_crc32c(0, b, sizeof(b)), base, "flip at %zu undetected", i);
        b[i] ^= 0x01;
    }
}
