/*
 * Segment and index dumper; reads files with stdio, never writes them. With KC_DUMP_OFFSETS a
 * record's decoded key and payload are formatted into a memory stream first, so that a record
 * that fails to decode part-way prints only its error, never half a payload.
 */
#include "cli/dump_log.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/crc32c.h"
#include "group/offsets_codec.h"
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

/* Bytes as text: printable ASCII as is, and bytes 0x80..0xff too when @p utf8 (names decoded
 * as UTF-8 by Kafka); anything else, and '\\', as \xNN. A null prints "null". */
static void print_bytes(FILE *out, const void *data, int32_t len, bool utf8)
{
    const uint8_t *p = data;
    if (len < 0) {
        fputs("null", out);
        return;
    }
    for (int32_t i = 0; i < len; i++) {
        if ((p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\') || (utf8 && p[i] >= 0x80))
            fputc(p[i], out);
        else
            fprintf(out, "\\x%02x", p[i]);
    }
}

static void print_escaped(FILE *out, const uint8_t *p, int32_t len)
{
    print_bytes(out, p, len, false);
}

static void print_name(FILE *out, kc_str s)
{
    print_bytes(out, s.p, s.len, true);
}

/* ------------------------------------------------------------------ --offsets-decoder */

/* A JSON string as Jackson writes it: '"' and '\\' escaped, \b \t \n \f \r short, other
 * control characters as \u00XX, everything else (UTF-8 included) as is. Null is `null`. */
static void print_json_string(FILE *out, const char *p, int32_t len)
{
    if (len < 0) {
        fputs("null", out);
        return;
    }
    static const char short_esc[] = {
        ['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r'};
    fputc('"', out);
    for (int32_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)p[i];
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < sizeof(short_esc) && short_esc[c])
            fprintf(out, "\\%c", short_esc[c]);
        else if (c < 0x20)
            fprintf(out, "\\u%04X", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

/* Kafka's hex(bytes) in GroupMetadataManager: "%X".format(BigInt(1, bytes)), so uppercase with
 * no leading zeros, "0" for bytes that are all zero, "" for none. */
static void print_bigint_hex(FILE *out, const uint8_t *p, int32_t len)
{
    int32_t i = 0;
    while (i < len && p[i] == 0)
        i++;
    if (len <= 0)
        return;
    if (i == len) {
        fputc('0', out);
        return;
    }
    fprintf(out, "%X", p[i++]);
    for (; i < len; i++)
        fprintf(out, "%02X", p[i]);
}

/*
 * A consumer-protocol assignment (ConsumerProtocolAssignment: int16 version, [topic STRING,
 * [partition INT32]], user data nullable BYTES; every version lays it out alike) as
 * ConsumerProtocol.deserializeAssignment and Java's List.toString print it: "[t-0, t-1]", then
 * ":HEX" for non-empty user data. Bytes after the user data are ignored, as Kafka does.
 * Returns -1 when the bytes do not hold an assignment.
 */
static int print_consumer_assignment(FILE *out, kc_bytes b)
{
    kc_rbuf r;
    kc_rbuf_init(&r, b.p, b.len > 0 ? (size_t)b.len : 0);
    if (kc_rbuf_i16(&r) < 0 || r.err)
        return -1;
    int32_t n_topics = kc_rbuf_array_len(&r, false, false, 2 + 4);
    bool first = true;
    fputc('[', out);
    for (int32_t t = 0; t < n_topics && !r.err; t++) {
        kc_str topic = kc_rbuf_str(&r, false, false);
        int32_t n_parts = kc_rbuf_array_len(&r, false, false, 4);
        for (int32_t i = 0; i < n_parts && !r.err; i++) {
            int32_t partition = kc_rbuf_i32(&r);
            fputs(first ? "" : ", ", out);
            first = false;
            fwrite(topic.p, 1, (size_t)topic.len, out);
            fprintf(out, "-%d", partition);
        }
    }
    fputc(']', out);
    kc_bytes user_data = kc_rbuf_bytes(&r, false, true);
    if (r.err)
        return -1;
    if (user_data.len > 0) {
        fputc(':', out);
        print_bigint_hex(out, user_data.p, user_data.len);
    }
    return 0;
}

/* The "assignment" text of a group record: {member=...,member=...}, unescaped. */
static int print_group_assignment(FILE *out, const kc_group_value *g)
{
    bool consumer = kc_str_eq(g->protocol_type, "consumer");
    fputc('{', out);
    for (int32_t i = 0; i < g->n_members; i++) {
        const kc_group_member_value *m = &g->members[i];
        fputs(i ? "," : "", out);
        fwrite(m->member_id.p, 1, (size_t)m->member_id.len, out);
        fputc('=', out);
        if (!consumer)
            print_bigint_hex(out, m->assignment.p, m->assignment.len);
        else if (print_consumer_assignment(out, m->assignment))
            return -1;
    }
    fputc('}', out);
    return 0;
}

/* payload of a group metadata record, as GroupMetadataManager.parseGroupMetadata (2.8). */
static int print_group_payload(FILE *out, const kc_record *r)
{
    kc_arena a = KC_ARENA_INIT;
    kc_group_value g;
    char *text = NULL;
    size_t text_len = 0;
    FILE *t = open_memstream(&text, &text_len);
    int rc = -1;
    if (t && kc_group_value_decode(r->value, (size_t)r->value_len, &a, &g) == 0 &&
        print_group_assignment(t, &g) == 0 && fflush(t) == 0) {
        fputs("{\"protocolType\":", out);
        print_json_string(out, g.protocol_type.p, g.protocol_type.len);
        fputs(",\"protocol\":", out);
        print_json_string(out, g.protocol.p, g.protocol.len);
        fprintf(out, ",\"generationId\":%d,\"assignment\":", g.generation);
        print_json_string(out, text, (int32_t)text_len);
        fputc('}', out);
        rc = 0;
    }
    if (t)
        fclose(t);
    free(text);
    kc_arena_free(&a);
    return rc;
}

/* " key: K payload: V" of a `__consumer_offsets` record, or why it cannot be decoded. */
static const char *print_offsets_key_value(FILE *out, const kc_record *r)
{
    kc_offsets_key k;
    if (r->key_len < 0)
        return "Failed to decode message using offset topic decoder (message had a missing key)";
    if (kc_offsets_key_decode(r->key, (size_t)r->key_len, &k))
        return "Failed to decode message using offset topic decoder (message had an invalid key)";
    fputs(" key: ", out);
    if (k.version <= 1) {
        fputs("offset_commit::group=", out);
        print_name(out, k.group);
        fputs(",partition=", out);
        print_name(out, k.topic);
        fprintf(out, "-%d payload: ", k.partition);
        kc_offset_value v;
        if (r->value_len < 0) {
            fputs("<DELETE>", out);
        } else if (kc_offset_value_decode(r->value, (size_t)r->value_len, &v)) {
            return "Failed to decode the offset commit value";
        } else {
            fprintf(out, "offset=%" PRId64, v.offset);
            if (v.metadata.len > 0) {
                fputs(",metadata=", out);
                print_name(out, v.metadata);
            }
        }
        return NULL;
    }
    fputs("group_metadata::group=", out);
    print_name(out, k.group);
    fputs(" payload: ", out);
    if (r->value_len < 0)
        fputs("<DELETE>", out);
    else if (print_group_payload(out, r))
        return "Failed to decode the group metadata value";
    return NULL;
}

/* The decoded key and payload, whole, or the error line Kafka 3.x prints instead. */
static void print_offsets_record(FILE *out, const kc_record *r, int64_t offset)
{
    char *line = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&line, &len);
    const char *why = m ? print_offsets_key_value(m, r) : "out of memory";
    if (m)
        fclose(m);
    if (why)
        fprintf(out, " key: Error at offset %" PRId64 ", skipping. %s", offset, why);
    else
        fwrite(line, 1, len, out);
    free(line);
}

typedef struct dump_ctx {
    FILE *out;
    const kc_batch_header *h;
    kc_dump_mode mode;
} dump_ctx;

/* One `| offset: ...` line per record. */
static int dump_record(const kc_record *r, void *arg)
{
    dump_ctx *d = arg;
    const kc_batch_header *h = d->h;
    bool log_append = h->attributes & KC_ATTR_LOG_APPEND_TIME;
    fprintf(d->out, "| offset: %" PRId64 " %s: %" PRId64 " keySize: %d valueSize: %d",
            h->base_offset + r->offset_delta, log_append ? "LogAppendTime" : "CreateTime",
            log_append ? h->max_timestamp
                       : kc_record_timestamp(h->base_timestamp, r->timestamp_delta),
            r->key_len, r->value_len);
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
    fputc(']', d->out);
    if (d->mode == KC_DUMP_OFFSETS) {
        if (!(h->attributes & KC_ATTR_CONTROL))
            print_offsets_record(d->out, r, h->base_offset + r->offset_delta);
    } else {
        fputs(" key: ", d->out);
        print_escaped(d->out, r->key, r->key_len);
        fputs(" payload: ", d->out);
        print_escaped(d->out, r->value, r->value_len);
    }
    fputc('\n', d->out);
    return 0;
}

static int dump_segment(FILE *f, const char *path, kc_dump_mode mode, FILE *out)
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
        if (mode != KC_DUMP_BATCHES && valid) /* compressed batches are inflated */
            kc_batch_for_each_record(buf, size, &h, false, dump_record, &(dump_ctx){out, &h, mode});
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

int kc_dump_file(const char *path, kc_dump_mode mode, FILE *out, FILE *err)
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
    int rc = is_log ? dump_segment(f, path, mode, out) : dump_index(f, path, is_time, out);
    fclose(f);
    return rc;
}
