/*
 * Roles, the high watermark and ISR decisions of local replicas (see replica.h for the rules).
 * Invariants: a partition's high watermark never decreases while this broker leads it; peers
 * exist only in the leader role; a proposal (alter_pending) blocks further proposals until the
 * controller answers or a LeaderAndIsr replaces the state.
 */
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/purgatory.h"
#include "common/clock.h"
#include "common/log.h"
#include "replica/replica_internal.h"

static kc_replica_manager *rm(kc_broker *b)
{
    return b->replicas;
}

struct kc_replica_state *kc_replica_state_of(kc_partition *p)
{
    if (!p->rs) {
        p->rs = calloc(1, sizeof(*p->rs));
        if (!p->rs)
            kc_fatal("replica: out of memory");
    }
    return p->rs;
}

bool kc_replica_is_leader(const kc_broker *b, const kc_partition *p)
{
    return p->log && p->leader == b->cfg->broker_id;
}

bool kc_replica_append_settled(const struct kc_broker *b, const kc_partition *p,
                               int64_t required_offset)
{
    return !kc_replica_is_leader(b, p) || p->high_watermark >= required_offset;
}

/* Kafka's maximalIsr: the committed ISR, plus the replica a pending expansion adds (a pending
 * shrink still counts the old members: they may hold acknowledged records). */
static bool in_maximal_isr(const kc_partition *p, int32_t id)
{
    if (kc_ids_contain(p->isr, p->n_isr, id))
        return true;
    const struct kc_replica_state *rs = p->rs;
    return rs && rs->alter_pending && kc_ids_contain(rs->proposed_isr, rs->n_proposed_isr, id);
}

int32_t kc_replica_maximal_isr_size(const kc_partition *p)
{
    int32_t n = p->n_isr;
    const struct kc_replica_state *rs = p->rs;
    if (rs && rs->alter_pending)
        for (int32_t i = 0; i < rs->n_proposed_isr; i++)
            n += !kc_ids_contain(p->isr, p->n_isr, rs->proposed_isr[i]);
    return n;
}

/* Kafka's maybeIncrementLeaderHW. */
static void maybe_advance_hw(kc_broker *b, kc_partition *p)
{
    if (!kc_replica_is_leader(b, p))
        return;
    int64_t hw = kc_plog_log_end_offset(p->log), now = kc_mono_ms();
    struct kc_replica_state *rs = kc_replica_state_of(p);
    for (int i = 0; i < rs->n_peers; i++) {
        const kc_peer *r = &rs->peers[i];
        bool counts = in_maximal_isr(p, r->id) ||
                      (r->last_caught_up_ms > 0 &&
                       now - r->last_caught_up_ms <= b->cfg->replica_lag_time_max_ms);
        if (!counts)
            continue;
        if (r->leo < 0)
            return; /* unknown since the election: the high watermark waits */
        if (r->leo < hw)
            hw = r->leo;
    }
    if (hw > p->high_watermark) {
        p->high_watermark = hw;
        /* the produces and fetches it completes are answered later in this turn, together
         * with those of every other follower fetch and append it brought */
        kc_purgatory_check_soon(b->purgatory, p);
    }
}

static void reset_peers(kc_broker *b, kc_partition *p)
{
    struct kc_replica_state *rs = kc_replica_state_of(p);
    free(rs->peers);
    rs->peers = calloc((size_t)(p->n_replicas > 0 ? p->n_replicas : 1), sizeof(*rs->peers));
    if (!rs->peers)
        kc_fatal("replica: out of memory");
    rs->n_peers = 0;
    int64_t now = kc_mono_ms(), leo = kc_plog_log_end_offset(p->log);
    for (int32_t i = 0; i < p->n_replicas; i++) {
        if (p->replicas[i] == b->cfg->broker_id)
            continue;
        kc_peer *r = &rs->peers[rs->n_peers++];
        r->id = p->replicas[i];
        r->leo = -1;
        r->last_caught_up_ms = kc_ids_contain(p->isr, p->n_isr, r->id) ? now : 0;
        r->last_fetch_leader_leo = leo;
        r->last_fetch_ms = now;
    }
}

static void clear_proposal(kc_broker *b, kc_partition *p)
{
    struct kc_replica_state *rs = kc_replica_state_of(p);
    kc_alter_isr_dequeue(b, p);
    rs->alter_pending = false;
    free(rs->proposed_isr);
    rs->proposed_isr = NULL;
    rs->n_proposed_isr = 0;
}

void kc_replica_become_leader(kc_broker *b, kc_partition *p)
{
    struct kc_replica_state *rs = kc_replica_state_of(p);
    kc_fetchers_remove(b, p);
    clear_proposal(b, p);
    reset_peers(b, p);
    int64_t leo = kc_plog_log_end_offset(p->log);
    rs->epoch_start_offset = leo;
    /* the epoch starts here even before its first append (KAFKA-7415): followers truncating
     * against this leader must see where the previous epoch ended */
    kc_epoch_cache_assign(kc_plog_epoch_cache(p->log), p->leader_epoch, leo);
    if (p->high_watermark > leo)
        p->high_watermark = leo;
    if (p->high_watermark < kc_plog_log_start_offset(p->log))
        p->high_watermark = kc_plog_log_start_offset(p->log);
    maybe_advance_hw(b, p);
    kc_broker_on_partition_change(b, p);
}

void kc_replica_become_follower(kc_broker *b, kc_partition *p)
{
    struct kc_replica_state *rs = kc_replica_state_of(p);
    clear_proposal(b, p);
    free(rs->peers);
    rs->peers = NULL;
    rs->n_peers = 0;
    if (p->log) {
        int64_t leo = kc_plog_log_end_offset(p->log);
        if (p->high_watermark > leo)
            p->high_watermark = leo;
    }
    /* a new leader or epoch: truncate against it before fetching again */
    kc_fetchers_remove(b, p);
    if (p->log && p->leader >= 0 && !rm(b)->stopped)
        kc_fetchers_add(b, p);
    kc_broker_on_partition_change(b, p); /* waiting produces and fetches learn they lost it */
}

void kc_replica_stop(kc_broker *b, kc_partition *p)
{
    if (!p->rs)
        return;
    kc_fetchers_remove(b, p);
    clear_proposal(b, p);
    free(p->rs->peers);
    free(p->rs);
    p->rs = NULL;
    kc_broker_on_partition_change(b, p);
}

static void propose(kc_broker *b, kc_partition *p, int32_t *isr, int32_t n)
{
    struct kc_replica_state *rs = kc_replica_state_of(p);
    free(rs->proposed_isr);
    rs->proposed_isr = isr;
    rs->n_proposed_isr = n;
    rs->alter_pending = true;
    kc_alter_isr_enqueue(b, p);
}

bool kc_replica_on_follower_fetch(kc_broker *b, kc_partition *p, int32_t replica_id,
                                  int64_t fetch_offset, int64_t leader_leo)
{
    struct kc_replica_state *rs = kc_replica_state_of(p);
    kc_peer *r = NULL;
    for (int i = 0; i < rs->n_peers && !r; i++)
        if (rs->peers[i].id == replica_id)
            r = &rs->peers[i];
    if (!r)
        return false;
    int64_t now = kc_mono_ms();
    if (fetch_offset >= leader_leo) {
        if (now > r->last_caught_up_ms)
            r->last_caught_up_ms = now;
    } else if (fetch_offset >= r->last_fetch_leader_leo &&
               r->last_fetch_ms > r->last_caught_up_ms) {
        r->last_caught_up_ms = r->last_fetch_ms;
    }
    r->last_fetch_leader_leo = leader_leo;
    r->last_fetch_ms = now;
    r->leo = fetch_offset;
    /* expand (Kafka's maybeExpandIsr): caught up to the high watermark and to this epoch */
    if (!rs->alter_pending && !kc_ids_contain(p->isr, p->n_isr, replica_id) &&
        r->leo >= p->high_watermark && r->leo >= rs->epoch_start_offset) {
        int32_t *isr = malloc(sizeof(*isr) * (size_t)(p->n_isr + 1));
        if (!isr)
            kc_fatal("replica: out of memory");
        memcpy(isr, p->isr, sizeof(*isr) * (size_t)p->n_isr);
        isr[p->n_isr] = replica_id;
        kc_info("REPLICA", "%s-%d: expanding ISR to add broker %d (log end offset %lld)",
                p->topic->name, p->id, replica_id, (long long)r->leo);
        propose(b, p, isr, p->n_isr + 1);
    }
    maybe_advance_hw(b, p);
    return true;
}

void kc_replica_on_leader_append(kc_broker *b, kc_partition *p)
{
    int64_t hw = p->high_watermark;
    maybe_advance_hw(b, p);
    if (p->high_watermark == hw) /* else waiters were woken already; followers wait for bytes */
        kc_purgatory_check_soon(b->purgatory, p);
}

void kc_replica_follower_set_hw(kc_broker *b, kc_partition *p, int64_t leader_hw)
{
    (void)b;
    int64_t hw = leader_hw, leo = kc_plog_log_end_offset(p->log),
            lso = kc_plog_log_start_offset(p->log);
    if (hw > leo)
        hw = leo;
    if (hw < lso)
        hw = lso;
    p->high_watermark = hw;
}

/* Kafka's maybeShrinkIsr, every replica.lag.time.max.ms / 2. */
static void shrink_check(kc_broker *b, kc_partition *p)
{
    struct kc_replica_state *rs = p->rs;
    if (!rs || rs->alter_pending || !kc_replica_is_leader(b, p))
        return;
    int64_t now = kc_mono_ms(), leo = kc_plog_log_end_offset(p->log);
    int32_t *isr = malloc(sizeof(*isr) * (size_t)(p->n_isr + 1));
    if (!isr)
        kc_fatal("replica: out of memory");
    int32_t n = 0;
    for (int32_t i = 0; i < p->n_isr; i++) {
        int32_t id = p->isr[i];
        const kc_peer *r = NULL;
        for (int j = 0; j < rs->n_peers && !r; j++)
            if (rs->peers[j].id == id)
                r = &rs->peers[j];
        bool lagging =
            r && r->leo != leo && now - r->last_caught_up_ms > b->cfg->replica_lag_time_max_ms;
        if (lagging)
            kc_info("REPLICA",
                    "%s-%d: shrinking ISR: broker %d is out of sync (log end offset %lld, "
                    "leader's %lld, last caught up %lld ms ago)",
                    p->topic->name, p->id, id, (long long)r->leo, (long long)leo,
                    (long long)(now - r->last_caught_up_ms));
        else
            isr[n++] = id;
    }
    if (n == p->n_isr) {
        free(isr);
        return;
    }
    propose(b, p, isr, n);
}

static void on_isr_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    kc_broker *b = arg;
    if (b->shutting_down)
        return;
    for (size_t i = 0; i < b->topics.count; i++)
        for (int32_t j = 0; j < b->topics.all[i]->n_partitions; j++)
            shrink_check(b, b->topics.all[i]->partitions[j]);
}

void kc_replica_manager_start(kc_broker *b)
{
    kc_replica_manager *m = calloc(1, sizeof(*m));
    if (!m)
        kc_fatal("replica: out of memory");
    b->replicas = m;
    m->isr_timer = event_new(b->base, -1, EV_PERSIST, on_isr_timer, b);
    int64_t every = b->cfg->replica_lag_time_max_ms / 2;
    if (every < 1)
        every = 1;
    struct timeval tv = kc_timeval_ms(every);
    event_add(m->isr_timer, &tv);
}

void kc_replica_manager_stop(kc_broker *b)
{
    kc_replica_manager *m = rm(b);
    if (!m || m->stopped)
        return;
    m->stopped = true;
    event_del(m->isr_timer);
    kc_fetchers_free_all(b);
    kc_alter_isr_free(b);
}

void kc_replica_manager_free(kc_broker *b)
{
    kc_replica_manager *m = rm(b);
    if (!m)
        return;
    kc_replica_manager_stop(b);
    event_free(m->isr_timer);
    for (size_t i = 0; i < b->topics.count; i++)
        for (int32_t j = 0; j < b->topics.all[i]->n_partitions; j++) {
            kc_partition *p = b->topics.all[i]->partitions[j];
            if (p->rs) {
                free(p->rs->peers);
                free(p->rs->proposed_isr);
                free(p->rs);
                p->rs = NULL;
            }
        }
    free(m);
    b->replicas = NULL;
}
