/*
 * Partition log (src/storage/plog.h) in a mkdtemp directory, with an injected clock (now_ms):
 * offsets assigned and header fields stamped on append; reads by offset with Kafka's
 * LogSegment.read limits (max bytes, KIP-74 first batch, high watermark, one segment per read);
 * segments rolled by size, time and full index, named by their 20-digit base offset; index
 * lookup plus short scan; retention by time, size and log start offset (DeleteRecords);
 * reopen after a clean shutdown, with lost or corrupt index files, from a recovery point, and
 * after damage; ListOffsets by timestamp; flush jobs.
 */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch_builder.h"
#include "common/arena.h"
#include "fs_util.h"
#include "plog_cfg.h"
#include "proto/records.h"
#include "storage/plog.h"

static char root[128];
static char logdir[512];

static void setup(void)
{
    cr_assert_eq(fu_mkdtemp(root, sizeof(root), "plog"), 0);
    snprintf(logdir, sizeof(logdir), "%s/topic-0", root);
}

static void teardown(void)
{
    if (root[0])
        fu_rm_tree(root);
}

TestSuite(plog, .init = setup, .fini = teardown, .timeout = 60);

/* ------------------------------------------------------------------ helpers */

static const kc_plog_open_opts FRESH = {false, -1, -1, 0};
static const kc_plog_open_opts CLEAN = {true, -1, -1, 0};

static kc_plog *open_opts(const kc_log_config *cfg, const kc_plog_open_opts *o,
                          kc_plog_open_stats *st)
{
    kc_plog *l = NULL;
    char err[256] = "";
    kc_plog_open_stats local;
    memset(st ? st : &local, 0x5A, sizeof(local));
    cr_assert_eq(kc_plog_open(logdir, cfg, o, &l, st ? st : &local, err, sizeof(err)), 0,
                 "open: %s", err);
    cr_assert_not_null(l);
    return l;
}

static kc_plog *open_log(const kc_log_config *cfg)
{
    return open_opts(cfg, &FRESH, NULL);
}

static void seg_file(int64_t base, const char *ext, char *out, size_t len)
{
    snprintf(out, len, "%s/%020lld%s", logdir, (long long)base, ext);
}

static long long seg_file_size(int64_t base, const char *ext)
{
    char p[600];
    seg_file(base, ext, p, sizeof(p));
    return fu_file_size(p);
}

/* A batch as a client sent it and as it must be on disk after append. */
typedef struct sent {
    uint8_t *bytes; /* as built (BaseOffset 0, epoch 0) */
    uint8_t *disk;  /* as appended: BaseOffset and PartitionLeaderEpoch stamped */
    size_t len;
    int n_records;
    int64_t ts;   /* first record's timestamp; record i has ts + 10 * i */
    int64_t base; /* assigned */
    int32_t epoch;
    bool rolled;
} sent;

static int64_t last_offset(const sent *s)
{
    return s->base + s->n_records - 1;
}

static void append_at(kc_plog *l, sent *s, int n, int64_t ts, int32_t epoch, int64_t now_ms)
{
    memset(s, 0, sizeof(*s));
    s->bytes = bb_simple(n, ts, &s->len);
    s->n_records = n;
    s->ts = ts;
    s->epoch = epoch;
    s->disk = malloc(s->len);
    memcpy(s->disk, s->bytes, s->len);
    int64_t leo = kc_plog_log_end_offset(l);
    s->base = -7;
    int rc = kc_plog_append(l, s->disk, s->len, epoch, now_ms, &s->base, &s->rolled);
    cr_assert_eq(rc, 0, "append: %d", rc);
    cr_assert_eq(s->base, leo, "base offset %lld, log end offset was %lld", (long long)s->base,
                 (long long)leo);
    cr_assert_eq(kc_plog_log_end_offset(l), leo + n);
    /* stamped in place; the CRC (bytes 21..) still matches */
    cr_assert_eq(bb_get_i64(s->disk), s->base);
    cr_assert_eq(bb_get_i32(s->disk + 12), epoch);
    cr_assert_eq(memcmp(s->disk + 16, s->bytes + 16, s->len - 16), 0);
}

static void append_batch(kc_plog *l, sent *s, int n, int64_t ts)
{
    append_at(l, s, n, ts, 0, 0);
}

static void free_sent(sent *s, int n)
{
    for (int i = 0; i < n; i++) {
        free(s[i].bytes);
        free(s[i].disk);
    }
}

/*
 * kc_plog_read(@p offset, @p max_offset, @p max_bytes, @p min_one) must return @p rc_want and
 * exactly the first @p want_len bytes of the on-disk batches s[first], s[first + 1], ...
 */
static void read_expect(kc_plog *l, int64_t offset, int64_t max_offset, int32_t max_bytes,
                        bool min_one, int rc_want, const sent *s, int first, size_t want_len)
{
    kc_arena a = KC_ARENA_INIT;
    kc_bytes out = {NULL, -7};
    int rc = kc_plog_read(l, offset, max_offset, max_bytes, min_one, &a, &out);
    cr_assert_eq(rc, rc_want, "read(%lld, hw %lld, %d, %d): rc %d want %d", (long long)offset,
                 (long long)max_offset, max_bytes, min_one, rc, rc_want);
    cr_assert_eq(out.len, (int32_t)want_len, "read(%lld, hw %lld, %d, %d): %d bytes, want %zu",
                 (long long)offset, (long long)max_offset, max_bytes, min_one, out.len, want_len);
    size_t pos = 0;
    for (int i = first; pos < want_len; i++) {
        size_t n = s[i].len < want_len - pos ? s[i].len : want_len - pos;
        cr_assert_eq(memcmp(out.p + pos, s[i].disk, n), 0, "read(%lld): batch %d differs",
                     (long long)offset, i);
        pos += n;
    }
    kc_arena_free(&a);
}

static void read_nothing(kc_plog *l, int64_t offset, int64_t max_offset, int rc_want)
{
    read_expect(l, offset, max_offset, 1 << 20, true, rc_want, NULL, 0, 0);
}

/* The batch at @p offset must come first, whole (KIP-74 with max_bytes 1). */
static void read_batch_at(kc_plog *l, int64_t offset, const sent *b)
{
    kc_arena a = KC_ARENA_INIT;
    kc_bytes out = {NULL, -7};
    int rc = kc_plog_read(l, offset, kc_plog_log_end_offset(l), 1, true, &a, &out);
    cr_assert_eq(rc, 0, "read(%lld): rc %d", (long long)offset, rc);
    cr_assert_eq(out.len, (int32_t)b->len, "read(%lld): %d bytes, want the batch at %lld (%zu)",
                 (long long)offset, out.len, (long long)b->base, b->len);
    cr_assert_eq(memcmp(out.p, b->disk, b->len), 0, "read(%lld): not the batch at %lld",
                 (long long)offset, (long long)b->base);
    kc_arena_free(&a);
}

static void flip_byte(const char *path, off_t at)
{
    int fd = open(path, O_RDWR);
    cr_assert_geq(fd, 0, "open %s", path);
    uint8_t b;
    cr_assert_eq(pread(fd, &b, 1, at), 1);
    b ^= 0x20;
    cr_assert_eq(pwrite(fd, &b, 1, at), 1);
    close(fd);
}

static void free_paths(char **paths, int n)
{
    for (int i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}

/* ------------------------------------------------------------------ open, append, read */

Test(plog, new_log_is_empty)
{
    kc_log_config cfg = plog_test_cfg();
    kc_plog_open_stats st;
    kc_plog *l = open_opts(&cfg, &FRESH, &st);
    cr_assert_eq(kc_plog_log_start_offset(l), 0);
    cr_assert_eq(kc_plog_log_end_offset(l), 0);
    cr_assert_eq(kc_plog_size_bytes(l), 0);
    cr_assert_eq(kc_plog_segment_count(l), 1);
    cr_assert_eq(kc_plog_segment_base(l, 0), 0);
    cr_assert_eq(kc_plog_segment_base(l, 1), -1);
    cr_assert_eq(kc_plog_segment_base(l, -1), -1);
    cr_assert_eq(st.segments_recovered, 0);
    cr_assert_eq(st.bytes_scanned, 0);
    cr_assert_eq(st.indexes_rebuilt, 0);
    cr_assert_eq(st.bytes_truncated, 0);
    cr_assert_str_eq(kc_plog_dir(l), logdir);
    cr_assert_eq(kc_plog_config(l)->segment_index_bytes, 8192);
    cr_assert_eq(seg_file_size(0, ".log"), 0);
    cr_assert_eq(seg_file_size(0, ".index"), 8192, "active index preallocated");
    cr_assert_eq(seg_file_size(0, ".timeindex"), 8184, "8192 rounded down to 12-byte entries");
    read_nothing(l, 0, 0, 0);
    read_nothing(l, 0, 100, 0);
    read_nothing(l, 1, 0, 1);
    read_nothing(l, -1, 0, 1);
    kc_plog_close(l);
    cr_assert_eq(seg_file_size(0, ".index"), 0, "trimmed on close");
    cr_assert_eq(seg_file_size(0, ".timeindex"), 0);
}

Test(plog, new_log_starts_at_checkpointed_log_start_offset)
{
    kc_log_config cfg = plog_test_cfg();
    kc_plog_open_opts o = {false, -1, 500, 0};
    kc_plog *l = open_opts(&cfg, &o, NULL);
    cr_assert_eq(kc_plog_log_start_offset(l), 500);
    cr_assert_eq(kc_plog_log_end_offset(l), 500);
    cr_assert_eq(kc_plog_segment_base(l, 0), 500);
    cr_assert_geq(seg_file_size(500, ".log"), 0, "segment named 00000000000000000500.log");
    sent s;
    append_batch(l, &s, 2, 1000);
    cr_assert_eq(s.base, 500);
    read_nothing(l, 499, 502, 1);
    read_expect(l, 500, 502, 1 << 20, true, 0, &s, 0, s.len);
    kc_plog_close(l);
    free_sent(&s, 1);
}

Test(plog, open_fails_when_dir_cannot_be_created)
{
    char file[300], bad[320];
    snprintf(file, sizeof(file), "%s/plainfile", root);
    cr_assert_eq(fu_write_file(file, "x", 1), 0);
    snprintf(bad, sizeof(bad), "%s/sub", file);
    kc_log_config cfg = plog_test_cfg();
    kc_plog *l = NULL;
    char err[256] = "";
    cr_assert_eq(kc_plog_open(bad, &cfg, &FRESH, &l, NULL, err, sizeof(err)), -1);
    cr_assert_neq(err[0], '\0', "an error message");
}

Test(plog, open_creates_nested_dirs)
{
    snprintf(logdir, sizeof(logdir), "%s/a/b/topic-3", root);
    kc_log_config cfg = plog_test_cfg();
    kc_plog *l = open_log(&cfg);
    cr_assert(fu_exists(logdir));
    cr_assert_eq(seg_file_size(0, ".log"), 0);
    kc_plog_close(l);
}

Test(plog, append_assigns_offsets_and_stamps)
{
    kc_log_config cfg = plog_test_cfg();
    kc_plog *l = open_log(&cfg);
    sent s[4];
    const int counts[] = {3, 1, 5, 2};
    int64_t want = 0;
    uint64_t bytes = 0;
    for (int i = 0; i < 4; i++) {
        append_at(l, &s[i], counts[i], 1000 * (i + 1), 7 + i, 0);
        cr_assert_eq(s[i].base, want);
        cr_assert_not(s[i].rolled);
        want += counts[i];
        bytes += s[i].len;
        cr_assert_eq(kc_plog_size_bytes(l), bytes);
        cr_assert_eq(kc_plog_unflushed_messages(l), want, "unflushed counts records");
    }
    cr_assert_eq(kc_plog_log_start_offset(l), 0);
    cr_assert_eq(kc_plog_segment_count(l), 1);
    char p[600];
    seg_file(0, ".log", p, sizeof(p));
    size_t flen;
    uint8_t *disk = fu_read_file(p, &flen);
    cr_assert_not_null(disk);
    cr_assert_eq(flen, bytes, "the segment holds exactly the batches");
    size_t pos = 0;
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(memcmp(disk + pos, s[i].disk, s[i].len), 0, "batch %d on disk", i);
        cr_assert_eq(bb_get_i64(disk + pos), s[i].base);
        cr_assert_eq(bb_get_i32(disk + pos + 12), 7 + i);
        cr_assert_eq(kc_batch_compute_crc(disk + pos, s[i].len),
                     (uint32_t)bb_get_i32(disk + pos + 17), "CRC still valid");
        pos += s[i].len;
    }
    free(disk);
    kc_plog_close(l);
    free_sent(s, 4);
}

Test(plog, append_rejects_a_short_buffer)
{
    kc_log_config cfg = plog_test_cfg();
    kc_plog *l = open_log(&cfg);
    uint8_t junk[40] = {0};
    int64_t base = -7;
    cr_assert_lt(kc_plog_append(l, junk, sizeof(junk), 0, 0, &base, NULL), 0);
    cr_assert_eq(kc_plog_log_end_offset(l), 0);
    cr_assert_eq(kc_plog_size_bytes(l), 0);
    kc_plog_close(l);
}

Test(plog, failed_append_is_undone)
{
    /* a write that fails part-way (here: the file size limit, EFBIG) leaves the segment as it
     * was; the offsets are not consumed */
    kc_log_config cfg = plog_test_cfg();
    kc_plog *l = open_log(&cfg);
    sent s[2];
    append_batch(l, &s[0], 3, 1000);
    uint64_t size = kc_plog_size_bytes(l);
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit old, lim;
    cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = (rlim_t)(size + 30); /* the next batch stops after 30 bytes */
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    size_t len;
    uint8_t *b = bb_simple(4, 2000, &len);
    int64_t base = -7;
    int rc = kc_plog_append(l, b, len, 0, 0, &base, NULL);
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
    cr_assert_lt(rc, 0, "append past the file size limit: %d", rc);
    cr_assert_eq(kc_plog_log_end_offset(l), 3);
    cr_assert_eq(kc_plog_size_bytes(l), size);
    cr_assert_eq(seg_file_size(0, ".log"), (long long)size, "partial write truncated away");
    free(b);
    append_batch(l, &s[1], 2, 3000);
    cr_assert_eq(s[1].base, 3);
    read_expect(l, 0, 5, 1 << 20, true, 0, s, 0, s[0].len + s[1].len);
    kc_plog_close(l);
    kc_plog_open_stats st;
    l = open_opts(&cfg, &FRESH, &st);
    cr_assert_eq(st.bytes_truncated, 0);
    cr_assert_eq(kc_plog_log_end_offset(l), 5);
    kc_plog_close(l);
    free_sent(s, 2);
}

Test(plog, read_whole_batches)
{
    kc_log_config cfg = plog_test_cfg();
    kc_plog *l = open_log(&cfg);
    sent s[3];
    append_batch(l, &s[0], 3, 1000); /* offsets 0..2 */
    append_batch(l, &s[1], 1, 2000); /* 3 */
    append_batch(l, &s[2], 5, 3000); /* 4..8 */
    int64_t leo = kc_plog_log_end_offset(l);
    cr_assert_eq(leo, 9);
    const int32_t big = 1 << 20;
    size_t all = s[0].len + s[1].len + s[2].len;
    read_expect(l, 0, leo, big, true, 0, s, 0, all);
    read_expect(l, 1, leo, big, true, 0, s, 0, all); /* from the batch holding offset 1 */
    read_expect(l, 2, leo, big, false, 0, s, 0, all);
    read_expect(l, 3, leo, big, true, 0, s, 1, s[1].len + s[2].len);
    read_expect(l, 4, leo, big, true, 0, s, 2, s[2].len);
    read_expect(l, 8, leo, big, true, 0, s, 2, s[2].len);
    read_nothing(l, 9, leo, 0); /* at the log end: empty, not out of range */
    read_nothing(l, 10, leo, 1);
    read_nothing(l, 10, 100, 1); /* past the log end even below max_offset */
    read_nothing(l, -1, leo, 1);
    kc_plog_close(l);
    free_sent(s, 3);
}

/* Kafka's LogSegment.read: fetchSize = min(bytes up to the high watermark, maxSize), where
 * maxSize is raised to the first batch's size with minOneMessage; the range may end mid-batch. */
Test(plog, read_max_bytes_may_end_mid_batch)
{
    kc_log_config cfg = plog_test_cfg();
    kc_plog *l = open_log(&cfg);
    sent s[3];
    append_batch(l, &s[0], 3, 1000);
    append_batch(l, &s[1], 1, 2000);
    append_batch(l, &s[2], 5, 3000);
    int64_t leo = kc_plog_log_end_offset(l);
    size_t l0 = s[0].len, l1 = s[1].len, l2 = s[2].len;
    /* KIP-74: the first batch whole even when larger than max_bytes */
    read_expect(l, 0, leo, 1, true, 0, s, 0, l0);
    read_expect(l, 0, leo, 0, true, 0, s, 0, l0);
    read_expect(l, 5, leo, 10, true, 0, s, 2, l2);
    /* without it, a first batch larger than max_bytes gives nothing: Kafka (v3+) never
     * answers an incomplete first batch */
    read_expect(l, 0, leo, 0, false, 0, s, 0, 0);
    read_expect(l, 0, leo, 1, false, 0, s, 0, 0);
    read_expect(l, 0, leo, (int32_t)l0 - 1, false, 0, s, 0, 0);
    read_expect(l, 0, leo, (int32_t)l0, false, 0, s, 0, l0);
    /* then as many bytes as allowed, ending inside the next batch */
    read_expect(l, 0, leo, (int32_t)l0, true, 0, s, 0, l0);
    read_expect(l, 0, leo, (int32_t)(l0 + 5), true, 0, s, 0, l0 + 5);
    read_expect(l, 0, leo, (int32_t)(l0 + l1 - 1), true, 0, s, 0, l0 + l1 - 1);
    read_expect(l, 0, leo, (int32_t)(l0 + l1), true, 0, s, 0, l0 + l1);
    read_expect(l, 0, leo, (int32_t)(l0 + l1 + l2 - 1), false, 0, s, 0, l0 + l1 + l2 - 1);
    read_expect(l, 0, leo, (int32_t)(l0 + l1 + l2 + 100), false, 0, s, 0, l0 + l1 + l2);
    read_expect(l, 3, leo, (int32_t)(l1 + 7), true, 0, s, 1, l1 + 7);
    read_expect(l, 0, leo, -1, false, 0, s, 0, 0);
    kc_plog_close(l);
    free_sent(s, 3);
}

Test(plog, read_stops_at_max_offset)
{
    kc_log_config cfg = plog_test_cfg();
    kc_plog *l = open_log(&cfg);
    sent s[3];
    append_batch(l, &s[0], 3, 1000); /* 0..2 */
    append_batch(l, &s[1], 1, 2000); /* 3 */
    append_batch(l, &s[2], 5, 3000); /* 4..8 */
    const int32_t big = 1 << 20;
    read_expect(l, 0, 3, big, true, 0, s, 0, s[0].len);
    read_expect(l, 0, 4, big, true, 0, s, 0, s[0].len + s[1].len);
    read_expect(l, 1, 4, big, true, 0, s, 0, s[0].len + s[1].len);
    /* the high watermark inside batch 2: batch 2 is not exposed */
    read_expect(l, 0, 5, big, true, 0, s, 0, s[0].len + s[1].len);
    read_expect(l, 0, 9, big, true, 0, s, 0, s[0].len + s[1].len + s[2].len);
    read_nothing(l, 3, 3, 0); /* offset == high watermark: nothing yet */
    read_nothing(l, 4, 3, 1); /* above the high watermark */
    read_nothing(l, 0, 0, 0);
    /* KIP-74 never crosses the high watermark */
    read_expect(l, 0, 3, 1, true, 0, s, 0, s[0].len);
    read_nothing(l, 4, 5, 0);
    kc_plog_close(l);
    free_sent(s, 3);
}

Test(plog, read_slice_names_the_segment_range)
{
    kc_log_config cfg = plog_test_cfg();
    kc_plog *l = open_log(&cfg);
    sent s[3];
    append_batch(l, &s[0], 3, 1000);
    append_batch(l, &s[1], 1, 2000);
    append_batch(l, &s[2], 5, 3000);
    kc_plog_slice sl;
    cr_assert_eq(kc_plog_read_slice(l, 3, 9, 1 << 20, true, &sl), 0);
    cr_assert_eq(sl.position, (int64_t)s[0].len);
    cr_assert_eq(sl.bytes, (int32_t)(s[1].len + s[2].len));
    cr_assert_geq(sl.fd, 0);
    uint8_t *b = malloc(s[1].len);
    cr_assert_eq(pread(sl.fd, b, s[1].len, sl.position), (ssize_t)s[1].len);
    cr_assert_eq(memcmp(b, s[1].disk, s[1].len), 0);
    free(b);
    cr_assert_eq(kc_plog_read_slice(l, 9, 9, 1 << 20, true, &sl), 0);
    cr_assert_eq(sl.bytes, 0);
    cr_assert_eq(kc_plog_read_slice(l, 10, 9, 1 << 20, true, &sl), 1);
    cr_assert_eq(sl.bytes, 0);
    kc_plog_close(l);
    free_sent(s, 3);
}

/* ------------------------------------------------------------------ roll */

Test(plog, roll_by_size)
{
    kc_log_config cfg = plog_test_cfg();
    sent probe;
    probe.bytes = bb_simple(2, 0, &probe.len);
    free(probe.bytes);
    /* room for three 2-record batches per segment */
    cfg.segment_bytes = (int64_t)(3 * probe.len + probe.len / 2);
    cfg.index_interval_bytes = 0;
    kc_plog *l = open_log(&cfg);
    enum { N = 20 };
    sent s[N];
    int seg_of[N];
    int seg = 0;
    for (int i = 0; i < N; i++) {
        append_batch(l, &s[i], 2, 1000 + 100 * i);
        cr_assert_eq(s[i].len, probe.len);
        cr_assert_eq(s[i].rolled, i > 0 && i % 3 == 0, "batch %d rolled %d", i, s[i].rolled);
        seg += s[i].rolled;
        seg_of[i] = seg;
    }
    cr_assert_eq(kc_plog_segment_count(l), 7);
    for (int k = 0; k < 7; k++) {
        int first = 3 * k;
        int64_t base = s[first].base;
        cr_assert_eq(kc_plog_segment_base(l, k), base, "segment %d base", k);
        cr_assert_eq(seg_of[first], k);
        /* contiguous: each segment starts where the previous one ends */
        if (k > 0)
            cr_assert_eq(base, last_offset(&s[first - 1]) + 1);
        /* named by the 20-digit base offset */
        char name[64];
        snprintf(name, sizeof(name), "%020lld.log", (long long)base);
        char p[600];
        snprintf(p, sizeof(p), "%s/%s", logdir, name);
        cr_assert(fu_exists(p), "%s missing", name);
        int in_seg = k < 6 ? 3 : 2;
        cr_assert_eq(fu_file_size(p), (long long)(in_seg * probe.len), "%s size", name);
        cr_assert_leq(fu_file_size(p), cfg.segment_bytes);
        if (k < 6) {
            /* closed: indexes trimmed to their entries (two offset-index entries: batches 2, 3
             * of the segment; the time index also gets the final max-timestamp entry) */
            cr_assert_eq(seg_file_size(base, ".index"), 2 * 8, "segment %d .index", k);
            cr_assert_eq(seg_file_size(base, ".timeindex"), 2 * 12, "segment %d .timeindex", k);
            /* Kafka's entries: (last offset of the batch - base, its position), big-endian;
             * (largest timestamp so far, its offset - base) */
            uint8_t want_idx[16], want_tidx[24];
            for (int e = 0; e < 2; e++) {
                const sent *b = &s[first + 1 + e];
                bb_put_i32(want_idx + 8 * e, (int32_t)(last_offset(b) - base));
                bb_put_i32(want_idx + 8 * e + 4, (int32_t)((1 + e) * probe.len));
                bb_put_i64(want_tidx + 12 * e, b->ts + 10);
                bb_put_i32(want_tidx + 12 * e + 8, (int32_t)(last_offset(b) - base));
            }
            size_t n;
            seg_file(base, ".index", p, sizeof(p));
            uint8_t *f = fu_read_file(p, &n);
            cr_assert_eq(memcmp(f, want_idx, sizeof(want_idx)), 0, "segment %d .index bytes", k);
            free(f);
            seg_file(base, ".timeindex", p, sizeof(p));
            f = fu_read_file(p, &n);
            cr_assert_eq(memcmp(f, want_tidx, sizeof(want_tidx)), 0, "segment %d .timeindex", k);
            free(f);
        }
    }
    cr_assert_eq(fu_count_suffix(logdir, ".log"), 7);
    cr_assert_eq(fu_count_suffix(logdir, ".index"), 7);
    cr_assert_eq(fu_count_suffix(logdir, ".timeindex"), 7);
    cr_assert_eq(kc_plog_size_bytes(l), N * probe.len);
    /* every batch readable through its segment */
    for (int i = 0; i < N; i++)
        read_batch_at(l, s[i].base + 1, &s[i]);
    /* a read does not cross a segment boundary */
    read_expect(l, s[1].base, kc_plog_log_end_offset(l), 1 << 20, true, 0, s, 1, 2 * probe.len);
    kc_plog_close(l);
    free_sent(s, N);
}

Test(plog, closed_segment_time_index_ends_with_its_max_timestamp)
{
    /* Kafka's onBecomeInactiveSegment: the last time-index entry of a closed segment is its
     * largest timestamp and that record's offset (what retention and ListOffsets rely on) */
    kc_log_config cfg = plog_test_cfg();
    kc_plog *l = open_log(&cfg);
    sent s[3];
    append_batch(l, &s[0], 2, 5000);
    append_batch(l, &s[1], 3, 9000); /* max 9020 at offset 4 */
    append_batch(l, &s[2], 1, 7000);
    cr_assert_eq(kc_plog_roll(l, 0), 0);
    cr_assert_eq(kc_plog_segment_count(l), 2);
    char p[600];
    seg_file(0, ".timeindex", p, sizeof(p));
    size_t n;
    uint8_t *t = fu_read_file(p, &n);
    cr_assert_not_null(t);
    cr_assert_eq(n, 12, "interval 4096: only the final entry");
    cr_assert_eq(bb_get_i64(t), 9020);
    cr_assert_eq(bb_get_i32(t + 8), 4, "relative offset of the max-timestamp record's batch end");
    free(t);
    kc_plog_close(l);
    free_sent(s, 3);
}

Test(plog, roll_by_time)
{
    kc_log_config cfg = plog_test_cfg();
    cfg.segment_ms = 1000;
    kc_plog *l = open_log(&cfg);
    sent s[7];
    append_at(l, &s[0], 1, 1, 0, 10000); /* first append at 10000 */
    append_at(l, &s[1], 1, 2, 0, 10500);
    append_at(l, &s[2], 1, 3, 0, 11000); /* exactly segment.ms later: not yet */
    cr_assert_eq(kc_plog_segment_count(l), 1);
    append_at(l, &s[3], 1, 4, 0, 11001); /* older than segment.ms: roll */
    cr_assert(s[3].rolled);
    cr_assert_eq(kc_plog_segment_count(l), 2);
    cr_assert_eq(kc_plog_segment_base(l, 1), 3);
    /* the new segment's clock starts at its first append */
    append_at(l, &s[4], 1, 5, 0, 12001);
    cr_assert_not(s[4].rolled);
    append_at(l, &s[5], 1, 6, 0, 12002);
    cr_assert(s[5].rolled);
    cr_assert_eq(kc_plog_segment_base(l, 2), 5);
    /* an explicit roll starts a segment at the log end offset ... */
    cr_assert_eq(kc_plog_roll(l, 99999), 0);
    cr_assert_eq(kc_plog_segment_count(l), 4, "explicit roll of a non-empty segment");
    /* ... but never from an empty one, and a long-idle empty segment does not roll */
    cr_assert_eq(kc_plog_roll(l, 99999), 0);
    cr_assert_eq(kc_plog_segment_count(l), 4, "roll of an empty active segment is a no-op");
    append_at(l, &s[6], 1, 7, 0, 500000);
    cr_assert_not(s[6].rolled, "first append into the empty segment");
    cr_assert_eq(kc_plog_segment_base(l, 3), 6);
    kc_plog_close(l);
    free_sent(s, 7);
}

Test(plog, roll_when_offset_index_full)
{
    /* 48 bytes: 6 offset-index entries (4 time-index entries); interval 0 indexes every batch
     * but the first; equal timestamps keep the time index at one entry */
    kc_log_config cfg = plog_test_cfg();
    cfg.segment_index_bytes = 48;
    cfg.index_interval_bytes = 0;
    kc_plog *l = open_log(&cfg);
    enum { N = 16 };
    sent s[N];
    for (int i = 0; i < N; i++) {
        append_batch(l, &s[i], 1, 5000);
        cr_assert_eq(s[i].rolled, i == 7 || i == 14, "batch %d rolled %d", i, s[i].rolled);
    }
    cr_assert_eq(kc_plog_segment_count(l), 3);
    cr_assert_eq(kc_plog_segment_base(l, 1), 7);
    cr_assert_eq(kc_plog_segment_base(l, 2), 14);
    cr_assert_eq(seg_file_size(0, ".index"), 48);
    for (int i = 0; i < N; i++)
        read_batch_at(l, s[i].base, &s[i]);
    kc_plog_close(l);
    free_sent(s, N);
}

Test(plog, roll_when_time_index_full)
{
    /* growing timestamps: the 4-entry time index fills after 5 batches */
    kc_log_config cfg = plog_test_cfg();
    cfg.segment_index_bytes = 48;
    cfg.index_interval_bytes = 0;
    kc_plog *l = open_log(&cfg);
    enum { N = 11 };
    sent s[N];
    for (int i = 0; i < N; i++) {
        append_batch(l, &s[i], 1, 5000 + i);
        cr_assert_eq(s[i].rolled, i == 5 || i == 10, "batch %d rolled %d", i, s[i].rolled);
    }
    cr_assert_eq(kc_plog_segment_count(l), 3);
    cr_assert_eq(seg_file_size(0, ".timeindex"), 48);
    cr_assert_eq(seg_file_size(0, ".index"), 32);
    kc_plog_close(l);
    free_sent(s, N);
}

Test(plog, batch_larger_than_segment_bytes_goes_into_an_empty_segment)
{
    kc_log_config cfg = plog_test_cfg();
    cfg.segment_bytes = 100;
    kc_plog *l = open_log(&cfg);
    sent s[3];
    append_batch(l, &s[0], 5, 1000);
    cr_assert_gt(s[0].len, 100);
    cr_assert_not(s[0].rolled, "the first segment is empty: no roll");
    append_batch(l, &s[1], 5, 2000);
    cr_assert(s[1].rolled);
    append_batch(l, &s[2], 5, 3000);
    cr_assert(s[2].rolled);
    cr_assert_eq(kc_plog_segment_count(l), 3);
    for (int i = 0; i < 3; i++)
        read_batch_at(l, s[i].base + 2, &s[i]);
    kc_plog_close(l);
    free_sent(s, 3);
}

Test(plog, set_config_changes_the_next_roll)
{
    kc_log_config cfg = plog_test_cfg();
    kc_plog *l = open_log(&cfg);
    sent s[3];
    append_batch(l, &s[0], 2, 1000);
    append_batch(l, &s[1], 2, 1000);
    cr_assert_eq(kc_plog_segment_count(l), 1);
    kc_log_config small = cfg;
    small.segment_bytes = (int64_t)(s[0].len * 2);
    kc_plog_set_config(l, &small);
    cr_assert_eq(kc_plog_config(l)->segment_bytes, small.segment_bytes);
    append_batch(l, &s[2], 2, 1000);
    cr_assert(s[2].rolled);
    kc_plog_close(l);
    free_sent(s, 3);
}

/* ------------------------------------------------------------------ lookup */

Test(plog, index_lookup_and_scan_across_segments)
{
    kc_log_config cfg = plog_test_cfg();
    cfg.segment_bytes = 2048;
    cfg.index_interval_bytes = 256;
    kc_plog *l = open_log(&cfg);
    enum { N = 120 };
    sent s[N];
    int64_t pos[N];
    int64_t seg_pos = 0;
    for (int i = 0; i < N; i++) {
        append_batch(l, &s[i], 1 + (i * 7) % 5, 1000 + i);
        if (s[i].rolled)
            seg_pos = 0;
        pos[i] = seg_pos;
        seg_pos += (int64_t)s[i].len;
    }
    cr_assert_geq(kc_plog_segment_count(l), 5);
    int64_t leo = kc_plog_log_end_offset(l);
    for (int i = 0; i < N; i++) {
        for (int64_t o = s[i].base; o <= last_offset(&s[i]); o++) {
            read_batch_at(l, o, &s[i]);
            kc_plog_slice sl;
            cr_assert_eq(kc_plog_read_slice(l, o, leo, 1, true, &sl), 0);
            cr_assert_eq(sl.position, pos[i], "offset %lld: position %lld want %lld", (long long)o,
                         (long long)sl.position, (long long)pos[i]);
        }
    }
    /* the indexes hold entries (lookups are not all full scans from 0) */
    char p[600];
    seg_file(0, ".index", p, sizeof(p));
    cr_assert_gt(fu_file_size(p), 0);
    kc_plog_close(l);
    free_sent(s, N);
}

/* Positions of batches s[0..n) appended to one segment. */
static void positions(const sent *s, int n, int64_t *pos)
{
    int64_t at = 0;
    for (int i = 0; i < n; i++) {
        pos[i] = at;
        at += (int64_t)s[i].len;
    }
}

/* Fetches near the log end are answered from the ring of the newest batches: every offset, with
 * the high watermark at every batch, gets the position and length the file holds, also after a
 * truncation into the ring and appends of batches of other sizes where the cut ones were. */
Test(plog, tail_lookups_match_the_file_after_truncation_and_appends)
{
    kc_log_config cfg = plog_test_cfg();
    cfg.index_interval_bytes = 512;
    kc_plog *l = open_log(&cfg);
    enum { N = 30, CUT = 26, M = 31 }; /* fewer new batches than the ring holds */
    sent s[M];
    int64_t pos[M];
    for (int i = 0; i < N; i++)
        append_batch(l, &s[i], 1 + (i * 3) % 4, 1000 + i);
    for (int round = 0; round < 2; round++) {
        int n = round == 0 ? N : M;
        positions(s, n, pos);
        int64_t leo = kc_plog_log_end_offset(l);
        for (int i = 0; i < n; i++)
            for (int h = i; h < n; h++)
                for (int64_t o = s[i].base; o <= last_offset(&s[i]); o++) {
                    kc_plog_slice sl;
                    int64_t hw = h == n - 1 ? leo : s[h + 1].base;
                    cr_assert_eq(kc_plog_read_slice(l, o, hw, 1 << 20, true, &sl), 0);
                    cr_assert_eq(sl.position, pos[i],
                                 "round %d offset %lld: position %lld, want %lld", round,
                                 (long long)o, (long long)sl.position, (long long)pos[i]);
                    int64_t end = h == n - 1 ? pos[h] + (int64_t)s[h].len : pos[h + 1];
                    cr_assert_eq(sl.bytes, end - pos[i], "round %d offset %lld hw %lld: %d bytes",
                                 round, (long long)o, (long long)hw, sl.bytes);
                }
        if (round == 0) {
            cr_assert_eq(kc_plog_truncate_to(l, s[CUT].base), 0);
            free_sent(s + CUT, N - CUT);
            for (int i = CUT; i < M; i++)
                append_batch(l, &s[i], 1 + (i * 5) % 7, 2000 + i);
        }
    }
    kc_plog_close(l);
    free_sent(s, M);
}

/* ------------------------------------------------------------------ retention */

/* Four segments of @p per batches each, explicit rolls; batch timestamps ts[k] for segment k.
 * Returns the batches in @p s (4 * per). */
static kc_plog *four_segments(kc_log_config *cfg, sent *s, int per, const int64_t ts[4])
{
    kc_plog *l = open_log(cfg);
    for (int k = 0; k < 4; k++) {
        if (k > 0)
            cr_assert_eq(kc_plog_roll(l, 0), 0);
        for (int j = 0; j < per; j++)
            append_batch(l, &s[k * per + j], 2, ts[k] + j);
    }
    cr_assert_eq(kc_plog_segment_count(l), 4);
    return l;
}

static void expect_deleted(char **paths, int n, const int64_t *bases, int nb)
{
    /* a segment started by a roll also has the producer snapshot taken at its base */
    int snapshots = 0;
    for (int i = 0; i < n; i++)
        snapshots += strstr(paths[i], ".snapshot.deleted") != NULL;
    cr_assert_leq(snapshots, nb);
    cr_assert_eq(n - snapshots, 3 * nb, "%d paths for %d segments", n, nb);
    for (int k = 0; k < nb; k++) {
        const char *exts[] = {".log", ".index", ".timeindex"};
        for (int e = 0; e < 3; e++) {
            char want[600];
            seg_file(bases[k], exts[e], want, sizeof(want));
            cr_assert_not(fu_exists(want), "%s still there", want);
            strcat(want, ".deleted");
            bool listed = false;
            for (int i = 0; i < n; i++)
                listed |= strcmp(paths[i], want) == 0;
            cr_assert(listed, "%s not returned", want);
            cr_assert(fu_exists(want), "%s not renamed", want);
        }
    }
}

Test(plog, retention_by_time)
{
    kc_log_config cfg = plog_test_cfg();
    cfg.retention_ms = 1000;
    sent s[8];
    const int64_t ts[4] = {1000, 2000, 3000, 4000};
    kc_plog *l = four_segments(&cfg, s, 2, ts);
    int64_t bases[4];
    for (int k = 0; k < 4; k++)
        bases[k] = kc_plog_segment_base(l, k);
    char **paths = (char **)1;
    int n = -1;
    /* segment 0's largest timestamp is 1011: 2011 is not older than retention.ms */
    cr_assert_eq(kc_plog_retention(l, 2011, &paths, &n), 0);
    cr_assert_null(paths);
    cr_assert_eq(n, 0);
    cr_assert_eq(kc_plog_segment_count(l), 4);
    /* at 3500: segments 0 (1011) and 1 (2011) are; 2 (3011) is not */
    cr_assert_eq(kc_plog_retention(l, 3500, &paths, &n), 2);
    expect_deleted(paths, n, bases, 2);
    free_paths(paths, n);
    cr_assert_eq(kc_plog_segment_count(l), 2);
    cr_assert_eq(kc_plog_segment_base(l, 0), bases[2]);
    cr_assert_eq(kc_plog_log_start_offset(l), bases[2], "log start at the next segment's base");
    cr_assert_eq(kc_plog_size_bytes(l), s[4].len + s[5].len + s[6].len + s[7].len);
    read_nothing(l, bases[2] - 1, kc_plog_log_end_offset(l), 1);
    read_nothing(l, 0, kc_plog_log_end_offset(l), 1);
    read_batch_at(l, bases[2], &s[4]);
    /* much later: everything is old, but the active segment stays */
    cr_assert_eq(kc_plog_retention(l, 1000000, &paths, &n), 1);
    expect_deleted(paths, n, &bases[2], 1);
    free_paths(paths, n);
    cr_assert_eq(kc_plog_segment_count(l), 1);
    cr_assert_eq(kc_plog_log_start_offset(l), bases[3]);
    cr_assert_eq(kc_plog_retention(l, 1000000, &paths, &n), 0, "never the active segment");
    read_batch_at(l, bases[3], &s[6]);
    cr_assert_eq(kc_plog_log_end_offset(l), 16);
    kc_plog_close(l);
    free_sent(s, 8);
}

Test(plog, retention_by_time_disabled)
{
    kc_log_config cfg = plog_test_cfg(); /* retention.ms -1 */
    sent s[8];
    const int64_t ts[4] = {1000, 2000, 3000, 4000};
    kc_plog *l = four_segments(&cfg, s, 2, ts);
    char **paths;
    int n;
    cr_assert_eq(kc_plog_retention(l, INT64_MAX / 2, &paths, &n), 0);
    cr_assert_eq(kc_plog_segment_count(l), 4);
    /* compact only: no deletion by time either */
    cfg.retention_ms = 10;
    cfg.cleanup_delete = false;
    cfg.cleanup_compact = true;
    kc_plog_set_config(l, &cfg);
    cr_assert_eq(kc_plog_retention(l, 1000000, &paths, &n), 0);
    cr_assert_eq(kc_plog_segment_count(l), 4);
    kc_plog_close(l);
    free_sent(s, 8);
}

Test(plog, retention_by_size)
{
    kc_log_config cfg = plog_test_cfg();
    sent s[8];
    const int64_t ts[4] = {1000, 2000, 3000, 4000};
    kc_plog *l = four_segments(&cfg, s, 2, ts);
    int64_t S = (int64_t)(s[0].len + s[1].len);
    cr_assert_eq(kc_plog_size_bytes(l), (uint64_t)(4 * S));
    int64_t bases[4];
    for (int k = 0; k < 4; k++)
        bases[k] = kc_plog_segment_base(l, k);
    char **paths;
    int n;
    /* Kafka: delete the oldest while size - retention.bytes >= its size */
    cfg.retention_bytes = 3 * S + 1;
    kc_plog_set_config(l, &cfg);
    cr_assert_eq(kc_plog_retention(l, 0, &paths, &n), 0, "4S - (3S+1) < S");
    cfg.retention_bytes = 2 * S + 1;
    kc_plog_set_config(l, &cfg);
    cr_assert_eq(kc_plog_retention(l, 0, &paths, &n), 1);
    expect_deleted(paths, n, bases, 1);
    free_paths(paths, n);
    cr_assert_eq(kc_plog_size_bytes(l), (uint64_t)(3 * S));
    cr_assert_eq(kc_plog_log_start_offset(l), bases[1]);
    cfg.retention_bytes = 2 * S;
    kc_plog_set_config(l, &cfg);
    cr_assert_eq(kc_plog_retention(l, 0, &paths, &n), 1, "3S - 2S >= S");
    free_paths(paths, n);
    cr_assert_eq(kc_plog_log_start_offset(l), bases[2]);
    cfg.retention_bytes = 0;
    kc_plog_set_config(l, &cfg);
    cr_assert_eq(kc_plog_retention(l, 0, &paths, &n), 1, "all but the active segment");
    free_paths(paths, n);
    cr_assert_eq(kc_plog_segment_count(l), 1);
    cr_assert_eq(kc_plog_log_start_offset(l), bases[3]);
    read_batch_at(l, bases[3], &s[6]);
    kc_plog_close(l);
    free_sent(s, 8);
}

Test(plog, delete_records_raises_log_start_offset)
{
    kc_log_config cfg = plog_test_cfg();
    sent s[8];
    const int64_t ts[4] = {1000, 2000, 3000, 4000};
    kc_plog *l = four_segments(&cfg, s, 2, ts); /* 2 batches x 2 records per segment */
    int64_t leo = kc_plog_log_end_offset(l);
    cr_assert_eq(leo, 16);
    cr_assert_eq(kc_plog_delete_records(l, 5), 5);
    cr_assert_eq(kc_plog_log_start_offset(l), 5);
    cr_assert_eq(kc_plog_delete_records(l, 3), 5, "never lowered");
    cr_assert_eq(kc_plog_log_start_offset(l), 5);
    /* below the log start offset: OFFSET_OUT_OF_RANGE */
    read_nothing(l, 4, leo, 1);
    read_nothing(l, 0, leo, 1);
    /* at it: the batch holding it (4..5) */
    read_batch_at(l, 5, &s[2]);
    /* nothing is deleted until retention; then whole segments below it only */
    cr_assert_eq(kc_plog_segment_count(l), 4);
    char **paths;
    int n;
    cr_assert_eq(kc_plog_retention(l, 0, &paths, &n), 1, "segment 0 (0..3) is below 5");
    free_paths(paths, n);
    cr_assert_eq(kc_plog_segment_count(l), 2 + 1);
    cr_assert_eq(kc_plog_segment_base(l, 0), 4);
    cr_assert_eq(kc_plog_log_start_offset(l), 5, "kept, not lowered to the segment base");
    read_batch_at(l, 5, &s[2]);
    /* to the segment boundary: the segment holding 4..7 goes too */
    cr_assert_eq(kc_plog_delete_records(l, 8), 8);
    cr_assert_eq(kc_plog_retention(l, 0, &paths, &n), 1);
    free_paths(paths, n);
    cr_assert_eq(kc_plog_segment_base(l, 0), 8);
    cr_assert_eq(kc_plog_log_start_offset(l), 8);
    /* up to the log end: every closed segment goes, the active one stays */
    cr_assert_eq(kc_plog_delete_records(l, leo), leo);
    cr_assert_eq(kc_plog_delete_records(l, leo + 100), leo, "capped at the log end offset");
    cr_assert_eq(kc_plog_retention(l, 0, &paths, &n), 1, "8..11 goes, 12..15 is active");
    free_paths(paths, n);
    cr_assert_eq(kc_plog_segment_count(l), 1);
    cr_assert_eq(kc_plog_segment_base(l, 0), 12);
    cr_assert_eq(kc_plog_log_start_offset(l), leo);
    read_nothing(l, leo - 1, leo, 1);
    read_nothing(l, leo, leo, 0);
    sent more;
    append_batch(l, &more, 1, 9000);
    cr_assert_eq(more.base, leo);
    read_batch_at(l, leo, &more);
    kc_plog_close(l);
    free_sent(s, 8);
    free_sent(&more, 1);
}

Test(plog, log_start_offset_restored_on_open)
{
    kc_log_config cfg = plog_test_cfg();
    kc_plog *l = open_log(&cfg);
    sent s[3];
    for (int i = 0; i < 3; i++)
        append_batch(l, &s[i], 3, 1000 * i);
    kc_plog_close(l);
    kc_plog_open_opts o = {true, -1, 4, 0};
    l = open_opts(&cfg, &o, NULL);
    cr_assert_eq(kc_plog_log_start_offset(l), 4);
    read_nothing(l, 3, 9, 1);
    read_batch_at(l, 4, &s[1]);
    kc_plog_close(l);
    free_sent(s, 3);
}

Test(plog, leftover_deleted_files_removed_on_open)
{
    kc_log_config cfg = plog_test_cfg();
    sent s[8];
    const int64_t ts[4] = {1000, 2000, 3000, 4000};
    cfg.retention_ms = 0;
    kc_plog *l = four_segments(&cfg, s, 2, ts);
    char **paths;
    int n;
    cr_assert_eq(kc_plog_retention(l, 100000, &paths, &n), 3);
    kc_plog_close(l);
    for (int i = 0; i < n; i++)
        cr_assert(fu_exists(paths[i]));
    char cleaned[600];
    seg_file(777, ".log.cleaned", cleaned, sizeof(cleaned));
    cr_assert_eq(fu_write_file(cleaned, "x", 1), 0);
    l = open_opts(&cfg, &CLEAN, NULL);
    for (int i = 0; i < n; i++)
        cr_assert_not(fu_exists(paths[i]), "%s left after open", paths[i]);
    cr_assert_not(fu_exists(cleaned));
    cr_assert_eq(kc_plog_segment_count(l), 1);
    cr_assert_eq(kc_plog_log_start_offset(l), 12);
    free_paths(paths, n);
    kc_plog_close(l);
    free_sent(s, 8);
}

/* ------------------------------------------------------------------ reopen */

/* A log of @p n batches over several segments (2 KiB, index every 256 bytes). */
static kc_log_config multi_cfg(void)
{
    kc_log_config cfg = plog_test_cfg();
    cfg.segment_bytes = 2048;
    cfg.index_interval_bytes = 256;
    return cfg;
}

static kc_plog *build_multi(const kc_log_config *cfg, sent *s, int n)
{
    kc_plog *l = open_log(cfg);
    for (int i = 0; i < n; i++)
        append_batch(l, &s[i], 1 + (i * 3) % 4, 1000 + 10 * i);
    cr_assert_geq(kc_plog_segment_count(l), 4, "test needs several segments");
    return l;
}

static void all_readable(kc_plog *l, const sent *s, int n)
{
    cr_assert_eq(kc_plog_log_end_offset(l), last_offset(&s[n - 1]) + 1);
    for (int i = 0; i < n; i++) {
        read_batch_at(l, s[i].base, &s[i]);
        read_batch_at(l, last_offset(&s[i]), &s[i]);
    }
}

/* Snapshot of every index file of the log dir, for byte comparison. */
typedef struct snap {
    int n;
    char names[64][40];
    uint8_t *data[64];
    size_t len[64];
} snap;

static void take_snap(snap *sn, int64_t *bases, int nb)
{
    sn->n = 0;
    for (int k = 0; k < nb; k++) {
        const char *exts[] = {".index", ".timeindex"};
        for (int e = 0; e < 2; e++) {
            char p[600];
            seg_file(bases[k], exts[e], p, sizeof(p));
            snprintf(sn->names[sn->n], sizeof(sn->names[0]), "%020lld%s", (long long)bases[k],
                     exts[e]);
            sn->data[sn->n] = fu_read_file(p, &sn->len[sn->n]);
            cr_assert_not_null(sn->data[sn->n], "%s", p);
            sn->n++;
        }
    }
}

static void same_snap(const snap *a, const snap *b)
{
    cr_assert_eq(a->n, b->n);
    for (int i = 0; i < a->n; i++) {
        cr_assert_eq(a->len[i], b->len[i], "%s: %zu bytes, was %zu", a->names[i], b->len[i],
                     a->len[i]);
        cr_assert(a->len[i] == 0 || memcmp(a->data[i], b->data[i], a->len[i]) == 0, "%s differs",
                  a->names[i]);
    }
}

static void free_snap(snap *sn)
{
    for (int i = 0; i < sn->n; i++)
        free(sn->data[i]);
    sn->n = 0;
}

static int bases_of(kc_plog *l, int64_t *bases)
{
    int nb = kc_plog_segment_count(l);
    for (int k = 0; k < nb; k++)
        bases[k] = kc_plog_segment_base(l, k);
    return nb;
}

Test(plog, clean_reopen_keeps_everything_and_rebuilds_nothing)
{
    kc_log_config cfg = multi_cfg();
    enum { N = 60 };
    sent s[N];
    kc_plog *l = build_multi(&cfg, s, N);
    int64_t bases[32];
    int nb = bases_of(l, bases);
    uint64_t size = kc_plog_size_bytes(l);
    kc_plog_close(l);
    snap before;
    take_snap(&before, bases, nb);

    kc_plog_open_opts o = {true, last_offset(&s[N - 1]) + 1, -1, 0};
    kc_plog_open_stats st;
    l = open_opts(&cfg, &o, &st);
    cr_assert_eq(st.segments_recovered, 0);
    cr_assert_eq(st.indexes_rebuilt, 0);
    cr_assert_eq(st.bytes_scanned, 0, "nothing CRC-checked after a clean shutdown");
    cr_assert_eq(st.bytes_truncated, 0);
    cr_assert_eq(kc_plog_segment_count(l), nb);
    for (int k = 0; k < nb; k++)
        cr_assert_eq(kc_plog_segment_base(l, k), bases[k]);
    cr_assert_eq(kc_plog_size_bytes(l), size);
    cr_assert_eq(kc_plog_log_start_offset(l), 0);
    cr_assert_eq(kc_plog_recovery_point(l), kc_plog_log_end_offset(l));
    all_readable(l, s, N);
    kc_plog_close(l);
    snap after;
    take_snap(&after, bases, nb);
    same_snap(&before, &after);
    free_snap(&before);
    free_snap(&after);
    free_sent(s, N);
}

Test(plog, clean_reopen_continues_like_an_uninterrupted_log)
{
    /* same batches, once straight through and once with a close + clean reopen halfway: the
     * same segments and the same offset-index entries */
    kc_log_config cfg = multi_cfg();
    enum { N = 60 };
    sent a[N], b[N];
    kc_plog *l = build_multi(&cfg, a, N);
    int64_t bases[32];
    int nb = bases_of(l, bases);
    kc_plog_close(l);
    snap straight;
    take_snap(&straight, bases, nb);
    for (int k = 0; k < nb; k++) {
        /* the time index legitimately differs: close adds the max-timestamp entry */
        free(straight.data[2 * k + 1]);
        straight.data[2 * k + 1] = NULL;
        straight.len[2 * k + 1] = 0;
    }
    fu_rm_tree(logdir);

    l = open_log(&cfg);
    for (int i = 0; i < N; i++) {
        if (i == N / 2) {
            kc_plog_close(l);
            l = open_opts(&cfg, &CLEAN, NULL);
        }
        append_batch(l, &b[i], 1 + (i * 3) % 4, 1000 + 10 * i);
        cr_assert_eq(b[i].base, a[i].base);
    }
    cr_assert_eq(kc_plog_segment_count(l), nb);
    kc_plog_close(l);
    snap resumed;
    take_snap(&resumed, bases, nb);
    for (int k = 0; k < nb; k++) {
        free(resumed.data[2 * k + 1]);
        resumed.data[2 * k + 1] = NULL;
        resumed.len[2 * k + 1] = 0;
    }
    same_snap(&straight, &resumed);
    free_snap(&straight);
    free_snap(&resumed);
    free_sent(a, N);
    free_sent(b, N);
}

/* A clean restart of many idle logs must not resize their files: the active segment's indexes
 * stay as trimmed at close until its first append preallocates them (and close trims them
 * again), as a restart of 10,000 partitions otherwise rewrites 20,000 index files twice. */
Test(plog, clean_reopen_preallocates_the_active_indexes_only_at_the_first_append)
{
    kc_log_config cfg = multi_cfg();
    enum { N = 60 };
    sent s[N + 1];
    kc_plog *l = build_multi(&cfg, s, N);
    int64_t active = kc_plog_segment_base(l, kc_plog_segment_count(l) - 1);
    kc_plog_close(l);
    long long idx = seg_file_size(active, ".index"), tidx = seg_file_size(active, ".timeindex");
    cr_assert_lt(idx, cfg.segment_index_bytes, "trimmed at close");

    l = open_opts(&cfg, &CLEAN, NULL);
    cr_assert_eq(seg_file_size(active, ".index"), idx, "not preallocated by the open");
    cr_assert_eq(seg_file_size(active, ".timeindex"), tidx);
    all_readable(l, s, N);
    kc_plog_close(l);
    cr_assert_eq(seg_file_size(active, ".index"), idx, "nothing to trim after no append");

    l = open_opts(&cfg, &CLEAN, NULL);
    append_batch(l, &s[N], 3, 5000);
    cr_assert_eq(s[N].base, last_offset(&s[N - 1]) + 1);
    cr_assert_eq(kc_plog_segment_base(l, kc_plog_segment_count(l) - 1), active, "no roll");
    long long want = cfg.segment_index_bytes - cfg.segment_index_bytes % 8;
    cr_assert_eq(seg_file_size(active, ".index"), want, "preallocated at the first append");
    all_readable(l, s, N + 1);
    kc_plog_close(l);
    cr_assert_lt(seg_file_size(active, ".index"), cfg.segment_index_bytes, "trimmed again");
    l = open_opts(&cfg, &CLEAN, NULL);
    all_readable(l, s, N + 1);
    kc_plog_close(l);
    free_sent(s, N + 1);
}

static bool snaps_equal(const snap *a, const snap *b)
{
    if (a->n != b->n)
        return false;
    for (int i = 0; i < a->n; i++)
        if (a->len[i] != b->len[i] || (a->len[i] && memcmp(a->data[i], b->data[i], a->len[i]) != 0))
            return false;
    return true;
}

static void reopen_rebuilds(void (*damage)(const int64_t *bases, int nb), int want_rebuilt)
{
    kc_log_config cfg = multi_cfg();
    enum { N = 60 };
    sent s[N];
    kc_plog *l = build_multi(&cfg, s, N);
    int64_t bases[32];
    int nb = bases_of(l, bases);
    kc_plog_close(l);
    snap before;
    take_snap(&before, bases, nb);

    damage(bases, nb);

    kc_plog_open_opts o = {true, last_offset(&s[N - 1]) + 1, -1, 0};
    kc_plog_open_stats st;
    l = open_opts(&cfg, &o, &st);
    cr_assert_eq(st.segments_recovered, 0);
    cr_assert_eq(st.bytes_truncated, 0);
    cr_assert_eq(kc_plog_segment_count(l), nb);
    all_readable(l, s, N);
    kc_plog_close(l);
    snap after;
    take_snap(&after, bases, nb);
    bool same = snaps_equal(&before, &after);
    free_snap(&before);
    free_snap(&after);
    free_sent(s, N);
    cr_assert_eq(st.indexes_rebuilt, want_rebuilt, "indexes rebuilt: %d want %d",
                 st.indexes_rebuilt, want_rebuilt);
    cr_assert(same, "index files not rebuilt exactly as written");
}

static void delete_indexes_of_1_and_3(const int64_t *bases, int nb)
{
    (void)nb;
    char p[600];
    seg_file(bases[1], ".index", p, sizeof(p));
    cr_assert_eq(unlink(p), 0);
    seg_file(bases[3], ".timeindex", p, sizeof(p));
    cr_assert_eq(unlink(p), 0);
}

Test(plog, reopen_rebuilds_deleted_index_files)
{
    reopen_rebuilds(delete_indexes_of_1_and_3, 2);
}

static void delete_active_indexes(const int64_t *bases, int nb)
{
    char p[600];
    seg_file(bases[nb - 1], ".index", p, sizeof(p));
    cr_assert_eq(unlink(p), 0);
    seg_file(bases[nb - 1], ".timeindex", p, sizeof(p));
    cr_assert_eq(unlink(p), 0);
}

Test(plog, reopen_rebuilds_deleted_active_index_files)
{
    reopen_rebuilds(delete_active_indexes, 1);
}

static void corrupt_indexes(const int64_t *bases, int nb)
{
    (void)nb;
    char p[600];
    /* offset index of segment 0: second entry's relative offset lowered below the first */
    seg_file(bases[0], ".index", p, sizeof(p));
    size_t n;
    uint8_t *b = fu_read_file(p, &n);
    cr_assert_geq(n, 16, "segment 0 needs two index entries");
    b[8] = b[9] = b[10] = b[11] = 0;
    cr_assert_eq(fu_write_file(p, b, n), 0);
    free(b);
    /* time index of segment 2: zeros after the entries, as a crash leaves a preallocated file */
    seg_file(bases[2], ".timeindex", p, sizeof(p));
    b = fu_read_file(p, &n);
    b = realloc(b, n + 36);
    memset(b + n, 0, 36);
    cr_assert_eq(fu_write_file(p, b, n + 36), 0);
    free(b);
}

Test(plog, reopen_rebuilds_corrupt_index_files)
{
    reopen_rebuilds(corrupt_indexes, 2);
}

static void offset_index_pointing_elsewhere(const int64_t *bases, int nb)
{
    (void)nb;
    /* a sane-looking last entry whose position is not the batch it names */
    char p[600];
    seg_file(bases[1], ".index", p, sizeof(p));
    size_t n;
    uint8_t *b = fu_read_file(p, &n);
    cr_assert_geq(n, 8);
    uint32_t pos = (uint32_t)bb_get_i32(b + n - 4);
    bb_put_i32(b + n - 4, (int32_t)(pos + 1));
    cr_assert_eq(fu_write_file(p, b, n), 0);
    free(b);
}

Test(plog, reopen_rebuilds_index_whose_last_entry_is_wrong)
{
    reopen_rebuilds(offset_index_pointing_elsewhere, 1);
}

static void torn_offset_index(const int64_t *bases, int nb)
{
    (void)nb;
    /* Kafka rejects an index whose length is not a multiple of the entry size */
    char p[600];
    seg_file(bases[1], ".index", p, sizeof(p));
    long long n = fu_file_size(p);
    cr_assert_geq(n, 8);
    cr_assert_eq(truncate(p, n - 3), 0);
}

Test(plog, reopen_rebuilds_torn_index_file)
{
    reopen_rebuilds(torn_offset_index, 1);
}

Test(plog, crash_image_reopens_with_everything)
{
    /* the files as they are while the log is open (indexes preallocated, nothing trimmed), as a
     * crash leaves them; reopened without the clean-shutdown marker */
    kc_log_config cfg = multi_cfg();
    enum { N = 60 };
    sent s[N];
    kc_plog *l = build_multi(&cfg, s, N);
    int nb = kc_plog_segment_count(l);
    char crash[300];
    snprintf(crash, sizeof(crash), "%s/crash", root);
    cr_assert_eq(fu_copy_dir(logdir, crash), 0);
    kc_plog_close(l);
    snprintf(logdir, sizeof(logdir), "%s", crash);
    kc_plog_open_opts o = {false, 0, -1, 0};
    kc_plog_open_stats st;
    l = open_opts(&cfg, &o, &st);
    cr_assert_eq(st.segments_recovered, nb);
    cr_assert_eq(st.bytes_truncated, 0);
    cr_assert_eq(st.bytes_scanned, kc_plog_size_bytes(l));
    cr_assert_eq(kc_plog_segment_count(l), nb);
    all_readable(l, s, N);
    kc_plog_close(l);
    free_sent(s, N);
}

Test(plog, crash_image_with_untrimmed_active_index_and_clean_flag)
{
    /* even when told the shutdown was clean, the preallocated active index (zeros after the
     * entries) fails the sanity check and is rebuilt */
    kc_log_config cfg = multi_cfg();
    cfg.index_interval_bytes = 0;
    enum { N = 60 };
    sent s[N];
    kc_plog *l = build_multi(&cfg, s, N);
    char crash[300];
    snprintf(crash, sizeof(crash), "%s/crash", root);
    cr_assert_eq(fu_copy_dir(logdir, crash), 0);
    kc_plog_close(l);
    snprintf(logdir, sizeof(logdir), "%s", crash);
    kc_plog_open_stats st;
    l = open_opts(&cfg, &CLEAN, &st);
    cr_assert_geq(st.indexes_rebuilt, 1);
    all_readable(l, s, N);
    kc_plog_close(l);
    free_sent(s, N);
}

Test(plog, recovery_point_limits_the_scan)
{
    kc_log_config cfg = multi_cfg();
    enum { N = 60 };
    sent s[N];
    kc_plog *l = build_multi(&cfg, s, N);
    int64_t bases[32];
    int nb = bases_of(l, bases);
    cr_assert_geq(nb, 4);
    int64_t leo = kc_plog_log_end_offset(l);
    uint64_t seg_size[32];
    for (int k = 0; k < nb; k++)
        seg_size[k] = (uint64_t)seg_file_size(bases[k], ".log");
    kc_plog_close(l);

    const struct {
        int64_t rp;
        int first; /* first segment scanned */
    } cases[] = {
        {-1, 0},           {0, 0},
        {bases[2] - 1, 1}, {bases[2], 2},
        {bases[2] + 1, 2}, {bases[nb - 1], nb - 1},
        {leo, nb - 1}, /* the active segment is always scanned */
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        kc_plog_open_opts o = {false, cases[c].rp, -1, 0};
        kc_plog_open_stats st;
        l = open_opts(&cfg, &o, &st);
        uint64_t want_bytes = 0;
        for (int k = cases[c].first; k < nb; k++)
            want_bytes += seg_size[k];
        cr_assert_eq(st.segments_recovered, nb - cases[c].first,
                     "recovery point %lld: %d segments recovered, want %d", (long long)cases[c].rp,
                     st.segments_recovered, nb - cases[c].first);
        cr_assert_eq(st.bytes_scanned, want_bytes, "recovery point %lld: %llu bytes scanned",
                     (long long)cases[c].rp, (unsigned long long)st.bytes_scanned);
        cr_assert_eq(st.indexes_rebuilt, 0);
        cr_assert_eq(kc_plog_log_end_offset(l), leo);
        /* as Kafka's LogLoader: recovery does not fsync, so the recovery point stays where the
         * checkpoint put it until a flush */
        cr_assert_eq(kc_plog_recovery_point(l),
                     cases[c].rp < 0     ? 0
                     : cases[c].rp < leo ? cases[c].rp
                                         : leo,
                     "after recovery: the checkpointed recovery point");
        all_readable(l, s, N);
        kc_plog_close(l);
    }
    free_sent(s, N);
}

Test(plog, recovery_point_trusts_earlier_segments)
{
    /* damage in a segment wholly before the recovery point is not scanned for; damage after it
     * is found */
    kc_log_config cfg = multi_cfg();
    enum { N = 60 };
    sent s[N];
    kc_plog *l = build_multi(&cfg, s, N);
    int64_t bases[32];
    int nb = bases_of(l, bases);
    kc_plog_close(l);
    /* the first batch of segment 2 gets a flipped payload byte */
    int first2 = 0;
    while (s[first2].base != bases[2])
        first2++;
    char p[600];
    seg_file(bases[2], ".log", p, sizeof(p));
    flip_byte(p, (off_t)s[first2].len - 2);
    long long size2 = fu_file_size(p);
    kc_plog_open_opts o = {false, bases[3], -1, 0};
    kc_plog_open_stats st;
    l = open_opts(&cfg, &o, &st);
    cr_assert_eq(st.segments_recovered, nb - 3);
    cr_assert_eq(kc_plog_segment_count(l), nb, "not scanned: kept");
    kc_plog_close(l);
    o.recovery_point = bases[2];
    l = open_opts(&cfg, &o, &st);
    cr_assert_eq(kc_plog_segment_count(l), 3, "segment 2 truncated to nothing, 3.. removed");
    cr_assert_eq(kc_plog_log_end_offset(l), bases[2]);
    cr_assert_eq(st.bytes_truncated, (uint64_t)size2);
    cr_assert_eq(seg_file_size(bases[2], ".log"), 0);
    for (int k = 3; k < nb; k++) {
        cr_assert_eq(seg_file_size(bases[k], ".log"), -1, "segment %d not removed", k);
        cr_assert_eq(seg_file_size(bases[k], ".index"), -1);
        cr_assert_eq(seg_file_size(bases[k], ".timeindex"), -1);
    }
    for (int i = 0; i < first2; i++)
        read_batch_at(l, s[i].base, &s[i]);
    read_nothing(l, bases[2] + 1, INT64_MAX, 1);
    kc_plog_close(l);
    free_sent(s, N);
}

/* ------------------------------------------------------------------ damaged tail */

/* Writes 4 batches, closes, damages the only segment with @p damage, reopens without the
 * clean-shutdown marker and checks that exactly batches 0..2 survive. */
static void damaged_tail_case(void (*damage)(const char *path, const sent *s, size_t tail_pos))
{
    kc_log_config cfg = plog_test_cfg();
    kc_plog *l = open_log(&cfg);
    sent s[4];
    for (int i = 0; i < 4; i++)
        append_at(l, &s[i], 2 + i, 1000 * i, 1, 0);
    size_t keep = s[0].len + s[1].len + s[2].len;
    kc_plog_close(l);

    char segpath[600];
    seg_file(0, ".log", segpath, sizeof(segpath));
    damage(segpath, s, keep);
    long long damaged_size = fu_file_size(segpath);

    kc_plog_open_stats st;
    l = open_opts(&cfg, &FRESH, &st);
    cr_assert_eq(kc_plog_log_end_offset(l), 2 + 3 + 4);
    cr_assert_eq(kc_plog_size_bytes(l), keep);
    cr_assert_eq(fu_file_size(segpath), (long long)keep, "damaged tail cut from the file");
    cr_assert_eq(st.bytes_truncated, (uint64_t)(damaged_size - (long long)keep));
    cr_assert_eq(st.segments_recovered, 1);
    cr_assert_eq(st.bytes_scanned, keep);
    read_expect(l, 0, 9, 1 << 20, true, 0, s, 0, keep);
    read_nothing(l, 9, 9, 0);
    read_nothing(l, 10, 9, 1);
    read_nothing(l, 9, INT64_MAX, 0);
    read_nothing(l, 10, INT64_MAX, 1);
    /* the next append reuses the dropped offsets */
    sent again;
    append_at(l, &again, 1, 5, 2, 0);
    cr_assert_eq(again.base, 9);
    kc_plog_close(l);

    /* and the recovered log reopens with the new batch */
    l = open_opts(&cfg, &FRESH, &st);
    cr_assert_eq(kc_plog_log_end_offset(l), 10);
    cr_assert_eq(kc_plog_size_bytes(l), keep + again.len);
    cr_assert_eq(st.bytes_truncated, 0);
    read_batch_at(l, 9, &again);
    kc_plog_close(l);
    free_sent(s, 4);
    free_sent(&again, 1);
}

static void truncate_mid_batch(const char *p, const sent *s, size_t tail_pos)
{
    cr_assert_eq(truncate(p, (off_t)(tail_pos + s[3].len / 2)), 0);
}

Test(plog, recovery_truncated_mid_batch)
{
    damaged_tail_case(truncate_mid_batch);
}

static void truncate_mid_header(const char *p, const sent *s, size_t tail_pos)
{
    (void)s;
    cr_assert_eq(truncate(p, (off_t)(tail_pos + 20)), 0);
}

Test(plog, recovery_truncated_mid_header)
{
    damaged_tail_case(truncate_mid_header);
}

static void flip_payload_byte(const char *p, const sent *s, size_t tail_pos)
{
    flip_byte(p, (off_t)(tail_pos + s[3].len - 3));
}

Test(plog, recovery_flipped_byte_in_last_batch)
{
    damaged_tail_case(flip_payload_byte);
}

static void flip_magic(const char *p, const sent *s, size_t tail_pos)
{
    (void)s;
    flip_byte(p, (off_t)(tail_pos + 16));
}

Test(plog, recovery_bad_magic_in_last_batch)
{
    damaged_tail_case(flip_magic);
}

static void flip_crc(const char *p, const sent *s, size_t tail_pos)
{
    (void)s;
    flip_byte(p, (off_t)(tail_pos + 19));
}

Test(plog, recovery_bad_crc_in_last_batch)
{
    damaged_tail_case(flip_crc);
}

static void length_past_end(const char *p, const sent *s, size_t tail_pos)
{
    (void)s;
    flip_byte(p, (off_t)(tail_pos + 9)); /* Length grows by 0x200000 */
}

Test(plog, recovery_length_past_end_of_file)
{
    damaged_tail_case(length_past_end);
}

static void base_offset_backwards(const char *p, const sent *s, size_t tail_pos)
{
    /* BaseOffset is outside the CRC: a batch claiming earlier offsets is caught by order */
    (void)s;
    int fd = open(p, O_RDWR);
    uint8_t b[8];
    bb_put_i64(b, 2);
    cr_assert_eq(pwrite(fd, b, 8, (off_t)tail_pos), 8);
    close(fd);
}

Test(plog, recovery_base_offset_going_backwards)
{
    damaged_tail_case(base_offset_backwards);
}

static void zero_filled_tail(const char *p, const sent *s, size_t tail_pos)
{
    /* the last batch replaced by zeros (space allocated but never written) */
    cr_assert_eq(truncate(p, (off_t)tail_pos), 0);
    cr_assert_eq(truncate(p, (off_t)(tail_pos + s[3].len)), 0);
}

Test(plog, recovery_zero_filled_tail)
{
    damaged_tail_case(zero_filled_tail);
}

static void garbage_appended(const char *p, const sent *s, size_t tail_pos)
{
    /* the last batch replaced by bytes that are no batch */
    cr_assert_eq(truncate(p, (off_t)tail_pos), 0);
    int fd = open(p, O_WRONLY | O_APPEND);
    uint8_t junk[200];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (uint8_t)(i * 13 + 7);
    cr_assert_eq(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
    close(fd);
    (void)s;
}

Test(plog, recovery_garbage_tail)
{
    damaged_tail_case(garbage_appended);
}

Test(plog, recovery_keeps_nothing_after_damage)
{
    /* damage in the middle: everything from the first bad batch on is dropped */
    kc_log_config cfg = plog_test_cfg();
    kc_plog *l = open_log(&cfg);
    sent s[4];
    for (int i = 0; i < 4; i++)
        append_batch(l, &s[i], 2, 1000 * i);
    kc_plog_close(l);
    char segpath[600];
    seg_file(0, ".log", segpath, sizeof(segpath));
    flip_byte(segpath, (off_t)(s[0].len + 30));
    l = open_opts(&cfg, &FRESH, NULL);
    cr_assert_eq(kc_plog_log_end_offset(l), 2);
    cr_assert_eq(kc_plog_size_bytes(l), s[0].len);
    read_expect(l, 0, 2, 1 << 20, true, 0, s, 0, s[0].len);
    read_nothing(l, 2, INT64_MAX, 0);
    read_nothing(l, 4, INT64_MAX, 1);
    kc_plog_close(l);
    free_sent(s, 4);
}

Test(plog, recovery_in_middle_segment_removes_later_segments)
{
    kc_log_config cfg = multi_cfg();
    enum { N = 60 };
    sent s[N];
    kc_plog *l = build_multi(&cfg, s, N);
    int64_t bases[32];
    int nb = bases_of(l, bases);
    kc_plog_close(l);
    /* second batch of segment 1: a payload byte */
    int i1 = 0;
    while (s[i1].base != bases[1])
        i1++;
    int bad = i1 + 1;
    cr_assert_lt(s[bad].base, bases[2]);
    char p[600];
    seg_file(bases[1], ".log", p, sizeof(p));
    flip_byte(p, (off_t)(s[i1].len + 70));
    kc_plog_open_stats st;
    l = open_opts(&cfg, &FRESH, &st);
    cr_assert_eq(kc_plog_segment_count(l), 2);
    cr_assert_eq(kc_plog_log_end_offset(l), s[bad].base);
    cr_assert_eq(seg_file_size(bases[1], ".log"), (long long)s[i1].len);
    for (int k = 2; k < nb; k++)
        cr_assert_eq(seg_file_size(bases[k], ".log"), -1, "segment %d not removed", k);
    cr_assert_eq(fu_count_suffix(logdir, ".log"), 2);
    cr_assert_eq(fu_count_suffix(logdir, ".index"), 2);
    cr_assert_eq(fu_count_suffix(logdir, ".timeindex"), 2);
    for (int i = 0; i < bad; i++)
        read_batch_at(l, s[i].base, &s[i]);
    read_nothing(l, s[bad].base + 1, INT64_MAX, 1);
    /* segment 1 is the active segment now */
    sent more;
    append_batch(l, &more, 1, 99);
    cr_assert_eq(more.base, s[bad].base);
    cr_assert_not(more.rolled);
    cr_assert_eq(kc_plog_segment_count(l), 2);
    kc_plog_close(l);
    free_sent(s, N);
    free_sent(&more, 1);
}

/* ------------------------------------------------------------------ ListOffsets */

Test(plog, offset_for_timestamp_one_segment)
{
    kc_log_config cfg = plog_test_cfg();
    kc_plog *l = open_log(&cfg);
    sent s[3];
    append_batch(l, &s[0], 3, 1000); /* offsets 0..2, ts 1000, 1010, 1020 */
    append_batch(l, &s[1], 1, 2000); /* offset 3, ts 2000 */
    append_batch(l, &s[2], 2, 3000); /* offsets 4..5, ts 3000, 3010 */
    int64_t leo = kc_plog_log_end_offset(l);
    const struct {
        int64_t ts, max_offset, offset, found_ts;
    } cases[] = {
        {0, leo, 0, 1000},    {1000, leo, 0, 1000}, {1001, leo, 1, 1010}, {1015, leo, 2, 1020},
        {1020, leo, 2, 1020}, {1021, leo, 3, 2000}, {2000, leo, 3, 2000}, {2500, leo, 4, 3000},
        {3005, leo, 5, 3010}, {3010, leo, 5, 3010}, {3011, leo, -1, -1},  {3005, 4, -1, -1},
        {2500, 4, -1, -1},    {1021, 3, -1, -1},    {1015, 3, 2, 1020},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t off = -7, ts = -7;
        cr_assert_eq(kc_plog_offset_for_timestamp(l, cases[i].ts, cases[i].max_offset, &off, &ts),
                     0);
        cr_assert_eq(off, cases[i].offset, "ts %lld (max %lld): offset %lld want %lld",
                     (long long)cases[i].ts, (long long)cases[i].max_offset, (long long)off,
                     (long long)cases[i].offset);
        cr_assert_eq(ts, cases[i].found_ts, "ts %lld: found ts %lld want %lld",
                     (long long)cases[i].ts, (long long)ts, (long long)cases[i].found_ts);
    }
    kc_plog_close(l);
    free_sent(s, 3);
}

static void ts_expect(kc_plog *l, int64_t target, int64_t max_offset, int64_t off_want,
                      int64_t ts_want)
{
    int64_t off = -7, ts = -7;
    cr_assert_eq(kc_plog_offset_for_timestamp(l, target, max_offset, &off, &ts), 0);
    cr_assert_eq(off, off_want, "ts %lld (max %lld): offset %lld want %lld", (long long)target,
                 (long long)max_offset, (long long)off, (long long)off_want);
    cr_assert_eq(ts, ts_want, "ts %lld: found ts %lld want %lld", (long long)target, (long long)ts,
                 (long long)ts_want);
}

Test(plog, offset_for_timestamp_across_segments)
{
    /* 40 batches of 3 records, ts 10000 + 100 * i + 10 * r, index every 200 bytes, rolling
     * every ~1 KiB: the time index, offset index and scan all take part */
    kc_log_config cfg = plog_test_cfg();
    cfg.segment_bytes = 1024;
    cfg.index_interval_bytes = 200;
    kc_plog *l = open_log(&cfg);
    enum { N = 40 };
    sent s[N];
    for (int i = 0; i < N; i++)
        append_batch(l, &s[i], 3, 10000 + 100 * i);
    cr_assert_geq(kc_plog_segment_count(l), 4);
    int64_t leo = kc_plog_log_end_offset(l);
    for (int i = 0; i < N; i++) {
        for (int r = 0; r < 3; r++) {
            int64_t t = 10000 + 100 * i + 10 * r;
            ts_expect(l, t, leo, 3 * i + r, t);     /* exact */
            ts_expect(l, t - 5, leo, 3 * i + r, t); /* just before */
            if (r == 2 && i + 1 < N)                /* between batches */
                ts_expect(l, t + 50, leo, 3 * i + 3, t + 80);
        }
    }
    ts_expect(l, 0, leo, 0, 10000);
    ts_expect(l, 10000 + 100 * N, leo, -1, -1);
    /* the high watermark hides later batches */
    ts_expect(l, 10000 + 100 * 20, 3 * 20, -1, -1);
    ts_expect(l, 10000 + 100 * 19 + 15, 3 * 20, 3 * 19 + 2, 10000 + 100 * 19 + 20);
    /* and after a reopen (indexes from disk) */
    kc_plog_close(l);
    l = open_opts(&cfg, &CLEAN, NULL);
    for (int i = 0; i < N; i += 3)
        ts_expect(l, 10000 + 100 * i + 12, leo, 3 * i + 2, 10000 + 100 * i + 20);
    kc_plog_close(l);
    free_sent(s, N);
}

Test(plog, offset_for_timestamp_first_segment_reaching_the_target)
{
    /* timestamps out of order across segments: the answer is the first batch, in offset order,
     * whose timestamp reaches the target */
    kc_log_config cfg = plog_test_cfg();
    kc_plog *l = open_log(&cfg);
    sent s[3];
    append_batch(l, &s[0], 2, 1000); /* 0..1 */
    cr_assert_eq(kc_plog_roll(l, 0), 0);
    append_batch(l, &s[1], 2, 5000); /* 2..3 */
    cr_assert_eq(kc_plog_roll(l, 0), 0);
    append_batch(l, &s[2], 2, 3000); /* 4..5 */
    int64_t leo = kc_plog_log_end_offset(l);
    ts_expect(l, 2000, leo, 2, 5000);
    ts_expect(l, 5005, leo, 3, 5010);
    ts_expect(l, 1005, leo, 1, 1010);
    kc_plog_close(l);
    free_sent(s, 3);
}

Test(plog, offset_for_timestamp_respects_log_start_offset)
{
    /* Kafka's LogSegment.findOffsetByTimestamp(timestamp, startingOffset = logStartOffset):
     * a record below the log start offset is never the answer, even inside a batch that
     * straddles it */
    kc_log_config cfg = plog_test_cfg();
    kc_plog *l = open_log(&cfg);
    sent s[2];
    append_batch(l, &s[0], 5, 1000); /* 0..4: ts 1000..1040 */
    append_batch(l, &s[1], 2, 2000); /* 5..6 */
    int64_t leo = kc_plog_log_end_offset(l);
    cr_assert_eq(kc_plog_delete_records(l, 5), 5);
    ts_expect(l, 1000, leo, 5, 2000);
    kc_plog_close(l);
    l = open_log(&cfg); /* the log start offset is the caller's to keep: 0 again */
    cr_assert_eq(kc_plog_log_start_offset(l), 0);
    cr_assert_eq(kc_plog_delete_records(l, 3), 3);
    int64_t off[2] = {-7, -7}, ts[2] = {-7, -7};
    int rc0 = kc_plog_offset_for_timestamp(l, 1000, leo, &off[0], &ts[0]);
    int rc1 = kc_plog_offset_for_timestamp(l, 1035, leo, &off[1], &ts[1]);
    kc_plog_close(l);
    free_sent(s, 2);
    cr_assert_eq(rc0, 0);
    cr_assert_eq(rc1, 0);
    cr_assert_eq(off[0], 3, "ts 1000, log start 3: offset %lld want 3", (long long)off[0]);
    cr_assert_eq(ts[0], 1030);
    cr_assert_eq(off[1], 4, "ts 1035, log start 3: offset %lld want 4", (long long)off[1]);
    cr_assert_eq(ts[1], 1040);
}

/* ------------------------------------------------------------------ flush */

Test(plog, flush_job_advances_recovery_point)
{
    kc_log_config cfg = plog_test_cfg();
    kc_plog *l = open_log(&cfg);
    cr_assert_eq(kc_plog_recovery_point(l), 0);
    cr_assert_null(kc_plog_prepare_flush(l, 0), "nothing to flush");
    sent s[3];
    append_batch(l, &s[0], 2, 1000);
    append_batch(l, &s[1], 3, 1000);
    cr_assert_eq(kc_plog_unflushed_messages(l), 5);
    kc_plog_flush_job *j = kc_plog_prepare_flush(l, 5);
    cr_assert_not_null(j);
    cr_assert_eq(kc_plog_unflushed_messages(l), 0);
    cr_assert_eq(kc_plog_recovery_point(l), 0, "not before the job is done");
    append_batch(l, &s[2], 1, 1000); /* the reactor goes on meanwhile */
    cr_assert_eq(kc_plog_flush_job_run(j), 0);
    kc_plog_flush_job_done(l, j, true);
    cr_assert_eq(kc_plog_recovery_point(l), 5);
    cr_assert_eq(kc_plog_unflushed_messages(l), 1);
    cr_assert_null(kc_plog_prepare_flush(l, 5), "already flushed up to 5");
    /* a failed job leaves the recovery point */
    j = kc_plog_prepare_flush(l, 6);
    cr_assert_not_null(j);
    kc_plog_flush_job_done(l, j, false);
    cr_assert_eq(kc_plog_recovery_point(l), 5);
    /* a job whose log is gone is just freed */
    j = kc_plog_prepare_flush(l, 6);
    cr_assert_eq(kc_plog_flush_job_run(j), 0);
    kc_plog_flush_job_done(NULL, j, true);
    cr_assert_eq(kc_plog_flush(l), 0);
    cr_assert_eq(kc_plog_recovery_point(l), 6);
    cr_assert_eq(kc_plog_unflushed_messages(l), 0);
    kc_plog_close(l);
    free_sent(s, 3);
}

Test(plog, flush_job_survives_retention)
{
    /* the job holds dup'd descriptors: segments deleted meanwhile do not break it */
    kc_log_config cfg = plog_test_cfg();
    sent s[8];
    const int64_t ts[4] = {1000, 2000, 3000, 4000};
    kc_plog *l = four_segments(&cfg, s, 2, ts);
    kc_plog_flush_job *j = kc_plog_prepare_flush(l, kc_plog_log_end_offset(l));
    cr_assert_not_null(j);
    cr_assert_eq(kc_plog_delete_records(l, 12), 12);
    char **paths;
    int n;
    cr_assert_eq(kc_plog_retention(l, 0, &paths, &n), 3);
    free_paths(paths, n);
    cr_assert_eq(kc_plog_flush_job_run(j), 0);
    kc_plog_flush_job_done(l, j, true);
    cr_assert_eq(kc_plog_recovery_point(l), 16);
    kc_plog_close(l);
    free_sent(s, 8);
}
