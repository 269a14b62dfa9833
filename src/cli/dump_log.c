/* Segment and index dumper; reads files with stdio, never writes. */
#include "cli/dump_log.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/crc32c.h"
#include "proto/buf.h"
#include "proto/records.h"

static const char *codec_name(int c)
{
    static const char *const names[] = {"none", "gzip", "snappy", "lz4", "zstd"};
    return c >= 0 && c <= 4 ? names[c] : "unknown";
}

static int64_t base_offset_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    return strtoll(name, NULL, 10);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void print_escaped(FILE *out, const uint8_t *p, int32_t len)
{
    if (len < 0) {
        fputs("null", out);
        return;
    }
    for (int32_t i = 0; i < len; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
            fputc(p[i], out);
        else
            fprintf(out, "\\x%02x", p[i]);
    }
}

typedef struct dump_ctx {
    FILE *out;
    const kc_batch_header *h;
} dump_ctx;

/* One `| offset: ...` line per record. */
static int dump_record(const kc_record *r, void *arg)
{
    dump_ctx *d = arg;
    const kc_batch_header *h = d->h;
    bool log_append = h->attributes & KC_ATTR_LOG_APPEND_TIME;
    fprintf(d->out, "| offset: %" PRId64 " %s: %" PRId64 " keySize: %d valueSize: %d",
            h->base_offset + r->offset_delta, log_append ? "LogAppendTime" : "CreateTime",
            log_append ? h->max_timestamp : h->base_timestamp + r->timestamp_delta, r->key_len,
            r->value_len);
    kc_rbuf hr; /* the parser checked every header length already */
    kc_rbuf_init(&hr, r->headers, r->headers_len);
    fputs(" headerKeys: [", d->out);
    for (int32_t k = 0; k < r->header_count; k++) {
        int32_t hk = kc_rbuf_varint(&hr);
        const uint8_t *hkp = hr.p;
        kc_rbuf_skip(&hr, (size_t)hk);
        int32_t hv = kc_rbuf_varint(&hr);
        kc_rbuf_skip(&hr, hv > 0 ? (size_t)hv : 0);
        fputs(k ? "," : "", d->out);
        print_escaped(d->out, hkp, hk);
    }
    fputs("] key: ", d->out);
    print_escaped(d->out, r->key, r->key_len);
    fputs(" payload: ", d->out);
    print_escaped(d->out, r->value, r->value_len);
    fputc('\n', d->out);
    return 0;
}

static int dump_segment(FILE *f, const char *path, bool print_data, FILE *out)
{
    fprintf(out, "Dumping %s\nStarting offset: %" PRId64 "\n", path, base_offset_of(path));
    uint64_t pos = 0;
    uint8_t *buf = NULL;
    size_t cap = 0;
    for (;;) {
        uint8_t hdr[KC_BATCH_HEADER_BYTES];
        size_t got = fread(hdr, 1, sizeof(hdr), f);
        if (got == 0)
            break;
        kc_batch_header h;
        if (got < sizeof(hdr) || kc_batch_header_parse(hdr, got, &h) || h.magic != 2 ||
            h.length < KC_BATCH_HEADER_BYTES - KC_BATCH_LOG_OVERHEAD) {
            long end = (fseek(f, 0, SEEK_END) == 0) ? ftell(f) : -1;
            uint64_t left = end >= 0 && (uint64_t)end > pos ? (uint64_t)end - pos : got;
            fprintf(out, "Found %" PRIu64 " invalid bytes at position %" PRIu64 "\n", left, pos);
            break;
        }
        size_t size = (size_t)h.length + KC_BATCH_LOG_OVERHEAD;
        if (size > cap) {
            free(buf);
            cap = size;
            if (!(buf = malloc(cap)))
                return -1;
        }
        memcpy(buf, hdr, sizeof(hdr));
        size_t rest = fread(buf + sizeof(hdr), 1, size - sizeof(hdr), f);
        if (rest < size - sizeof(hdr)) {
            fprintf(out,
                    "Found a truncated batch of %zu bytes (expected %zu) at position %" PRIu64 "\n",
                    rest + sizeof(hdr), size, pos);
            break;
        }
        bool valid = kc_batch_compute_crc(buf, size) == h.crc;
        int codec = h.attributes & KC_ATTR_CODEC_MASK;
        int32_t last_seq = h.base_sequence < 0 ? -1 : h.base_sequence + h.last_offset_delta;
        fprintf(out,
                "baseOffset: %" PRId64 " lastOffset: %" PRId64 " count: %d baseSequence: %d "
                "lastSequence: %d producerId: %" PRId64 " producerEpoch: %d "
                "partitionLeaderEpoch: %d isTransactional: %s isControl: %s position: %" PRIu64
                " %s: %" PRId64 " size: %zu magic: %d compresscodec: %s crc: %u isvalid: %s\n",
                h.base_offset, h.base_offset + h.last_offset_delta, h.record_count, h.base_sequence,
                last_seq, h.producer_id, h.producer_epoch, h.partition_leader_epoch,
                h.attributes & KC_ATTR_TRANSACTIONAL ? "true" : "false",
                h.attributes & KC_ATTR_CONTROL ? "true" : "false", pos,
                h.attributes & KC_ATTR_LOG_APPEND_TIME ? "LogAppendTime" : "CreateTime",
                h.max_timestamp, size, h.magic, codec_name(codec), h.crc, valid ? "true" : "false");
        if (print_data && codec == 0 && valid)
            kc_batch_for_each_record(buf, size, &h, false, dump_record, &(dump_ctx){out, &h});
        pos += size;
    }
    free(buf);
    return 0;
}

static int dump_index(FILE *f, const char *path, bool time_index, FILE *out)
{
    int64_t base = base_offset_of(path);
    fprintf(out, "Dumping %s\n", path);
    uint8_t e[12];
    size_t size = time_index ? 12 : 8;
    for (size_t i = 0; fread(e, 1, size, f) == size; i++) {
        /* a preallocated or crashed index ends in zeros: like Kafka's DumpLogSegments, stop at
         * the first entry after the first that points at the base offset again */
        if (i > 0 && (int32_t)kc_be32(time_index ? e + 8 : e) == 0)
            break;
        if (time_index)
            fprintf(out, "timestamp: %" PRId64 " offset: %" PRId64 "\n", (int64_t)kc_be64(e),
                    base + (int32_t)kc_be32(e + 8));
        else
            fprintf(out, "offset: %" PRId64 " position: %u\n", base + (int32_t)kc_be32(e),
                    kc_be32(e + 4));
    }
    return 0;
}

int kc_dump_file(const char *path, bool print_data, FILE *out, FILE *err)
{
    bool is_log = ends_with(path, ".log"), is_index = ends_with(path, ".index"),
         is_time = ends_with(path, ".timeindex");
    if (!is_log && !is_index && !is_time) {
        fprintf(err, "cafka dump-log: '%s' is not a .log, .index or .timeindex file\n", path);
        return -1;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(err, "cafka dump-log: cannot open '%s'\n", path);
        return -1;
    }
    int rc = is_log ? dump_segment(f, path, print_data, out) : dump_index(f, path, is_time, out);
    fclose(f);
    return rc;
}
