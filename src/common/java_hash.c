/*
 * Java String.hashCode over UTF-8 input; see java_hash.h for the decoding rule. JDK 17's
 * String.decodeUTF8_UTF16 (replacement mode) amounts to: replace each maximal valid prefix of a
 * broken sequence by one U+FFFD, and a decoded surrogate by one U+FFFD; decode_one() states
 * that rule once, and the unit tests pin it to values computed on JDK 17.
 */
#include "common/java_hash.h"

#include <stdbool.h>

#define REPLACEMENT 0xFFFDu

static bool is_cont(uint8_t b)
{
    return (b & 0xc0) == 0x80;
}

/* The sequence length a lead byte announces, or 0 when the byte cannot start a character
 * (80..C1: continuation or overlong lead; F5..FF: beyond U+10FFFF). */
static int seq_len(uint8_t b1)
{
    if (b1 < 0x80)
        return 1;
    if (b1 >= 0xc2 && b1 <= 0xdf)
        return 2;
    if (b1 >= 0xe0 && b1 <= 0xef)
        return 3;
    if (b1 >= 0xf0 && b1 <= 0xf4)
        return 4;
    return 0;
}

/* Whether @p b2 may follow lead @p b1: a continuation byte, narrowed after E0 (no overlong
 * forms), F0 (none) and F4 (nothing above U+10FFFF). ED A0..BF (surrogates) passes here, as it
 * does in Java; the whole sequence is replaced once decoded. */
static bool second_ok(uint8_t b1, uint8_t b2)
{
    if (!is_cont(b2))
        return false;
    if (b1 == 0xe0)
        return b2 >= 0xa0;
    if (b1 == 0xf0)
        return b2 >= 0x90;
    if (b1 == 0xf4)
        return b2 <= 0x8f;
    return true;
}

/*
 * Decode the character starting at @p p (@p n >= 1 bytes left) into @p u (one or two UTF-16
 * units, *nu set); returns the bytes consumed (>= 1). A malformed or cut-short sequence is one
 * U+FFFD consuming its maximal valid prefix.
 */
static size_t decode_one(const uint8_t *p, size_t n, uint32_t u[2], int *nu)
{
    int want = seq_len(p[0]);
    *nu = 1;
    if (want == 1) {
        u[0] = p[0];
        return 1;
    }
    size_t k = 1; /* bytes of the sequence seen valid so far */
    while (want > 0 && k < (size_t)want && k < n &&
           (k == 1 ? second_ok(p[0], p[1]) : is_cont(p[k])))
        k++;
    if (want == 0 || k < (size_t)want) {
        u[0] = REPLACEMENT;
        return k;
    }
    if (want == 2) {
        u[0] = (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
    } else if (want == 3) {
        u[0] = (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
        if (u[0] >= 0xd800 && u[0] <= 0xdfff)
            u[0] = REPLACEMENT;
    } else {
        uint32_t c = (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
                     (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
        c -= 0x10000;
        u[0] = 0xd800 + (c >> 10);
        u[1] = 0xdc00 + (c & 0x3ff);
        *nu = 2;
    }
    return (size_t)want;
}

int32_t kc_java_string_hash(const char *utf8, size_t len)
{
    const uint8_t *p = (const uint8_t *)utf8;
    uint32_t h = 0; /* Java's int arithmetic wraps: fold unsigned, read back as int32 */
    for (size_t i = 0; i < len;) {
        uint32_t u[2];
        int nu;
        i += decode_one(p + i, len - i, u, &nu);
        for (int j = 0; j < nu; j++)
            h = 31u * h + u[j];
    }
    return (int32_t)h;
}

int32_t kc_java_abs(int32_t n)
{
    if (n == INT32_MIN)
        return 0;
    return n < 0 ? -n : n;
}

int32_t kc_group_partition(const char *group_id, size_t len, int32_t n_partitions)
{
    return kc_java_abs(kc_java_string_hash(group_id, len)) % n_partitions;
}
