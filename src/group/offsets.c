/*
 * Committed offsets: OffsetCommit (v2-8), OffsetFetch (v1-7) and OffsetDelete (v0), as Kafka
 * 2.8's GroupCoordinator.handleCommitOffsets / handleFetchOffsets / handleDeleteOffsets.
 * A commit is visible to OffsetFetch only once its append to __consumer_offsets completed with
 * offsets.commit.required.acks; until then the entry counts as pending and never expires.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "group/coord_internal.h"
#include "group/offsets_codec.h"
#include "proto/errors.h"

typedef struct staged {
    char *topic;
    int32_t partition;
    kc_offset_value v;
    char *metadata;
    kc_offset_commit_response_partition *out;
} staged;

typedef struct commit_ctx {
    kc_request *req;
    kc_offset_commit_resp resp;
    kc_group *g;
    staged *s;
    int n;
} commit_ctx;

static void on_committed(kc_broker *b, int16_t err, void *arg)
{
    (void)b;
    commit_ctx *x = arg;
    kc_group *g = x->g;
    for (int i = 0; i < x->n; i++) {
        staged *s = &x->s[i];
        kc_committed *e = g->unloaded ? NULL : kc_group_offset(g, s->topic, s->partition);
        if (e && e->pending > 0)
            e->pending--;
        if (e && !err) {
            e->offset = s->v.offset;
            e->leader_epoch = s->v.leader_epoch;
            free(e->metadata);
            e->metadata = s->metadata;
            s->metadata = NULL;
            e->commit_timestamp = s->v.commit_timestamp;
            e->expire_timestamp = s->v.expire_timestamp;
            e->present = true;
        } else if (e && !e->present && e->pending == 0) {
            kc_group_offset_remove(g, s->topic, s->partition);
        }
        s->out->error_code =
            kc_group_log_error(err, KC_ERR_REQUEST_TIMED_OUT, KC_ERR_INVALID_COMMIT_OFFSET_SIZE);
        free(s->topic);
        free(s->metadata);
    }
    free(x->s);
    kc_offset_commit_resp_encode(&x->req->out, x->req->hdr.api_version, &x->resp);
    kc_request_respond(x->req);
}

/* The group-level checks of an OffsetCommit (doCommitOffsets); may create an offsets-only
 * group. @return the error for every partition, or KC_ERR_NONE with *gp set. */
static int16_t commit_check(kc_coordinator *c, const kc_offset_commit_req *r, kc_group **gp)
{
    int32_t part;
    int16_t err = kc_coord_check(c, r->group_id, true, &part);
    if (err)
        return err;
    kc_group *g = kc_coord_find(c, r->group_id);
    if (!g) {
        if (r->generation_id >= 0)
            return KC_ERR_ILLEGAL_GENERATION;
        *gp = kc_coord_create(c, r->group_id, part); /* only Kafka's offset storage is used */
        return KC_ERR_NONE;
    }
    if (g->state == KC_GROUP_DEAD)
        return KC_ERR_COORDINATOR_NOT_AVAILABLE;
    bool fenced;
    kc_member *m = kc_group_identify(g, r->member_id, r->group_instance_id, &fenced);
    if (fenced)
        return KC_ERR_FENCED_INSTANCE_ID;
    if (r->generation_id < 0 && g->state == KC_GROUP_EMPTY) {
        *gp = g;
        return KC_ERR_NONE;
    }
    if (!m)
        return KC_ERR_UNKNOWN_MEMBER_ID;
    if (r->generation_id != g->generation)
        return KC_ERR_ILLEGAL_GENERATION;
    if (g->state == KC_GROUP_COMPLETING_REBALANCE)
        return KC_ERR_REBALANCE_IN_PROGRESS;
    kc_member_heartbeat(c, m, m->session_timeout_ms);
    *gp = g;
    return KC_ERR_NONE;
}

/* Whether the metadata cache knows the partition: Kafka's KafkaApis answers
 * UNKNOWN_TOPIC_OR_PARTITION for the others before the coordinator sees the request. */
static bool partition_known(kc_broker *b, kc_str topic, int32_t partition)
{
    const kc_mc_topic *mt = kc_metadata_cache_topic(&b->metadata, topic);
    return mt && partition >= 0 && partition < mt->n_partitions &&
           mt->partitions[partition].present;
}

void kc_coord_offset_commit(kc_request *req, const kc_offset_commit_req *r,
                            kc_coord_authz_fn topic_authz)
{
    kc_coordinator *c = kc_coord(req->broker);
    kc_broker *b = req->broker;
    int16_t v = req->hdr.api_version;
    commit_ctx *x = kc_arena_alloc(&req->arena, sizeof(*x));
    x->req = req;
    int32_t nt = r->topics_count > 0 ? r->topics_count : 0, total = 0;
    x->resp.topics = kc_arena_alloc(&req->arena, sizeof(*x->resp.topics) * (size_t)(nt + 1));
    x->resp.topics_count = nt;
    for (int32_t i = 0; i < nt; i++) {
        const kc_offset_commit_request_topic *t = &r->topics[i];
        int32_t np = t->partitions_count > 0 ? t->partitions_count : 0;
        x->resp.topics[i].name = t->name;
        x->resp.topics[i].partitions_count = np;
        x->resp.topics[i].partitions =
            kc_arena_alloc(&req->arena, sizeof(*x->resp.topics[i].partitions) * (size_t)(np + 1));
        int16_t refused = topic_authz(req, t->name);
        for (int32_t j = 0; j < np; j++) {
            kc_offset_commit_response_partition *o = &x->resp.topics[i].partitions[j];
            o->partition_index = t->partitions[j].partition_index;
            if (refused)
                o->error_code = refused;
            else if (partition_known(b, t->name, o->partition_index))
                total++;
            else
                o->error_code = KC_ERR_UNKNOWN_TOPIC_OR_PARTITION;
        }
    }
    kc_group *g = NULL;
    /* nothing known to commit: the coordinator is not consulted and no group appears */
    int16_t err = total ? commit_check(c, r, &g) : KC_ERR_NONE;
    x->g = g;
    x->s = calloc((size_t)total + 1, sizeof(*x->s));
    kc_record_in *recs = calloc((size_t)total + 1, sizeof(*recs));
    kc_wbuf keys = {0}, vals = {0};
    size_t *koff = calloc((size_t)total + 1, sizeof(size_t) * 4);
    if (!x->s || !recs || !koff)
        kc_fatal("group: out of memory");
    int64_t now = kc_coord_now();
    for (int32_t i = 0; i < nt; i++) {
        const kc_offset_commit_request_topic *t = &r->topics[i];
        for (int32_t j = 0; j < x->resp.topics[i].partitions_count; j++) {
            const kc_offset_commit_request_partition *p = &t->partitions[j];
            kc_offset_commit_response_partition *out = &x->resp.topics[i].partitions[j];
            if (out->error_code)
                continue; /* refused or unknown partition */
            out->error_code = err;
            if (err)
                continue;
            if (p->committed_metadata.len > b->cfg->offset_metadata_max_bytes) {
                out->error_code = KC_ERR_OFFSET_METADATA_TOO_LARGE;
                continue;
            }
            staged *s = &x->s[x->n];
            s->topic = kc_group_strdup(t->name);
            s->partition = p->partition_index;
            s->metadata = kc_group_strdup(p->committed_metadata);
            s->out = out;
            /* OffsetCommit v2-4 may ask for its own retention: value v1 carries the expiry */
            bool expiring = v <= 4 && r->retention_time_ms != -1;
            s->v =
                (kc_offset_value){.version = expiring ? 1 : 3,
                                  .offset = p->committed_offset,
                                  .leader_epoch = p->committed_leader_epoch,
                                  .metadata = kc_str_c(s->metadata),
                                  .commit_timestamp = now,
                                  .expire_timestamp = expiring ? now + r->retention_time_ms : -1};
            koff[4 * x->n] = keys.len;
            kc_offsets_key_encode_offset(&keys, r->group_id, t->name, p->partition_index);
            koff[4 * x->n + 1] = keys.len;
            koff[4 * x->n + 2] = vals.len;
            kc_offset_value_encode(&vals, &s->v);
            koff[4 * x->n + 3] = vals.len;
            kc_group_offset_ensure(g, s->topic, s->partition)->pending++;
            x->n++;
        }
    }
    if (x->n == 0) {
        free(x->s);
        x->s = NULL;
        kc_offset_commit_resp_encode(&req->out, v, &x->resp);
        kc_request_respond(req);
    } else {
        for (int i = 0; i < x->n; i++) {
            recs[i].key =
                (kc_bytes){keys.data + koff[4 * i], (int32_t)(koff[4 * i + 1] - koff[4 * i])};
            recs[i].value = (kc_bytes){vals.data + koff[4 * i + 2],
                                       (int32_t)(koff[4 * i + 3] - koff[4 * i + 2])};
        }
        /* waits for the followers (offsets.commit.required.acks): out of the admission limits
         * first, since the answer may come, and free the request, before the call returns */
        kc_request_delayed(req);
        kc_group_log_append(b, g->partition, g, recs, x->n,
                            b->cfg->offsets_commit_required_acks == -1, on_committed, x);
    }
    free(recs);
    free(koff);
    kc_wbuf_free(&keys);
    kc_wbuf_free(&vals);
}

/* ---------------------------------------------------------------- OffsetFetch */

typedef struct fetch_topics {
    kc_request *req;
    kc_offset_fetch_resp *resp;
    int cap;
} fetch_topics;

/* Leaves out the topics of @p resp that @p authz refuses. */
static void filter_topics(kc_request *req, kc_offset_fetch_resp *resp, kc_coord_authz_fn authz)
{
    int32_t n = 0;
    for (int32_t i = 0; i < resp->topics_count; i++)
        if (!authz(req, resp->topics[i].name))
            resp->topics[n++] = resp->topics[i];
    resp->topics_count = n;
}

static void fill_partition(kc_offset_fetch_response_partition *o, int32_t index,
                           const kc_committed *e)
{
    bool have = e && e->present;
    o->partition_index = index;
    o->committed_offset = have ? e->offset : -1;
    o->committed_leader_epoch = have ? e->leader_epoch : -1;
    o->metadata = kc_str_c(have && e->metadata ? e->metadata : "");
    o->error_code = KC_ERR_NONE;
}

/* Every present offset, grouped by topic (OffsetFetch with null topics, v2+). */
static void add_cached(kc_committed *e, void *arg)
{
    fetch_topics *f = arg;
    if (!e->present)
        return;
    kc_offset_fetch_resp *resp = f->resp;
    kc_offset_fetch_response_topic *t = NULL;
    for (int32_t i = 0; i < resp->topics_count && !t; i++)
        if (kc_str_eq(resp->topics[i].name, e->topic))
            t = &resp->topics[i];
    if (!t) {
        if (resp->topics_count == f->cap) {
            f->cap = f->cap ? 2 * f->cap : 16;
            kc_offset_fetch_response_topic *n =
                kc_arena_alloc(&f->req->arena, sizeof(*n) * (size_t)f->cap);
            if (resp->topics_count)
                memcpy(n, resp->topics, sizeof(*n) * (size_t)resp->topics_count);
            resp->topics = n;
        }
        t = &resp->topics[resp->topics_count++];
        memset(t, 0, sizeof(*t));
        t->name = kc_str_c(kc_arena_strndup(&f->req->arena, e->topic, strlen(e->topic)));
    }
    kc_offset_fetch_response_partition *n =
        kc_arena_alloc(&f->req->arena, sizeof(*n) * (size_t)(t->partitions_count + 1));
    if (t->partitions_count)
        memcpy(n, t->partitions, sizeof(*n) * (size_t)t->partitions_count);
    t->partitions = n;
    fill_partition(&t->partitions[t->partitions_count++], e->partition, e);
    t->partitions[t->partitions_count - 1].metadata = kc_str_c(kc_arena_strndup(
        &f->req->arena, e->metadata ? e->metadata : "", e->metadata ? strlen(e->metadata) : 0));
}

void kc_coord_offset_fetch(kc_request *req, const kc_offset_fetch_req *r,
                           kc_coord_authz_fn topic_authz)
{
    kc_coordinator *c = kc_coord(req->broker);
    int16_t v = req->hdr.api_version;
    kc_offset_fetch_resp resp = {0};
    int32_t part;
    int16_t err = kc_coord_check(c, r->group_id, true, &part);
    kc_group *g = err ? NULL : kc_coord_find(c, r->group_id);
    if (err && v >= 2) {
        resp.error_code = err; /* v2+: the error alone, as Kafka's getErrorResponse */
    } else if (r->topics_count < 0) {
        fetch_topics f = {req, &resp, 0};
        if (g)
            kc_group_offsets_each(g, add_cached, &f);
        filter_topics(req, &resp, topic_authz);
    } else {
        resp.topics_count = r->topics_count;
        resp.topics =
            kc_arena_alloc(&req->arena, sizeof(*resp.topics) * (size_t)(r->topics_count + 1));
        for (int32_t i = 0; i < r->topics_count; i++) {
            const kc_offset_fetch_request_topic *t = &r->topics[i];
            kc_offset_fetch_response_topic *o = &resp.topics[i];
            char *name = kc_arena_strndup(&req->arena, t->name.p ? t->name.p : "",
                                          t->name.len > 0 ? (size_t)t->name.len : 0);
            o->name = t->name;
            o->partitions_count = t->partition_indexes_count > 0 ? t->partition_indexes_count : 0;
            o->partitions = kc_arena_alloc(&req->arena, sizeof(*o->partitions) *
                                                            (size_t)(o->partitions_count + 1));
            int16_t refused = topic_authz(req, t->name);
            for (int32_t j = 0; j < o->partitions_count; j++) {
                int32_t idx = t->partition_indexes[j];
                const kc_committed *e = g && !refused ? kc_group_offset(g, name, idx) : NULL;
                fill_partition(&o->partitions[j], idx, e);
                o->partitions[j].error_code = err ? err : refused; /* v1: errors per partition */
                if (!err && r->require_stable && e && e->pending > 0) {
                    o->partitions[j].committed_offset = -1; /* v7 (KIP-447) */
                    o->partitions[j].error_code = KC_ERR_UNSTABLE_OFFSET_COMMIT;
                }
            }
        }
    }
    kc_offset_fetch_resp_encode(&req->out, v, &resp);
    kc_request_respond(req);
}

/* ---------------------------------------------------------------- OffsetDelete */

void kc_coord_offset_delete(kc_request *req, const kc_offset_delete_req *r,
                            kc_coord_authz_fn topic_authz)
{
    kc_coordinator *c = kc_coord(req->broker);
    kc_offset_delete_resp resp = {0};
    int32_t part;
    resp.error_code = kc_coord_check(c, r->group_id, false, &part);
    kc_group *g = resp.error_code ? NULL : kc_coord_find(c, r->group_id);
    if (!resp.error_code && (!g || g->state == KC_GROUP_DEAD))
        resp.error_code = KC_ERR_GROUP_ID_NOT_FOUND;
    bool consumer = g && g->protocol_type && strcmp(g->protocol_type, "consumer") == 0;
    if (!resp.error_code && g->state != KC_GROUP_EMPTY && !consumer)
        resp.error_code = KC_ERR_NON_EMPTY_GROUP;
    if (resp.error_code) {
        kc_offset_delete_resp_encode(&req->out, req->hdr.api_version, &resp);
        kc_request_respond(req);
        return;
    }
    int32_t nt = r->topics_count > 0 ? r->topics_count : 0, total = 0;
    for (int32_t i = 0; i < nt; i++)
        total += r->topics[i].partitions_count > 0 ? r->topics[i].partitions_count : 0;
    char **topics = calloc((size_t)total + 1, sizeof(*topics));
    int32_t *parts = calloc((size_t)total + 1, sizeof(*parts));
    if (!topics || !parts)
        kc_fatal("group: out of memory");
    int n = 0;
    resp.topics_count = nt;
    resp.topics = kc_arena_alloc(&req->arena, sizeof(*resp.topics) * (size_t)(nt + 1));
    for (int32_t i = 0; i < nt; i++) {
        const kc_offset_delete_request_topic *t = &r->topics[i];
        kc_offset_delete_response_topic *o = &resp.topics[i];
        char *name = kc_arena_strndup(&req->arena, t->name.p ? t->name.p : "",
                                      t->name.len > 0 ? (size_t)t->name.len : 0);
        bool subscribed = g->state != KC_GROUP_EMPTY && kc_group_subscribed_to(g, name);
        int16_t refused = topic_authz(req, t->name);
        o->name = t->name;
        o->partitions_count = t->partitions_count > 0 ? t->partitions_count : 0;
        o->partitions =
            kc_arena_alloc(&req->arena, sizeof(*o->partitions) * (size_t)(o->partitions_count + 1));
        for (int32_t j = 0; j < o->partitions_count; j++) {
            int32_t idx = t->partitions[j].partition_index;
            o->partitions[j].partition_index = idx;
            bool known = !refused && partition_known(req->broker, t->name, idx);
            o->partitions[j].error_code = refused      ? refused
                                          : !known     ? KC_ERR_UNKNOWN_TOPIC_OR_PARTITION
                                          : subscribed ? KC_ERR_GROUP_SUBSCRIBED_TO_TOPIC
                                                       : KC_ERR_NONE;
            const kc_committed *e = kc_group_offset(g, name, idx);
            if (known && !subscribed && e && e->present && e->pending == 0) {
                topics[n] = name;
                parts[n++] = idx;
            }
        }
    }
    if (n > 0)
        kc_coord_remove_offsets(c, g, topics, parts, n);
    free(topics);
    free(parts);
    kc_offset_delete_resp_encode(&req->out, req->hdr.api_version, &resp);
    kc_request_respond(req);
}
