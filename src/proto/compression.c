/*
 * The four codecs over zlib, snappy, lz4 and zstd. Decoders stream into one output buffer that
 * never grows past the caller's bound + 1 byte (the extra byte tells "exactly the bound" from
 * "more"), so a bomb costs at most the bound. Each decoder consumes its whole input or calls it
 * corrupt: a batch's records section holds the compressed stream and nothing else.
 */
#include "proto/compression.h"

#include <lz4frame.h>
#include <snappy-c.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "common/log.h"
#include "proto/buf.h"

typedef struct outbuf {
    uint8_t *p;
    size_t len, cap;
    size_t limit; /* the caller's bound + 1 */
} outbuf;

/* Room for at least one more byte. @return 0, or KC_CODEC_ERR_TOO_LARGE at the bound. */
static int ob_room(outbuf *o)
{
    if (o->len < o->cap)
        return 0;
    if (o->cap >= o->limit)
        return KC_CODEC_ERR_TOO_LARGE;
    size_t cap = o->cap ? o->cap * 2 : 64 * 1024;
    if (cap > o->limit || cap < o->cap)
        cap = o->limit;
    uint8_t *p = realloc(o->p, cap);
    if (!p)
        kc_fatal("compression: out of memory (%zu bytes)", cap);
    o->p = p;
    o->cap = cap;
    return 0;
}

static int inflate_gzip(const uint8_t *in, size_t len, outbuf *o)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        kc_fatal("compression: zlib could not start");
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    int rc = KC_CODEC_ERR_CORRUPT;
    if (len > UINT32_MAX)
        goto out;
    for (;;) {
        int room = ob_room(o);
        if (room) {
            rc = room;
            break;
        }
        size_t space = o->cap - o->len;
        if (space > UINT32_MAX)
            space = UINT32_MAX;
        z.next_out = o->p + o->len;
        z.avail_out = (uInt)space;
        int zr = inflate(&z, Z_NO_FLUSH);
        o->len += space - z.avail_out;
        if (zr == Z_STREAM_END) {
            if (z.avail_in == 0) {
                rc = 0;
                break;
            }
            if (inflateReset(&z) != Z_OK) /* another gzip member follows */
                break;
        } else if (zr == Z_BUF_ERROR) {
            if (z.avail_in == 0)
                break; /* truncated */
        } else if (zr != Z_OK) {
            break;
        }
    }
out:
    inflateEnd(&z);
    return rc;
}

static int inflate_zstd(const uint8_t *in, size_t len, outbuf *o)
{
    ZSTD_DCtx *d = ZSTD_createDCtx();
    if (!d)
        kc_fatal("compression: zstd could not start");
    ZSTD_inBuffer src = {in, len, 0};
    int rc = KC_CODEC_ERR_CORRUPT;
    size_t left = 1; /* what the current frame still needs; 0 at a frame's end */
    while (src.pos < src.size || left != 0) {
        int room = ob_room(o);
        if (room) {
            rc = room;
            goto out;
        }
        ZSTD_outBuffer dst = {o->p + o->len, o->cap - o->len, 0};
        size_t before = src.pos;
        left = ZSTD_decompressStream(d, &dst, &src);
        if (ZSTD_isError(left))
            goto out;
        o->len += dst.pos;
        if (src.pos == before && dst.pos == 0)
            goto out; /* no progress with room to write: the input ends inside a frame */
    }
    rc = 0;
out:
    ZSTD_freeDCtx(d);
    return rc;
}

static int inflate_lz4(const uint8_t *in, size_t len, outbuf *o)
{
    LZ4F_dctx *d;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
        kc_fatal("compression: lz4 could not start");
    int rc = KC_CODEC_ERR_CORRUPT;
    size_t hint = 1; /* 0 once a frame is complete */
    while (len > 0 || hint != 0) {
        int room = ob_room(o);
        if (room) {
            rc = room;
            goto out;
        }
        size_t dst = o->cap - o->len, src = len;
        hint = LZ4F_decompress(d, o->p + o->len, &dst, in, &src, NULL);
        if (LZ4F_isError(hint))
            goto out;
        in += src;
        len -= src;
        o->len += dst;
        if (src == 0 && dst == 0)
            goto out; /* no progress: the input ends inside a frame */
    }
    rc = 0;
out:
    LZ4F_freeDecompressionContext(d);
    return rc;
}

static const uint8_t xerial_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
#define XERIAL_HEADER_BYTES 16 /* magic, version, compatible version */

static int snappy_block(const uint8_t *in, size_t len, outbuf *o)
{
    size_t n;
    /* a raw block has no magic: arbitrary bytes may claim any length, so the block is checked
     * whole (no output) before its length is believed */
    if (snappy_validate_compressed_buffer((const char *)in, len) != SNAPPY_OK ||
        snappy_uncompressed_length((const char *)in, len, &n) != SNAPPY_OK)
        return KC_CODEC_ERR_CORRUPT;
    if (n >= o->limit - o->len)
        return KC_CODEC_ERR_TOO_LARGE;
    /* a block of 0 bytes into an empty buffer still allocates: snappy_uncompress at NULL + 0
     * is undefined behaviour (UBSan, found by tests/fuzz with a legacy snappy wrapper) */
    if (!o->p || o->len + n > o->cap) {
        uint8_t *p = realloc(o->p, o->len + n + 1);
        if (!p)
            kc_fatal("compression: out of memory");
        o->p = p;
        o->cap = o->len + n + 1;
    }
    size_t got = n;
    if (snappy_uncompress((const char *)in, len, (char *)o->p + o->len, &got) != SNAPPY_OK ||
        got != n)
        return KC_CODEC_ERR_CORRUPT;
    o->len += n;
    return 0;
}

static int inflate_snappy(const uint8_t *in, size_t len, outbuf *o)
{
    if (len < XERIAL_HEADER_BYTES || memcmp(in, xerial_magic, sizeof(xerial_magic)) != 0)
        return snappy_block(in, len, o);
    size_t pos = XERIAL_HEADER_BYTES;
    while (pos < len) {
        if (len - pos < 4)
            return KC_CODEC_ERR_CORRUPT;
        uint32_t n = kc_be32(in + pos);
        pos += 4;
        if (n > len - pos)
            return KC_CODEC_ERR_CORRUPT;
        int rc = snappy_block(in + pos, n, o);
        if (rc)
            return rc;
        pos += n;
    }
    return 0;
}

int kc_decompress(int codec, const uint8_t *in, size_t in_len, size_t max_out, uint8_t **out,
                  size_t *out_len)
{
    outbuf o = {NULL, 0, 0, max_out == SIZE_MAX ? SIZE_MAX : max_out + 1};
    int rc;
    switch (codec) {
    case KC_CODEC_GZIP:
        rc = inflate_gzip(in, in_len, &o);
        break;
    case KC_CODEC_SNAPPY:
        rc = inflate_snappy(in, in_len, &o);
        break;
    case KC_CODEC_LZ4:
        rc = inflate_lz4(in, in_len, &o);
        break;
    case KC_CODEC_ZSTD:
        rc = inflate_zstd(in, in_len, &o);
        break;
    default:
        rc = KC_CODEC_ERR_UNKNOWN;
    }
    if (rc == 0 && o.len > max_out)
        rc = KC_CODEC_ERR_TOO_LARGE;
    if (rc || o.len == 0) {
        free(o.p);
        o.p = NULL;
        o.len = 0;
    }
    *out = o.p;
    *out_len = o.len;
    return rc;
}

/* ---------------------------------------------------------------- compression */

static uint8_t *xmalloc(size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    if (!p)
        kc_fatal("compression: out of memory (%zu bytes)", n);
    return p;
}

#define XERIAL_BLOCK_BYTES (32 * 1024)

int kc_compress(int codec, const uint8_t *in, size_t in_len, uint8_t **out, size_t *out_len)
{
    switch (codec) {
    case KC_CODEC_GZIP: {
        z_stream z;
        memset(&z, 0, sizeof(z));
        if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                         Z_DEFAULT_STRATEGY) != Z_OK)
            kc_fatal("compression: zlib could not start");
        size_t cap = deflateBound(&z, (uLong)in_len) + 32;
        uint8_t *p = xmalloc(cap);
        z.next_in = (Bytef *)in;
        z.avail_in = (uInt)in_len;
        z.next_out = p;
        z.avail_out = (uInt)cap;
        if (deflate(&z, Z_FINISH) != Z_STREAM_END)
            kc_fatal("compression: gzip output larger than its bound");
        *out_len = cap - z.avail_out;
        deflateEnd(&z);
        *out = p;
        return 0;
    }
    case KC_CODEC_SNAPPY: {
        size_t blocks = in_len / XERIAL_BLOCK_BYTES + 1;
        size_t cap =
            XERIAL_HEADER_BYTES + blocks * (4 + snappy_max_compressed_length(XERIAL_BLOCK_BYTES));
        uint8_t *p = xmalloc(cap);
        memcpy(p, xerial_magic, sizeof(xerial_magic));
        kc_put_be32(p + 8, 1);  /* version */
        kc_put_be32(p + 12, 1); /* compatible version */
        size_t len = XERIAL_HEADER_BYTES;
        for (size_t at = 0; at < in_len; at += XERIAL_BLOCK_BYTES) {
            size_t n = in_len - at < XERIAL_BLOCK_BYTES ? in_len - at : XERIAL_BLOCK_BYTES;
            size_t got = cap - len - 4;
            if (snappy_compress((const char *)in + at, n, (char *)p + len + 4, &got) != SNAPPY_OK)
                kc_fatal("compression: snappy output larger than its bound");
            kc_put_be32(p + len, (uint32_t)got);
            len += 4 + got;
        }
        *out = p;
        *out_len = len;
        return 0;
    }
    case KC_CODEC_LZ4: {
        LZ4F_preferences_t prefs;
        memset(&prefs, 0, sizeof(prefs));
        prefs.frameInfo.blockSizeID = LZ4F_max64KB;
        size_t cap = LZ4F_compressFrameBound(in_len, &prefs);
        uint8_t *p = xmalloc(cap);
        size_t n = LZ4F_compressFrame(p, cap, in, in_len, &prefs);
        if (LZ4F_isError(n))
            kc_fatal("compression: lz4: %s", LZ4F_getErrorName(n));
        *out = p;
        *out_len = n;
        return 0;
    }
    case KC_CODEC_ZSTD: {
        size_t cap = ZSTD_compressBound(in_len);
        uint8_t *p = xmalloc(cap);
        size_t n = ZSTD_compress(p, cap, in, in_len, 3);
        if (ZSTD_isError(n))
            kc_fatal("compression: zstd: %s", ZSTD_getErrorName(n));
        *out = p;
        *out_len = n;
        return 0;
    }
    default:
        return KC_CODEC_ERR_UNKNOWN;
    }
}

const char *kc_codec_name(int codec)
{
    static const char *const names[] = {"none", "gzip", "snappy", "lz4", "zstd"};
    return codec >= 0 && codec <= KC_CODEC_ZSTD ? names[codec] : "unknown";
}

int kc_compression_type_parse(const char *value)
{
    static const char *const names[] = {"uncompressed", "gzip", "snappy", "lz4", "zstd"};
    if (strcmp(value, "producer") == 0)
        return KC_CODEC_PRODUCER;
    for (int i = 0; i <= KC_CODEC_ZSTD; i++)
        if (strcmp(value, names[i]) == 0)
            return i;
    return -2;
}
