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

#include "batch_builder.h"
#include "fs_util.h"
#include "plog_cfg.h"
#include "proto/errors.h"
#include "proto/records.h"
#include "storage/plog.h"
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

    l = open_log(); /* rebuilt from every segment's batch headers */
    const kc_producer_batch *d = retry(l, 11, 0, 0, 3);
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
