/*
 * Kafka's sparse segment indexes (src/storage/index.h) in a mkdtemp directory: offset index
 * append and floor lookup, time index maybe-append and floor lookup, full detection, trim,
 * truncation, the sanity check that decides a rebuild, and the on-disk layout, which must be
 * byte for byte Kafka's (OffsetIndex: relative offset i32 | position i32; TimeIndex:
 * timestamp i64 | relative offset i32; big-endian), so that Kafka's tools read our files.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs_util.h"
#include "storage/index.h"

static char dir[128];
static char opath[256], tpath[256];

static void setup(void)
{
    cr_assert_eq(fu_mkdtemp(dir, sizeof(dir), "index"), 0);
    snprintf(opath, sizeof(opath), "%s/00000000000000001000.index", dir);
    snprintf(tpath, sizeof(tpath), "%s/00000000000000001000.timeindex", dir);
}

static void teardown(void)
{
    if (dir[0])
        fu_rm_tree(dir);
}

TestSuite(index, .init = setup, .fini = teardown, .timeout = 30);

#define BASE 1000ll

static void open_ok(kc_index *ix, const char *path, int entry_size, int32_t max_bytes,
                    bool writable)
{
    int rc = kc_index_open(ix, path, BASE, entry_size, max_bytes, writable);
    cr_assert_eq(rc, 0, "kc_index_open(%s): %d", path, rc);
}

static void lookup_expect(const kc_index *ix, int64_t target, int64_t off_want, uint32_t pos_want)
{
    int64_t off = -7;
    uint32_t pos = 7777;
    kc_offset_index_lookup(ix, target, &off, &pos);
    cr_assert_eq(off, off_want, "lookup(%lld): offset %lld want %lld", (long long)target,
                 (long long)off, (long long)off_want);
    cr_assert_eq(pos, pos_want, "lookup(%lld): position %u want %u", (long long)target, pos,
                 pos_want);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put_be64(uint8_t *p, uint64_t v)
{
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

/* ---- offset index ---- */

Test(index, offset_index_new_is_preallocated_and_empty)
{
    kc_index ix;
    open_ok(&ix, opath, KC_OFFSET_INDEX_ENTRY, 80, true);
    cr_assert_eq(ix.entries, 0);
    cr_assert_eq(ix.max_entries, 10);
    cr_assert_eq(ix.base_offset, BASE);
    cr_assert_eq(fu_file_size(opath), 80, "preallocated to segment.index.bytes");
    cr_assert_not(kc_index_full(&ix));
    cr_assert_eq(kc_index_sanity_check(&ix), 0);
    /* no entry: the scan starts at the segment's beginning */
    lookup_expect(&ix, BASE, BASE, 0);
    lookup_expect(&ix, BASE + 100, BASE, 0);
    lookup_expect(&ix, 0, BASE, 0);
    kc_index_close(&ix);
}

Test(index, offset_index_max_bytes_rounded_down_to_entries)
{
    kc_index ix;
    open_ok(&ix, opath, KC_OFFSET_INDEX_ENTRY, 20, true);
    cr_assert_eq(ix.max_entries, 2);
    cr_assert_eq(fu_file_size(opath), 16);
    kc_index_close(&ix);

    kc_index tx;
    open_ok(&tx, tpath, KC_TIME_INDEX_ENTRY, 30, true);
    cr_assert_eq(tx.max_entries, 2);
    cr_assert_eq(fu_file_size(tpath), 24);
    kc_index_close(&tx);
}

Test(index, offset_index_floor_lookup)
{
    kc_index ix;
    open_ok(&ix, opath, KC_OFFSET_INDEX_ENTRY, 4096, true);
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 5, 100), 0);
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 10, 250), 0);
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 20, 400), 0);
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 21, 4000000000u), 0, "positions are u32");
    cr_assert_eq(ix.entries, 4);
    lookup_expect(&ix, BASE - 1, BASE, 0);
    lookup_expect(&ix, BASE, BASE, 0);
    lookup_expect(&ix, BASE + 4, BASE, 0);
    lookup_expect(&ix, BASE + 5, BASE + 5, 100);
    lookup_expect(&ix, BASE + 9, BASE + 5, 100);
    lookup_expect(&ix, BASE + 10, BASE + 10, 250);
    lookup_expect(&ix, BASE + 19, BASE + 10, 250);
    lookup_expect(&ix, BASE + 20, BASE + 20, 400);
    lookup_expect(&ix, BASE + 21, BASE + 21, 4000000000u);
    lookup_expect(&ix, INT64_MAX, BASE + 21, 4000000000u);
    int64_t off;
    uint32_t pos;
    kc_offset_index_entry(&ix, 1, &off, &pos);
    cr_assert_eq(off, BASE + 10);
    cr_assert_eq(pos, 250);
    cr_assert_eq(kc_index_sanity_check(&ix), 0);
    kc_index_close(&ix);
}

Test(index, offset_index_floor_lookup_many_entries)
{
    /* binary search over a larger index: every target maps to its floor entry */
    kc_index ix;
    open_ok(&ix, opath, KC_OFFSET_INDEX_ENTRY, 8 * 1000, true);
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(kc_offset_index_append(&ix, BASE + 3 * i + 2, (uint32_t)(i * 100)), 0);
    for (int64_t t = BASE; t < BASE + 3 * 1000 + 5; t++) {
        int64_t rel = t - BASE;
        if (rel < 2) {
            lookup_expect(&ix, t, BASE, 0);
        } else {
            int64_t i = (rel - 2) / 3;
            if (i > 999)
                i = 999;
            lookup_expect(&ix, t, BASE + 3 * i + 2, (uint32_t)(i * 100));
        }
    }
    kc_index_close(&ix);
}

Test(index, offset_index_rejects_bad_appends)
{
    kc_index ix;
    open_ok(&ix, opath, KC_OFFSET_INDEX_ENTRY, 4096, true);
    cr_assert_eq(kc_offset_index_append(&ix, BASE - 1, 0), -1, "below the base offset");
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 10, 50), 0);
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 10, 60), -1, "same offset again");
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 9, 60), -1, "lower offset");
    cr_assert_eq(kc_offset_index_append(&ix, BASE + (int64_t)INT32_MAX + 1, 60), -1,
                 "relative offset beyond int32");
    cr_assert_eq(ix.entries, 1);
    cr_assert_eq(kc_offset_index_append(&ix, BASE + (int64_t)INT32_MAX, 60), 0,
                 "largest relative offset");
    kc_index_close(&ix);
}

Test(index, offset_index_full)
{
    kc_index ix;
    open_ok(&ix, opath, KC_OFFSET_INDEX_ENTRY, 3 * 8, true);
    for (int i = 0; i < 3; i++) {
        cr_assert_not(kc_index_full(&ix), "full after %d entries", i);
        cr_assert_eq(kc_offset_index_append(&ix, BASE + i + 1, (uint32_t)i * 10), 0);
    }
    cr_assert(kc_index_full(&ix));
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 10, 100), -1, "no room");
    cr_assert_eq(ix.entries, 3);
    kc_index_close(&ix);
}

Test(index, trim_shrinks_file_to_entries)
{
    kc_index ix;
    open_ok(&ix, opath, KC_OFFSET_INDEX_ENTRY, 1024, true);
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 3, 10), 0);
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 7, 20), 0);
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 9, 30), 0);
    cr_assert_eq(fu_file_size(opath), 1024);
    cr_assert_eq(kc_index_trim(&ix), 0);
    cr_assert_eq(fu_file_size(opath), 3 * 8, "trimmed to entries * 8");
    cr_assert_eq(ix.entries, 3);
    cr_assert_eq(ix.max_entries, 3);
    cr_assert(kc_index_full(&ix), "a trimmed index takes no more entries");
    cr_assert_not(ix.writable);
    lookup_expect(&ix, BASE + 8, BASE + 7, 20);
    lookup_expect(&ix, BASE + 100, BASE + 9, 30);
    cr_assert_eq(kc_index_sanity_check(&ix), 0);
    kc_index_close(&ix);

    /* an empty index trims to an empty file */
    kc_index e;
    open_ok(&e, tpath, KC_TIME_INDEX_ENTRY, 1200, true);
    cr_assert_eq(fu_file_size(tpath), 1200);
    cr_assert_eq(kc_index_trim(&e), 0);
    cr_assert_eq(fu_file_size(tpath), 0);
    cr_assert_eq(e.entries, 0);
    int64_t ts, off;
    kc_time_index_last(&e, &ts, &off);
    cr_assert_eq(ts, -1);
    cr_assert_eq(off, BASE);
    kc_index_close(&e);
}

Test(index, reopen_trimmed_index)
{
    kc_index ix;
    open_ok(&ix, opath, KC_OFFSET_INDEX_ENTRY, 1024, true);
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 3, 10), 0);
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 7, 20), 0);
    cr_assert_eq(kc_index_trim(&ix), 0);
    kc_index_close(&ix);

    /* read-only: maps exactly the file */
    open_ok(&ix, opath, KC_OFFSET_INDEX_ENTRY, 1024, false);
    cr_assert_eq(ix.entries, 2);
    cr_assert_eq(ix.max_entries, 2);
    cr_assert_eq(fu_file_size(opath), 16);
    cr_assert_eq(kc_index_sanity_check(&ix), 0);
    lookup_expect(&ix, BASE + 5, BASE + 3, 10);
    kc_index_close(&ix);

    /* writable again: extended for appends, the entries kept */
    open_ok(&ix, opath, KC_OFFSET_INDEX_ENTRY, 1024, true);
    cr_assert_eq(ix.entries, 2);
    cr_assert_eq(ix.max_entries, 128);
    cr_assert_eq(fu_file_size(opath), 1024);
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 8, 30), 0);
    lookup_expect(&ix, BASE + 100, BASE + 8, 30);
    lookup_expect(&ix, BASE + 4, BASE + 3, 10);
    kc_index_close(&ix);
}

Test(index, open_missing_read_only_fails)
{
    kc_index ix;
    cr_assert_eq(kc_index_open(&ix, opath, BASE, KC_OFFSET_INDEX_ENTRY, 1024, false), -ENOENT);
    cr_assert_not(fu_exists(opath), "a read-only open creates nothing");
}

Test(index, offset_index_file_layout_is_kafkas)
{
    kc_index ix;
    open_ok(&ix, opath, KC_OFFSET_INDEX_ENTRY, 1024, true);
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 5, 100), 0);
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 0x010203, 0x0A0B0C0D), 0);
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 0x7FFFFFFF, 0xFFFFFFFEu), 0);
    cr_assert_eq(kc_index_trim(&ix), 0);
    kc_index_close(&ix);
    static const uint8_t want[] = {
        0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x64, /* rel 5, position 100 */
        0x00, 0x01, 0x02, 0x03, 0x0A, 0x0B, 0x0C, 0x0D, /* rel 0x10203 */
        0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, /* rel INT32_MAX */
    };
    size_t n;
    uint8_t *disk = fu_read_file(opath, &n);
    cr_assert_not_null(disk);
    cr_assert_eq(n, sizeof(want));
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(disk[i], want[i], "byte %zu: 0x%02X want 0x%02X", i, disk[i], want[i]);
    free(disk);
}

Test(index, reads_a_kafka_written_offset_index)
{
    /* entries written the way Kafka's OffsetIndex does, read through our lookup */
    uint8_t f[3 * 8];
    const uint32_t rel[] = {17, 40, 41}, pos[] = {4120, 8300, 12500};
    for (int i = 0; i < 3; i++) {
        put_be32(f + 8 * i, rel[i]);
        put_be32(f + 8 * i + 4, pos[i]);
    }
    cr_assert_eq(fu_write_file(opath, f, sizeof(f)), 0);
    kc_index ix;
    open_ok(&ix, opath, KC_OFFSET_INDEX_ENTRY, 0, false);
    cr_assert_eq(ix.entries, 3);
    cr_assert_eq(kc_index_sanity_check(&ix), 0);
    lookup_expect(&ix, BASE + 16, BASE, 0);
    lookup_expect(&ix, BASE + 17, BASE + 17, 4120);
    lookup_expect(&ix, BASE + 40, BASE + 40, 8300);
    lookup_expect(&ix, BASE + 50, BASE + 41, 12500);
    kc_index_close(&ix);
}

/* ---- sanity check ---- */

Test(index, sanity_rejects_zeros_after_entries)
{
    /* what a crash leaves: a preallocated file with entries then zeros */
    kc_index ix;
    open_ok(&ix, opath, KC_OFFSET_INDEX_ENTRY, 10 * 8, true);
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 5, 100), 0);
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 9, 200), 0);
    kc_index_close(&ix); /* not trimmed */
    cr_assert_eq(fu_file_size(opath), 80);

    open_ok(&ix, opath, KC_OFFSET_INDEX_ENTRY, 0, false);
    cr_assert_eq(ix.entries, 10, "entries counted from the file size");
    cr_assert_eq(kc_index_sanity_check(&ix), -1, "zero entries after offset 9 must be rejected");
    kc_index_close(&ix);

    open_ok(&ix, opath, KC_OFFSET_INDEX_ENTRY, 80, true);
    cr_assert_eq(kc_index_sanity_check(&ix), -1, "writable reopen too");
    kc_index_close(&ix);
}

Test(index, sanity_rejects_non_increasing_offsets)
{
    uint8_t f[3 * 8] = {0};
    put_be32(f + 0, 5);
    put_be32(f + 4, 10);
    put_be32(f + 8, 5); /* same offset again */
    put_be32(f + 12, 20);
    put_be32(f + 16, 9);
    put_be32(f + 20, 30);
    cr_assert_eq(fu_write_file(opath, f, sizeof(f)), 0);
    kc_index ix;
    open_ok(&ix, opath, KC_OFFSET_INDEX_ENTRY, 0, false);
    cr_assert_eq(kc_index_sanity_check(&ix), -1);
    kc_index_close(&ix);

    put_be32(f + 8, 4); /* decreasing */
    cr_assert_eq(fu_write_file(opath, f, sizeof(f)), 0);
    open_ok(&ix, opath, KC_OFFSET_INDEX_ENTRY, 0, false);
    cr_assert_eq(kc_index_sanity_check(&ix), -1);
    kc_index_close(&ix);

    put_be32(f + 8, 7); /* increasing: sane */
    cr_assert_eq(fu_write_file(opath, f, sizeof(f)), 0);
    open_ok(&ix, opath, KC_OFFSET_INDEX_ENTRY, 0, false);
    cr_assert_eq(kc_index_sanity_check(&ix), 0);
    kc_index_close(&ix);
}

Test(index, sanity_rejects_offset_below_base)
{
    uint8_t f[8];
    put_be32(f, 0xFFFFFFFFu); /* relative -1 */
    put_be32(f + 4, 0);
    cr_assert_eq(fu_write_file(opath, f, sizeof(f)), 0);
    kc_index ix;
    open_ok(&ix, opath, KC_OFFSET_INDEX_ENTRY, 0, false);
    cr_assert_eq(kc_index_sanity_check(&ix), -1);
    kc_index_close(&ix);
}

Test(index, sanity_rejects_partial_entry)
{
    /* Kafka's OffsetIndex.sanityCheck: a length that is not a multiple of the entry size is
     * corrupt (a torn file): the index must be rebuilt. */
    uint8_t f[2 * 8 + 4];
    put_be32(f + 0, 5);
    put_be32(f + 4, 10);
    put_be32(f + 8, 9);
    put_be32(f + 12, 20);
    put_be32(f + 16, 12);
    cr_assert_eq(fu_write_file(opath, f, sizeof(f)), 0);
    kc_index ix;
    open_ok(&ix, opath, KC_OFFSET_INDEX_ENTRY, 0, false);
    cr_assert_eq(kc_index_sanity_check(&ix), -1, "20-byte offset index accepted");
    kc_index_close(&ix);
}

Test(index, sanity_time_index)
{
    uint8_t f[3 * 12];
    const int64_t ts[] = {5000, 6000, 7000};
    const uint32_t rel[] = {3, 8, 12};
    for (int i = 0; i < 3; i++) {
        put_be64(f + 12 * i, (uint64_t)ts[i]);
        put_be32(f + 12 * i + 8, rel[i]);
    }
    cr_assert_eq(fu_write_file(tpath, f, sizeof(f)), 0);
    kc_index tx;
    open_ok(&tx, tpath, KC_TIME_INDEX_ENTRY, 0, false);
    cr_assert_eq(tx.entries, 3);
    cr_assert_eq(kc_index_sanity_check(&tx), 0);
    kc_index_close(&tx);

    put_be64(f + 12 * 2, 6000); /* timestamp not increasing */
    cr_assert_eq(fu_write_file(tpath, f, sizeof(f)), 0);
    open_ok(&tx, tpath, KC_TIME_INDEX_ENTRY, 0, false);
    cr_assert_eq(kc_index_sanity_check(&tx), -1, "equal timestamps");
    kc_index_close(&tx);

    put_be64(f + 12 * 2, 7000);
    put_be32(f + 12 * 2 + 8, 8); /* offset not increasing */
    cr_assert_eq(fu_write_file(tpath, f, sizeof(f)), 0);
    open_ok(&tx, tpath, KC_TIME_INDEX_ENTRY, 0, false);
    cr_assert_eq(kc_index_sanity_check(&tx), -1, "equal offsets");
    kc_index_close(&tx);

    /* a preallocated, untrimmed time index: zeros after the entries */
    open_ok(&tx, tpath, KC_TIME_INDEX_ENTRY, 12 * 8, true);
    kc_index_reset(&tx);
    cr_assert_eq(kc_time_index_maybe_append(&tx, 5000, BASE + 3), 1);
    kc_index_close(&tx);
    open_ok(&tx, tpath, KC_TIME_INDEX_ENTRY, 0, false);
    cr_assert_eq(tx.entries, 8);
    cr_assert_eq(kc_index_sanity_check(&tx), -1);
    kc_index_close(&tx);
}

/* ---- time index ---- */

Test(index, time_index_appends_only_when_timestamp_grows)
{
    kc_index tx;
    open_ok(&tx, tpath, KC_TIME_INDEX_ENTRY, 1200, true);
    cr_assert_eq(tx.max_entries, 100);
    int64_t ts, off;
    kc_time_index_last(&tx, &ts, &off);
    cr_assert_eq(ts, -1, "empty: no timestamp");
    cr_assert_eq(off, BASE);

    cr_assert_eq(kc_time_index_maybe_append(&tx, 5000, BASE + 2), 1);
    cr_assert_eq(kc_time_index_maybe_append(&tx, 5000, BASE + 4), 0, "same timestamp: skipped");
    cr_assert_eq(kc_time_index_maybe_append(&tx, 4000, BASE + 6), 0, "older timestamp: skipped");
    cr_assert_eq(kc_time_index_maybe_append(&tx, 6000, BASE + 2), 0, "same offset: skipped");
    cr_assert_eq(kc_time_index_maybe_append(&tx, 6000, BASE + 8), 1);
    cr_assert_eq(kc_time_index_maybe_append(&tx, 9000, BASE + 9), 1);
    cr_assert_eq(tx.entries, 3);
    kc_time_index_last(&tx, &ts, &off);
    cr_assert_eq(ts, 9000);
    cr_assert_eq(off, BASE + 9);
    kc_time_index_entry(&tx, 1, &ts, &off);
    cr_assert_eq(ts, 6000);
    cr_assert_eq(off, BASE + 8);
    cr_assert_eq(kc_index_sanity_check(&tx), 0);
    kc_index_close(&tx);
}

Test(index, time_index_floor_lookup)
{
    kc_index tx;
    open_ok(&tx, tpath, KC_TIME_INDEX_ENTRY, 1200, true);
    /* no entry: scan from the base offset */
    cr_assert_eq(kc_time_index_lookup(&tx, 123456), BASE);
    cr_assert_eq(kc_time_index_maybe_append(&tx, 5000, BASE + 2), 1);
    cr_assert_eq(kc_time_index_maybe_append(&tx, 6000, BASE + 8), 1);
    cr_assert_eq(kc_time_index_maybe_append(&tx, 9000, BASE + 9), 1);
    const struct {
        int64_t target, offset;
    } cases[] = {
        {0, BASE},        {4999, BASE},     {5000, BASE + 2}, {5999, BASE + 2},
        {6000, BASE + 8}, {8999, BASE + 8}, {9000, BASE + 9}, {INT64_MAX, BASE + 9},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        cr_assert_eq(kc_time_index_lookup(&tx, cases[i].target), cases[i].offset,
                     "lookup(%lld): %lld want %lld", (long long)cases[i].target,
                     (long long)kc_time_index_lookup(&tx, cases[i].target),
                     (long long)cases[i].offset);
    kc_index_close(&tx);
}

Test(index, time_index_full)
{
    kc_index tx;
    open_ok(&tx, tpath, KC_TIME_INDEX_ENTRY, 2 * 12, true);
    cr_assert_eq(kc_time_index_maybe_append(&tx, 100, BASE + 1), 1);
    cr_assert_not(kc_index_full(&tx));
    cr_assert_eq(kc_time_index_maybe_append(&tx, 200, BASE + 2), 1);
    cr_assert(kc_index_full(&tx));
    cr_assert_eq(kc_time_index_maybe_append(&tx, 300, BASE + 3), -1, "no room");
    cr_assert_eq(kc_time_index_maybe_append(&tx, 150, BASE + 3), 0, "not newer: not an error");
    cr_assert_eq(tx.entries, 2);
    kc_index_close(&tx);
}

Test(index, time_index_file_layout_is_kafkas)
{
    kc_index tx;
    open_ok(&tx, tpath, KC_TIME_INDEX_ENTRY, 1200, true);
    cr_assert_eq(kc_time_index_maybe_append(&tx, 0x0000018BCF0A1B2Cll, BASE + 5), 1);
    cr_assert_eq(kc_time_index_maybe_append(&tx, 0x0102030405060708ll, BASE + 0x7FFFFFFF), 1);
    cr_assert_eq(kc_index_trim(&tx), 0);
    kc_index_close(&tx);
    static const uint8_t want[] = {
        0x00, 0x00, 0x01, 0x8B, 0xCF, 0x0A, 0x1B, 0x2C, 0x00, 0x00, 0x00, 0x05,
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x7F, 0xFF, 0xFF, 0xFF,
    };
    size_t n;
    uint8_t *disk = fu_read_file(tpath, &n);
    cr_assert_not_null(disk);
    cr_assert_eq(n, sizeof(want));
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(disk[i], want[i], "byte %zu: 0x%02X want 0x%02X", i, disk[i], want[i]);
    free(disk);
}

/* ---- truncation and reset ---- */

Test(index, truncate_to_drops_entries_at_and_after)
{
    kc_index ix;
    open_ok(&ix, opath, KC_OFFSET_INDEX_ENTRY, 1024, true);
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 5, 100), 0);
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 10, 200), 0);
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 20, 300), 0);
    kc_index_truncate_to(&ix, BASE + 21);
    cr_assert_eq(ix.entries, 3, "nothing at or after 21");
    kc_index_truncate_to(&ix, BASE + 10);
    cr_assert_eq(ix.entries, 1, "10 and 20 dropped");
    lookup_expect(&ix, BASE + 50, BASE + 5, 100);
    /* appends continue from the truncation point */
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 7, 150), 0);
    lookup_expect(&ix, BASE + 50, BASE + 7, 150);
    kc_index_truncate_to(&ix, BASE);
    cr_assert_eq(ix.entries, 0);
    lookup_expect(&ix, BASE + 50, BASE, 0);
    kc_index_close(&ix);

    kc_index tx;
    open_ok(&tx, tpath, KC_TIME_INDEX_ENTRY, 1200, true);
    cr_assert_eq(kc_time_index_maybe_append(&tx, 100, BASE + 3), 1);
    cr_assert_eq(kc_time_index_maybe_append(&tx, 200, BASE + 6), 1);
    cr_assert_eq(kc_time_index_maybe_append(&tx, 300, BASE + 9), 1);
    kc_index_truncate_to(&tx, BASE + 6);
    cr_assert_eq(tx.entries, 1);
    int64_t ts, off;
    kc_time_index_last(&tx, &ts, &off);
    cr_assert_eq(ts, 100);
    cr_assert_eq(off, BASE + 3);
    cr_assert_eq(kc_time_index_lookup(&tx, 1000), BASE + 3);
    /* a timestamp at or below a dropped one may be indexed again */
    cr_assert_eq(kc_time_index_maybe_append(&tx, 150, BASE + 5), 1);
    kc_index_close(&tx);
}

Test(index, reset_forgets_entries)
{
    kc_index ix;
    open_ok(&ix, opath, KC_OFFSET_INDEX_ENTRY, 1024, true);
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 5, 100), 0);
    kc_index_reset(&ix);
    cr_assert_eq(ix.entries, 0);
    lookup_expect(&ix, BASE + 5, BASE, 0);
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 1, 10), 0, "lower offsets accepted again");
    kc_index_close(&ix);
}

/* Kafka closes an index file once it is mapped: a segment costs one descriptor, not three. */
Test(index, holds_no_descriptor)
{
    kc_index ix;
    int before = fu_open_fd_count();
    open_ok(&ix, opath, KC_OFFSET_INDEX_ENTRY, 1024, true);
    cr_assert_eq(fu_open_fd_count(), before, "open keeps no descriptor");
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 5, 100), 0);
    cr_assert_eq(kc_index_trim(&ix), 0);
    cr_assert_eq(fu_open_fd_count(), before, "trim keeps no descriptor");
    cr_assert_eq(ix.entries, 1, "the entry survives the trim");
    int fd = kc_index_open_for_sync(&ix);
    cr_assert_geq(fd, 0);
    close(fd);
    kc_index_close(&ix);
    kc_index never;
    memset(&never, 0, sizeof(never));
    cr_assert_eq(kc_index_open_for_sync(&never), -EBADF);
}

Test(index, flush_and_close)
{
    kc_index ix;
    open_ok(&ix, opath, KC_OFFSET_INDEX_ENTRY, 1024, true);
    cr_assert_eq(kc_offset_index_append(&ix, BASE + 5, 100), 0);
    cr_assert_eq(kc_index_flush(&ix), 0);
    kc_index_close(&ix);
    cr_assert_null(ix.map);
    cr_assert_null(ix.path);
    kc_index_close(&ix); /* twice is harmless */
    /* the entry reached the file through the mapping */
    size_t n;
    uint8_t *disk = fu_read_file(opath, &n);
    cr_assert_eq(n, 1024);
    static const uint8_t want[] = {0, 0, 0, 5, 0, 0, 0, 100};
    cr_assert_eq(memcmp(disk, want, 8), 0);
    free(disk);
}
