/*
 * The coordinator's I/O on __consumer_offsets (Kafka's GroupMetadataManager storeGroup,
 * storeOffsets, cleanupGroupMetadata and loadGroupsAndOffsets): batches of Kafka's key/value
 * records appended to the local leader, acknowledged through the one purgatory when
 * offsets.commit.required.acks is -1, and the log read back into groups on election.
 * The load runs on the reactor in steps of one offsets.load.buffer.size read, so that a long
 * log does not hold every other client up (Kafka loads on a scheduler thread); the coordinator
 * answers COORDINATOR_LOAD_IN_PROGRESS for the partition's groups meanwhile.
 */
#include <stdlib.h>
#include <string.h>

#include "broker/log_manager.h"
#include "broker/purgatory.h"
#include "common/log.h"
#include "group/coord_internal.h"
#include "group/offsets_codec.h"
#include "proto/errors.h"
#include "replica/replica.h"

typedef struct group_write {
    kc_partition *p;
    int64_t required; /* last offset appended + 1 */
    kc_group *g;
    kc_group_log_cb cb;
    void *arg;
} group_write;

static kc_partition *offsets_partition(kc_broker *b, int32_t partition)
{
    kc_topic *t = kc_topics_find(&b->topics, kc_str_c(KC_OFFSETS_TOPIC));
    return t ? kc_topic_partition(t, partition) : NULL;
}

static void finish_write(kc_broker *b, group_write *w, int16_t err)
{
    if (w->cb)
        w->cb(b, err, w->arg);
    if (w->g && --w->g->writes == 0 && w->g->unloaded)
        kc_group_free(w->g);
    free(w);
}

static bool write_ready(kc_broker *b, void *arg)
{
    group_write *w = arg;
    return kc_replica_append_settled(b, w->p, w->required);
}

static void write_complete(kc_broker *b, void *arg, bool expired)
{
    group_write *w = arg;
    int16_t err = KC_ERR_NONE;
    if (!kc_replica_is_leader(b, w->p))
        err = KC_ERR_NOT_LEADER_OR_FOLLOWER;
    else if (w->p->high_watermark < w->required)
        err = expired ? KC_ERR_REQUEST_TIMED_OUT : KC_ERR_NOT_LEADER_OR_FOLLOWER;
    else if (kc_replica_maximal_isr_size(w->p) < w->p->topic->log_config.min_insync_replicas)
        err = KC_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND;
    finish_write(b, w, err);
}

static const kc_delayed_ops write_ops = {write_ready, write_complete};

void kc_group_log_append(kc_broker *b, int32_t partition, kc_group *g, const kc_record_in *recs,
                         int n, bool wait, kc_group_log_cb cb, void *arg)
{
    group_write *w = calloc(1, sizeof(*w));
    if (!w)
        kc_fatal("group: out of memory");
    *w = (group_write){.g = g, .cb = cb, .arg = arg};
    if (g)
        g->writes++;
    kc_partition *p = offsets_partition(b, partition);
    w->p = p;
    if (!p || !kc_replica_is_leader(b, p)) {
        finish_write(b, w, KC_ERR_NOT_LEADER_OR_FOLLOWER);
        return;
    }
    if (wait && p->n_isr < p->topic->log_config.min_insync_replicas) {
        finish_write(b, w, KC_ERR_NOT_ENOUGH_REPLICAS);
        return;
    }
    kc_wbuf batch = {0};
    kc_batch_build(&batch, kc_coord_now(), recs, n);
    if (batch.len > (size_t)p->topic->log_config.max_message_bytes) {
        kc_wbuf_free(&batch);
        finish_write(b, w, KC_ERR_MESSAGE_TOO_LARGE);
        return;
    }
    int64_t base;
    bool rolled;
    int rc = kc_plog_append(p->log, batch.data, batch.len, p->leader_epoch, kc_coord_now(), &base,
                            &rolled);
    kc_wbuf_free(&batch);
    if (rc) {
        kc_error("STORAGE", "append to %s-%d failed: %s", KC_OFFSETS_TOPIC, p->id, strerror(-rc));
        finish_write(b, w, KC_ERR_KAFKA_STORAGE_ERROR);
        return;
    }
    w->required = base + n;
    kc_log_manager_after_append(b, p, rolled);
    kc_replica_on_leader_append(b, p);
    if (!wait) {
        finish_write(b, w, KC_ERR_NONE);
        return;
    }
    if (write_ready(b, w)) {
        write_complete(b, w, false);
        return;
    }
    const void *key = p;
    kc_purgatory_watch(b->purgatory, &key, 1, b->cfg->offsets_commit_timeout_ms, &write_ops, w,
                       NULL);
}

int16_t kc_group_log_error(int16_t err, int16_t timed_out, int16_t too_large)
{
    switch (err) {
    case KC_ERR_NONE:
        return KC_ERR_NONE;
    case KC_ERR_UNKNOWN_TOPIC_OR_PARTITION:
    case KC_ERR_NOT_ENOUGH_REPLICAS:
    case KC_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
        return KC_ERR_COORDINATOR_NOT_AVAILABLE;
    case KC_ERR_NOT_LEADER_OR_FOLLOWER:
    case KC_ERR_KAFKA_STORAGE_ERROR:
        return KC_ERR_NOT_COORDINATOR;
    case KC_ERR_REQUEST_TIMED_OUT:
        return timed_out;
    case KC_ERR_MESSAGE_TOO_LARGE:
        return too_large;
    default:
        return KC_ERR_UNKNOWN_SERVER_ERROR;
    }
}

typedef struct store_ctx {
    kc_group_log_cb cb;
    void *arg;
} store_ctx;

/* GroupMetadataManager.storeGroup answers its callers in the coordinator's terms */
static void on_group_stored(kc_broker *b, int16_t err, void *arg)
{
    store_ctx *s = arg;
    if (s->cb)
        s->cb(b, kc_group_log_error(err, KC_ERR_REBALANCE_IN_PROGRESS, KC_ERR_UNKNOWN_SERVER_ERROR),
              s->arg);
    free(s);
}

void kc_group_log_store_group(kc_coordinator *c, kc_group *g, kc_group_log_cb cb, void *arg)
{
    kc_group_value v = {.version = 3,
                        .protocol_type = kc_str_c(g->protocol_type ? g->protocol_type : ""),
                        .generation = g->generation,
                        .protocol = g->protocol ? kc_str_c(g->protocol) : KC_STR_NULL,
                        .leader = g->leader_id ? kc_str_c(g->leader_id) : KC_STR_NULL,
                        .current_state_timestamp = g->state_timestamp_ms,
                        .n_members = g->n_members};
    v.members = calloc((size_t)g->n_members + 1, sizeof(*v.members));
    if (!v.members)
        kc_fatal("group: out of memory");
    for (int i = 0; i < g->n_members; i++) {
        const kc_member *m = g->members[i];
        int32_t len;
        const uint8_t *md = kc_member_metadata(m, g->protocol, &len);
        v.members[i] = (kc_group_member_value){
            .member_id = kc_str_c(m->member_id),
            .group_instance_id =
                m->group_instance_id ? kc_str_c(m->group_instance_id) : KC_STR_NULL,
            .client_id = kc_str_c(m->client_id),
            .client_host = kc_str_c(m->client_host),
            .rebalance_timeout_ms = m->rebalance_timeout_ms,
            .session_timeout_ms = m->session_timeout_ms,
            .subscription = {md ? md : (const uint8_t *)"", md ? len : 0},
            .assignment = {m->assignment ? m->assignment : (const uint8_t *)"", m->assignment_len},
        };
    }
    kc_wbuf key = {0}, val = {0};
    kc_offsets_key_encode_group(&key, kc_str_c(g->group_id));
    kc_group_value_encode(&val, &v);
    free(v.members);
    kc_record_in rec = {{key.data, (int32_t)key.len}, {val.data, (int32_t)val.len}};
    store_ctx *s = malloc(sizeof(*s));
    if (!s)
        kc_fatal("group: out of memory");
    *s = (store_ctx){cb, arg};
    kc_group_log_append(c->b, g->partition, g, &rec, 1,
                        c->b->cfg->offsets_commit_required_acks == -1, on_group_stored, s);
    kc_wbuf_free(&key);
    kc_wbuf_free(&val);
}

void kc_group_log_tombstones(kc_coordinator *c, kc_group *g, char *const *topics,
                             const int32_t *partitions, int n, bool group_too)
{
    int total = n + (group_too ? 1 : 0);
    if (total == 0)
        return;
    kc_wbuf keys = {0};
    size_t *ends = calloc((size_t)total + 1, sizeof(*ends));
    kc_record_in *recs = calloc((size_t)total, sizeof(*recs));
    if (!ends || !recs)
        kc_fatal("group: out of memory");
    for (int i = 0; i < n; i++) {
        kc_offsets_key_encode_offset(&keys, kc_str_c(g->group_id), kc_str_c(topics[i]),
                                     partitions[i]);
        ends[i + 1] = keys.len;
    }
    if (group_too) {
        kc_offsets_key_encode_group(&keys, kc_str_c(g->group_id));
        ends[total] = keys.len;
    }
    for (int i = 0; i < total; i++)
        recs[i] =
            (kc_record_in){{keys.data + ends[i], (int32_t)(ends[i + 1] - ends[i])}, {NULL, -1}};
    kc_group_log_append(c->b, g->partition, NULL, recs, total, false, NULL, NULL);
    free(ends);
    free(recs);
    kc_wbuf_free(&keys);
}

/* ---------------------------------------------------------------- loading */

static kc_group *load_group(kc_coordinator *c, int32_t partition, kc_str id)
{
    kc_group *g = kc_coord_find(c, id);
    return g ? g : kc_coord_create(c, id, partition);
}

typedef struct load_ctx {
    kc_coordinator *c;
    kc_group_load *l;
} load_ctx;

static int load_record(const kc_record *rec, void *arg)
{
    load_ctx *x = arg;
    kc_offsets_key k;
    if (rec->key_len < 0 || kc_offsets_key_decode(rec->key, (size_t)rec->key_len, &k)) {
        x->l->bad++;
        return 0;
    }
    kc_group *g = load_group(x->c, x->l->partition, k.group);
    if (k.version <= 1) {
        char *topic = kc_group_strdup(k.topic);
        kc_offset_value v;
        if (rec->value_len < 0) {
            kc_group_offset_remove(g, topic, k.partition);
        } else if (kc_offset_value_decode(rec->value, (size_t)rec->value_len, &v) == 0) {
            kc_committed *e = kc_group_offset_ensure(g, topic, k.partition);
            e->offset = v.offset;
            e->leader_epoch = v.leader_epoch;
            free(e->metadata);
            e->metadata = kc_group_strdup(v.metadata);
            e->commit_timestamp = v.commit_timestamp;
            e->expire_timestamp = v.version == 1 ? v.expire_timestamp : -1;
            e->present = true;
        } else {
            x->l->bad++;
        }
        free(topic);
        return 0;
    }
    free(g->load_value);
    g->load_value = NULL;
    g->load_value_len = 0;
    if (rec->value_len >= 0) {
        g->load_value = malloc((size_t)rec->value_len + 1);
        if (!g->load_value)
            kc_fatal("group: out of memory");
        memcpy(g->load_value, rec->value, (size_t)rec->value_len);
        g->load_value_len = rec->value_len;
    }
    return 0;
}

/* Turn the last GroupMetadata value read into the group's state: Stable with members, else
 * Empty; each member offers the one protocol it was given. */
static void materialize(kc_group *g)
{
    kc_arena a = KC_ARENA_INIT;
    kc_group_value v;
    if (kc_group_value_decode(g->load_value, (size_t)g->load_value_len, &a, &v)) {
        kc_warn("GROUP", "group %s: unreadable group metadata in %s-%d; loaded without it",
                g->group_id, KC_OFFSETS_TOPIC, g->partition);
        kc_arena_free(&a);
        return;
    }
    free(g->protocol_type);
    g->protocol_type = v.protocol_type.len > 0 ? kc_group_strdup(v.protocol_type) : NULL;
    g->generation = v.generation;
    free(g->protocol);
    g->protocol = v.protocol.len >= 0 ? kc_group_strdup(v.protocol) : NULL;
    g->state_timestamp_ms = v.current_state_timestamp;
    for (int32_t i = 0; i < v.n_members; i++) {
        const kc_group_member_value *mv = &v.members[i];
        char *id = kc_group_strdup(mv->member_id), *host = kc_group_strdup(mv->client_host);
        kc_member *m = kc_member_new(g, id, mv->group_instance_id, mv->client_id, host,
                                     mv->session_timeout_ms, mv->rebalance_timeout_ms);
        free(id);
        free(host);
        kc_str name = kc_str_c(g->protocol ? g->protocol : "");
        kc_member_set_protocols(m, &name, &mv->subscription, 1);
        kc_member_set_assignment(m, mv->assignment.p, mv->assignment.len);
        kc_group_add_member(g, m);
    }
    if (v.leader.len >= 0) {
        char *leader = kc_group_strdup(v.leader);
        kc_member *lm = kc_group_member(g, kc_str_c(leader));
        g->leader_id = lm ? lm->member_id : g->leader_id;
        free(leader);
    }
    g->state = g->n_members > 0 ? KC_GROUP_STABLE : KC_GROUP_EMPTY;
    kc_arena_free(&a);
}

int kc_group_log_load_begin(kc_coordinator *c, int32_t partition, kc_group_load *l)
{
    kc_partition *p = offsets_partition(c->b, partition);
    if (!p)
        return -1;
    l->partition = partition;
    l->next = kc_plog_log_start_offset(p->log);
    l->end = kc_plog_log_end_offset(p->log);
    l->bad = 0;
    return 0;
}

int kc_group_log_load_step(kc_coordinator *c, kc_group_load *l)
{
    kc_partition *p = offsets_partition(c->b, l->partition);
    if (!p)
        return -1;
    if (l->next >= l->end)
        return 0;
    load_ctx x = {c, l};
    kc_arena a = KC_ARENA_INIT;
    kc_bytes data;
    if (kc_plog_read(p->log, l->next, l->end, c->b->cfg->offsets_load_buffer_size, true, &a,
                     &data) ||
        data.len <= 0) {
        kc_arena_free(&a);
        return -1;
    }
    size_t pos = 0;
    int64_t next = l->next;
    kc_batch_header h;
    while (kc_batch_header_parse(data.p + pos, (size_t)data.len - pos, &h) == 0) {
        size_t size = (size_t)h.length + KC_BATCH_LOG_OVERHEAD;
        if (h.length < KC_BATCH_HEADER_BYTES - KC_BATCH_LOG_OVERHEAD ||
            size > (size_t)data.len - pos)
            break; /* a partial batch at the end of the read: the next read starts there */
        if (!(h.attributes & KC_ATTR_CONTROL) &&
            kc_batch_for_each_record(data.p + pos, size, &h, false, load_record, &x))
            l->bad++;
        next = h.base_offset + h.last_offset_delta + 1;
        pos += size;
    }
    kc_arena_free(&a);
    if (next <= l->next)
        return -1; /* no whole batch fit: the log is damaged here */
    l->next = next;
    return l->next < l->end;
}

int kc_group_log_load_end(kc_coordinator *c, kc_group_load *l)
{
    if (l->bad)
        kc_warn("GROUP", "%s-%d: skipped %d unreadable records or batches", KC_OFFSETS_TOPIC,
                l->partition, l->bad);
    kc_group **mine = malloc(sizeof(*mine) * (size_t)(c->n_groups + 1));
    if (!mine)
        kc_fatal("group: out of memory");
    int n = 0, loaded = 0;
    for (int i = 0; i < c->n_buckets; i++)
        for (kc_group *g = c->buckets[i]; g; g = g->hash_next)
            if (g->partition == l->partition)
                mine[n++] = g;
    for (int i = 0; i < n; i++) {
        kc_group *g = mine[i];
        if (g->load_value)
            materialize(g);
        free(g->load_value);
        g->load_value = NULL;
        if (g->n_members == 0 && g->n_offsets == 0 && !g->protocol_type) {
            kc_coord_drop(c, g);
            continue;
        }
        kc_group_loaded(c, g);
        loaded++;
    }
    free(mine);
    return loaded;
}
