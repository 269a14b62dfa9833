/*
 * Requests that brokers and admin clients send to the controller (reference §4.2, §4.5, §4.6),
 * processed as one controller event each, and the periodic auto leader rebalance:
 *
 * - AlterIsr (56, Kafka 2.8 processAlterIsr): the leader asks for a new ISR; written fenced and
 *   conditional on the state znode version, answered with the new version, UpdateMetadata to
 *   every live broker (no LeaderAndIsr, as in 2.8).
 * - ControlledShutdown (7, doControlledShutdown): the broker's leaderships move to the first
 *   live ISR member not shutting down, it leaves the ISRs it follows in, and the answer lists
 *   the partitions it still leads.
 * - ElectLeaders (43, processReplicaLeaderElection): preferred or unclean elections.
 * - checkAndTriggerAutoLeaderRebalance, every leader.imbalance.check.interval.seconds.
 *
 * Every decision is written to the state znode first (ctl_write_state), then sent. Answers
 * are encoded here and posted back to the reactor that submitted the request.
 * Controller thread only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/log.h"
#include "controller/ctl_internal.h"
#include "kc_apis.h"
#include "proto/errors.h"

/* ---------------------------------------------------------------- answering */

void ctl_call_free(ctl_call *call)
{
    if (!call)
        return;
    free(call->body);
    free(call);
}

typedef struct reply_box {
    kc_controller_reply r; /* first: the pointer the callback gets */
    kc_controller_done_fn done;
} reply_box;

static void deliver(void *arg)
{
    reply_box *box = arg;
    box->done(&box->r);
}

/* Posts @p w's bytes (taken over; NULL = undecodable request) to the submitter. */
static void answer(ctl_call *call, kc_wbuf *w)
{
    reply_box *box = calloc(1, sizeof(*box));
    if (!box)
        kc_fatal("controller: out of memory");
    box->r.arg = call->arg;
    box->done = call->done;
    if (w) {
        box->r.body = w->data ? w->data : malloc(1);
        box->r.len = w->len;
        w->data = NULL;
        kc_wbuf_free(w);
    }
    kc_mailbox_post(call->mb, deliver, box);
}

/* The topic named @p name (not NUL-terminated on the wire). */
static ctl_topic *topic_of(kc_controller *c, kc_str name)
{
    for (ctl_topic *t = c->topics; t; t = t->next)
        if (kc_str_eq(name, t->name))
            return t;
    return NULL;
}

static int32_t *copy_ids(kc_arena *a, const int32_t *ids, int n)
{
    int32_t *out = kc_arena_alloc(a, sizeof(int32_t) * (size_t)(n + 1));
    memcpy(out, ids, sizeof(int32_t) * (size_t)n);
    return out;
}

/* ---------------------------------------------------------------- AlterIsr */

static int16_t alter_one(kc_controller *c, ctl_topic *t, int32_t broker,
                         const kc_alter_isr_partition_data *pd, bool *changed)
{
    if (c->moved)
        return KC_ERR_NOT_CONTROLLER;
    if (!t || pd->partition_index < 0 || pd->partition_index >= t->n_partitions ||
        !t->parts[pd->partition_index].has_state)
        return KC_ERR_UNKNOWN_TOPIC_OR_PARTITION;
    int p = pd->partition_index;
    ctl_partition *part = &t->parts[p];
    /* 2.8 rejects a lower epoch; a higher one cannot come from a leader this controller made */
    if (pd->leader_epoch != part->leader_epoch)
        return KC_ERR_FENCED_LEADER_EPOCH;
    if (broker != part->leader)
        return KC_ERR_NOT_LEADER_OR_FOLLOWER;
    int n = pd->new_isr_count > 0 ? pd->new_isr_count : 0;
    if (n == part->n_isr && memcmp(pd->new_isr, part->isr, sizeof(int32_t) * (size_t)n) == 0)
        return KC_ERR_NONE; /* already so (Kafka: equalsIgnoreZk), answered with the state */
    if (pd->current_isr_version != part->zk_version)
        return KC_ERR_INVALID_UPDATE_VERSION;
    if (!kc_alter_isr_valid(part->replicas, part->n_replicas, pd->new_isr, n, part->leader,
                            ctl_broker_live, c))
        return KC_ERR_INVALID_REQUEST;
    /* a broker in controlled shutdown does not rejoin an ISR it was just taken out of, although
     * it may fetch a moment longer (KIP-841; old versions answer OPERATION_NOT_ATTEMPTED) */
    for (int i = 0; i < n; i++)
        if (!kc_ids_contain(part->isr, part->n_isr, pd->new_isr[i]) &&
            !ctl_broker_eligible(pd->new_isr[i], c))
            return KC_ERR_OPERATION_NOT_ATTEMPTED;
    int rc = ctl_write_state(c, t, p, part->leader, part->leader_epoch, pd->new_isr, n);
    if (rc == ZBADVERSION)
        return KC_ERR_INVALID_UPDATE_VERSION;
    if (rc != ZOK)
        return c->moved ? KC_ERR_NOT_CONTROLLER : KC_ERR_UNKNOWN_SERVER_ERROR;
    part->dirty = false; /* no LeaderAndIsr: the leader asked for it */
    *changed = true;
    kc_info("CONTROLLER", "partition %s-%d: AlterIsr from broker %d, isr of %d, zk version %d",
            t->name, p, broker, n, part->zk_version);
    return KC_ERR_NONE;
}

static void alter_isr(kc_controller *c, const kc_alter_isr_req *r, kc_alter_isr_resp *out,
                      kc_arena *a)
{
    ctl_broker *b = ctl_broker_find(c, r->broker_id);
    if (!b || b->epoch != r->broker_epoch) {
        kc_info("CONTROLLER", "AlterIsr from broker %d with stale epoch %lld", r->broker_id,
                (long long)r->broker_epoch);
        out->error_code = KC_ERR_STALE_BROKER_EPOCH;
        return;
    }
    int32_t nt = r->topics_count > 0 ? r->topics_count : 0;
    out->topics = kc_arena_alloc(a, sizeof(*out->topics) * (size_t)(nt + 1));
    bool changed = false;
    for (int32_t i = 0; i < nt; i++) {
        const kc_alter_isr_topic_data *td = &r->topics[i];
        kc_alter_isr_topic_response *rt = &out->topics[out->topics_count++];
        ctl_topic *t = topic_of(c, td->name);
        int32_t np = td->partitions_count > 0 ? td->partitions_count : 0;
        rt->name = td->name;
        rt->partitions = kc_arena_alloc(a, sizeof(*rt->partitions) * (size_t)(np + 1));
        for (int32_t j = 0; j < np; j++) {
            const kc_alter_isr_partition_data *pd = &td->partitions[j];
            kc_alter_isr_partition_response *rp = &rt->partitions[rt->partitions_count++];
            *rp = (kc_alter_isr_partition_response){.partition_index = pd->partition_index,
                                                    .leader_id = -1,
                                                    .leader_epoch = -1,
                                                    .current_isr_version = -1};
            rp->error_code = alter_one(c, t, r->broker_id, pd, &changed);
            if (rp->error_code == KC_ERR_NONE) {
                ctl_partition *part = &t->parts[pd->partition_index];
                rp->leader_id = part->leader;
                rp->leader_epoch = part->leader_epoch;
                rp->isr_count = part->n_isr;
                rp->isr = copy_ids(a, part->isr, part->n_isr);
                rp->current_isr_version = part->zk_version;
            }
        }
    }
    if (changed && !c->moved)
        ctl_send_update_metadata_all(c);
}

/* ---------------------------------------------------------------- ControlledShutdown */

/* Moves the leadership of a partition the shutting-down broker @p id leads; false when no
 * other ISR member can take it (the partition stays, and is reported remaining). */
static bool move_leader(kc_controller *c, ctl_topic *t, int p)
{
    ctl_partition *part = &t->parts[p];
    int32_t leader = kc_elect_controlled_shutdown_leader(
        part->replicas, part->n_replicas, part->isr, part->n_isr, ctl_broker_eligible, c);
    if (leader < 0)
        return false;
    int32_t isr[part->n_isr + 1];
    int n = 0;
    for (int i = 0; i < part->n_isr; i++) /* ISR without the brokers shutting down */
        if (ctl_broker_eligible(part->isr[i], c))
            isr[n++] = part->isr[i];
    if (ctl_write_state(c, t, p, leader, part->leader_epoch + 1, isr, n) != ZOK)
        return false;
    kc_info("CONTROLLER", "partition %s-%d: controlled shutdown moves the leadership to %d",
            t->name, p, leader);
    return true;
}

static int16_t controlled_shutdown(kc_controller *c, const kc_controlled_shutdown_req *r,
                                   kc_controlled_shutdown_resp *out, kc_arena *a)
{
    int32_t id = r->broker_id;
    ctl_broker *b = ctl_broker_find(c, id);
    if (!b)
        return KC_ERR_BROKER_NOT_AVAILABLE;
    if (r->broker_epoch != -1 && r->broker_epoch < b->epoch)
        return KC_ERR_STALE_BROKER_EPOCH;
    kc_info("CONTROLLER", "controlled shutdown of broker %d", id);
    b->shutting_down = true;

    /* RF > 1 partitions with a state the broker replicates, topics being deleted aside */
    int total = 0;
    for (ctl_topic *t = c->topics; t; t = t->next)
        total += t->n_partitions;
    ctl_tp *followed = calloc((size_t)total + 1, sizeof(*followed));
    if (!followed)
        kc_fatal("controller: out of memory");
    int n_followed = 0;
    for (ctl_topic *t = c->topics; t && !c->moved; t = t->next) {
        if (t->deleting)
            continue;
        for (int p = 0; p < t->n_partitions && !c->moved; p++) {
            ctl_partition *part = &t->parts[p];
            if (!part->has_state || part->n_replicas < 2 ||
                !kc_ids_contain(part->replicas, part->n_replicas, id))
                continue;
            if (part->leader == id) {
                move_leader(c, t, p);
                continue;
            }
            followed[n_followed++] = (ctl_tp){t, p};
            /* OfflineReplica: out of the ISR unless it is the last member, epoch + 1 */
            int32_t isr[part->n_isr + 1];
            memcpy(isr, part->isr, sizeof(int32_t) * (size_t)part->n_isr);
            int n = kc_isr_remove(isr, part->n_isr, id);
            if (n != part->n_isr)
                ctl_write_state(c, t, p, part->leader, part->leader_epoch + 1, isr, n);
        }
    }
    if (!c->moved) {
        ctl_flush(c, NULL, 0);
        ctl_send_stop_replica_keep(c, b, followed, n_followed);
    }
    free(followed);
    if (c->moved)
        return KC_ERR_NOT_CONTROLLER;

    /* what it still leads (Kafka's partitionLeadersOnBroker: RF > 1, not being deleted) */
    out->remaining_partitions =
        kc_arena_alloc(a, sizeof(*out->remaining_partitions) * (size_t)(total + 1));
    for (ctl_topic *t = c->topics; t; t = t->next)
        for (int p = 0; p < t->n_partitions && !t->deleting; p++)
            if (t->parts[p].has_state && t->parts[p].leader == id && t->parts[p].n_replicas > 1)
                out->remaining_partitions[out->remaining_partitions_count++] =
                    (kc_remaining_partition){
                        kc_str_c(kc_arena_strndup(a, t->name, strlen(t->name))), p};
    return KC_ERR_NONE;
}

/* ---------------------------------------------------------------- elections */

/* Preferred-replica election of one partition: NONE when written, else Kafka's error. */
static int16_t elect_preferred(kc_controller *c, ctl_topic *t, int p)
{
    ctl_partition *part = &t->parts[p];
    int32_t leader = kc_elect_preferred_leader(part->replicas, part->n_replicas, part->isr,
                                               part->n_isr, ctl_broker_eligible, c);
    if (leader < 0 || !part->has_state)
        return KC_ERR_PREFERRED_LEADER_NOT_AVAILABLE;
    if (ctl_write_state(c, t, p, leader, part->leader_epoch + 1, part->isr, part->n_isr) != ZOK)
        return c->moved ? KC_ERR_NOT_CONTROLLER : KC_ERR_PREFERRED_LEADER_NOT_AVAILABLE;
    kc_info("CONTROLLER", "partition %s-%d: preferred replica %d is leader again", t->name, p,
            leader);
    return KC_ERR_NONE;
}

/* Unclean election of one leaderless partition: the offline election with unclean allowed. */
static int16_t elect_unclean(kc_controller *c, ctl_topic *t, int p)
{
    ctl_partition *part = &t->parts[p];
    bool unclean = false;
    int32_t leader = part->has_state ? kc_elect_offline_leader(part->replicas, part->n_replicas,
                                                               part->isr, part->n_isr, true,
                                                               ctl_broker_eligible, c, &unclean)
                                     : -1;
    if (leader < 0)
        return KC_ERR_ELIGIBLE_LEADERS_NOT_AVAILABLE;
    int32_t isr[part->n_isr + 1];
    int n = 1;
    isr[0] = leader;
    if (!unclean) {
        memcpy(isr, part->isr, sizeof(int32_t) * (size_t)part->n_isr);
        n = kc_isr_keep_live(isr, part->n_isr, ctl_broker_live, c);
    }
    if (ctl_write_state(c, t, p, leader, part->leader_epoch + 1, isr, n) != ZOK)
        return c->moved ? KC_ERR_NOT_CONTROLLER : KC_ERR_ELIGIBLE_LEADERS_NOT_AVAILABLE;
    kc_info("CONTROLLER", "partition %s-%d: leader %d by an admin election%s", t->name, p, leader,
            unclean ? " (unclean)" : "");
    return KC_ERR_NONE;
}

/* One partition of an ElectLeaders request; @p msg gets Kafka's message (or NULL). */
static int16_t elect_one(kc_controller *c, int8_t type, kc_str topic, int32_t p, bool *changed,
                         const char **msg)
{
    *msg = NULL;
    if (c->moved || !c->acting)
        return KC_ERR_NOT_CONTROLLER;
    ctl_topic *t = topic_of(c, topic);
    if (!t || p < 0 || p >= t->n_partitions) {
        *msg = "The partition does not exist.";
        return KC_ERR_UNKNOWN_TOPIC_OR_PARTITION;
    }
    if (t->deleting) {
        *msg = "The topic is being deleted";
        return KC_ERR_INVALID_TOPIC_EXCEPTION;
    }
    ctl_partition *part = &t->parts[p];
    int16_t err;
    if (type == 0) {
        if (part->has_state && part->n_replicas > 0 && part->leader == part->replicas[0])
            return KC_ERR_ELECTION_NOT_NEEDED;
        err = elect_preferred(c, t, p);
        if (err == KC_ERR_PREFERRED_LEADER_NOT_AVAILABLE)
            *msg = "Failed to elect leader for partition under strategy "
                   "PreferredReplicaPartitionLeaderElectionStrategy";
    } else {
        if (part->has_state && part->leader >= 0 && ctl_broker_live(part->leader, c))
            return KC_ERR_ELECTION_NOT_NEEDED;
        err = elect_unclean(c, t, p);
        if (err == KC_ERR_ELIGIBLE_LEADERS_NOT_AVAILABLE)
            *msg = "Failed to elect leader for partition under strategy "
                   "OfflinePartitionLeaderElectionStrategy(true)";
    }
    *changed |= err == KC_ERR_NONE;
    return err;
}

static void elect_leaders(kc_controller *c, int16_t version, const kc_elect_leaders_req *r,
                          kc_elect_leaders_resp *out, kc_arena *a)
{
    int8_t type = version >= 1 ? r->election_type : 0;
    bool all = r->topic_partitions_count < 0;
    bool changed = false;
    if (all && !c->acting) {
        out->error_code = KC_ERR_NOT_CONTROLLER; /* v1+; nothing to list per partition */
        return;
    }
    int nt = 0;
    if (all)
        for (ctl_topic *t = c->topics; t; t = t->next)
            nt++;
    else
        nt = r->topic_partitions_count;
    out->replica_election_results =
        kc_arena_alloc(a, sizeof(*out->replica_election_results) * (size_t)(nt + 1));
    ctl_topic *t = c->topics;
    for (int i = 0; i < nt; i++) {
        kc_str name;
        int32_t np;
        const int32_t *parts = NULL;
        if (all) {
            name = kc_str_c(kc_arena_strndup(a, t->name, strlen(t->name)));
            np = t->n_partitions;
            t = t->next;
        } else {
            name = r->topic_partitions[i].topic;
            np = r->topic_partitions[i].partitions_count > 0
                     ? r->topic_partitions[i].partitions_count
                     : 0;
            parts = r->topic_partitions[i].partitions;
        }
        kc_replica_election_result *res =
            &out->replica_election_results[out->replica_election_results_count];
        res->topic = name;
        res->partition_result =
            kc_arena_alloc(a, sizeof(*res->partition_result) * (size_t)(np + 1));
        res->partition_result_count = 0;
        for (int32_t j = 0; j < np; j++) {
            int32_t p = parts ? parts[j] : j;
            const char *msg;
            int16_t err = KC_ERR_INVALID_REQUEST;
            if (type == 0 || type == 1)
                err = elect_one(c, type, name, p, &changed, &msg);
            else
                msg = "Unknown election type";
            /* elections over every partition list only those that needed one (KafkaApis) */
            if (all && err == KC_ERR_ELECTION_NOT_NEEDED)
                continue;
            res->partition_result[res->partition_result_count++] =
                (kc_partition_result){p, err, msg ? kc_str_c(msg) : KC_STR_NULL};
        }
        if (!all || res->partition_result_count > 0)
            out->replica_election_results_count++;
    }
    if (changed && !c->moved)
        ctl_flush(c, NULL, 0);
}

/* ---------------------------------------------------------------- auto rebalance */

void ctl_auto_rebalance(kc_controller *c)
{
    if (!c->acting || !c->cfg->auto_leader_rebalance_enable)
        return;
    bool changed = false;
    for (int i = 0; i < c->n_brokers && !c->moved; i++) {
        ctl_broker *b = &c->brokers[i];
        int n_preferred = 0, n_not_led = 0;
        for (ctl_topic *t = c->topics; t; t = t->next)
            for (int p = 0; p < t->n_partitions && !t->deleting; p++) {
                ctl_partition *part = &t->parts[p];
                if (part->n_replicas < 1 || part->replicas[0] != b->id)
                    continue;
                n_preferred++;
                n_not_led += part->has_state && part->leader != b->id;
            }
        if (!kc_leader_imbalanced(n_not_led, n_preferred,
                                  c->cfg->leader_imbalance_per_broker_percentage) ||
            b->shutting_down)
            continue;
        kc_info("CONTROLLER", "broker %d leads %d of its %d preferred partitions: rebalancing",
                b->id, n_preferred - n_not_led, n_preferred);
        for (ctl_topic *t = c->topics; t && !c->moved; t = t->next)
            for (int p = 0; p < t->n_partitions && !t->deleting && !c->moved; p++) {
                ctl_partition *part = &t->parts[p];
                if (part->n_replicas < 1 || part->replicas[0] != b->id || !part->has_state ||
                    part->leader == b->id)
                    continue;
                changed |= elect_preferred(c, t, p) == KC_ERR_NONE;
            }
    }
    if (changed && !c->moved)
        ctl_flush(c, NULL, 0);
}

/* ---------------------------------------------------------------- dispatch */

void ctl_on_call(kc_controller *c, ctl_call *call)
{
    kc_rbuf r;
    kc_rbuf_init(&r, call->body, call->len);
    kc_arena a = {0};
    kc_wbuf w = {0};
    bool bad = false;
    switch (call->api_key) {
    case KC_API_ALTER_ISR: {
        kc_alter_isr_req q;
        kc_alter_isr_resp out = {0};
        if ((bad = kc_alter_isr_req_decode(&r, call->version, &q, &a) != 0))
            break;
        if (!c->acting)
            out.error_code = KC_ERR_NOT_CONTROLLER;
        else
            alter_isr(c, &q, &out, &a);
        kc_alter_isr_resp_encode(&w, call->version, &out);
        break;
    }
    case KC_API_CONTROLLED_SHUTDOWN: {
        kc_controlled_shutdown_req q;
        kc_controlled_shutdown_resp out = {0};
        if ((bad = kc_controlled_shutdown_req_decode(&r, call->version, &q, &a) != 0))
            break;
        out.error_code = c->acting ? controlled_shutdown(c, &q, &out, &a) : KC_ERR_NOT_CONTROLLER;
        kc_controlled_shutdown_resp_encode(&w, call->version, &out);
        break;
    }
    case KC_API_ELECT_LEADERS: {
        kc_elect_leaders_req q;
        kc_elect_leaders_resp out = {0};
        if ((bad = kc_elect_leaders_req_decode(&r, call->version, &q, &a) != 0))
            break;
        elect_leaders(c, call->version, &q, &out, &a);
        kc_elect_leaders_resp_encode(&w, call->version, &out);
        break;
    }
    default:
        bad = true;
    }
    answer(call, bad ? NULL : &w);
    if (bad)
        kc_wbuf_free(&w);
    kc_arena_free(&a);
}
