/*
 * Leader-side replication state (src/replica/replica.c) on a minimal broker: a real partition
 * log in a mkdtemp folder, the real purgatory and replica manager on a libevent base, and no
 * controller (kc_controller_client_send answers NULL at once, so an ISR proposal stays pending
 * in p->rs, where the tests read it). Covers the high watermark (waits for unknown followers,
 * minimum of the ISR's log end offsets, never backwards, wakes waiters), caught-up tracking,
 * ISR shrink from the ISR timer and expand on a follower's fetch, one proposal at a time, and
 * the maximal ISR size.
 */
#include <criterion/criterion.h>

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch_builder.h"
#include "broker/broker.h"
#include "broker/purgatory.h"
#include "fs_util.h"
#include "plog_cfg.h"
#include "replica/replica.h"
#include "replica/replica_internal.h"
#include "storage/plog.h"

static char root[128];
static kc_config cfg;
static kc_broker broker;
static kc_partition *part;
static bool started;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait (bounded) until the monotonic clock, in the replica code's milliseconds, passes @p t. */
static void wait_past(int64_t t)
{
    struct timespec step = {0, 200 * 1000};
    for (int i = 0; i < 100000 && mono_ms() <= t; i++)
        nanosleep(&step, NULL);
    cr_assert_gt(mono_ms(), t, "the monotonic clock did not advance");
}

static void append(int n)
{
    size_t len;
    uint8_t *batch = bb_simple(n, 1000, &len);
    int64_t base;
    int rc = kc_plog_append(part->log, batch, len, part->leader_epoch, kc_now_ms(), &base, NULL);
    free(batch);
    cr_assert_eq(rc, 0, "append: %d", rc);
}

/*
 * Broker 1 leads partition t-0 with the given assignment and ISR, replica.lag.time.max.ms
 * @p lag_ms, and a log holding @p records records (leader epoch 0). Not yet become_leader.
 */
static void start(int64_t lag_ms, const int32_t *replicas, int32_t n_replicas, const int32_t *isr,
                  int32_t n_isr, int records)
{
    memset(&cfg, 0, sizeof(cfg));
    cfg.broker_id = 1;
    cfg.replica_lag_time_max_ms = lag_ms;
    cfg.num_replica_fetchers = 1;
    cfg.min_insync_replicas = 1;
    cfg.controller_socket_timeout_ms = 30000;
    memset(&broker, 0, sizeof(broker));
    broker.cfg = &cfg;
    broker.base = event_base_new();
    cr_assert_not_null(broker.base);
    kc_metadata_cache_init(&broker.metadata);
    broker.ctl_client_for = -1;
    broker.purgatory = kc_purgatory_new(&broker);
    kc_topics_init(&broker.topics);
    kc_replica_manager_start(&broker);
    started = true;

    kc_topic *t = kc_topics_add(&broker.topics, "t", 1, n_replicas, replicas);
    cr_assert_not_null(t);
    part = kc_topic_partition(t, 0);
    part->leader = 1;
    part->leader_epoch = 0;
    kc_ids_assign(&part->isr, &part->n_isr, isr, n_isr);

    cr_assert_eq(fu_mkdtemp(root, sizeof(root), "replica"), 0);
    char dir[256], err[256] = "";
    snprintf(dir, sizeof(dir), "%s/t-0", root);
    kc_log_config lc = plog_test_cfg();
    kc_plog_open_opts o = {false, -1, -1, 0};
    cr_assert_eq(kc_plog_open(dir, &lc, &o, &part->log, NULL, err, sizeof(err)), 0, "open: %s",
                 err);
    if (records > 0)
        append(records);
    cr_assert_eq(kc_plog_log_end_offset(part->log), records);
}

static const int32_t R123[] = {1, 2, 3};

static void start3(int64_t lag_ms, const int32_t *isr, int32_t n_isr, int records)
{
    start(lag_ms, R123, 3, isr, n_isr, records);
}

static void teardown(void)
{
    if (started) {
        kc_purgatory_expire_all(broker.purgatory);
        kc_replica_manager_free(&broker);
        kc_topics_destroy(&broker.topics);
        kc_purgatory_free(broker.purgatory);
        kc_metadata_cache_free(&broker.metadata);
        event_base_free(broker.base);
        started = false;
    }
    if (root[0])
        fu_rm_tree(root);
    root[0] = '\0';
}

TestSuite(replica, .fini = teardown, .timeout = 30);

static kc_peer *peer(int32_t id)
{
    cr_assert_not_null(part->rs);
    for (int i = 0; i < part->rs->n_peers; i++)
        if (part->rs->peers[i].id == id)
            return &part->rs->peers[i];
    cr_assert_fail("no peer %d", id);
    return NULL;
}

static void fetch(int32_t id, int64_t offset)
{
    cr_assert(
        kc_replica_on_follower_fetch(&broker, part, id, offset, kc_plog_log_end_offset(part->log)),
        "broker %d is in the assignment", id);
}

static void assert_proposed(const int32_t *isr, int32_t n)
{
    cr_assert(part->rs->alter_pending, "a proposal waits for the controller");
    cr_assert_eq(part->rs->n_proposed_isr, n, "proposed ISR of %d broker(s), not %d", n,
                 part->rs->n_proposed_isr);
    for (int32_t i = 0; i < n; i++) {
        bool found = false;
        for (int32_t j = 0; j < n; j++)
            found |= part->rs->proposed_isr[j] == isr[i];
        cr_assert(found, "broker %d in the proposed ISR", isr[i]);
    }
}

/* Run the loop until the ISR timer made a proposal (bounded). */
static void run_isr_timer_until_proposal(int max_loops)
{
    for (int i = 0; i < max_loops && !part->rs->alter_pending; i++)
        event_base_loop(broker.base, EVLOOP_ONCE);
}

/* ------------------------------------------------------------------ high watermark */

Test(replica, become_leader_waits_for_unknown_followers)
{
    start3(30000, R123, 3, 10);
    kc_replica_become_leader(&broker, part);
    cr_assert(kc_replica_is_leader(&broker, part));
    cr_assert_eq(part->rs->n_peers, 2, "the assignment minus this broker");
    cr_assert_eq(peer(2)->leo, -1);
    cr_assert_eq(peer(3)->leo, -1);
    cr_assert_eq(part->rs->epoch_start_offset, 10);
    cr_assert_eq(part->high_watermark, 0, "followers' log end offsets unknown: HW stays put");
    cr_assert_not(part->rs->alter_pending);

    fetch(2, 10);
    cr_assert_eq(part->high_watermark, 0, "broker 3 is still unknown");
    kc_replica_on_leader_append(&broker, part);
    cr_assert_eq(part->high_watermark, 0);
}

Test(replica, high_watermark_is_the_minimum_of_the_isr)
{
    start3(30000, R123, 3, 10);
    kc_replica_become_leader(&broker, part);
    fetch(2, 6);
    cr_assert_eq(part->high_watermark, 0);
    fetch(3, 4);
    cr_assert_eq(part->high_watermark, 4, "min(leader 10, 2 at 6, 3 at 4)");
    fetch(3, 10);
    cr_assert_eq(part->high_watermark, 6, "min(leader 10, 2 at 6, 3 at 10)");
    fetch(2, 10);
    cr_assert_eq(part->high_watermark, 10, "everyone at the leader's log end offset");

    append(5);
    kc_replica_on_leader_append(&broker, part);
    cr_assert_eq(part->high_watermark, 10, "followers have not fetched the new records");
    fetch(2, 15);
    fetch(3, 12);
    cr_assert_eq(part->high_watermark, 12);
}

Test(replica, high_watermark_of_a_single_replica_follows_appends)
{
    const int32_t r1[] = {1};
    start(30000, r1, 1, r1, 1, 3);
    kc_replica_become_leader(&broker, part);
    cr_assert_eq(part->rs->n_peers, 0);
    cr_assert_eq(part->high_watermark, 3);
    append(2);
    kc_replica_on_leader_append(&broker, part);
    cr_assert_eq(part->high_watermark, 5);
}

Test(replica, high_watermark_never_moves_back)
{
    start3(30000, R123, 3, 10);
    kc_replica_become_leader(&broker, part);
    fetch(2, 8);
    fetch(3, 9);
    cr_assert_eq(part->high_watermark, 8);
    fetch(2, 3); /* e.g. a follower that truncated and refetches */
    cr_assert_eq(peer(2)->leo, 3);
    cr_assert_eq(part->high_watermark, 8, "the high watermark does not go back");
    kc_replica_on_leader_append(&broker, part);
    cr_assert_eq(part->high_watermark, 8);
}

Test(replica, become_leader_clamps_a_high_watermark_past_the_log_end)
{
    start3(30000, R123, 3, 10);
    part->high_watermark = 25; /* e.g. a follower that truncated below what it had been told */
    kc_replica_become_leader(&broker, part);
    cr_assert_eq(part->high_watermark, 10);
}

typedef struct hw_waiter {
    kc_partition *p;
    int64_t until;
    int completed;
    bool expired;
} hw_waiter;

static bool hw_ready(kc_broker *b, void *arg)
{
    (void)b;
    hw_waiter *w = arg;
    return w->p->high_watermark >= w->until;
}

static void hw_complete(kc_broker *b, void *arg, bool expired)
{
    (void)b;
    hw_waiter *w = arg;
    w->completed++;
    w->expired = expired;
}

Test(replica, high_watermark_advance_wakes_waiters_on_the_partition)
{
    static const kc_delayed_ops ops = {hw_ready, hw_complete};
    start3(30000, R123, 3, 10);
    kc_replica_become_leader(&broker, part);
    hw_waiter w = {part, 10, 0, false}; /* an acks=all produce of offsets 0..9 */
    const void *key = part;
    kc_purgatory_watch(broker.purgatory, &key, 1, 60000, &ops, &w, NULL);
    fetch(2, 10);
    cr_assert_eq(w.completed, 0);
    fetch(3, 10);
    cr_assert_eq(part->high_watermark, 10);
    /* kc_purgatory_check_soon: the answer goes with the others of this turn of the loop */
    event_base_loop(broker.base, EVLOOP_NONBLOCK);
    cr_assert_eq(w.completed, 1, "the fetch that moved the high watermark woke the waiter");
    cr_assert_not(w.expired);
}

/* ------------------------------------------------------------------ caught up */

Test(replica, follower_at_the_leader_log_end_is_caught_up)
{
    start3(30000, R123, 3, 10);
    kc_replica_become_leader(&broker, part);
    int64_t t0 = peer(2)->last_caught_up_ms;
    cr_assert_gt(t0, 0, "ISR members start caught up as of the election");
    cr_assert_eq(peer(3)->last_caught_up_ms, t0);

    wait_past(t0);
    fetch(2, 5);
    cr_assert_eq(peer(2)->last_caught_up_ms, t0, "behind the leader: not caught up");
    int64_t before = mono_ms();
    fetch(3, 10);
    cr_assert_geq(peer(3)->last_caught_up_ms, before, "at the leader's log end offset");
    cr_assert_eq(peer(3)->leo, 10);
}

Test(replica, follower_reaching_the_previous_fetch_log_end_is_caught_up_as_of_then)
{
    start3(30000, R123, 3, 10);
    kc_replica_become_leader(&broker, part);
    int64_t t0 = peer(2)->last_caught_up_ms;
    wait_past(t0);
    fetch(2, 4); /* leader at 10 */
    int64_t t1 = peer(2)->last_fetch_ms;
    cr_assert_gt(t1, t0);
    cr_assert_eq(peer(2)->last_caught_up_ms, t0);
    wait_past(t1);
    append(5); /* leader at 15 */
    fetch(2, 10);
    cr_assert_eq(peer(2)->last_caught_up_ms, t1,
                 "it reached what the leader had at its previous fetch: caught up as of then");
}

Test(replica, fetch_from_outside_the_assignment_is_refused)
{
    start3(30000, R123, 3, 10);
    kc_replica_become_leader(&broker, part);
    cr_assert_not(kc_replica_on_follower_fetch(&broker, part, 7, 10, 10));
    cr_assert_not(kc_replica_on_follower_fetch(&broker, part, 1, 10, 10), "the leader itself");
    cr_assert_eq(part->high_watermark, 0);
}

/* ------------------------------------------------------------------ shrink */

Test(replica, shrink_proposes_out_a_lagging_member_only)
{
    start3(1, R123, 3, 10);
    kc_replica_become_leader(&broker, part);
    fetch(2, 10); /* at the leader's log end offset: never out of sync */
    fetch(3, 5);  /* behind */
    cr_assert_not(part->rs->alter_pending);
    wait_past(peer(3)->last_caught_up_ms + cfg.replica_lag_time_max_ms);
    run_isr_timer_until_proposal(50);
    const int32_t want[] = {1, 2};
    assert_proposed(want, 2);
    cr_assert_eq(part->n_isr, 3, "the committed ISR changes only when the controller answers");
    cr_assert_eq(kc_replica_maximal_isr_size(part), 3, "a pending shrink still counts broker 3");
}

Test(replica, shrink_keeps_a_member_caught_up_within_the_lag_time)
{
    /* replica.lag.time.max.ms 600: the ISR timer runs every 300 ms */
    start3(600, R123, 3, 10);
    kc_replica_become_leader(&broker, part);
    fetch(3, 5); /* behind, last caught up at the election */
    wait_past(peer(3)->last_caught_up_ms + cfg.replica_lag_time_max_ms);
    fetch(2, 10); /* caught up now ... */
    append(1);    /* ... but its log end offset now differs from the leader's 11 */
    cr_assert_neq(peer(2)->leo, kc_plog_log_end_offset(part->log));
    run_isr_timer_until_proposal(50);
    const int32_t want[] = {1, 2};
    assert_proposed(want, 2);
}

Test(replica, shrink_leaves_a_member_at_the_leader_log_end_however_old)
{
    start3(1, R123, 3, 10);
    kc_replica_become_leader(&broker, part);
    fetch(2, 10);
    fetch(3, 10);
    int64_t t = peer(3)->last_caught_up_ms;
    wait_past(t + 5);
    for (int i = 0; i < 5; i++) /* several ISR timer rounds (every 1 ms) */
        event_base_loop(broker.base, EVLOOP_ONCE);
    cr_assert_not(part->rs->alter_pending, "log end offsets equal to the leader's: no shrink");
    cr_assert_eq(part->n_isr, 3);
}

/* ------------------------------------------------------------------ expand */

Test(replica, expand_proposes_a_replica_that_reached_the_high_watermark)
{
    const int32_t isr[] = {1, 2};
    start3(30000, isr, 2, 10);
    kc_replica_become_leader(&broker, part);
    cr_assert_eq(peer(3)->last_caught_up_ms, 0, "outside the ISR: never caught up");
    fetch(2, 8);
    cr_assert_eq(part->high_watermark, 8, "broker 3 is outside the ISR: not waited for");
    fetch(3, 7);
    cr_assert_not(part->rs->alter_pending, "7 is below the high watermark 8");
    cr_assert_eq(kc_replica_maximal_isr_size(part), 2);
    fetch(3, 10);
    const int32_t want[] = {1, 2, 3};
    assert_proposed(want, 3);
    cr_assert_eq(part->n_isr, 2, "the committed ISR changes only when the controller answers");
    cr_assert_eq(kc_replica_maximal_isr_size(part), 3, "a pending addition counts");
}

Test(replica, expand_waits_for_the_leader_epoch_start_offset)
{
    const int32_t isr[] = {1, 2};
    start3(30000, isr, 2, 10);
    kc_replica_become_leader(&broker, part);
    cr_assert_eq(part->high_watermark, 0, "broker 2 not heard from yet");
    fetch(3, 5);
    cr_assert_not(part->rs->alter_pending,
                  "at the high watermark (0) but below the epoch start offset (10)");
    fetch(3, 10);
    const int32_t want[] = {1, 2, 3};
    assert_proposed(want, 3);
}

Test(replica, pending_proposal_blocks_another)
{
    const int32_t r1234[] = {1, 2, 3, 4}, isr[] = {1, 2};
    start(30000, r1234, 4, isr, 2, 10);
    kc_replica_become_leader(&broker, part);
    fetch(2, 10);
    fetch(3, 10);
    const int32_t want[] = {1, 2, 3};
    assert_proposed(want, 3);
    int32_t *proposal = part->rs->proposed_isr;
    fetch(4, 10);
    assert_proposed(want, 3);
    cr_assert_eq(part->rs->proposed_isr, proposal, "the pending proposal is left alone");
    cr_assert_eq(kc_replica_maximal_isr_size(part), 3);
}

Test(replica, pending_expansion_blocks_a_shrink)
{
    const int32_t isr[] = {1, 2};
    start3(1, isr, 2, 10);
    kc_replica_become_leader(&broker, part);
    fetch(2, 5); /* lagging, would be shrunk */
    fetch(3, 5); /* at the high watermark (5) but below the epoch start offset (10) */
    cr_assert_not(part->rs->alter_pending);
    fetch(3, 10);
    const int32_t want[] = {1, 2, 3};
    assert_proposed(want, 3);
    wait_past(peer(2)->last_caught_up_ms + 5);
    for (int i = 0; i < 5; i++)
        event_base_loop(broker.base, EVLOOP_ONCE);
    assert_proposed(want, 3);
}

Test(replica, become_leader_drops_a_pending_proposal)
{
    const int32_t isr[] = {1, 2};
    start3(30000, isr, 2, 10);
    kc_replica_become_leader(&broker, part);
    fetch(2, 10);
    fetch(3, 10);
    cr_assert(part->rs->alter_pending);
    part->leader_epoch = 1; /* a newer LeaderAndIsr */
    kc_replica_become_leader(&broker, part);
    cr_assert_not(part->rs->alter_pending);
    cr_assert_not(part->rs->alter_queued);
    cr_assert_eq(kc_replica_maximal_isr_size(part), 2);
}
