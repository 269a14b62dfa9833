/*
 * Kafka's record batch codecs (attributes bits 0-2): gzip through zlib, snappy (raw blocks and
 * the xerial framing Kafka's Java clients write), lz4 frames and zstd, through the Debian
 * libraries. Every inflation is bounded by the caller's limit, so that a small batch cannot make
 * the broker allocate without end (a compression bomb).
 */
#ifndef KC_COMPRESSION_H
#define KC_COMPRESSION_H

#include <stddef.h>
#include <stdint.h>

/** Codec ids as in RecordBatch attributes (Kafka's CompressionType). */
enum {
    KC_CODEC_NONE = 0,
    KC_CODEC_GZIP = 1,
    KC_CODEC_SNAPPY = 2,
    KC_CODEC_LZ4 = 3,
    KC_CODEC_ZSTD = 4,
};

/** kc_decompress() / kc_compress() results besides 0. */
enum {
    KC_CODEC_ERR_CORRUPT = -1,   /* the input is not a valid stream of that codec */
    KC_CODEC_ERR_TOO_LARGE = -2, /* the output would exceed the caller's bound */
    KC_CODEC_ERR_UNKNOWN = -3,   /* not one of Kafka's codecs (or KC_CODEC_NONE) */
};

/**
 * Inflate @p in_len bytes at @p in, compressed with @p codec (KC_CODEC_GZIP..KC_CODEC_ZSTD).
 * gzip: one or more gzip members; snappy: the xerial framing (magic "\x82SNAPPY\0", version,
 * then length-prefixed blocks) or, without its magic, one raw block, as xerial's
 * SnappyInputStream reads; lz4: one or more LZ4 frames (Kafka's KafkaLZ4BlockOutputStream and
 * librdkafka write frames); zstd: one or more frames. Trailing bytes after the last
 * stream/frame make the input corrupt.
 *
 * @param max_out  the most bytes the output may have; larger output is refused before it is
 *                 allocated in full
 * @param out      receives a malloc'd buffer (the caller frees it; NULL when @p *out_len is 0)
 * @return 0, KC_CODEC_ERR_CORRUPT, KC_CODEC_ERR_TOO_LARGE or KC_CODEC_ERR_UNKNOWN; *out is
 *         NULL on error.
 */
int kc_decompress(int codec, const uint8_t *in, size_t in_len, size_t max_out, uint8_t **out,
                  size_t *out_len);

/**
 * Compress @p in_len bytes with @p codec in the form Kafka's Java producer writes: gzip (one
 * member), snappy in xerial framing (32 KiB blocks), one lz4 frame (64 KiB blocks, block
 * checksums off, content checksum off), one zstd frame (level 3).
 * @param out  receives a malloc'd buffer (the caller frees it)
 * @return 0, or KC_CODEC_ERR_UNKNOWN for another codec; aborts on out-of-memory.
 */
int kc_compress(int codec, const uint8_t *in, size_t in_len, uint8_t **out, size_t *out_len);

/** compression.type "producer": keep the producer's codec. */
#define KC_CODEC_PRODUCER (-1)

/**
 * The codec a `compression.type` value names (Kafka's BrokerCompressionCodec): "producer" ->
 * KC_CODEC_PRODUCER, "uncompressed" -> KC_CODEC_NONE, "gzip", "snappy", "lz4", "zstd".
 * @return the codec, or -2 for any other text (case matters, as in Kafka's validator).
 */
int kc_compression_type_parse(const char *value);

/** "none", "gzip", "snappy", "lz4", "zstd", or "unknown". */
const char *kc_codec_name(int codec);

#endif
