/*
 * Partition log (src/storage/plog.h) in a mkdtemp directory: offsets assigned on append, the
 * stamped header fields on disk, reads by offset with KIP-74 and high-watermark limits, and
 * recovery of a damaged tail on reopen.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch_builder.h"
#include "common/arena.h"
#include "proto/records.h"
#include "storage/plog.h"

static char root[256];
static char logdir[512];
static char segpath[PATH_MAX];

static void rm_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char sub[PATH_MAX + 256];
            snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
            rm_tree(sub);
        }
        closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static void setup(void)
{
    snprintf(root, sizeof(root), "/tmp/cafka-unit-plog-XXXXXX");
    cr_assert_not_null(mkdtemp(root));
    snprintf(logdir, sizeof(logdir), "%s/topic-0", root);
    snprintf(segpath, sizeof(segpath), "%s/00000000000000000000.log", logdir);
}

static void teardown(void)
{
    if (root[0])
        rm_tree(root);
}

TestSuite(plog, .init = setup, .fini = teardown, .timeout = 30);

static kc_plog *open_log(void)
{
    kc_plog *l = NULL;
    char err[256] = "";
    cr_assert_eq(kc_plog_open(logdir, &l, err, sizeof(err)), 0, "open: %s", err);
    cr_assert_not_null(l);
    return l;
}

/* A batch as a client would send it, kept for comparison after append stamps a copy. */
typedef struct sent {
    uint8_t *bytes; /* as built (BaseOffset 0, epoch 0) */
    size_t len;
    int n_records;
    int64_t base; /* assigned */
} sent;

static void append_batch(kc_plog *l, sent *s, int n, int64_t ts, int32_t epoch)
{
    s->bytes = bb_simple(n, ts, &s->len);
    s->n_records = n;
    uint8_t *copy = malloc(s->len);
    memcpy(copy, s->bytes, s->len);
    cr_assert_eq(kc_plog_append(l, copy, s->len, epoch, &s->base), 0);
    /* stamped in place */
    cr_assert_eq(bb_get_i64(copy), s->base);
    cr_assert_eq(bb_get_i32(copy + 12), epoch);
    free(copy);
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
    cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static off_t file_size(const char *path)
{
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    return st.st_size;
}

/* The batch as it must appear on disk: as sent, with BaseOffset and epoch stamped. */
static void expect_stamped(const uint8_t *disk, const sent *s, int32_t epoch)
{
    cr_assert_eq(bb_get_i64(disk), s->base, "BaseOffset on disk");
    cr_assert_eq(bb_get_i32(disk + 12), epoch, "PartitionLeaderEpoch on disk");
    cr_assert_eq(memcmp(disk + 8, s->bytes + 8, 4), 0, "Length");
    cr_assert_eq(memcmp(disk + 16, s->bytes + 16, s->len - 16), 0, "magic, CRC and body");
    cr_assert_eq(kc_batch_compute_crc(disk, s->len), (uint32_t)bb_get_i32(disk + 17),
                 "CRC still valid");
}

static void free_sent(sent *s, int n)
{
    for (int i = 0; i < n; i++)
        free(s[i].bytes);
}

static void read_expect(kc_plog *l, int64_t offset, int64_t max_offset, int32_t max_bytes,
                        int rc_want, const sent *s, int first, int count)
{
    kc_arena a = KC_ARENA_INIT;
    kc_bytes out = {NULL, -7};
    int rc = kc_plog_read(l, offset, max_offset, max_bytes, &a, &out);
    cr_assert_eq(rc, rc_want, "read(%lld, %lld, %d) rc %d want %d", (long long)offset,
                 (long long)max_offset, max_bytes, rc, rc_want);
    size_t want = 0;
    for (int i = first; i < first + count; i++)
        want += s[i].len;
    cr_assert_eq(out.len, (int32_t)want,
                 "read(%lld, %lld, %d): %d bytes, want %zu (batches %d..%d)", (long long)offset,
                 (long long)max_offset, max_bytes, out.len, want, first, first + count - 1);
    size_t pos = 0;
    for (int i = first; i < first + count; i++) {
        cr_assert_eq(bb_get_i64(out.p + pos), s[i].base, "batch %d base offset", i);
        cr_assert_eq(memcmp(out.p + pos + 16, s[i].bytes + 16, s[i].len - 16), 0, "batch %d", i);
        pos += s[i].len;
    }
    if (rc == 0)
        cr_assert_eq(kc_plog_bytes_available(l, offset, max_offset, max_bytes), want,
                     "bytes_available(%lld, %lld, %d)", (long long)offset, (long long)max_offset,
                     max_bytes);
    kc_arena_free(&a);
}

Test(plog, new_log_is_empty)
{
    kc_plog *l = open_log();
    cr_assert_eq(kc_plog_log_start_offset(l), 0);
    cr_assert_eq(kc_plog_log_end_offset(l), 0);
    cr_assert_eq(kc_plog_size_bytes(l), 0);
    cr_assert_eq(access(segpath, F_OK), 0, "first segment file %s", segpath);
    kc_arena a = KC_ARENA_INIT;
    kc_bytes out;
    cr_assert_eq(kc_plog_read(l, 0, 0, 1 << 20, &a, &out), 0);
    cr_assert_eq(out.len, 0);
    cr_assert_eq(kc_plog_read(l, 1, 0, 1 << 20, &a, &out), 1, "past the high watermark");
    cr_assert_eq(kc_plog_read(l, -1, 0, 1 << 20, &a, &out), 1, "before the log start");
    kc_arena_free(&a);
    kc_plog_close(l);
}

Test(plog, open_fails_when_dir_cannot_be_created)
{
    char file[PATH_MAX + 16], bad[PATH_MAX + 32];
    snprintf(file, sizeof(file), "%s/plainfile", root);
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    fclose(f);
    snprintf(bad, sizeof(bad), "%s/sub", file);
    kc_plog *l = NULL;
    char err[256] = "";
    cr_assert_eq(kc_plog_open(bad, &l, err, sizeof(err)), -1);
    cr_assert_neq(err[0], '\0', "an error message");
}

Test(plog, append_assigns_offsets_and_stamps)
{
    kc_plog *l = open_log();
    sent s[4];
    const int counts[] = {3, 1, 5, 2};
    int64_t want = 0;
    uint64_t bytes = 0;
    for (int i = 0; i < 4; i++) {
        append_batch(l, &s[i], counts[i], 1000 * (i + 1), 7 + i);
        cr_assert_eq(s[i].base, want, "batch %d base offset %lld want %lld", i,
                     (long long)s[i].base, (long long)want);
        want += counts[i];
        bytes += s[i].len;
        cr_assert_eq(kc_plog_log_end_offset(l), want);
        cr_assert_eq(kc_plog_size_bytes(l), bytes);
    }
    cr_assert_eq(kc_plog_log_start_offset(l), 0);
    cr_assert_eq(kc_plog_flush(l), 0);
    size_t flen;
    uint8_t *disk = read_file(segpath, &flen);
    cr_assert_eq(flen, bytes);
    size_t pos = 0;
    for (int i = 0; i < 4; i++) {
        expect_stamped(disk + pos, &s[i], 7 + i);
        pos += s[i].len;
    }
    free(disk);
    kc_plog_close(l);
    free_sent(s, 4);
}

Test(plog, read_whole_batches)
{
    kc_plog *l = open_log();
    sent s[3];
    append_batch(l, &s[0], 3, 1000, 0); /* offsets 0..2 */
    append_batch(l, &s[1], 1, 2000, 0); /* 3 */
    append_batch(l, &s[2], 5, 3000, 0); /* 4..8 */
    int64_t leo = kc_plog_log_end_offset(l);
    cr_assert_eq(leo, 9);
    const int32_t big = 1 << 20;
    read_expect(l, 0, leo, big, 0, s, 0, 3);
    read_expect(l, 1, leo, big, 0, s, 0, 3); /* from the batch holding offset 1 */
    read_expect(l, 2, leo, big, 0, s, 0, 3);
    read_expect(l, 3, leo, big, 0, s, 1, 2);
    read_expect(l, 4, leo, big, 0, s, 2, 1);
    read_expect(l, 8, leo, big, 0, s, 2, 1);
    read_expect(l, 9, leo, big, 0, s, 0, 0); /* at the log end: empty, not out of range */
    read_expect(l, 10, leo, big, 1, s, 0, 0);
    read_expect(l, -1, leo, big, 1, s, 0, 0);
    kc_plog_close(l);
    free_sent(s, 3);
}

Test(plog, read_respects_max_bytes_but_returns_one_batch)
{
    kc_plog *l = open_log();
    sent s[3];
    append_batch(l, &s[0], 3, 1000, 0);
    append_batch(l, &s[1], 1, 2000, 0);
    append_batch(l, &s[2], 5, 3000, 0);
    int64_t leo = kc_plog_log_end_offset(l);
    int32_t l0 = (int32_t)s[0].len, l1 = (int32_t)s[1].len, l2 = (int32_t)s[2].len;
    /* KIP-74: the first batch comes whole even when larger than max_bytes */
    read_expect(l, 0, leo, 1, 0, s, 0, 1);
    read_expect(l, 0, leo, 0, 0, s, 0, 1);
    read_expect(l, 5, leo, 10, 0, s, 2, 1);
    /* then only batches that fit */
    read_expect(l, 0, leo, l0, 0, s, 0, 1);
    read_expect(l, 0, leo, l0 + l1 - 1, 0, s, 0, 1);
    read_expect(l, 0, leo, l0 + l1, 0, s, 0, 2);
    read_expect(l, 0, leo, l0 + l1 + l2 - 1, 0, s, 0, 2);
    read_expect(l, 0, leo, l0 + l1 + l2, 0, s, 0, 3);
    read_expect(l, 3, leo, l1 + l2, 0, s, 1, 2);
    kc_plog_close(l);
    free_sent(s, 3);
}

Test(plog, read_stops_at_max_offset)
{
    kc_plog *l = open_log();
    sent s[3];
    append_batch(l, &s[0], 3, 1000, 0); /* 0..2 */
    append_batch(l, &s[1], 1, 2000, 0); /* 3 */
    append_batch(l, &s[2], 5, 3000, 0); /* 4..8 */
    const int32_t big = 1 << 20;
    read_expect(l, 0, 3, big, 0, s, 0, 1);
    read_expect(l, 0, 4, big, 0, s, 0, 2);
    read_expect(l, 0, 5, big, 0, s, 0, 3); /* batch 2 starts below the limit */
    read_expect(l, 3, 3, big, 0, s, 0, 0); /* offset == high watermark: nothing yet */
    read_expect(l, 4, 3, big, 1, s, 0, 0); /* above the high watermark */
    read_expect(l, 0, 0, big, 0, s, 0, 0);
    kc_plog_close(l);
    free_sent(s, 3);
}

Test(plog, reopen_recovers_log_end_offset)
{
    kc_plog *l = open_log();
    sent s[5];
    int64_t n = 0;
    for (int i = 0; i < 5; i++) {
        append_batch(l, &s[i], i + 1, 100 * i, 3);
        n += i + 1;
    }
    uint64_t size = kc_plog_size_bytes(l);
    cr_assert_eq(kc_plog_flush(l), 0);
    kc_plog_close(l);

    l = open_log();
    cr_assert_eq(kc_plog_log_end_offset(l), n);
    cr_assert_eq(kc_plog_log_start_offset(l), 0);
    cr_assert_eq(kc_plog_size_bytes(l), size);
    read_expect(l, 0, n, 1 << 20, 0, s, 0, 5);
    read_expect(l, 6, n, 1 << 20, 0, s, 3, 2);
    /* appends continue after the recovered end */
    sent more;
    append_batch(l, &more, 2, 9999, 4);
    cr_assert_eq(more.base, n);
    cr_assert_eq(kc_plog_log_end_offset(l), n + 2);
    kc_plog_close(l);
    free_sent(s, 5);
    free(more.bytes);
}

Test(plog, reopen_empty_log)
{
    kc_plog *l = open_log();
    kc_plog_close(l);
    l = open_log();
    cr_assert_eq(kc_plog_log_end_offset(l), 0);
    cr_assert_eq(kc_plog_size_bytes(l), 0);
    kc_plog_close(l);
}

/* Writes 4 batches, closes, damages the file with @p damage, reopens and checks that exactly
 * batches 0..2 survive. */
static void damaged_tail_case(void (*damage)(const sent *s, size_t tail_pos))
{
    kc_plog *l = open_log();
    sent s[4];
    for (int i = 0; i < 4; i++)
        append_batch(l, &s[i], 2 + i, 1000 * i, 1);
    size_t keep = s[0].len + s[1].len + s[2].len;
    cr_assert_eq(kc_plog_flush(l), 0);
    kc_plog_close(l);

    damage(s, keep);

    l = open_log();
    cr_assert_eq(kc_plog_log_end_offset(l), 2 + 3 + 4, "LEO %lld",
                 (long long)kc_plog_log_end_offset(l));
    cr_assert_eq(kc_plog_size_bytes(l), keep);
    cr_assert_eq(file_size(segpath), (off_t)keep, "damaged tail truncated from the file");
    read_expect(l, 0, kc_plog_log_end_offset(l), 1 << 20, 0, s, 0, 3);
    read_expect(l, 9, 9, 1 << 20, 0, s, 0, 0);
    read_expect(l, 10, 9, 1 << 20, 1, s, 0, 0);
    /* the next append reuses the dropped offsets */
    sent again;
    append_batch(l, &again, 1, 5, 2);
    cr_assert_eq(again.base, 9);
    kc_plog_close(l);

    /* and the recovered log reopens cleanly with the new batch */
    l = open_log();
    cr_assert_eq(kc_plog_log_end_offset(l), 10);
    cr_assert_eq(kc_plog_size_bytes(l), keep + again.len);
    kc_plog_close(l);
    free_sent(s, 4);
    free(again.bytes);
}

static void truncate_mid_batch(const sent *s, size_t tail_pos)
{
    cr_assert_eq(truncate(segpath, (off_t)(tail_pos + s[3].len / 2)), 0);
}

Test(plog, recovery_truncated_mid_batch)
{
    damaged_tail_case(truncate_mid_batch);
}

static void truncate_mid_header(const sent *s, size_t tail_pos)
{
    (void)s;
    cr_assert_eq(truncate(segpath, (off_t)(tail_pos + 20)), 0);
}

Test(plog, recovery_truncated_mid_header)
{
    damaged_tail_case(truncate_mid_header);
}

static void flip_byte(const char *path, off_t at)
{
    int fd = open(path, O_RDWR);
    cr_assert_geq(fd, 0);
    uint8_t b;
    cr_assert_eq(pread(fd, &b, 1, at), 1);
    b ^= 0x20;
    cr_assert_eq(pwrite(fd, &b, 1, at), 1);
    close(fd);
}

static void flip_payload_byte(const sent *s, size_t tail_pos)
{
    flip_byte(segpath, (off_t)(tail_pos + s[3].len - 3));
}

Test(plog, recovery_flipped_byte_in_last_batch)
{
    damaged_tail_case(flip_payload_byte);
}

static void flip_magic(const sent *s, size_t tail_pos)
{
    (void)s;
    flip_byte(segpath, (off_t)(tail_pos + 16));
}

Test(plog, recovery_bad_magic_in_last_batch)
{
    damaged_tail_case(flip_magic);
}

static void append_garbage(const sent *s, size_t tail_pos)
{
    /* the last batch is replaced by zeroes (preallocated but never written) */
    cr_assert_eq(truncate(segpath, (off_t)tail_pos), 0);
    cr_assert_eq(truncate(segpath, (off_t)(tail_pos + s[3].len)), 0);
}

Test(plog, recovery_zero_filled_tail)
{
    damaged_tail_case(append_garbage);
}

Test(plog, recovery_keeps_nothing_after_damage)
{
    /* damage in the middle: everything from the first bad batch on is dropped */
    kc_plog *l = open_log();
    sent s[4];
    for (int i = 0; i < 4; i++)
        append_batch(l, &s[i], 2, 1000 * i, 1);
    kc_plog_close(l);
    flip_byte(segpath, (off_t)(s[0].len + 30));
    l = open_log();
    cr_assert_eq(kc_plog_log_end_offset(l), 2);
    cr_assert_eq(kc_plog_size_bytes(l), s[0].len);
    read_expect(l, 0, 2, 1 << 20, 0, s, 0, 1);
    kc_plog_close(l);
    free_sent(s, 4);
}

Test(plog, offset_for_timestamp)
{
    kc_plog *l = open_log();
    sent s[3];
    append_batch(l, &s[0], 3, 1000, 0); /* offsets 0..2, ts 1000, 1010, 1020 */
    append_batch(l, &s[1], 1, 2000, 0); /* offset 3, ts 2000 */
    append_batch(l, &s[2], 2, 3000, 0); /* offsets 4..5, ts 3000, 3010 */
    int64_t leo = kc_plog_log_end_offset(l);
    struct {
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
