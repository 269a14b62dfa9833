/*
 * Recovery of a damaged partition log (src/storage/plog.h), seeded fuzz: a log of 200 batches
 * over several segments is built once with a fixed seed; then each case copies it, cuts the
 * last segment at a random byte and/or flips random bytes of a random segment, and reopens it
 * as after a crash (no clean-shutdown marker, recovery point 0). Whatever the damage:
 *   - every batch before the first damaged byte is still served, byte for byte;
 *   - nothing from the first damaged batch on is served: the log end offset is that batch's
 *     base offset, reads at or past it return nothing or OFFSET_OUT_OF_RANGE, and the damaged
 *     segment's file is cut there, later segments removed;
 *   - the indexes agree with the log: a read at any surviving batch's first or last offset
 *     returns that batch first, at its position in its segment;
 *   - the recovered log takes appends at its end and reopens cleanly.
 * BaseOffset (bytes 0..7) and PartitionLeaderEpoch (12..15) are outside the batch CRC in Kafka's
 * format, so damage there is not detectable by any broker; flips avoid them (test_plog covers a
 * BaseOffset going backwards).
 */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch_builder.h"
#include "common/arena.h"
#include "common/log.h"
#include "fs_util.h"
#include "plog_cfg.h"
#include "storage/plog.h"

#define N_BATCHES 200
#define N_CASES   200

static char root[128];
static char origdir[300];

static void setup(void)
{
    cr_assert_eq(fu_mkdtemp(root, sizeof(root), "plogfuzz"), 0);
    kc_log_level = KC_LOG_ERROR; /* a truncation warning per case is expected */
    snprintf(origdir, sizeof(origdir), "%s/orig-0", root);
}

static void teardown(void)
{
    if (root[0])
        fu_rm_tree(root);
}

TestSuite(plog_recovery, .init = setup, .fini = teardown, .timeout = 120);

/* splitmix64: small, seedable, the same everywhere */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t *s, uint64_t n)
{
    return n ? rng_next(s) % n : 0;
}

typedef struct batch {
    uint8_t *disk; /* as appended (stamped) */
    size_t len;
    int64_t base, last;
    int seg;     /* index of its segment */
    int64_t pos; /* byte position in its segment */
} batch;

static batch B[N_BATCHES];
static int n_segs;
static int64_t seg_base[64];
static long long seg_size[64];

static kc_log_config fuzz_cfg(void)
{
    /* small segments and a dense index: a few hundred batches span many segments */
    kc_log_config c = plog_test_cfg();
    c.segment_bytes = 6000;
    c.segment_ms = INT64_MAX / 4;
    c.segment_index_bytes = 4096;
    c.index_interval_bytes = 300;
    return c;
}

/* A batch of 1..6 records with values of 0..120 bytes. */
static uint8_t *random_batch(uint64_t *rng, int64_t ts, size_t *len)
{
    int n = 1 + (int)rng_below(rng, 6);
    bb_record recs[6];
    char vals[6][128];
    for (int i = 0; i < n; i++) {
        bb_record_defaults(&recs[i]);
        size_t vl = (size_t)rng_below(rng, 121);
        for (size_t k = 0; k < vl; k++)
            vals[i][k] = (char)('a' + rng_below(rng, 26));
        vals[i][vl] = '\0';
        recs[i].value = vals[i];
        recs[i].key = rng_below(rng, 2) ? "key" : NULL;
        recs[i].timestamp_delta = (int64_t)rng_below(rng, 50);
    }
    bb_batch b;
    bb_batch_defaults(&b);
    b.base_timestamp = ts;
    b.n_records = n;
    b.records = recs;
    return bb_build(&b, len);
}

static void seg_file(const char *dir, int64_t base, const char *ext, char *out, size_t len)
{
    snprintf(out, len, "%s/%020lld%s", dir, (long long)base, ext);
}

static void build_original(void)
{
    kc_log_config cfg = fuzz_cfg();
    kc_plog_open_opts o = {false, -1, -1, 0};
    kc_plog *l = NULL;
    char err[256];
    cr_assert_eq(kc_plog_open(origdir, &cfg, &o, &l, NULL, err, sizeof(err)), 0, "%s", err);
    uint64_t rng = 0xC0FFEE;
    int seg = 0;
    int64_t pos = 0;
    for (int i = 0; i < N_BATCHES; i++) {
        batch *b = &B[i];
        b->disk = random_batch(&rng, 1000000 + 100 * i, &b->len);
        bool rolled = false;
        cr_assert_eq(kc_plog_append(l, b->disk, b->len, 3, 1000 + i, &b->base, &rolled), 0);
        if (rolled) {
            seg++;
            pos = 0;
        }
        b->seg = seg;
        b->pos = pos;
        b->last = b->base + bb_get_i32(b->disk + 23);
        pos += (int64_t)b->len;
    }
    n_segs = kc_plog_segment_count(l);
    cr_assert_eq(n_segs, seg + 1);
    cr_assert_geq(n_segs, 5, "the fuzz needs several segments");
    cr_assert_leq(n_segs, 64);
    for (int k = 0; k < n_segs; k++) {
        seg_base[k] = kc_plog_segment_base(l, k);
        char p[600];
        seg_file(origdir, seg_base[k], ".log", p, sizeof(p));
        seg_size[k] = fu_file_size(p);
    }
    kc_plog_close(l);
}

static void free_original(void)
{
    for (int i = 0; i < N_BATCHES; i++)
        free(B[i].disk);
}

/* First batch (in log order) with a byte at or after (seg, pos), or N_BATCHES. */
static int first_batch_ending_after(int seg, int64_t pos)
{
    for (int i = 0; i < N_BATCHES; i++)
        if (B[i].seg > seg || (B[i].seg == seg && B[i].pos + (int64_t)B[i].len > pos))
            return i;
    return N_BATCHES;
}

/* Flips byte @p at of @p path with a non-zero mask. */
static void flip(const char *path, int64_t at, uint8_t mask)
{
    int fd = open(path, O_RDWR);
    cr_assert_geq(fd, 0);
    uint8_t b;
    cr_assert_eq(pread(fd, &b, 1, at), 1);
    b ^= mask;
    cr_assert_eq(pwrite(fd, &b, 1, at), 1);
    close(fd);
}

/* True when byte @p pos of segment @p seg is BaseOffset or PartitionLeaderEpoch of a batch. */
static bool outside_crc(int seg, int64_t pos)
{
    int i = first_batch_ending_after(seg, pos);
    if (i >= N_BATCHES || B[i].seg != seg)
        return false;
    int64_t rel = pos - B[i].pos;
    return rel < 8 || (rel >= 12 && rel < 16);
}

typedef struct outcome {
    int kind; /* 0 cut, 1 flips, 2 both */
    int dseg; /* segment of the first damaged batch */
} outcome;

static outcome check_case(int c, uint64_t seed)
{
    uint64_t rng = seed;
    char dir[400];
    snprintf(dir, sizeof(dir), "%s/case-%d", root, c);
    cr_assert_eq(fu_copy_dir(origdir, dir), 0);

    /* damage: 0 cut, 1 flips, 2 both */
    int kind = (int)rng_below(&rng, 3);
    int bad_seg = n_segs; /* first damaged byte, in log order */
    int64_t bad_pos = 0;
    long long size_after[64];
    memcpy(size_after, seg_size, sizeof(size_after));
    char what[200] = "";
    if (kind != 1) {
        int k = n_segs - 1;
        int64_t cut = (int64_t)rng_below(&rng, (uint64_t)seg_size[k]);
        char p[600];
        seg_file(dir, seg_base[k], ".log", p, sizeof(p));
        cr_assert_eq(truncate(p, cut), 0);
        size_after[k] = cut;
        bad_seg = k;
        bad_pos = cut;
        snprintf(what, sizeof(what), "cut segment %d at %lld", k, (long long)cut);
    }
    if (kind != 0) {
        int k = (int)rng_below(&rng, (uint64_t)n_segs);
        int flips = 1 + (int)rng_below(&rng, 3);
        char p[600];
        seg_file(dir, seg_base[k], ".log", p, sizeof(p));
        for (int f = 0; f < flips && size_after[k] > 0; f++) {
            int64_t at;
            do
                at = (int64_t)rng_below(&rng, (uint64_t)size_after[k]);
            while (outside_crc(k, at));
            flip(p, at, (uint8_t)(1 + rng_below(&rng, 255)));
            if (k < bad_seg || (k == bad_seg && at < bad_pos)) {
                bad_seg = k;
                bad_pos = at;
            }
            size_t wl = strlen(what);
            snprintf(what + wl, sizeof(what) - wl, "%sflip segment %d byte %lld", wl ? ", " : "", k,
                     (long long)at);
        }
    }
    int bad = first_batch_ending_after(bad_seg, bad_pos);
    cr_assert_lt(bad, N_BATCHES, "case %d (%s): damage past the last batch", c, what);
    int dseg = B[bad].seg;
    outcome oc = {kind, dseg};

    kc_log_config cfg = fuzz_cfg();
    kc_plog_open_opts o = {false, 0, -1, 0};
    kc_plog *l = NULL;
    kc_plog_open_stats st;
    char err[256] = "";
    cr_assert_eq(kc_plog_open(dir, &cfg, &o, &l, &st, err, sizeof(err)), 0, "case %d: %s", c, err);

    /* nothing after the damage */
    int64_t leo = kc_plog_log_end_offset(l);
    cr_assert_eq(leo, B[bad].base,
                 "case %d (%s): log end offset %lld, first damaged batch %d at %lld", c, what,
                 (long long)leo, bad, (long long)B[bad].base);
    cr_assert_eq(kc_plog_segment_count(l), dseg + 1, "case %d (%s): %d segments, want %d", c, what,
                 kc_plog_segment_count(l), dseg + 1);
    cr_assert_eq(kc_plog_log_start_offset(l), 0);
    char p[600];
    seg_file(dir, seg_base[dseg], ".log", p, sizeof(p));
    cr_assert_eq(fu_file_size(p), B[bad].pos, "case %d (%s): segment %d is %lld bytes, want %lld",
                 c, what, dseg, fu_file_size(p), (long long)B[bad].pos);
    cr_assert_eq(st.bytes_truncated, (uint64_t)(size_after[dseg] - B[bad].pos),
                 "case %d (%s): %llu bytes truncated", c, what,
                 (unsigned long long)st.bytes_truncated);
    cr_assert_eq(st.segments_recovered, dseg + 1, "case %d: recovery point 0 scans all", c);
    for (int k = dseg + 1; k < n_segs; k++) {
        const char *exts[] = {".log", ".index", ".timeindex"};
        for (int e = 0; e < 3; e++) {
            seg_file(dir, seg_base[k], exts[e], p, sizeof(p));
            cr_assert_not(fu_exists(p), "case %d (%s): %s left", c, what, p);
        }
    }
    kc_arena a = KC_ARENA_INIT;
    kc_bytes out;
    for (int i = bad; i < N_BATCHES; i++) {
        int64_t offs[2] = {B[i].base, B[i].last};
        for (int k = 0; k < 2; k++) {
            int rc = kc_plog_read(l, offs[k], INT64_MAX, 1 << 20, true, &a, &out);
            cr_assert(rc == 1 || (rc == 0 && out.len == 0),
                      "case %d (%s): read at %lld past the damage: rc %d, %d bytes", c, what,
                      (long long)offs[k], rc, out.len);
        }
    }

    /* everything before it, byte for byte, found through the indexes */
    for (int i = 0; i < bad; i++) {
        int64_t offs[2] = {B[i].base, B[i].last};
        for (int k = 0; k < 2; k++) {
            kc_plog_slice sl;
            cr_assert_eq(kc_plog_read_slice(l, offs[k], leo, 1, true, &sl), 0);
            cr_assert_eq(sl.position, B[i].pos, "case %d (%s): offset %lld at %lld, want %lld", c,
                         what, (long long)offs[k], (long long)sl.position, (long long)B[i].pos);
            cr_assert_eq(sl.bytes, (int32_t)B[i].len);
            int rc = kc_plog_read(l, offs[k], leo, 1, true, &a, &out);
            cr_assert_eq(rc, 0);
            cr_assert_eq(out.len, (int32_t)B[i].len, "case %d (%s): batch %d", c, what, i);
            cr_assert_eq(memcmp(out.p, B[i].disk, B[i].len), 0, "case %d (%s): batch %d differs", c,
                         what, i);
        }
    }
    kc_arena_free(&a);

    /* the recovered log goes on at its end, and reopens as it is */
    uint64_t r2 = seed ^ 0x55;
    size_t nl;
    uint8_t *nb = random_batch(&r2, 5000000, &nl);
    int64_t nbase = -1;
    cr_assert_eq(kc_plog_append(l, nb, nl, 4, 99999, &nbase, NULL), 0);
    cr_assert_eq(nbase, leo);
    int64_t leo2 = kc_plog_log_end_offset(l);
    kc_plog_close(l);
    kc_plog_open_opts clean = {true, leo2, -1, 0};
    cr_assert_eq(kc_plog_open(dir, &cfg, &clean, &l, &st, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(kc_plog_log_end_offset(l), leo2);
    cr_assert_eq(st.indexes_rebuilt, 0, "case %d: recovered indexes were written back sane", c);
    a = (kc_arena)KC_ARENA_INIT;
    cr_assert_eq(kc_plog_read(l, nbase, leo2, 1, true, &a, &out), 0);
    cr_assert_eq(out.len, (int32_t)nl);
    cr_assert_eq(memcmp(out.p, nb, nl), 0);
    if (bad > 0) {
        cr_assert_eq(kc_plog_read(l, B[bad - 1].base, leo2, 1, true, &a, &out), 0);
        cr_assert_eq(memcmp(out.p, B[bad - 1].disk, B[bad - 1].len), 0);
    }
    kc_arena_free(&a);
    kc_plog_close(l);
    free(nb);
    fu_rm_tree(dir);
    return oc;
}

Test(plog_recovery, seeded_damage)
{
    build_original();
    int kinds[3] = {0}, earlier_seg = 0, first_seg = 0;
    for (int c = 0; c < N_CASES; c++) {
        outcome oc = check_case(c, 0x5EED0000ull + (uint64_t)c * 7919);
        kinds[oc.kind]++;
        earlier_seg += oc.dseg < n_segs - 1;
        first_seg += oc.dseg == 0;
    }
    /* the seeds cover every kind of damage, including damage in earlier segments (later ones
     * removed) and in the first one */
    cr_assert_geq(kinds[0], 20);
    cr_assert_geq(kinds[1], 20);
    cr_assert_geq(kinds[2], 20);
    cr_assert_geq(earlier_seg, 20);
    cr_assert_geq(first_seg, 3);
    free_original();
}

/* The fuzz's oracle has teeth: the original, undamaged, reopens whole. */
Test(plog_recovery, undamaged_copy_is_whole)
{
    build_original();
    kc_log_config cfg = fuzz_cfg();
    kc_plog_open_opts o = {false, 0, -1, 0};
    kc_plog *l = NULL;
    kc_plog_open_stats st;
    char err[256];
    cr_assert_eq(kc_plog_open(origdir, &cfg, &o, &l, &st, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(kc_plog_log_end_offset(l), B[N_BATCHES - 1].last + 1);
    cr_assert_eq(st.bytes_truncated, 0);
    cr_assert_eq(kc_plog_segment_count(l), n_segs);
    kc_arena a = KC_ARENA_INIT;
    kc_bytes out;
    for (int i = 0; i < N_BATCHES; i++) {
        cr_assert_eq(kc_plog_read(l, B[i].last, B[N_BATCHES - 1].last + 1, 1, true, &a, &out), 0);
        cr_assert_eq(out.len, (int32_t)B[i].len);
        cr_assert_eq(memcmp(out.p, B[i].disk, B[i].len), 0);
    }
    kc_arena_free(&a);
    kc_plog_close(l);
    free_original();
}
