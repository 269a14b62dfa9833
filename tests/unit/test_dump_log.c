/*
 * `cafka dump-log` (src/cli/dump_log.h), Kafka's kafka-dump-log.sh (DumpLogSegments): a
 * segment prints one line per batch (offsets, count, producer fields, leader epoch, position,
 * timestamp type and max timestamp, size, magic, codec, CRC and whether it verifies) and, with
 * KC_DUMP_RECORDS, one `| offset: ...` line per record of readable batches (with
 * KC_DUMP_OFFSETS, keys and values decoded as `__consumer_offsets` records the way Kafka 2.8's
 * --offsets-decoder prints them); damage stops the dump
 * with a line saying where; `.index` and `.timeindex` files print their entries, stopping at
 * the zero-filled tail of a preallocated (active or crashed) index as Kafka does; other files
 * are refused.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_builder.h"
#include "cli/dump_log.h"
#include "fs_util.h"
#include "group/offsets_codec.h"
#include "proto/records.h"
#include "storage/plog.h"

static char root[128];

static void setup(void)
{
    cr_assert_eq(fu_mkdtemp(root, sizeof(root), "dumplog"), 0);
}

static void teardown(void)
{
    if (root[0])
        fu_rm_tree(root);
}

TestSuite(dump_log, .init = setup, .fini = teardown, .timeout = 60);

/* ------------------------------------------------------------------ helpers */

typedef struct dump {
    int rc;
    char *out, *err; /* whole outputs */
    int n;           /* lines of out */
    char **line;
} dump;

static dump run_dump(const char *path, kc_dump_mode mode)
{
    dump d;
    memset(&d, 0, sizeof(d));
    size_t ol = 0, el = 0;
    FILE *o = open_memstream(&d.out, &ol), *e = open_memstream(&d.err, &el);
    cr_assert(o && e);
    d.rc = kc_dump_file(path, mode, o, e);
    fclose(o);
    fclose(e);
    char *copy = strdup(d.out);
    cr_assert_not_null(copy);
    int cap = 16;
    d.line = malloc((size_t)cap * sizeof(char *));
    for (char *save = NULL, *t = strtok_r(copy, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
        if (d.n == cap) {
            cap *= 2;
            d.line = realloc(d.line, (size_t)cap * sizeof(char *));
        }
        d.line[d.n++] = strdup(t);
    }
    free(copy);
    return d;
}

static void dump_free(dump *d)
{
    for (int i = 0; i < d->n; i++)
        free(d->line[i]);
    free(d->line);
    free(d->out);
    free(d->err);
}

/* Line @p i must be @p want. */
static void expect_line(const dump *d, int i, const char *want)
{
    cr_assert_lt(i, d->n, "line %d missing (want \"%s\"); output:\n%s", i, want, d->out);
    cr_assert_str_eq(d->line[i], want, "line %d", i);
}

static bool has_token(const char *line, const char *tok)
{
    size_t n = strlen(tok);
    for (const char *p = strstr(line, tok); p; p = strstr(p + 1, tok))
        if ((p == line || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0' || p[n] == ')'))
            return true;
    return false;
}

static void path_in(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/%s", root, name);
}

/* The batch line for batch bytes @p b at file position @p pos, from the values this test put
 * there (passed in) plus the size and the stored CRC. */
typedef struct bl {
    long long base, last;
    int count, base_seq, last_seq;
    long long pid;
    int pepoch, leader_epoch;
    bool txn, control, log_append;
    long long max_ts;
    const char *codec;
    bool valid;
} bl;

static void batch_line(char *out, size_t len, const bl *x, const uint8_t *b, size_t size,
                       size_t pos)
{
    snprintf(out, len,
             "baseOffset: %lld lastOffset: %lld count: %d baseSequence: %d lastSequence: %d "
             "producerId: %lld producerEpoch: %d partitionLeaderEpoch: %d isTransactional: %s "
             "isControl: %s position: %zu %s: %lld size: %zu magic: 2 compresscodec: %s crc: %u "
             "isvalid: %s",
             x->base, x->last, x->count, x->base_seq, x->last_seq, x->pid, x->pepoch,
             x->leader_epoch, x->txn ? "true" : "false", x->control ? "true" : "false", pos,
             x->log_append ? "LogAppendTime" : "CreateTime", x->max_ts, size, x->codec,
             (uint32_t)bb_get_i32(b + 17), x->valid ? "true" : "false");
}

/*
 * The reference segment, four batches:
 *   B0 offsets 0-2, CreateTime 1000/1005/1007, records: key "a" value "hello" headers h1,h2
 *      (h2 null value); null key, value "v1"; key "c" null value (tombstone), header "only";
 *   B1 offsets 3-4, transactional, producer 4242 epoch 3 sequence 10, leader epoch 7;
 *   B2 offset 5, LogAppendTime 3500;
 *   B3 offsets 6-7, gzip-flagged.
 */
typedef struct seg {
    uint8_t *b[4];
    size_t len[4], pos[4];
    uint8_t *file;
    size_t file_len;
} seg;

static void build_reference(seg *s)
{
    memset(s, 0, sizeof(*s));
    bb_record r0[3];
    for (int i = 0; i < 3; i++)
        bb_record_defaults(&r0[i]);
    r0[0].key = "a";
    r0[0].value = "hello";
    r0[0].n_headers = 2;
    r0[0].header_keys[0] = "h1";
    r0[0].header_values[0] = "x";
    r0[0].header_keys[1] = "h2";
    r0[0].header_values[1] = NULL;
    r0[1].key = NULL;
    r0[1].value = "v1";
    r0[1].timestamp_delta = 5;
    r0[2].key = "c";
    r0[2].value = NULL;
    r0[2].timestamp_delta = 7;
    r0[2].n_headers = 1;
    r0[2].header_keys[0] = "only";
    r0[2].header_values[0] = "v";
    bb_batch b;
    bb_batch_defaults(&b);
    b.base_timestamp = 1000;
    b.n_records = 3;
    b.records = r0;
    s->b[0] = bb_build(&b, &s->len[0]);

    bb_record r1[2];
    bb_record_defaults(&r1[0]);
    bb_record_defaults(&r1[1]);
    r1[0].key = "k3";
    r1[0].value = "v3";
    r1[1].key = "k4";
    r1[1].value = "v4";
    r1[1].timestamp_delta = 1;
    bb_batch_defaults(&b);
    b.base_offset = 3;
    b.partition_leader_epoch = 7;
    b.attributes = 0x10;
    b.base_timestamp = 2000;
    b.producer_id = 4242;
    b.producer_epoch = 3;
    b.base_sequence = 10;
    b.n_records = 2;
    b.records = r1;
    s->b[1] = bb_build(&b, &s->len[1]);

    bb_record r2;
    bb_record_defaults(&r2);
    r2.key = "z";
    r2.value = "Z";
    bb_batch_defaults(&b);
    b.base_offset = 5;
    b.attributes = 0x08;
    b.base_timestamp = 3000;
    b.max_timestamp = 3500;
    b.n_records = 1;
    b.records = &r2;
    s->b[2] = bb_build(&b, &s->len[2]);

    bb_record r3[2];
    bb_record_defaults(&r3[0]);
    bb_record_defaults(&r3[1]);
    r3[0].key = "g";
    r3[0].value = "not really gzip";
    r3[1].key = "h";
    r3[1].value = "either";
    bb_batch_defaults(&b);
    b.base_offset = 6;
    b.attributes = 1;
    b.base_timestamp = 4000;
    b.n_records = 2;
    b.records = r3;
    s->b[3] = bb_build(&b, &s->len[3]);

    for (int i = 0; i < 4; i++)
        s->file_len += s->len[i];
    s->file = malloc(s->file_len);
    cr_assert_not_null(s->file);
    size_t pos = 0;
    for (int i = 0; i < 4; i++) {
        s->pos[i] = pos;
        memcpy(s->file + pos, s->b[i], s->len[i]);
        pos += s->len[i];
    }
}

static void free_reference(seg *s)
{
    for (int i = 0; i < 4; i++)
        free(s->b[i]);
    free(s->file);
}

static const bl REF[4] = {
    {0, 2, 3, -1, -1, -1, -1, 0, false, false, false, 1007, "none", true},
    {3, 4, 2, 10, 11, 4242, 3, 7, true, false, false, 2001, "none", true},
    {5, 5, 1, -1, -1, -1, -1, 0, false, false, true, 3500, "none", true},
    {6, 7, 2, -1, -1, -1, -1, 0, false, false, false, 4000, "gzip", true},
};

static const char *const REF_RECORDS[4][3] = {
    {"| offset: 0 CreateTime: 1000 keySize: 1 valueSize: 5 headerKeys: [h1,h2] key: a "
     "payload: hello",
     "| offset: 1 CreateTime: 1005 keySize: -1 valueSize: 2 headerKeys: [] key: null "
     "payload: v1",
     "| offset: 2 CreateTime: 1007 keySize: 1 valueSize: -1 headerKeys: [only] key: c "
     "payload: null"},
    {"| offset: 3 CreateTime: 2000 keySize: 2 valueSize: 2 headerKeys: [] key: k3 payload: v3",
     "| offset: 4 CreateTime: 2001 keySize: 2 valueSize: 2 headerKeys: [] key: k4 payload: v4",
     NULL},
    {"| offset: 5 LogAppendTime: 3500 keySize: 1 valueSize: 1 headerKeys: [] key: z payload: Z",
     NULL, NULL},
    {NULL, NULL, NULL}, /* compressed: no record lines */
};

static void write_reference(const seg *s, const char *name, char *path, size_t plen)
{
    path_in(path, plen, name);
    cr_assert_eq(fu_write_file(path, s->file, s->file_len), 0);
}

/* ------------------------------------------------------------------ segments */

Test(dump_log, segment_prints_one_line_per_batch)
{
    seg s;
    build_reference(&s);
    char path[256], want[1024];
    write_reference(&s, "00000000000000000000.log", path, sizeof(path));
    dump d = run_dump(path, KC_DUMP_BATCHES);
    cr_assert_eq(d.rc, 0);
    cr_assert_str_eq(d.err, "");
    snprintf(want, sizeof(want), "Dumping %s", path);
    expect_line(&d, 0, want);
    expect_line(&d, 1, "Starting offset: 0");
    for (int i = 0; i < 4; i++) {
        batch_line(want, sizeof(want), &REF[i], s.b[i], s.len[i], s.pos[i]);
        expect_line(&d, 2 + i, want);
    }
    cr_assert_eq(d.n, 6, "no other lines; output:\n%s", d.out);
    dump_free(&d);
    free_reference(&s);
}

Test(dump_log, print_data_prints_the_records)
{
    seg s;
    build_reference(&s);
    char path[256], want[1024];
    write_reference(&s, "00000000000000000000.log", path, sizeof(path));
    dump d = run_dump(path, KC_DUMP_RECORDS);
    cr_assert_eq(d.rc, 0);
    int li = 2;
    for (int i = 0; i < 4; i++) {
        batch_line(want, sizeof(want), &REF[i], s.b[i], s.len[i], s.pos[i]);
        expect_line(&d, li++, want);
        for (int k = 0; k < 3 && REF_RECORDS[i][k]; k++)
            expect_line(&d, li++, REF_RECORDS[i][k]);
    }
    cr_assert_eq(d.n, li, "no other lines; output:\n%s", d.out);
    dump_free(&d);
    free_reference(&s);
}

Test(dump_log, starting_offset_comes_from_the_file_name)
{
    char path[256];
    path_in(path, sizeof(path), "00000000000000000042.log");
    cr_assert_eq(fu_write_file(path, "", 0), 0);
    dump d = run_dump(path, KC_DUMP_RECORDS);
    cr_assert_eq(d.rc, 0);
    cr_assert_eq(d.n, 2, "an empty segment: only the heading; output:\n%s", d.out);
    expect_line(&d, 1, "Starting offset: 42");
    dump_free(&d);
}

Test(dump_log, flipped_payload_byte_is_not_valid)
{
    seg s;
    build_reference(&s);
    uint8_t *hello = memmem(s.file, s.file_len, "hello", 5);
    cr_assert_not_null(hello);
    hello[1] ^= 0x01; /* "hdllo": same size, CRC no longer matches */
    char path[256], want[1024];
    write_reference(&s, "00000000000000000000.log", path, sizeof(path));
    dump d = run_dump(path, KC_DUMP_RECORDS);
    cr_assert_eq(d.rc, 0);
    bl bad = REF[0];
    bad.valid = false;
    batch_line(want, sizeof(want), &bad, s.b[0], s.len[0], s.pos[0]);
    expect_line(&d, 2, want);
    /* the dump goes on: the next batches are whole and valid */
    int li = -1;
    for (int i = 3; i < d.n; i++)
        if (strncmp(d.line[i], "baseOffset: 3 ", 14) == 0)
            li = i;
    cr_assert_geq(li, 0, "batch 3 dumped after the invalid one; output:\n%s", d.out);
    for (int i = 1; i < 4; i++) {
        batch_line(want, sizeof(want), &REF[i], s.b[i], s.len[i], s.pos[i]);
        expect_line(&d, li++, want);
        for (int k = 0; k < 3 && REF_RECORDS[i][k]; k++)
            expect_line(&d, li++, REF_RECORDS[i][k]);
    }
    cr_assert_eq(d.n, li);
    dump_free(&d);
    free_reference(&s);
}

/* The last line names where the damage starts and how many bytes follow. */
static void expect_tail_report(const dump *d, size_t pos, size_t trailing)
{
    char p[32], t[32];
    snprintf(p, sizeof(p), "%zu", pos);
    snprintf(t, sizeof(t), "%zu", trailing);
    cr_assert_gt(d->n, 0);
    const char *last = d->line[d->n - 1];
    cr_assert(strncmp(last, "Found ", 6) == 0, "last line reports the damage: \"%s\"", last);
    cr_assert(has_token(last, p), "\"%s\" names position %s", last, p);
    cr_assert(has_token(last, t), "\"%s\" names the %s trailing bytes", last, t);
}

Test(dump_log, truncated_tail_is_reported)
{
    seg s;
    build_reference(&s);
    char path[256], want[1024];
    /* cut inside B1's header, then inside B1's records */
    size_t cuts[2] = {s.pos[1] + 40, s.pos[1] + s.len[1] - 5};
    for (int c = 0; c < 2; c++) {
        path_in(path, sizeof(path), "00000000000000000000.log");
        cr_assert_eq(fu_write_file(path, s.file, cuts[c]), 0);
        dump d = run_dump(path, KC_DUMP_RECORDS);
        cr_assert_eq(d.rc, 0);
        cr_assert_str_eq(d.err, "");
        batch_line(want, sizeof(want), &REF[0], s.b[0], s.len[0], s.pos[0]);
        expect_line(&d, 2, want);
        for (int k = 0; k < 3; k++)
            expect_line(&d, 3 + k, REF_RECORDS[0][k]);
        cr_assert_eq(d.n, 7, "cut %d: one more line, the report; output:\n%s", c, d.out);
        expect_tail_report(&d, s.pos[1], cuts[c] - s.pos[1]);
        dump_free(&d);
    }
    free_reference(&s);
}

/* Garbage after the first batch (bad magic): Kafka reports every trailing byte ("Found 80
 * invalid bytes at the end of ..."), not just the 61 it read as a header. */
Test(dump_log, invalid_tail_reports_all_trailing_bytes)
{
    seg s;
    build_reference(&s);
    size_t n = s.len[0] + 80;
    uint8_t *f = malloc(n);
    memcpy(f, s.b[0], s.len[0]);
    memset(f + s.len[0], 0xFF, 80);
    char path[256];
    path_in(path, sizeof(path), "00000000000000000000.log");
    cr_assert_eq(fu_write_file(path, f, n), 0);
    dump d = run_dump(path, KC_DUMP_BATCHES);
    cr_assert_eq(d.rc, 0);
    cr_assert_eq(d.n, 4, "heading, B0, report; output:\n%s", d.out);
    expect_tail_report(&d, s.len[0], 80);
    dump_free(&d);
    free(f);
    free_reference(&s);
}

/* ------------------------------------------------------------------ indexes */

typedef struct plog_files {
    char dir[256];
    int64_t seg_base[3];
    int nseg;
} plog_files;

/* A log with an index entry per batch (index.interval.bytes 0): 6 batches, roll, 5 batches,
 * roll, 1 batch; closed (indexes trimmed). Batch i has 2 records at 1000 * i, 1000 * i + 10. */
static void build_plog(plog_files *pf, bool close_it, kc_plog **keep)
{
    memset(pf, 0, sizeof(*pf));
    snprintf(pf->dir, sizeof(pf->dir), "%s/topic-0", root);
    kc_log_config c;
    memset(&c, 0, sizeof(c));
    c.segment_bytes = 1 << 30;
    c.segment_ms = 7LL * 24 * 3600 * 1000;
    c.segment_index_bytes = 4096;
    c.index_interval_bytes = 0;
    c.retention_ms = c.retention_bytes = -1;
    c.flush_messages = c.flush_ms = INT64_MAX;
    c.file_delete_delay_ms = 60000;
    c.cleanup_delete = true;
    c.delete_retention_ms = 86400000;
    c.max_message_bytes = 1 << 20;
    kc_plog *l = NULL;
    char err[256] = "";
    kc_plog_open_opts o = {false, -1, -1, 0};
    cr_assert_eq(kc_plog_open(pf->dir, &c, &o, &l, NULL, err, sizeof(err)), 0, "%s", err);
    int per_seg[3] = {6, 5, 1}, bi = 0;
    for (int sgi = 0; sgi < 3; sgi++) {
        if (sgi)
            cr_assert_eq(kc_plog_roll(l, 0), 0);
        pf->seg_base[sgi] = kc_plog_log_end_offset(l);
        for (int k = 0; k < per_seg[sgi]; k++, bi++) {
            size_t len;
            uint8_t *b = bb_simple(2, 1000LL * bi, &len);
            int64_t base;
            cr_assert_eq(kc_plog_append(l, b, len, 5, 0, &base, NULL), 0);
            free(b);
        }
    }
    pf->nseg = 3;
    if (close_it)
        kc_plog_close(l);
    else
        *keep = l;
}

static void seg_file(const plog_files *pf, int s, const char *ext, char *out, size_t len)
{
    snprintf(out, len, "%s/%020lld%s", pf->dir, (long long)pf->seg_base[s], ext);
}

/* The batch of segment file @p log starting at @p pos: its last offset and max timestamp. */
static bool batch_at(const uint8_t *log, size_t loglen, uint32_t pos, int64_t *last,
                     int64_t *max_ts)
{
    size_t p = 0;
    while (p + 61 <= loglen) {
        size_t size = (size_t)bb_get_i32(log + p + 8) + 12;
        if (p == pos) {
            *last = bb_get_i64(log + p) + bb_get_i32(log + p + 23);
            *max_ts = bb_get_i64(log + p + 35);
            return true;
        }
        p += size;
    }
    return false;
}

static bool batch_ending_at(const uint8_t *log, size_t loglen, int64_t last, int64_t *max_ts)
{
    size_t p = 0;
    while (p + 61 <= loglen) {
        size_t size = (size_t)bb_get_i32(log + p + 8) + 12;
        if (bb_get_i64(log + p) + bb_get_i32(log + p + 23) == last) {
            *max_ts = bb_get_i64(log + p + 35);
            return true;
        }
        p += size;
    }
    return false;
}

Test(dump_log, segment_written_by_the_log)
{
    plog_files pf;
    build_plog(&pf, true, NULL);
    char path[512];
    seg_file(&pf, 1, ".log", path, sizeof(path));
    dump d = run_dump(path, KC_DUMP_RECORDS);
    cr_assert_eq(d.rc, 0);
    expect_line(&d, 1, "Starting offset: 12");
    cr_assert_eq(d.n, 2 + 5 * 3, "5 batches of 2 records; output:\n%s", d.out);
    size_t pos = 0;
    for (int k = 0; k < 5; k++) {
        const char *l = d.line[2 + 3 * k];
        char want[128];
        snprintf(want, sizeof(want), "baseOffset: %d lastOffset: %d count: 2 ", 12 + 2 * k,
                 13 + 2 * k);
        cr_assert(strncmp(l, want, strlen(want)) == 0, "line \"%s\"", l);
        cr_assert(strstr(l, " partitionLeaderEpoch: 5 "), "epoch stamped: \"%s\"", l);
        snprintf(want, sizeof(want), " position: %zu ", pos);
        cr_assert(strstr(l, want), "\"%s\" at %zu", l, pos);
        snprintf(want, sizeof(want), " CreateTime: %d ", 1000 * (6 + k) + 10);
        cr_assert(strstr(l, want), "max timestamp: \"%s\"", l);
        cr_assert(strstr(l, " compresscodec: none "));
        cr_assert(strstr(l, " isvalid: true"));
        snprintf(want, sizeof(want),
                 "| offset: %d CreateTime: %d keySize: 2 valueSize: 7 headerKeys: [h] key: k1 "
                 "payload: value-1",
                 13 + 2 * k, 1000 * (6 + k) + 10);
        expect_line(&d, 2 + 3 * k + 2, want);
        const char *size = strstr(l, " size: ");
        cr_assert_not_null(size);
        pos += (size_t)atoi(size + 7);
    }
    cr_assert_eq((long long)pos, fu_file_size(path));
    dump_free(&d);
}

/* `offset: X position: Y` per entry of the offset index, and each names the last offset of
 * the batch at that position (what Kafka's index entries hold). */
static void check_offset_index_dump(const plog_files *pf, int s, int min_entries)
{
    char ipath[512], lpath[512];
    seg_file(pf, s, ".index", ipath, sizeof(ipath));
    seg_file(pf, s, ".log", lpath, sizeof(lpath));
    size_t ilen, llen;
    uint8_t *ix = fu_read_file(ipath, &ilen), *log = fu_read_file(lpath, &llen);
    cr_assert(ix && log);
    cr_assert_eq(ilen % 8, 0);
    int n = (int)(ilen / 8);
    cr_assert_geq(n, min_entries, "segment %d: %d index entries", s, n);
    dump d = run_dump(ipath, KC_DUMP_BATCHES);
    cr_assert_eq(d.rc, 0);
    char want[600];
    snprintf(want, sizeof(want), "Dumping %s", ipath);
    expect_line(&d, 0, want);
    cr_assert_eq(d.n, 1 + n, "one line per entry; output:\n%s", d.out);
    for (int i = 0; i < n; i++) {
        int64_t off = pf->seg_base[s] + bb_get_i32(ix + 8 * i);
        uint32_t pos = (uint32_t)bb_get_i32(ix + 8 * i + 4);
        snprintf(want, sizeof(want), "offset: %lld position: %u", (long long)off, pos);
        expect_line(&d, 1 + i, want);
        int64_t last, max_ts;
        cr_assert(batch_at(log, llen, pos, &last, &max_ts), "entry %d: no batch at %u", i, pos);
        cr_assert_eq(last, off, "entry %d: batch at %u ends at %lld", i, pos, (long long)last);
    }
    dump_free(&d);
    free(ix);
    free(log);
}

/* `timestamp: T offset: X` per entry of the time index; X is the batch holding T. */
static void check_time_index_dump(const plog_files *pf, int s, int min_entries)
{
    char ipath[512], lpath[512];
    seg_file(pf, s, ".timeindex", ipath, sizeof(ipath));
    seg_file(pf, s, ".log", lpath, sizeof(lpath));
    size_t ilen, llen;
    uint8_t *ix = fu_read_file(ipath, &ilen), *log = fu_read_file(lpath, &llen);
    cr_assert(ix && log);
    cr_assert_eq(ilen % 12, 0);
    int n = (int)(ilen / 12);
    cr_assert_geq(n, min_entries, "segment %d: %d time index entries", s, n);
    dump d = run_dump(ipath, KC_DUMP_BATCHES);
    cr_assert_eq(d.rc, 0);
    cr_assert_eq(d.n, 1 + n, "one line per entry; output:\n%s", d.out);
    for (int i = 0; i < n; i++) {
        int64_t ts = bb_get_i64(ix + 12 * i);
        int64_t off = pf->seg_base[s] + bb_get_i32(ix + 12 * i + 8);
        char want[256];
        snprintf(want, sizeof(want), "timestamp: %lld offset: %lld", (long long)ts, (long long)off);
        expect_line(&d, 1 + i, want);
        int64_t max_ts;
        cr_assert(batch_ending_at(log, llen, off, &max_ts), "entry %d: no batch ends at %lld", i,
                  (long long)off);
        cr_assert_eq(max_ts, ts, "entry %d", i);
    }
    dump_free(&d);
    free(ix);
    free(log);
}

Test(dump_log, offset_index_entries)
{
    plog_files pf;
    build_plog(&pf, true, NULL);
    check_offset_index_dump(&pf, 0, 5); /* base 0: an entry per batch after the first */
    check_offset_index_dump(&pf, 1, 4); /* base 12: offsets are base + relative */
}

Test(dump_log, time_index_entries)
{
    plog_files pf;
    build_plog(&pf, true, NULL);
    check_time_index_dump(&pf, 0, 5);
    check_time_index_dump(&pf, 1, 4);
}

/* Crafted files: relative offsets are added to the base in the name; entries come out in
 * file order. */
Test(dump_log, crafted_index_files)
{
    uint8_t ix[3 * 8], tix[2 * 12];
    int32_t rel[3] = {2, 5, 9};
    uint32_t pos[3] = {100, 300, 700};
    for (int i = 0; i < 3; i++) {
        bb_put_i32(ix + 8 * i, rel[i]);
        bb_put_i32(ix + 8 * i + 4, (int32_t)pos[i]);
    }
    bb_put_i64(tix, 1600000000123LL);
    bb_put_i32(tix + 8, 5);
    bb_put_i64(tix + 12, 1600000000999LL);
    bb_put_i32(tix + 20, 9);
    char p1[256], p2[256];
    path_in(p1, sizeof(p1), "00000000000000000100.index");
    path_in(p2, sizeof(p2), "00000000000000000100.timeindex");
    cr_assert_eq(fu_write_file(p1, ix, sizeof(ix)), 0);
    cr_assert_eq(fu_write_file(p2, tix, sizeof(tix)), 0);
    dump d = run_dump(p1, KC_DUMP_RECORDS);
    cr_assert_eq(d.rc, 0);
    cr_assert_eq(d.n, 4);
    expect_line(&d, 1, "offset: 102 position: 100");
    expect_line(&d, 2, "offset: 105 position: 300");
    expect_line(&d, 3, "offset: 109 position: 700");
    dump_free(&d);
    d = run_dump(p2, KC_DUMP_BATCHES);
    cr_assert_eq(d.rc, 0);
    cr_assert_eq(d.n, 3);
    expect_line(&d, 1, "timestamp: 1600000000123 offset: 105");
    expect_line(&d, 2, "timestamp: 1600000000999 offset: 109");
    dump_free(&d);
}

/*
 * The index files of an active segment (or of one left by a crash) are preallocated and
 * zero-filled past the last entry. Kafka's DumpLogSegments stops at the first entry after the
 * first whose offset is the base offset ("since it is a sparse file, in the event of a crash
 * there may be many zero entries, stop if we see one").
 */
Test(dump_log, zero_filled_tail_of_an_active_index_is_not_dumped)
{
    plog_files pf;
    kc_plog *l = NULL;
    build_plog(&pf, false, &l); /* still open: the active segment's indexes are preallocated */
    char ipath[512], tpath[512];
    seg_file(&pf, 2, ".index", ipath, sizeof(ipath));
    seg_file(&pf, 2, ".timeindex", tpath, sizeof(tpath));
    cr_assert_eq(fu_file_size(ipath), 4096, "active offset index preallocated");
    /* one batch in the active segment: no index entry yet (the first batch gets none) */
    dump d = run_dump(ipath, KC_DUMP_BATCHES);
    cr_assert_eq(d.rc, 0);
    cr_assert_leq(d.n, 2, "the zero tail is not entries: %d lines, the last \"%s\"", d.n,
                  d.line[d.n - 1]);
    dump_free(&d);
    d = run_dump(tpath, KC_DUMP_BATCHES);
    cr_assert_eq(d.rc, 0);
    cr_assert_leq(d.n, 2, "the zero tail is not entries: %d lines, the last \"%s\"", d.n,
                  d.line[d.n - 1]);
    dump_free(&d);
    kc_plog_close(l);
}

Test(dump_log, zero_filled_tail_of_a_crashed_index_is_not_dumped)
{
    dump d;
    /* a crashed segment's index: three entries then zeros */
    uint8_t ix[3 * 8 + 40 * 8];
    memset(ix, 0, sizeof(ix));
    for (int i = 0; i < 3; i++) {
        bb_put_i32(ix + 8 * i, 2 * i + 1);
        bb_put_i32(ix + 8 * i + 4, 100 * (i + 1));
    }
    char p[256];
    path_in(p, sizeof(p), "00000000000000000050.index");
    cr_assert_eq(fu_write_file(p, ix, sizeof(ix)), 0);
    d = run_dump(p, KC_DUMP_BATCHES);
    cr_assert_eq(d.rc, 0);
    cr_assert_eq(d.n, 4, "3 entries, then zeros: %d lines; the last \"%s\"", d.n, d.line[d.n - 1]);
    expect_line(&d, 3, "offset: 55 position: 300");
    dump_free(&d);
}

/* ------------------------------------------------------------------ refusals */

Test(dump_log, unknown_extension_is_refused)
{
    char path[256];
    path_in(path, sizeof(path), "00000000000000000000.txt");
    cr_assert_eq(fu_write_file(path, "hello", 5), 0);
    dump d = run_dump(path, KC_DUMP_RECORDS);
    cr_assert_eq(d.rc, -1);
    cr_assert_str_eq(d.out, "", "nothing on out");
    cr_assert_neq(strlen(d.err), 0, "a message on err");
    cr_assert_not_null(strstr(d.err, path), "the message names the file: %s", d.err);
    dump_free(&d);

    path_in(path, sizeof(path), "00000000000000000000.log.deleted");
    cr_assert_eq(fu_write_file(path, "", 0), 0);
    d = run_dump(path, KC_DUMP_BATCHES);
    cr_assert_eq(d.rc, -1, ".log.deleted is not a segment");
    cr_assert_neq(strlen(d.err), 0);
    dump_free(&d);
}

Test(dump_log, missing_file_is_an_error)
{
    char path[256];
    path_in(path, sizeof(path), "00000000000000000007.log");
    dump d = run_dump(path, KC_DUMP_BATCHES);
    cr_assert_eq(d.rc, -1);
    cr_assert_str_eq(d.out, "");
    cr_assert_not_null(strstr(d.err, path), "the message names the file: %s", d.err);
    dump_free(&d);
}

/* ------------------------------------------------------------------ --offsets-decoder */

#define STR(lit) ((kc_str){lit, (int32_t)sizeof(lit) - 1})

/* A record of a `__consumer_offsets` batch: key and value bytes held in writers. */
typedef struct orec {
    kc_wbuf key, value;
    bool tombstone, no_key;
} orec;

static void offset_commit(orec *r, const char *group, const char *topic, int32_t partition,
                          int64_t offset, const char *metadata, int16_t version)
{
    memset(r, 0, sizeof(*r));
    kc_offsets_key_encode_offset(&r->key, kc_str_c(group), kc_str_c(topic), partition);
    kc_offset_value v = {version, offset, 5, kc_str_c(metadata), 1700000000000, 1700000600000};
    kc_offset_value_encode(&r->value, &v);
}

static void group_record(orec *r, const char *group, const kc_group_value *v)
{
    memset(r, 0, sizeof(*r));
    kc_offsets_key_encode_group(&r->key, kc_str_c(group));
    if (v)
        kc_group_value_encode(&r->value, v);
    else
        r->tombstone = true;
}

/* ConsumerProtocolAssignment v1: topics with their partitions, then user data. */
static kc_bytes assignment(kc_wbuf *w, int n_topics, const char *const *topics, const int *n_parts,
                           const int32_t parts[][3], kc_bytes user_data)
{
    kc_wbuf_i16(w, 1);
    kc_wbuf_i32(w, n_topics);
    for (int t = 0; t < n_topics; t++) {
        kc_wbuf_str(w, false, kc_str_c(topics[t]));
        kc_wbuf_i32(w, n_parts[t]);
        for (int i = 0; i < n_parts[t]; i++)
            kc_wbuf_i32(w, parts[t][i]);
    }
    kc_wbuf_bytes(w, false, user_data);
    return (kc_bytes){w->data, (int32_t)w->len};
}

/* Append one batch of @p n records at @p base_offset to @p log. */
static void append_batch(kc_wbuf *log, int64_t base_offset, orec *recs, int n)
{
    kc_record_in in[8];
    for (int i = 0; i < n; i++) {
        in[i].key = recs[i].no_key ? (kc_bytes){NULL, -1}
                                   : (kc_bytes){recs[i].key.data, (int32_t)recs[i].key.len};
        in[i].value = recs[i].tombstone
                          ? (kc_bytes){NULL, -1}
                          : (kc_bytes){recs[i].value.data, (int32_t)recs[i].value.len};
    }
    size_t at = log->len;
    kc_batch_build(log, 1700000000000, in, n);
    kc_put_be64(log->data + at, (uint64_t)base_offset); /* as the log stamps it */
    for (int i = 0; i < n; i++) {
        kc_wbuf_free(&recs[i].key);
        kc_wbuf_free(&recs[i].value);
    }
}

/* Line @p i is the batch line of offsets @p base..@p last holding @p count records. */
static void expect_batch_start(const dump *d, int i, int base, int last, int count)
{
    cr_assert_lt(i, d->n, "line %d missing; output:\n%s", i, d->out);
    char head[96];
    snprintf(head, sizeof(head), "baseOffset: %d lastOffset: %d count: %d ", base, last, count);
    cr_assert(strncmp(d->line[i], head, strlen(head)) == 0, "line %d: %s", i, d->line[i]);
}

/* Line @p i is the record line of offset @p offset, ending in @p tail after its header keys. */
static void expect_record(const dump *d, int i, int64_t offset, const char *tail)
{
    cr_assert_lt(i, d->n, "line %d missing; output:\n%s", i, d->out);
    char head[64];
    snprintf(head, sizeof(head),
             "| offset: %lld CreateTime: 1700000000000 keySize: ", (long long)offset);
    const char *l = d->line[i];
    cr_assert(strncmp(l, head, strlen(head)) == 0, "line %d: \"%s\"", i, l);
    const char *h = strstr(l, " headerKeys: []");
    cr_assert_not_null(h, "line %d: \"%s\"", i, l);
    cr_assert_str_eq(h + strlen(" headerKeys: []"), tail, "line %d", i);
}

Test(dump_log, offsets_decoder_prints_commits_and_group_records)
{
    kc_wbuf log = {0};
    orec r[8];

    /* batch 1, offsets 0-2: commits as OffsetCommit writes them, and a tombstone */
    offset_commit(&r[0], "my-group", "orders", 3, 42, "", 3);
    offset_commit(&r[1], "my-group", "orders", 4, 7, "hello", 1);
    offset_commit(&r[2], "my-group", "orders", 5, 0, "", 3);
    r[2].tombstone = true;
    append_batch(&log, 0, r, 3);

    /* batch 2, offsets 3-6: group records */
    kc_wbuf a1 = {0}, a2 = {0}, a3 = {0};
    const char *t1[] = {"orders"}, *t2[] = {"orders", "payments"};
    const int n1[] = {2}, n2[] = {1, 1};
    const int32_t p1[][3] = {{0, 1}}, p2[][3] = {{2}, {0}};
    kc_group_member_value m[3] = {
        {STR("consumer-1-aa"),
         KC_STR_NULL,
         STR("consumer-1"),
         STR("/10.0.0.5"),
         300000,
         45000,
         {(const uint8_t *)"", 0},
         assignment(&a1, 1, t1, n1, p1, (kc_bytes){NULL, -1})},
        {STR("static-b"),
         STR("instance-b"),
         STR("client-b"),
         STR("/10.0.0.6"),
         300000,
         45000,
         {(const uint8_t *)"", 0},
         assignment(&a2, 2, t2, n2, p2, (kc_bytes){(const uint8_t *)"\x00\x0a\xff", 3})},
        {STR("q\"uote\\d"),
         KC_STR_NULL,
         STR("c"),
         STR("/h"),
         1,
         1,
         {(const uint8_t *)"", 0},
         assignment(&a3, 0, NULL, NULL, NULL, (kc_bytes){(const uint8_t *)"", 0})},
    };
    kc_group_value stable = {3, STR("consumer"), 3, STR("range"), STR("consumer-1-aa"), 1, 3, m};
    group_record(&r[0], "my-group", &stable);
    kc_group_member_value cm = {STR("worker-1"),
                                KC_STR_NULL,
                                STR("w"),
                                STR("/h"),
                                1,
                                1,
                                {(const uint8_t *)"", 0},
                                {(const uint8_t *)"\x00\x01\x02", 3}};
    kc_group_value connect = {3, STR("connect"), 9, STR("sessioned"), STR("worker-1"), 1, 1, &cm};
    group_record(&r[1], "connect-cluster", &connect);
    kc_group_value empty = {3, STR("consumer"), 4, KC_STR_NULL, KC_STR_NULL, 1, 0, NULL};
    group_record(&r[2], "idle", &empty);
    group_record(&r[3], "gone", NULL);
    append_batch(&log, 3, r, 4);
    kc_wbuf_free(&a1);
    kc_wbuf_free(&a2);
    kc_wbuf_free(&a3);

    /* batch 3, offsets 7-9: what the decoder cannot read is reported and skipped */
    offset_commit(&r[0], "g", "t", 0, 1, "", 3);
    r[0].no_key = true;
    group_record(&r[1], "g", NULL);
    r[1].key.data[1] = 9; /* key version 9 */
    offset_commit(&r[2], "g", "t", 0, 1, "", 3);
    r[2].value.len -= 1; /* a value cut short */
    append_batch(&log, 7, r, 3);

    char path[256];
    path_in(path, sizeof(path), "00000000000000000000.log");
    cr_assert_eq(fu_write_file(path, log.data, log.len), 0);
    kc_wbuf_free(&log);
    dump d = run_dump(path, KC_DUMP_OFFSETS);
    cr_assert_eq(d.rc, 0);
    cr_assert_str_eq(d.err, "");
    cr_assert_eq(d.n, 2 + (1 + 3) + (1 + 4) + (1 + 3),
                 "3 batch lines, 10 record lines; output:\n%s", d.out);
    expect_batch_start(&d, 2, 0, 2, 3);
    expect_record(&d, 3, 0,
                  " key: offset_commit::group=my-group,partition=orders-3 payload: offset=42");
    expect_record(&d, 4, 1,
                  " key: offset_commit::group=my-group,partition=orders-4 payload: "
                  "offset=7,metadata=hello");
    expect_record(&d, 5, 2,
                  " key: offset_commit::group=my-group,partition=orders-5 payload: <DELETE>");
    expect_batch_start(&d, 6, 3, 6, 4);
    expect_record(&d, 7, 3,
                  " key: group_metadata::group=my-group payload: {\"protocolType\":\"consumer\","
                  "\"protocol\":\"range\",\"generationId\":3,\"assignment\":\"{consumer-1-aa="
                  "[orders-0, orders-1],static-b=[orders-2, payments-0]:AFF,q\\\"uote\\\\d=[]}\"}");
    expect_record(&d, 8, 4,
                  " key: group_metadata::group=connect-cluster payload: {\"protocolType\":"
                  "\"connect\",\"protocol\":\"sessioned\",\"generationId\":9,\"assignment\":"
                  "\"{worker-1=102}\"}");
    expect_record(&d, 9, 5,
                  " key: group_metadata::group=idle payload: {\"protocolType\":\"consumer\","
                  "\"protocol\":null,\"generationId\":4,\"assignment\":\"{}\"}");
    expect_record(&d, 10, 6, " key: group_metadata::group=gone payload: <DELETE>");
    expect_batch_start(&d, 11, 7, 9, 3);
    expect_record(&d, 12, 7,
                  " key: Error at offset 7, skipping. Failed to decode message using offset "
                  "topic decoder (message had a missing key)");
    expect_record(&d, 13, 8,
                  " key: Error at offset 8, skipping. Failed to decode message using offset "
                  "topic decoder (message had an invalid key)");
    expect_record(&d, 14, 9,
                  " key: Error at offset 9, skipping. Failed to decode the offset commit value");
    dump_free(&d);
}
