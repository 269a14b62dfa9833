/*
 * Idempotent producer state (src/storage/producer_state.h): Kafka 2.8's sequence and epoch
 * rules (next, duplicate within the last five, gap, overlap, old epoch, new epoch, unknown
 * producer, wrap at INT32_MAX), expiry, and the partition log keeping it across appends,
 * follower appends, reopen and truncation.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "batch_builder.h"
#include "fs_util.h"
#include "plog_cfg.h"
#include "proto/errors.h"
#include "proto/records.h"
#include "storage/plog.h"
#include "storage/producer_snapshot.h"
#include "storage/producer_state.h"

static kc_producer_append batch(int64_t pid, int16_t epoch, int32_t first_seq, int32_t count,
                                int64_t first_offset)
{
    return (kc_producer_append){pid,
                                epoch,
                                first_seq,
                                kc_producer_last_seq(first_seq, count),
                                first_offset,
                                first_offset + count - 1,
                                1000 + first_offset};
}

static int16_t check(const kc_producer_state *ps, kc_producer_append a,
                     const kc_producer_batch **dup)
{
    return kc_producer_state_check(ps, &a, dup);
}

Test(producer_state, next_duplicate_gap_overlap)
{
    kc_producer_state ps;
    kc_producer_state_init(&ps);
    const kc_producer_batch *dup;
    cr_assert_eq(check(&ps, batch(7, 0, 0, 3, 0), &dup), KC_ERR_NONE);
    cr_assert_null(dup);
    kc_producer_append a = batch(7, 0, 0, 3, 0);
    kc_producer_state_update(&ps, &a);
    cr_assert_eq(check(&ps, batch(7, 0, 3, 2, 0), &dup), KC_ERR_NONE, "the next sequence");
    cr_assert_null(dup);
    cr_assert_eq(check(&ps, batch(7, 0, 0, 3, 0), &dup), KC_ERR_NONE, "a retry");
    cr_assert_not_null(dup);
    cr_assert_eq(dup->first_offset, 0);
    cr_assert_eq(dup->last_offset, 2);
    cr_assert_eq(check(&ps, batch(7, 0, 4, 1, 0), &dup), KC_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
                 "a gap");
    cr_assert_eq(check(&ps, batch(7, 0, 1, 3, 0), &dup), KC_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
                 "an overlap that is not an exact retry");
    cr_assert_eq(check(&ps, batch(7, 0, 0, 2, 0), &dup), KC_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
                 "same first sequence, other length");
    kc_producer_state_clear(&ps);
}

Test(producer_state, five_batches_are_remembered)
{
    kc_producer_state ps;
    kc_producer_state_init(&ps);
    for (int i = 0; i < 7; i++) {
        kc_producer_append a = batch(1, 0, i * 2, 2, 100 + i * 2);
        kc_producer_state_update(&ps, &a);
    }
    const kc_producer_batch *dup;
    for (int i = 2; i < 7; i++) {
        cr_assert_eq(check(&ps, batch(1, 0, i * 2, 2, 0), &dup), KC_ERR_NONE);
        cr_assert_not_null(dup, "batch %d of the last five", i);
        cr_assert_eq(dup->first_offset, 100 + i * 2);
    }
    cr_assert_eq(check(&ps, batch(1, 0, 2, 2, 0), &dup), KC_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
                 "the sixth newest is forgotten");
    cr_assert_eq(kc_producer_state_find(&ps, 1)->n_batches, KC_PRODUCER_BATCHES);
    kc_producer_state_clear(&ps);
}

Test(producer_state, epochs)
{
    kc_producer_state ps;
    kc_producer_state_init(&ps);
    kc_producer_append a = batch(9, 3, 0, 5, 0);
    kc_producer_state_update(&ps, &a);
    const kc_producer_batch *dup;
    cr_assert_eq(check(&ps, batch(9, 2, 5, 1, 0), &dup), KC_ERR_INVALID_PRODUCER_EPOCH);
    cr_assert_eq(check(&ps, batch(9, 2, 0, 5, 0), &dup), KC_ERR_INVALID_PRODUCER_EPOCH,
                 "a retry is a duplicate only within the same epoch");
    cr_assert_eq(check(&ps, batch(9, 4, 5, 1, 0), &dup), KC_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
                 "a new epoch starts at 0");
    cr_assert_eq(check(&ps, batch(9, 4, 0, 1, 0), &dup), KC_ERR_NONE);
    a = batch(9, 4, 0, 1, 5);
    kc_producer_state_update(&ps, &a);
    cr_assert_eq(kc_producer_state_find(&ps, 9)->n_batches, 1, "the new epoch forgets the old");
    cr_assert_eq(check(&ps, batch(9, 3, 0, 5, 0), &dup), KC_ERR_INVALID_PRODUCER_EPOCH);
    kc_producer_state_clear(&ps);
}

Test(producer_state, unknown_producer_takes_any_sequence)
{
    kc_producer_state ps;
    kc_producer_state_init(&ps);
    const kc_producer_batch *dup;
    cr_assert_eq(check(&ps, batch(5, 0, 12345, 3, 0), &dup), KC_ERR_NONE);
    cr_assert_null(dup);
    cr_assert_eq(check(&ps, batch(5, 7, 1, 3, 0), &dup), KC_ERR_NONE);
    kc_producer_state_clear(&ps);
}

Test(producer_state, sequence_wraps_after_int32_max)
{
    cr_assert_eq(kc_producer_last_seq(INT32_MAX - 1, 2), INT32_MAX);
    cr_assert_eq(kc_producer_last_seq(INT32_MAX - 1, 3), 0);
    cr_assert_eq(kc_producer_last_seq(INT32_MAX, 5), 3);
    kc_producer_state ps;
    kc_producer_state_init(&ps);
    kc_producer_append a = batch(3, 0, INT32_MAX - 1, 2, 0); /* ends at INT32_MAX */
    kc_producer_state_update(&ps, &a);
    const kc_producer_batch *dup;
    cr_assert_eq(check(&ps, batch(3, 0, 0, 4, 0), &dup), KC_ERR_NONE, "0 follows INT32_MAX");
    cr_assert_eq(check(&ps, batch(3, 0, 1, 1, 0), &dup), KC_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    a = batch(3, 0, INT32_MAX, 3, 2); /* INT32_MAX, 0, 1 */
    kc_producer_state_update(&ps, &a);
    cr_assert_eq(check(&ps, batch(3, 0, 2, 1, 0), &dup), KC_ERR_NONE);
    cr_assert_eq(check(&ps, batch(3, 0, INT32_MAX, 3, 0), &dup), KC_ERR_NONE);
    cr_assert_not_null(dup, "a retry across the wrap");
    kc_producer_state_clear(&ps);
}

Test(producer_state, many_producers_and_expiry)
{
    kc_producer_state ps;
    kc_producer_state_init(&ps);
    for (int64_t pid = 0; pid < 1000; pid++) {
        kc_producer_append a = batch(pid, 0, 0, 1, pid);
        a.timestamp = pid < 500 ? 1000 : 5000;
        kc_producer_state_update(&ps, &a);
    }
    cr_assert_eq(ps.n_entries, 1000);
    for (int64_t pid = 0; pid < 1000; pid++)
        cr_assert_not_null(kc_producer_state_find(&ps, pid));
    cr_assert_eq(kc_producer_state_expire(&ps, 6000, 5000), 500, "idle for 5000 ms or more");
    cr_assert_null(kc_producer_state_find(&ps, 10));
    cr_assert_not_null(kc_producer_state_find(&ps, 900));
    cr_assert_eq(ps.n_entries, 500);
    kc_producer_state_clear(&ps);
    cr_assert_null(kc_producer_state_find(&ps, 900));
}

/* ---- the partition log keeps it ---- */

static char root[128];
static char logdir[512];

static void setup(void)
{
    cr_assert_eq(fu_mkdtemp(root, sizeof(root), "pstate"), 0);
    snprintf(logdir, sizeof(logdir), "%s/topic-0", root);
}

static void teardown(void)
{
    if (root[0])
        fu_rm_tree(root);
}

static kc_plog *open_log(void)
{
    kc_log_config cfg = plog_test_cfg();
    kc_plog_open_opts o = {true, -1, -1, 0};
    kc_plog *l = NULL;
    char err[256] = "";
    cr_assert_eq(kc_plog_open(logdir, &cfg, &o, &l, NULL, err, sizeof(err)), 0, "%s", err);
    return l;
}

/* Append @p n records of producer @p pid from sequence @p seq; returns the base offset. */
static int64_t append(kc_plog *l, int64_t pid, int16_t epoch, int32_t seq, int n)
{
    bb_record r[8];
    for (int i = 0; i < n; i++) {
        bb_record_defaults(&r[i]);
        r[i].key = "k";
        r[i].value = "v";
    }
    bb_batch b;
    bb_batch_defaults(&b);
    b.producer_id = pid;
    b.producer_epoch = epoch;
    b.base_sequence = seq;
    b.n_records = n;
    b.records = r;
    size_t len;
    uint8_t *p = bb_build(&b, &len);
    int64_t base;
    cr_assert_eq(kc_plog_append(l, p, len, 0, 1000, &base, NULL), 0);
    free(p);
    return base;
}

static const kc_producer_batch *retry(kc_plog *l, int64_t pid, int16_t epoch, int32_t seq, int n)
{
    kc_producer_append a = {pid, epoch, seq, kc_producer_last_seq(seq, n), 0, 0, 0};
    const kc_producer_batch *dup;
    cr_assert_eq(kc_producer_state_check(kc_plog_producer_state(l), &a, &dup), KC_ERR_NONE);
    return dup;
}

Test(producer_state, the_log_keeps_rebuilds_and_truncates_it, .init = setup, .fini = teardown)
{
    kc_plog *l = open_log();
    cr_assert_eq(append(l, 11, 0, 0, 3), 0);
    cr_assert_eq(append(l, -1, -1, -1, 2), 3, "a batch without producer");
    cr_assert_eq(append(l, 11, 0, 3, 2), 5);
    cr_assert_eq(append(l, 12, 1, 40, 1), 7);
    cr_assert_not_null(retry(l, 11, 0, 3, 2));
    cr_assert_eq(kc_plog_roll(l, 0), 0);
    cr_assert_eq(append(l, 12, 1, 41, 1), 8);
    kc_plog_close(l);

    /* the close wrote a snapshot at the log end (9): only each producer's last batch is back,
     * as from Kafka's snapshots */
    char snap[700];
    kc_producer_snapshot_path(logdir, 9, snap, sizeof(snap));
    cr_assert(fu_exists(snap), "a snapshot at the log end");
    l = open_log();
    cr_assert_eq(kc_producer_state_find(kc_plog_producer_state(l), 11)->n_batches, 1);
    const kc_producer_batch *d = retry(l, 11, 0, 3, 2);
    cr_assert_not_null(d);
    cr_assert_eq(d->first_offset, 5);
    kc_plog_close(l);

    /* without snapshots (the roll's at 8 and the close's at 9 deleted), every header is
     * replayed: both of producer 11's batches */
    cr_assert_eq(unlink(snap), 0);
    kc_producer_snapshot_path(logdir, 8, snap, sizeof(snap));
    cr_assert_eq(unlink(snap), 0);
    l = open_log();
    d = retry(l, 11, 0, 0, 3);
    cr_assert_not_null(d);
    cr_assert_eq(d->first_offset, 0);
    d = retry(l, 12, 1, 41, 1);
    cr_assert_not_null(d);
    cr_assert_eq(d->first_offset, 8);
    cr_assert_eq(kc_producer_state_find(kc_plog_producer_state(l), 11)->n_batches, 2);

    cr_assert_eq(kc_plog_truncate_to(l, 7), 0); /* producer 12's batches go */
    cr_assert_null(retry(l, 12, 1, 41, 1));
    cr_assert_null(retry(l, 12, 1, 40, 1));
    cr_assert_not_null(retry(l, 11, 0, 3, 2), "earlier batches stay");
    cr_assert_eq(kc_plog_truncate_fully_and_start_at(l, 100), 0);
    cr_assert_null(kc_producer_state_find(kc_plog_producer_state(l), 11));
    kc_plog_close(l);
}

Test(producer_state, snapshots_follow_rolls_and_truncation, .init = setup, .fini = teardown)
{
    kc_plog *l = open_log();
    cr_assert_eq(append(l, 21, 0, 0, 2), 0);
    cr_assert_eq(kc_plog_roll(l, 0), 0); /* a snapshot at the new base, 2 */
    cr_assert_eq(append(l, 21, 0, 2, 2), 2);
    cr_assert_eq(kc_plog_roll(l, 0), 0); /* and at 4 */
    cr_assert_eq(append(l, 22, 0, 0, 1), 4);
    char s2[700], s4[700];
    kc_producer_snapshot_path(logdir, 2, s2, sizeof(s2));
    kc_producer_snapshot_path(logdir, 4, s4, sizeof(s4));
    cr_assert(fu_exists(s2) && fu_exists(s4));
    kc_producer_state at4;
    kc_producer_state_init(&at4);
    cr_assert_eq(kc_producer_snapshot_read(s4, &at4), 0);
    cr_assert_not_null(kc_producer_state_find(&at4, 21));
    cr_assert_null(kc_producer_state_find(&at4, 22), "taken before producer 22 appeared");
    kc_producer_state_clear(&at4);

    /* truncating below the newest snapshot: it goes, the one at 2 plus a replay remain */
    cr_assert_eq(kc_plog_truncate_to(l, 3), 0);
    cr_assert_not(fu_exists(s4), "a snapshot above the log end is deleted");
    cr_assert(fu_exists(s2));
    cr_assert_eq(kc_plog_log_end_offset(l), 2);
    cr_assert_null(kc_producer_state_find(kc_plog_producer_state(l), 22));
    kc_producer_append a = {21, 0, 2, 3, 0, 0, 0};
    const kc_producer_batch *dup;
    cr_assert_eq(kc_producer_state_check(kc_plog_producer_state(l), &a, &dup), KC_ERR_NONE);
    cr_assert_null(dup, "the batch at 2-3 is gone: its sequence is the next one again");
    kc_plog_close(l);

    /* a corrupt snapshot is deleted and the log replayed */
    FILE *f = fopen(s2, "r+b");
    cr_assert_not_null(f);
    fputc(0x7f, f);
    fclose(f);
    l = open_log();
    cr_assert_not(fu_exists(s2));
    cr_assert_not_null(kc_producer_state_find(kc_plog_producer_state(l), 21));
    kc_plog_close(l);
}

/* fsync(2) of this test binary (the log's code is linked into it, so its calls land here):
 * records the inode of every descriptor synced, then syncs it. */
static ino_t synced[64];
static int n_synced;

int fsync(int fd)
{
    struct stat st;
    if (fstat(fd, &st) == 0 && n_synced < (int)(sizeof(synced) / sizeof(synced[0])))
        synced[n_synced++] = st.st_ino;
    return (int)syscall(SYS_fsync, fd);
}

static bool was_synced(const char *path)
{
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "%s", path);
    for (int i = 0; i < n_synced; i++)
        if (synced[i] == st.st_ino)
            return true;
    return false;
}

Test(producer_state, roll_leaves_the_snapshot_fsync_to_the_flush_job, .init = setup,
     .fini = teardown)
{
    kc_plog *l = open_log();
    cr_assert_eq(append(l, 21, 0, 0, 2), 0);
    n_synced = 0;
    cr_assert_eq(kc_plog_roll(l, 0), 0);
    /* KAFKA-9693: an fsync here held the reactor behind the flush of the segment rolled from */
    cr_assert_eq(n_synced, 0, "the roll itself syncs nothing");
    char snap[700];
    kc_producer_snapshot_path(logdir, 2, snap, sizeof(snap));
    cr_assert(fu_exists(snap), "the snapshot at the new base is written at once");
    kc_plog_flush_job *j = kc_plog_prepare_flush(l, 2);
    cr_assert_not_null(j);
    cr_assert_eq(kc_plog_flush_job_run(j), 0);
    kc_plog_flush_job_done(l, j, true);
    cr_assert(was_synced(snap), "the flush of the segment below it syncs the snapshot too");
    cr_assert(was_synced(logdir), "and the folder that names it");
    cr_assert_eq(kc_plog_recovery_point(l), 2);

    /* synced once: the next flush job leaves it alone */
    cr_assert_eq(append(l, 21, 0, 2, 2), 2);
    n_synced = 0;
    j = kc_plog_prepare_flush(l, 4);
    cr_assert_not_null(j);
    cr_assert_eq(kc_plog_flush_job_run(j), 0);
    kc_plog_flush_job_done(l, j, true);
    cr_assert_gt(n_synced, 0);
    cr_assert_not(was_synced(snap));
    kc_plog_close(l);
}

Test(producer_state, snapshot_bytes_are_kafkas)
{
    /* ../shared/reference/kafka-groups-and-producer-state.md §5.3: producer 1000, epoch 0,
     * last sequence 4, last offset 104, delta 4, timestamp 1700000000000 */
    static const uint8_t want[56] = {
        0x00, 0x01, 0xd0, 0xfc, 0x69, 0x35, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x68, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5,
        0x68, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    static const uint8_t empty[10] = {0x00, 0x01, 0x48, 0x67, 0x4b, 0xc7, 0x00, 0x00, 0x00, 0x00};
    cr_assert_eq(fu_mkdtemp(root, sizeof(root), "psnap"), 0);
    kc_producer_state ps;
    kc_producer_state_init(&ps);
    cr_assert_eq(kc_producer_snapshot_write(root, 0, &ps), 0);
    kc_producer_append a = {1000, 0, 0, 4, 100, 104, 1700000000000LL};
    kc_producer_state_update(&ps, &a);
    cr_assert_eq(kc_producer_snapshot_write(root, 105, &ps), 0);
    char path[700];
    uint8_t got[64];
    kc_producer_snapshot_path(root, 0, path, sizeof(path));
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    cr_assert_eq(fread(got, 1, sizeof(got), f), sizeof(empty));
    fclose(f);
    cr_assert_eq(memcmp(got, empty, sizeof(empty)), 0, "the empty snapshot");
    kc_producer_snapshot_path(root, 105, path, sizeof(path));
    f = fopen(path, "rb");
    cr_assert_not_null(f);
    cr_assert_eq(fread(got, 1, sizeof(got), f), sizeof(want));
    fclose(f);
    cr_assert_eq(memcmp(got, want, sizeof(want)), 0, "Kafka's bytes");
    kc_producer_state back;
    kc_producer_state_init(&back);
    cr_assert_eq(kc_producer_snapshot_read(path, &back), 0);
    const kc_producer_entry *e = kc_producer_state_find(&back, 1000);
    cr_assert_not_null(e);
    cr_assert_eq(e->n_batches, 1);
    cr_assert_eq(e->batches[0].first_seq, 0);
    cr_assert_eq(e->batches[0].first_offset, 100);
    cr_assert_eq(e->last_timestamp, 1700000000000LL);
    int64_t *offs;
    int n;
    cr_assert_eq(kc_producer_snapshot_list(root, &offs, &n), 0);
    cr_assert_eq(n, 2);
    cr_assert_eq(offs[0], 0);
    cr_assert_eq(offs[1], 105);
    free(offs);
    kc_producer_state_clear(&ps);
    kc_producer_state_clear(&back);
    fu_rm_tree(root);
}
