/*
 * The follower side of a partition log (src/storage/plog.h): kc_plog_append_replica keeps the
 * leader's bytes, offsets and epochs; kc_plog_truncate_to and kc_plog_truncate_fully_and_start_at
 * cut whole batches and leave segments, indexes, reads, the recovery point and the epoch cache
 * consistent; the epoch cache is assigned by appends, loaded at open and rebuilt by recovery.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_builder.h"
#include "common/arena.h"
#include "common/log.h"
#include "fs_util.h"
#include "plog_cfg.h"
#include "proto/records.h"
#include "storage/checkpoint.h"
#include "storage/plog.h"

static char root[128];
static char logdir[512];

static void setup(void)
{
    cr_assert_eq(fu_mkdtemp(root, sizeof(root), "plogrep"), 0);
    snprintf(logdir, sizeof(logdir), "%s/topic-0", root);
    kc_log_level = KC_LOG_ERROR;
}

static void teardown(void)
{
    if (root[0])
        fu_rm_tree(root);
}

TestSuite(plog_replica, .init = setup, .fini = teardown, .timeout = 60);

/* ------------------------------------------------------------------ helpers */

static kc_plog *open_with(const kc_log_config *cfg, bool clean, int64_t recovery_point)
{
    kc_plog *l = NULL;
    char err[256] = "";
    kc_plog_open_opts o = {clean, recovery_point, -1, 0};
    cr_assert_eq(kc_plog_open(logdir, cfg, &o, &l, NULL, err, sizeof(err)), 0, "open: %s", err);
    return l;
}

/* A batch as the leader has it: @p n records at @p base, leader epoch @p epoch. */
typedef struct lbatch {
    uint8_t *bytes;
    size_t len;
    int64_t base, last;
    int32_t epoch;
} lbatch;

static lbatch mk(int64_t base, int n, int32_t epoch)
{
    lbatch b = {0};
    b.bytes = bb_simple(n, 1000 + base, &b.len);
    bb_put_i64(b.bytes, base); /* both outside the CRC, as a leader stamps them */
    bb_put_i32(b.bytes + KC_BATCH_OFF_EPOCH, epoch);
    b.base = base;
    b.last = base + n - 1;
    b.epoch = epoch;
    return b;
}

/* The concatenation of @p n batches (what a Fetch returns); malloc'd. */
static uint8_t *cat(const lbatch *b, int n, size_t *len)
{
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += b[i].len;
    uint8_t *p = malloc(total + 1), *q = p;
    for (int i = 0; i < n; i++) {
        memcpy(q, b[i].bytes, b[i].len);
        q += b[i].len;
    }
    *len = total;
    return p;
}

static void free_batches(lbatch *b, int n)
{
    for (int i = 0; i < n; i++)
        free(b[i].bytes);
}

static void append_ok(kc_plog *l, const lbatch *b, int n)
{
    size_t len, appended = 0;
    uint8_t *p = cat(b, n, &len);
    cr_assert_eq(kc_plog_append_replica(l, p, len, 0, &appended, NULL), 0);
    cr_assert_eq(appended, len);
    free(p);
}

/* Every segment file of the log, concatenated. */
static uint8_t *log_bytes(kc_plog *l, size_t *len)
{
    size_t total = 0;
    uint8_t *all = malloc(1);
    for (int i = 0; i < kc_plog_segment_count(l); i++) {
        char path[600];
        snprintf(path, sizeof(path), "%s/%020lld.log", logdir,
                 (long long)kc_plog_segment_base(l, i));
        size_t n;
        uint8_t *p = fu_read_file(path, &n);
        cr_assert_not_null(p, "%s", path);
        all = realloc(all, total + n + 1);
        memcpy(all + total, p, n);
        total += n;
        free(p);
    }
    *len = total;
    return all;
}

/* A read at each of the batch's offsets starts with exactly that batch. */
static void expect_served(kc_plog *l, const lbatch *b)
{
    int64_t offs[2] = {b->base, b->last};
    for (int k = 0; k < 2; k++) {
        kc_arena a = KC_ARENA_INIT;
        kc_bytes out;
        cr_assert_eq(kc_plog_read(l, offs[k], kc_plog_log_end_offset(l), INT32_MAX, true, &a, &out),
                     0);
        cr_assert_geq((size_t)out.len, b->len, "read at %lld", (long long)offs[k]);
        cr_expect_eq(memcmp(out.p, b->bytes, b->len), 0, "bytes at %lld", (long long)offs[k]);
        kc_arena_free(&a);
    }
}

static void expect_epochs(kc_plog *l, int n, const kc_epoch_entry *e)
{
    kc_epoch_cache *c = kc_plog_epoch_cache(l);
    cr_assert_eq(c->n, n, "epoch entries %d, expected %d", c->n, n);
    for (int i = 0; i < n; i++) {
        cr_expect_eq(c->entries[i].epoch, e[i].epoch, "entry %d epoch", i);
        cr_expect_eq(c->entries[i].start_offset, e[i].start_offset, "entry %d start", i);
    }
}

#define EXPECT_EPOCHS(l, ...)                                                                      \
    do {                                                                                           \
        const kc_epoch_entry want_[] = {__VA_ARGS__};                                              \
        expect_epochs((l), (int)(sizeof(want_) / sizeof(want_[0])), want_);                        \
    } while (0)

/* What the log manager does on a worker: the epoch cache to its file. */
static void save_epochs(kc_plog *l)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/%s", logdir, KC_LEADER_EPOCH_CHECKPOINT);
    char *s = kc_epoch_cache_format(kc_plog_epoch_cache(l));
    cr_assert_eq(kc_checkpoint_write_file(path, s, true), 0);
    free(s);
}

/* ------------------------------------------------------------------ follower append */

Test(plog_replica, keeps_offsets_epochs_and_bytes)
{
    kc_log_config cfg = plog_test_cfg();
    kc_plog *l = open_with(&cfg, false, -1);
    lbatch b[3] = {mk(0, 3, 1), mk(3, 2, 1), mk(5, 4, 3)};
    size_t len;
    uint8_t *fetched = cat(b, 3, &len);
    size_t appended = 0;
    bool rolled = true;
    cr_assert_eq(kc_plog_append_replica(l, fetched, len, 0, &appended, &rolled), 0);
    cr_expect_eq(appended, len);
    cr_expect_not(rolled);
    cr_expect_eq(kc_plog_log_end_offset(l), 9);
    size_t n;
    uint8_t *disk = log_bytes(l, &n);
    cr_assert_eq(n, len);
    cr_expect_eq(memcmp(disk, fetched, len), 0, "the leader's bytes, unchanged");
    free(disk);
    for (int i = 0; i < 3; i++)
        expect_served(l, &b[i]);
    EXPECT_EPOCHS(l, {1, 0}, {3, 5});
    cr_expect(kc_plog_epoch_cache(l)->dirty);
    cr_expect_eq(kc_plog_unflushed_messages(l), 9);
    /* an empty fetch appends nothing */
    cr_expect_eq(kc_plog_append_replica(l, fetched, 0, 0, &appended, NULL), 0);
    cr_expect_eq(appended, 0);
    free(fetched);
    free_batches(b, 3);
    kc_plog_close(l);
}

Test(plog_replica, gaps_in_offsets_accepted)
{
    kc_log_config cfg = plog_test_cfg();
    kc_plog *l = open_with(&cfg, false, -1);
    lbatch b[3] = {mk(10, 2, 1), mk(20, 3, 2), mk(100, 1, 2)}; /* a compacted leader's log */
    append_ok(l, b, 2);
    append_ok(l, b + 2, 1);
    cr_expect_eq(kc_plog_log_end_offset(l), 101);
    for (int i = 0; i < 3; i++)
        expect_served(l, &b[i]);
    /* a read inside a gap gets the next batch */
    kc_arena a = KC_ARENA_INIT;
    kc_bytes out;
    cr_assert_eq(kc_plog_read(l, 50, 101, INT32_MAX, true, &a, &out), 0);
    cr_assert_geq((size_t)out.len, b[2].len);
    cr_expect_eq(memcmp(out.p, b[2].bytes, b[2].len), 0);
    kc_arena_free(&a);
    EXPECT_EPOCHS(l, {1, 10}, {2, 20});
    free_batches(b, 3);
    kc_plog_close(l);
}

Test(plog_replica, base_offset_below_log_end_is_erange)
{
    kc_log_config cfg = plog_test_cfg();
    kc_plog *l = open_with(&cfg, false, -1);
    lbatch b[3] = {mk(0, 3, 1), mk(2, 3, 1), mk(3, 1, 1)};
    append_ok(l, b, 1);
    size_t appended = 99;
    cr_expect_eq(kc_plog_append_replica(l, b[1].bytes, b[1].len, 0, &appended, NULL), -ERANGE);
    cr_expect_eq(appended, 0);
    cr_expect_eq(kc_plog_log_end_offset(l), 3);
    cr_expect_eq(kc_plog_size_bytes(l), b[0].len);
    /* within one fetch: the first batch stays, the overlapping one is refused */
    lbatch c[2] = {mk(3, 2, 1), mk(4, 1, 1)};
    size_t len;
    uint8_t *p = cat(c, 2, &len);
    cr_expect_eq(kc_plog_append_replica(l, p, len, 0, &appended, NULL), -ERANGE);
    cr_expect_eq(appended, c[0].len);
    cr_expect_eq(kc_plog_log_end_offset(l), 5);
    free(p);
    free_batches(b, 3);
    free_batches(c, 2);
    kc_plog_close(l);
}

Test(plog_replica, corrupt_batch_is_ebadmsg_and_not_appended)
{
    kc_log_config cfg = plog_test_cfg();
    kc_plog *l = open_with(&cfg, false, -1);
    lbatch b[3] = {mk(0, 2, 1), mk(2, 2, 1), mk(4, 2, 1)};
    b[1].bytes[b[1].len - 1] ^= 0x40; /* a record byte: CRC mismatch */
    size_t len, appended = 99;
    uint8_t *p = cat(b + 1, 1, &len);
    cr_expect_eq(kc_plog_append_replica(l, p, len, 0, &appended, NULL), -EBADMSG);
    cr_expect_eq(appended, 0);
    cr_expect_eq(kc_plog_log_end_offset(l), 0);
    cr_expect_eq(kc_plog_size_bytes(l), 0);
    cr_expect_eq(kc_plog_epoch_cache(l)->n, 0);
    free(p);
    p = cat(b, 3, &len);
    cr_expect_eq(kc_plog_append_replica(l, p, len, 0, &appended, NULL), -EBADMSG);
    cr_expect_eq(appended, b[0].len, "the batch before the corrupt one stays");
    cr_expect_eq(kc_plog_log_end_offset(l), 2);
    cr_expect_eq(kc_plog_size_bytes(l), b[0].len);
    free(p);
    /* bad magic */
    lbatch m = mk(2, 1, 1);
    m.bytes[KC_BATCH_OFF_MAGIC] = 1;
    cr_expect_eq(kc_plog_append_replica(l, m.bytes, m.len, 0, &appended, NULL), -EBADMSG);
    cr_expect_eq(kc_plog_log_end_offset(l), 2);
    free_batches(b, 3);
    free_batches(&m, 1);
    kc_plog_close(l);
}

Test(plog_replica, partial_trailing_batch_ignored)
{
    kc_log_config cfg = plog_test_cfg();
    kc_plog *l = open_with(&cfg, false, -1);
    lbatch b[2] = {mk(0, 2, 1), mk(2, 5, 1)};
    size_t len, appended;
    uint8_t *p = cat(b, 2, &len);
    size_t cuts[] = {b[0].len + b[1].len - 1, b[0].len + 70, b[0].len + 60, b[0].len + 11,
                     b[0].len + 1};
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        if (i > 0)
            cr_assert_eq(kc_plog_truncate_to(l, 0), 0);
        cr_expect_eq(kc_plog_append_replica(l, p, cuts[i], 0, &appended, NULL), 0);
        cr_expect_eq(appended, b[0].len, "cut %zu", cuts[i]);
        cr_expect_eq(kc_plog_log_end_offset(l), 2);
        cr_expect_eq(kc_plog_size_bytes(l), b[0].len);
    }
    /* only part of a header: nothing */
    cr_assert_eq(kc_plog_truncate_to(l, 0), 0);
    cr_expect_eq(kc_plog_append_replica(l, p, 30, 0, &appended, NULL), 0);
    cr_expect_eq(appended, 0);
    cr_expect_eq(kc_plog_log_end_offset(l), 0);
    free(p);
    free_batches(b, 2);
    kc_plog_close(l);
}

Test(plog_replica, rolls_like_the_leader)
{
    kc_log_config cfg = plog_test_cfg();
    lbatch one = mk(0, 3, 1);
    cfg.segment_bytes = (int32_t)(one.len * 2 + 1); /* two batches per segment */
    free_batches(&one, 1);
    kc_plog *l = open_with(&cfg, false, -1);
    lbatch b[5];
    for (int i = 0; i < 5; i++)
        b[i] = mk(i * 3, 3, 1);
    size_t len, appended;
    bool rolled = false;
    uint8_t *p = cat(b, 5, &len);
    cr_assert_eq(kc_plog_append_replica(l, p, len, 0, &appended, &rolled), 0);
    cr_expect(rolled);
    cr_expect_eq(kc_plog_segment_count(l), 3);
    cr_expect_eq(kc_plog_segment_base(l, 1), 6);
    cr_expect_eq(kc_plog_segment_base(l, 2), 12);
    size_t n;
    uint8_t *disk = log_bytes(l, &n);
    cr_assert_eq(n, len);
    cr_expect_eq(memcmp(disk, p, len), 0);
    free(disk);
    free(p);
    /* a batch whose offsets do not fit the active segment's relative offsets starts a
     * segment at its own base offset */
    lbatch far = mk(15 + (int64_t)INT32_MAX + 10, 1, 1);
    cr_assert_eq(kc_plog_append_replica(l, far.bytes, far.len, 0, &appended, &rolled), 0);
    cr_expect_eq(kc_plog_segment_base(l, kc_plog_segment_count(l) - 1), far.base);
    expect_served(l, &far);
    free_batches(&far, 1);
    free_batches(b, 5);
    kc_plog_close(l);
}

/* A fetched range is written in runs (one write per run); the segments must still roll exactly
 * where appending its batches one at a time rolls them: where an index is full (every batch is
 * indexed here, so the time index fills every five batches) and at segment.bytes. */
Test(plog_replica, a_fetched_range_rolls_where_batch_by_batch_appends_roll)
{
    kc_log_config cfg = plog_test_cfg();
    cfg.segment_index_bytes = 48; /* 6 offset entries, 4 time entries */
    cfg.index_interval_bytes = 1;
    enum { N = 40 };
    lbatch b[N];
    int64_t at = 0;
    for (int i = 0; i < N; i++) {
        b[i] = mk(at, 1 + (i * 5) % 4, 1);
        at = b[i].last + 1;
    }
    int32_t sizes[2] = {1 << 30, (int32_t)(b[0].len * 9)}; /* indexes, then size decide */
    for (int c = 0; c < 2; c++) {
        cfg.segment_bytes = sizes[c];
        int64_t bases[2][N];
        int nsegs[2];
        for (int way = 0; way < 2; way++) {
            snprintf(logdir, sizeof(logdir), "%s/topic-%d-%d", root, c, way);
            kc_plog *l = open_with(&cfg, false, -1);
            if (way == 0) {
                append_ok(l, b, N);
            } else {
                for (int i = 0; i < N; i++)
                    append_ok(l, b + i, 1);
            }
            nsegs[way] = kc_plog_segment_count(l);
            for (int i = 0; i < nsegs[way]; i++)
                bases[way][i] = kc_plog_segment_base(l, i);
            for (int i = 0; i < N; i++)
                expect_served(l, &b[i]);
            kc_plog_close(l);
        }
        cr_assert_gt(nsegs[1], 4, "the test rolls segments");
        cr_assert_eq(nsegs[0], nsegs[1], "segments: %d in runs, %d batch by batch", nsegs[0],
                     nsegs[1]);
        for (int i = 0; i < nsegs[0]; i++)
            cr_expect_eq(bases[0][i], bases[1][i], "case %d: segment %d starts at %lld, not %lld",
                         c, i, (long long)bases[0][i], (long long)bases[1][i]);
    }
    free_batches(b, N);
}

/* ------------------------------------------------------------------ leader epochs */

Test(plog_replica, leader_append_assigns_epochs)
{
    kc_log_config cfg = plog_test_cfg();
    kc_plog *l = open_with(&cfg, false, -1);
    int32_t epochs[] = {4, 4, 6, 6, 5};
    for (int i = 0; i < 5; i++) {
        size_t len;
        uint8_t *p = bb_simple(2, 1000, &len);
        int64_t base;
        cr_assert_eq(kc_plog_append(l, p, len, epochs[i], 0, &base, NULL), 0);
        free(p);
    }
    EXPECT_EPOCHS(l, {4, 0}, {6, 4}); /* an older epoch changes nothing */
    kc_plog_delete_records(l, 5);     /* the log start offset moves: so does the first epoch */
    EXPECT_EPOCHS(l, {6, 5});
    kc_plog_close(l);
}

/* ------------------------------------------------------------------ truncation */

#define NB 30

/* The log of the truncation tests, built by the suite's init: 30 batches of 3 records (offsets
 * 3i..3i+2), epoch 1 + 2 * (i / 7), segments of 4 batches, an index entry for nearly every
 * batch. The tests may close and reopen `l`; the suite's fini closes what is left. */
static kc_log_config cfg;
static lbatch b[NB];
static kc_plog *l;

static void setup_built(void)
{
    setup();
    cfg = plog_test_cfg();
    for (int i = 0; i < NB; i++)
        b[i] = mk(3 * i, 3, 1 + 2 * (i / 7));
    cfg.segment_bytes = (int32_t)(b[0].len * 4 + 1);
    cfg.index_interval_bytes = 1;
    l = open_with(&cfg, false, -1);
    append_ok(l, b, NB);
    cr_assert_eq(kc_plog_segment_count(l), 8);
}

static void teardown_built(void)
{
    kc_plog_close(l);
    l = NULL;
    free_batches(b, NB);
    teardown();
}

TestSuite(plog_built, .init = setup_built, .fini = teardown_built, .timeout = 60);

/* The built log cut before batch @p kept. */
static void expect_truncated_state(int kept)
{
    int64_t leo = b[kept].base;
    cr_expect_eq(kc_plog_log_end_offset(l), leo);
    cr_expect_leq(kc_plog_recovery_point(l), leo);
    cr_expect_eq(kc_plog_segment_count(l), kept ? (kept + 3) / 4 : 1);
    for (int i = 0; i < kept; i++)
        expect_served(l, &b[i]);
    kc_arena a = KC_ARENA_INIT;
    kc_bytes out;
    cr_expect_eq(kc_plog_read(l, leo, leo, INT32_MAX, true, &a, &out), 0);
    cr_expect_eq(out.len, 0);
    cr_expect_eq(kc_plog_read(l, leo + 1, leo + 10, INT32_MAX, true, &a, &out), 1);
    kc_arena_free(&a);
    size_t n;
    uint8_t *disk = log_bytes(l, &n), *want = cat(b, kept, &n);
    size_t wn = 0;
    for (int i = 0; i < kept; i++)
        wn += b[i].len;
    cr_expect_eq(n, wn);
    cr_expect_eq(memcmp(disk, want, wn), 0);
    free(disk);
    free(want);
    /* epochs 1 (0..6), 3 (7..13), 5 (14..20), 7 (21..27), 9 (28, 29): batch i starts at 3i */
    kc_epoch_cache *c = kc_plog_epoch_cache(l);
    int expect_n = kept == 0 ? 0 : 1 + (kept - 1) / 7;
    cr_assert_eq(c->n, expect_n);
    for (int k = 0; k < expect_n; k++) {
        cr_expect_eq(c->entries[k].epoch, 1 + 2 * k);
        cr_expect_eq(c->entries[k].start_offset, 3 * 7 * k);
    }
}

Test(plog_built, truncate_mid_log_across_segments)
{
    kc_plog_flush(l); /* recovery point at the end: truncation must lower it */
    cr_expect_eq(kc_plog_recovery_point(l), 90);
    EXPECT_EPOCHS(l, {1, 0}, {3, 21}, {5, 42}, {7, 63}, {9, 84});
    /* 46 lies inside batch 15 (45..47), in segment 3 (batches 12..15): that batch goes too */
    cr_assert_eq(kc_plog_truncate_to(l, 46), 0);
    expect_truncated_state(15);
    cr_expect(kc_plog_epoch_cache(l)->dirty);
    char path[600];
    snprintf(path, sizeof(path), "%s/%020d.log", logdir, 48);
    cr_expect_not(fu_exists(path), "later segments are deleted");
    cr_expect_eq(fu_count_suffix(logdir, ".log"), 4);
    cr_expect_eq(fu_count_suffix(logdir, ".index"), 4);
    /* truncating at or past the end changes nothing */
    cr_assert_eq(kc_plog_truncate_to(l, 45), 0);
    cr_assert_eq(kc_plog_truncate_to(l, 1000), 0);
    expect_truncated_state(15);
    /* appends continue, on the follower and the leader path */
    append_ok(l, b + 15, 3);
    cr_expect_eq(kc_plog_log_end_offset(l), 54);
    for (int i = 0; i < 18; i++)
        expect_served(l, &b[i]);
    size_t len;
    uint8_t *p = bb_simple(2, 5000, &len);
    int64_t base;
    cr_assert_eq(kc_plog_append(l, p, len, 9, 0, &base, NULL), 0);
    cr_expect_eq(base, 54);
    free(p);
    EXPECT_EPOCHS(l, {1, 0}, {3, 21}, {5, 42}, {9, 54});
}

Test(plog_built, truncate_at_segment_boundaries)
{
    /* at a segment's base (batch 20 = offset 60): that segment is emptied and stays active */
    cr_assert_eq(kc_plog_truncate_to(l, 60), 0);
    cr_expect_eq(kc_plog_log_end_offset(l), 60);
    cr_expect_eq(kc_plog_segment_count(l), 6);
    cr_expect_eq(kc_plog_segment_base(l, 5), 60);
    for (int i = 0; i < 20; i++)
        expect_served(l, &b[i]);
    append_ok(l, b + 20, 2);
    expect_served(l, &b[21]);
    /* inside the first batch */
    cr_assert_eq(kc_plog_truncate_to(l, 1), 0);
    expect_truncated_state(0);
    cr_expect_eq(kc_plog_segment_count(l), 1);
    append_ok(l, b, 2);
    expect_served(l, &b[1]);
}

Test(plog_built, reopen_after_truncation_recovers_the_same_state)
{
    cr_assert_eq(kc_plog_truncate_to(l, 52), 0); /* batch 17 (51..53) goes */
    save_epochs(l);
    kc_plog_close(l); /* a clean close */
    l = open_with(&cfg, true, -1);
    expect_truncated_state(17);
    kc_plog_close(l);
    /* as after a crash: full recovery */
    l = open_with(&cfg, false, 0);
    expect_truncated_state(17);
    append_ok(l, b + 17, 13);
    for (int i = 0; i < NB; i++)
        expect_served(l, &b[i]);
}

Test(plog_built, truncate_below_log_start_restarts_empty)
{
    cr_expect_eq(kc_plog_delete_records(l, 30), 30);
    char **deleted;
    int nd;
    kc_plog_retention(l, 0, &deleted, &nd);
    for (int i = 0; i < nd; i++)
        free(deleted[i]);
    free(deleted);
    cr_expect_eq(kc_plog_log_start_offset(l), 30);
    EXPECT_EPOCHS(l, {3, 30}, {5, 42}, {7, 63}, {9, 84});
    cr_assert_eq(kc_plog_truncate_to(l, 20), 0);
    cr_expect_eq(kc_plog_log_start_offset(l), 20);
    cr_expect_eq(kc_plog_log_end_offset(l), 20);
    cr_expect_eq(kc_plog_segment_count(l), 1);
    cr_expect_eq(kc_plog_segment_base(l, 0), 20);
    cr_expect_eq(kc_plog_size_bytes(l), 0);
    cr_expect_eq(kc_plog_epoch_cache(l)->n, 0);
    cr_expect_eq(fu_count_suffix(logdir, ".log"), 1);
    /* the follower fetches on from there */
    lbatch c = mk(20, 4, 8);
    append_ok(l, &c, 1);
    expect_served(l, &c);
    EXPECT_EPOCHS(l, {8, 20});
    free_batches(&c, 1);
}

Test(plog_built, truncate_through_the_batch_holding_the_log_start)
{
    kc_plog_delete_records(l, 31); /* inside batch 10 (30..32) */
    cr_assert_eq(kc_plog_truncate_to(l, 32), 0);
    cr_expect_eq(kc_plog_log_start_offset(l), 32);
    cr_expect_eq(kc_plog_log_end_offset(l), 32);
    cr_expect_eq(kc_plog_segment_count(l), 1);
}

Test(plog_built, truncate_fully_and_start_at)
{
    kc_plog_flush(l);
    cr_assert_eq(kc_plog_truncate_fully_and_start_at(l, 500), 0);
    cr_expect_eq(kc_plog_log_start_offset(l), 500);
    cr_expect_eq(kc_plog_log_end_offset(l), 500);
    cr_expect_leq(kc_plog_recovery_point(l), 500);
    cr_expect_eq(kc_plog_segment_count(l), 1);
    cr_expect_eq(kc_plog_epoch_cache(l)->n, 0);
    cr_expect_eq(fu_count_suffix(logdir, ".log"), 1);
    /* at the base of the only segment: replaced by an empty one */
    lbatch c = mk(500, 2, 9);
    append_ok(l, &c, 1);
    cr_assert_eq(kc_plog_truncate_fully_and_start_at(l, 500), 0);
    cr_expect_eq(kc_plog_log_end_offset(l), 500);
    cr_expect_eq(kc_plog_size_bytes(l), 0);
    append_ok(l, &c, 1);
    expect_served(l, &c);
    kc_plog_close(l);
    l = open_with(&cfg, false, 0);
    cr_expect_eq(kc_plog_log_start_offset(l), 500);
    cr_expect_eq(kc_plog_log_end_offset(l), 502);
    expect_served(l, &c);
    free_batches(&c, 1);
}

/* ------------------------------------------------------------------ epochs across reopen */

Test(plog_built, recovery_rebuilds_epochs_without_the_file)
{
    kc_plog_close(l);
    char path[600];
    snprintf(path, sizeof(path), "%s/%s", logdir, KC_LEADER_EPOCH_CHECKPOINT);
    cr_assert_not(fu_exists(path));
    l = open_with(&cfg, false, -1);
    EXPECT_EPOCHS(l, {1, 0}, {3, 21}, {5, 42}, {7, 63}, {9, 84});
    cr_expect(kc_plog_epoch_cache(l)->dirty, "to be written by the next checkpoint");
    kc_plog_close(l);
    /* a malformed file: the same */
    cr_assert_eq(fu_write_file(path, "0\n5\n", 4), 0);
    l = open_with(&cfg, false, -1);
    EXPECT_EPOCHS(l, {1, 0}, {3, 21}, {5, 42}, {7, 63}, {9, 84});
}

Test(plog_built, epochs_file_completed_by_recovery_and_cut_at_the_end)
{
    kc_plog_close(l);
    char path[600];
    snprintf(path, sizeof(path), "%s/%s", logdir, KC_LEADER_EPOCH_CHECKPOINT);
    /* the file knows the epochs below the recovery point (48) only */
    const char *partial = "0\n3\n1 0\n3 21\n5 42\n";
    cr_assert_eq(fu_write_file(path, partial, strlen(partial)), 0);
    l = open_with(&cfg, false, 48);
    EXPECT_EPOCHS(l, {1, 0}, {3, 21}, {5, 42}, {7, 63}, {9, 84});
    kc_plog_close(l);
    /* a stale file from before a truncation: wrong epochs past the recovery point are replaced
     * by the batches', entries past the log end go */
    const char *stale = "0\n5\n1 0\n3 21\n5 42\n6 50\n11 200\n";
    cr_assert_eq(fu_write_file(path, stale, strlen(stale)), 0);
    l = open_with(&cfg, false, 48);
    EXPECT_EPOCHS(l, {1, 0}, {3, 21}, {5, 42}, {7, 63}, {9, 84});
    kc_plog_close(l);
    /* after a clean shutdown nothing is scanned: the file is trusted, cut at the end */
    cr_assert_eq(fu_write_file(path, stale, strlen(stale)), 0);
    l = open_with(&cfg, true, -1);
    EXPECT_EPOCHS(l, {1, 0}, {3, 21}, {5, 42}, {6, 50});
}
