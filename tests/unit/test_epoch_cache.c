/*
 * Leader epoch cache (src/storage/epoch_cache.h): Kafka's LeaderEpochFileCache rules, the
 * leader-epoch-checkpoint file, and the follower's truncation decision with the KIP-101 and
 * KIP-279 scenarios of the reference (§6.4), played between two caches.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "fs_util.h"
#include "storage/epoch_cache.h"

static char root[128];

static void setup(void)
{
    cr_assert_eq(fu_mkdtemp(root, sizeof(root), "epochs"), 0);
    kc_log_level = KC_LOG_ERROR;
}

static void teardown(void)
{
    if (root[0])
        fu_rm_tree(root);
}

TestSuite(epoch_cache, .init = setup, .fini = teardown);

static void expect(const kc_epoch_cache *c, int n, const kc_epoch_entry *e)
{
    cr_assert_eq(c->n, n, "entries %d, expected %d", c->n, n);
    for (int i = 0; i < n; i++) {
        cr_expect_eq(c->entries[i].epoch, e[i].epoch, "entry %d epoch", i);
        cr_expect_eq(c->entries[i].start_offset, e[i].start_offset, "entry %d start", i);
    }
}

#define EXPECT(c, ...)                                                                             \
    do {                                                                                           \
        const kc_epoch_entry want_[] = {__VA_ARGS__};                                              \
        expect((c), (int)(sizeof(want_) / sizeof(want_[0])), want_);                               \
    } while (0)

static void end_for(const kc_epoch_cache *c, int32_t req, int64_t leo, int32_t epoch, int64_t off)
{
    int32_t e;
    int64_t o;
    kc_epoch_cache_end_offset_for(c, req, leo, &e, &o);
    cr_expect_eq(e, epoch, "endOffsetFor(%d): epoch %d, expected %d", req, e, epoch);
    cr_expect_eq(o, off, "endOffsetFor(%d): offset %lld, expected %lld", req, (long long)o,
                 (long long)off);
}

Test(epoch_cache, assign_rules)
{
    kc_epoch_cache c = {0};
    cr_expect_eq(kc_epoch_cache_latest_epoch(&c), KC_UNDEFINED_EPOCH);
    kc_epoch_cache_assign(&c, 2, 10);
    cr_expect(c.dirty);
    kc_epoch_cache_assign(&c, 2, 15);  /* same epoch again: the earlier start stays */
    kc_epoch_cache_assign(&c, 1, 20);  /* older epoch: ignored */
    kc_epoch_cache_assign(&c, -1, 30); /* undefined: ignored */
    EXPECT(&c, {2, 10});
    kc_epoch_cache_assign(&c, 4, 20);
    kc_epoch_cache_assign(&c, 5, 30);
    EXPECT(&c, {2, 10}, {4, 20}, {5, 30});
    cr_expect_eq(kc_epoch_cache_latest_epoch(&c), 5);
    /* a newer epoch at or before later entries' starts replaces them */
    kc_epoch_cache_assign(&c, 7, 20);
    EXPECT(&c, {2, 10}, {7, 20});
    kc_epoch_cache_assign(&c, 8, 20);
    EXPECT(&c, {2, 10}, {8, 20});
    for (int i = 0; i < 100; i++) /* growth */
        kc_epoch_cache_assign(&c, 10 + i, 100 + i);
    cr_expect_eq(c.n, 102);
    cr_expect_eq(kc_epoch_cache_latest_epoch(&c), 109);
    kc_epoch_cache_free(&c);
    cr_expect_eq(c.n, 0);
    cr_expect_null(c.entries);
}

Test(epoch_cache, end_offset_for)
{
    kc_epoch_cache c = {0};
    end_for(&c, 3, 100, KC_UNDEFINED_EPOCH, KC_UNDEFINED_EPOCH_OFFSET); /* empty */
    kc_epoch_cache_assign(&c, 2, 10);
    kc_epoch_cache_assign(&c, 4, 20);
    kc_epoch_cache_assign(&c, 7, 30);
    end_for(&c, KC_UNDEFINED_EPOCH, 100, KC_UNDEFINED_EPOCH, KC_UNDEFINED_EPOCH_OFFSET);
    end_for(&c, 7, 100, 7, 100); /* the latest: the log end offset */
    end_for(&c, 4, 100, 4, 30);  /* held: ends where the next starts */
    end_for(&c, 2, 100, 2, 20);
    end_for(&c, 3, 100, 2, 20); /* in between: the largest epoch below, ending at 4's start */
    end_for(&c, 5, 100, 4, 30);
    end_for(&c, 6, 100, 4, 30);
    end_for(&c, 1, 100, 1, 10); /* older than all: itself, ending at the first start */
    end_for(&c, 0, 100, 0, 10);
    end_for(&c, 8, 100, KC_UNDEFINED_EPOCH, KC_UNDEFINED_EPOCH_OFFSET); /* newer than all */
    kc_epoch_cache_free(&c);
}

Test(epoch_cache, truncate_from_end)
{
    kc_epoch_cache c = {0};
    kc_epoch_cache_assign(&c, 2, 10);
    kc_epoch_cache_assign(&c, 4, 20);
    kc_epoch_cache_assign(&c, 7, 30);
    free(kc_epoch_cache_format(&c));
    kc_epoch_cache_truncate_from_end(&c, 31); /* nothing starts at or after 31 */
    cr_expect_not(c.dirty);
    EXPECT(&c, {2, 10}, {4, 20}, {7, 30});
    kc_epoch_cache_truncate_from_end(&c, -1); /* undefined: no-op */
    EXPECT(&c, {2, 10}, {4, 20}, {7, 30});
    kc_epoch_cache_truncate_from_end(&c, 30);
    cr_expect(c.dirty);
    EXPECT(&c, {2, 10}, {4, 20});
    kc_epoch_cache_truncate_from_end(&c, 11);
    EXPECT(&c, {2, 10});
    kc_epoch_cache_truncate_from_end(&c, 0);
    cr_expect_eq(c.n, 0);
    kc_epoch_cache_free(&c);
}

Test(epoch_cache, truncate_from_start)
{
    kc_epoch_cache c = {0};
    kc_epoch_cache_truncate_from_start(&c, 5); /* empty: nothing */
    cr_expect_eq(c.n, 0);
    kc_epoch_cache_assign(&c, 2, 10);
    kc_epoch_cache_assign(&c, 4, 20);
    kc_epoch_cache_assign(&c, 7, 30);
    free(kc_epoch_cache_format(&c));
    kc_epoch_cache_truncate_from_start(&c, 5); /* before the first: nothing */
    kc_epoch_cache_truncate_from_start(&c, 10);
    cr_expect_not(c.dirty);
    EXPECT(&c, {2, 10}, {4, 20}, {7, 30});
    kc_epoch_cache_truncate_from_start(&c, 15); /* inside epoch 2: it now starts there */
    cr_expect(c.dirty);
    EXPECT(&c, {2, 15}, {4, 20}, {7, 30});
    kc_epoch_cache_truncate_from_start(&c, 20); /* exactly at 4's start: 2 goes */
    EXPECT(&c, {4, 20}, {7, 30});
    kc_epoch_cache_truncate_from_start(&c, 45); /* past the last start */
    EXPECT(&c, {7, 45});
    kc_epoch_cache_free(&c);
}

static char *cp_path(void)
{
    static char path[300];
    snprintf(path, sizeof(path), "%s/%s", root, KC_LEADER_EPOCH_CHECKPOINT);
    return path;
}

Test(epoch_cache, checkpoint_round_trip)
{
    kc_epoch_cache c = {0}, d = {0};
    cr_expect_eq(kc_epoch_cache_load(&d, root), 0); /* missing file: empty */
    cr_expect_eq(d.n, 0);
    char *s = kc_epoch_cache_format(&c);
    cr_expect_str_eq(s, "0\n0\n");
    free(s);
    kc_epoch_cache_assign(&c, 0, 0);
    kc_epoch_cache_assign(&c, 3, 1234567890123LL);
    kc_epoch_cache_assign(&c, 2147483647, 1234567890124LL);
    cr_expect(c.dirty);
    s = kc_epoch_cache_format(&c);
    cr_expect_not(c.dirty);
    cr_expect_str_eq(s, "0\n3\n0 0\n3 1234567890123\n2147483647 1234567890124\n");
    cr_assert_eq(fu_write_file(cp_path(), s, strlen(s)), 0);
    free(s);
    cr_expect_eq(kc_epoch_cache_load(&d, root), 0);
    cr_expect_not(d.dirty);
    EXPECT(&d, {0, 0}, {3, 1234567890123LL}, {2147483647, 1234567890124LL});
    /* loading again replaces the contents */
    cr_assert_eq(fu_write_file(cp_path(), "0\n1\n5 7\n\n", 9), 0);
    cr_expect_eq(kc_epoch_cache_load(&d, root), 0);
    EXPECT(&d, {5, 7});
    kc_epoch_cache_free(&c);
    kc_epoch_cache_free(&d);
}

Test(epoch_cache, malformed_files)
{
    static const char *const bad[] = {
        "",                     /* empty */
        "1\n1\n5 7\n",          /* version */
        "0\n",                  /* no count */
        "0\n2\n5 7\n",          /* fewer entries than counted */
        "0\n1\n5 7\n6 8\n",     /* more */
        "0\n1\n5\n",            /* one field */
        "0\n1\n5 7 9\n",        /* three */
        "0\n1\nx 7\n",          /* not a number */
        "0\n1\n5 7x\n",         /* trailing junk */
        "0\n1\n-1 7\n",         /* negative epoch */
        "0\n1\n5 -7\n",         /* negative offset */
        "0\n1\n2147483648 7\n", /* epoch past int32 */
        "0\n2\n5 7\n5 9\n",     /* epochs not increasing */
        "0\n2\n5 7\n4 9\n",     /* epochs decreasing */
        "0\n2\n5 9\n6 7\n",     /* offsets decreasing */
        "0\n-1\n",              /* negative count */
        "zero\n0\n",            /* version not a number */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        kc_epoch_cache c = {0};
        kc_epoch_cache_assign(&c, 1, 1); /* load empties what was there */
        cr_assert_eq(fu_write_file(cp_path(), bad[i], strlen(bad[i])), 0);
        cr_expect_eq(kc_epoch_cache_load(&c, root), -1, "case %zu accepted: '%s'", i, bad[i]);
        cr_expect_eq(c.n, 0, "case %zu left entries", i);
        kc_epoch_cache_free(&c);
    }
    /* Kafka splits lines on runs of white space */
    kc_epoch_cache w = {0};
    cr_assert_eq(fu_write_file(cp_path(), "0\n1\n5  7\n", 10), 0);
    cr_expect_eq(kc_epoch_cache_load(&w, root), 0);
    EXPECT(&w, {5, 7});
    kc_epoch_cache_free(&w);
    /* equal start offsets are fine (an epoch that got no records) */
    kc_epoch_cache c = {0};
    cr_assert_eq(fu_write_file(cp_path(), "0\n2\n5 7\n6 7\n", 12), 0);
    cr_expect_eq(kc_epoch_cache_load(&c, root), 0);
    EXPECT(&c, {5, 7}, {6, 7});
    kc_epoch_cache_free(&c);
}

/* ---------------------------------------------------------------- truncation decision */

/* A replica for the scenarios: its cache and log end offset; records are `offset:epoch`. */
typedef struct replica {
    kc_epoch_cache c;
    int64_t leo;
} replica;

static void rep_append(replica *r, int32_t epoch, int n)
{
    kc_epoch_cache_assign(&r->c, epoch, r->leo);
    r->leo += n;
}

static void rep_truncate(replica *r, int64_t to)
{
    if (to < r->leo) {
        r->leo = to;
        kc_epoch_cache_truncate_from_end(&r->c, to);
    }
}

/* Runs the follower's OffsetForLeaderEpoch rounds against @p leader until done (at most 10);
 * returns the number of rounds. */
static int reconcile(replica *follower, int64_t follower_hw, const replica *leader)
{
    for (int round = 1; round <= 10; round++) {
        int32_t le;
        int64_t lo;
        kc_epoch_cache_end_offset_for(&leader->c, kc_epoch_cache_latest_epoch(&follower->c),
                                      leader->leo, &le, &lo);
        bool done = false;
        int64_t to =
            kc_epoch_truncation_offset(&follower->c, follower->leo, follower_hw, le, lo, &done);
        rep_truncate(follower, to);
        if (done)
            return round;
    }
    cr_assert_fail("no end to the truncation rounds");
    return -1;
}

Test(epoch_cache, truncation_basic_rules)
{
    kc_epoch_cache f = {0};
    bool done = false;
    kc_epoch_cache_assign(&f, 1, 0);
    kc_epoch_cache_assign(&f, 3, 10);
    /* old leader (no offset): the high watermark */
    cr_expect_eq(kc_epoch_truncation_offset(&f, 20, 7, 3, KC_UNDEFINED_EPOCH_OFFSET, &done), 7);
    cr_expect(done);
    /* a v0 answer (no epoch): min(leader end offset, LEO) */
    cr_expect_eq(kc_epoch_truncation_offset(&f, 20, 7, KC_UNDEFINED_EPOCH, 15, &done), 15);
    cr_expect(done);
    cr_expect_eq(kc_epoch_truncation_offset(&f, 20, 7, KC_UNDEFINED_EPOCH, 25, &done), 20);
    /* same epoch: min(leader end, own end of it, LEO) */
    cr_expect_eq(kc_epoch_truncation_offset(&f, 20, 7, 3, 18, &done), 18);
    cr_expect(done);
    cr_expect_eq(kc_epoch_truncation_offset(&f, 20, 7, 3, 30, &done), 20); /* nothing to cut */
    cr_expect_eq(kc_epoch_truncation_offset(&f, 20, 7, 1, 12, &done), 10); /* own end of 1 */
    cr_expect(done);
    /* an epoch the follower lacks (2): cut to where its epoch 1 ended, ask again */
    cr_expect_eq(kc_epoch_truncation_offset(&f, 20, 7, 2, 15, &done), 10);
    cr_expect_not(done);
    /* the follower's epochs all newer than the leader's: Kafka's endOffsetFor gives the
     * leader's epoch ending at the follower's first entry */
    kc_epoch_cache g = {0};
    kc_epoch_cache_assign(&g, 5, 8);
    cr_expect_eq(kc_epoch_truncation_offset(&g, 20, 3, 4, 15, &done), 8);
    cr_expect(done);
    /* no epochs at all: the leader's end offset */
    kc_epoch_cache e = {0};
    cr_expect_eq(kc_epoch_truncation_offset(&e, 20, 3, 4, 15, &done), 15);
    cr_expect(done);
    kc_epoch_cache_free(&f);
    kc_epoch_cache_free(&g);
}

/* KIP-101: the leader crashes; the follower that becomes leader lacks records the other one
 * had uncommitted; the returning replica truncates to where the new leader's epoch started. */
Test(epoch_cache, kip101_uncommitted_records_truncated)
{
    replica a = {0}, b = {0};
    rep_append(&a, 1, 5); /* A leads epoch 1: 0..4 */
    rep_append(&b, 1, 3); /* B copied 0..2 (HW 3) */
    /* A crashes; B leads epoch 2 and writes 3..5 */
    rep_append(&b, 2, 3);
    /* A comes back as a follower with 3..4 of epoch 1, uncommitted */
    int rounds = reconcile(&a, 3, &b);
    cr_expect_eq(rounds, 1);
    cr_expect_eq(a.leo, 3); /* B's epoch 1 ended at 3 */
    EXPECT(&a.c, {1, 0});
    kc_epoch_cache_free(&a.c);
    kc_epoch_cache_free(&b.c);
}

/* KIP-101 with a longer leader: the follower keeps everything the leader has in that epoch. */
Test(epoch_cache, kip101_follower_behind_keeps_its_log)
{
    replica l = {0}, f = {0};
    rep_append(&l, 1, 10);
    rep_append(&f, 1, 6);
    rep_append(&l, 2, 4);
    cr_expect_eq(reconcile(&f, 4, &l), 1);
    cr_expect_eq(f.leo, 6);
    kc_epoch_cache_free(&l.c);
    kc_epoch_cache_free(&f.c);
}

/* KIP-279 case 1 (reference §6.4): the follower has an epoch the leader never had. */
Test(epoch_cache, kip279_follower_epoch_unknown_to_leader)
{
    replica a = {0}, b = {0};
    rep_append(&a, 1, 2); /* A: 0:1 1:1 */
    rep_append(&b, 1, 1); /* B: 0:1 */
    rep_append(&b, 2, 1); /* B leads epoch 2: 1:2, dies */
    rep_append(&a, 3, 1); /* A leads epoch 3: 2:3 */
    EXPECT(&a.c, {1, 0}, {3, 2});
    EXPECT(&b.c, {1, 0}, {2, 1});
    cr_expect_eq(reconcile(&b, 1, &a), 1);
    cr_expect_eq(b.leo, 1); /* 1:2 goes, B refetches 1:1 and 2:3 */
    EXPECT(&b.c, {1, 0});
    kc_epoch_cache_free(&a.c);
    kc_epoch_cache_free(&b.c);
}

/* KIP-279 case 2: fast leader changes; the follower needs two rounds (*done false once). */
Test(epoch_cache, kip279_fast_leader_changes_need_rounds)
{
    replica l = {0}, f = {0};
    rep_append(&l, 1, 2);
    rep_append(&f, 1, 2); /* both 0:1 1:1 */
    rep_append(&l, 2, 1); /* L leads 2: 2:2, F misses it */
    rep_append(&f, 3, 2); /* F leads 3: 2:3 3:3, L misses them */
    rep_append(&l, 4, 2); /* L leads 4: 3:4 4:4 */
    EXPECT(&l.c, {1, 0}, {2, 2}, {4, 3});
    EXPECT(&f.c, {1, 0}, {3, 2});
    cr_expect_eq(l.leo, 5);
    cr_expect_eq(f.leo, 4);

    /* round 1 by hand: F asks 3, L answers (2, 3), F cuts to 2 and is not done */
    int32_t le;
    int64_t lo;
    kc_epoch_cache_end_offset_for(&l.c, 3, l.leo, &le, &lo);
    cr_expect_eq(le, 2);
    cr_expect_eq(lo, 3);
    bool done = true;
    int64_t to = kc_epoch_truncation_offset(&f.c, f.leo, 2, le, lo, &done);
    cr_expect_eq(to, 2);
    cr_expect_not(done);
    rep_truncate(&f, to);
    EXPECT(&f.c, {1, 0});

    /* round 2 (and the whole dialogue from the start on a copy) */
    cr_expect_eq(reconcile(&f, 2, &l), 1);
    cr_expect_eq(f.leo, 2);
    kc_epoch_cache_free(&f.c);

    replica g = {0};
    rep_append(&g, 1, 2);
    rep_append(&g, 3, 2);
    cr_expect_eq(reconcile(&g, 2, &l), 2);
    cr_expect_eq(g.leo, 2);
    /* then it fetches 2:2 3:4 4:4 and agrees with the leader */
    rep_append(&g, 2, 1);
    rep_append(&g, 4, 2);
    EXPECT(&g.c, {1, 0}, {2, 2}, {4, 3});
    kc_epoch_cache_free(&g.c);
    kc_epoch_cache_free(&l.c);
}
