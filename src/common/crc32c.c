/*
 * CRC-32C: hardware path via the SSE4.2 crc32 instruction (8 bytes a step), software path via a
 * byte-at-a-time table built once at load. Selection happens per call with a cached CPU check.
 */
#include "common/crc32c.h"

#include <string.h>

#define POLY 0x82F63B78u

static uint32_t table[256];

__attribute__((constructor)) static void crc32c_init_table(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (POLY & (0u - (c & 1)));
        table[i] = c;
    }
}

uint32_t kc_crc32c_sw(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
    crc = ~crc;
    while (len--)
        crc = (crc >> 8) ^ table[(crc ^ *p++) & 0xff];
    return ~crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t crc, const void *data,
                                                            size_t len)
{
    const uint8_t *p = data;
    uint64_t c = ~crc;
    while (len >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c = __builtin_ia32_crc32di(c, v);
        p += 8;
        len -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (len--)
        c32 = __builtin_ia32_crc32qi(c32, *p++);
    return ~c32;
}
#endif

uint32_t kc_crc32c(uint32_t crc, const void *data, size_t len)
{
#if defined(__x86_64__)
    static int has_sse42 = -1;
    if (has_sse42 < 0)
        has_sse42 = __builtin_cpu_supports("sse4.2") ? 1 : 0;
    if (has_sse42)
        return crc32c_hw(crc, data, len);
#endif
    return kc_crc32c_sw(crc, data, len);
}
