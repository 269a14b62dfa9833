/*
 * Replica fetchers (Kafka's ReplicaFetcherThread, as non-blocking connections on the reactor):
 * one per (source broker, fetcher index < num.replica.fetchers); a partition goes to the
 * fetcher of its leader chosen by Kafka's hash of (topic, partition).
 *
 * Each fetcher has at most one request in flight. A partition that starts following first
 * truncates by leader epoch: OffsetForLeaderEpoch v3 with its latest epoch, then the decision of
 * kc_epoch_truncation_offset() (KIP-101, KIP-279), repeated while the answer names an epoch the
 * follower does not end at; it then fetches at its log end offset (Fetch v11, replica_id = this
 * broker) and appends what comes back byte for byte. Errors back a partition off for
 * replica.fetch.backoff.ms; a lost connection backs off all of them.
 *
 * Invariant: a response is applied to a partition only when it is still in this fetcher, with
 * the generation and log end offset the request was built with.
 */
#include <event2/event.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "broker/log_manager.h"
#include "common/clock.h"
#include "common/java_hash.h"
#include "common/log.h"
#include "kc_apis.h"
#include "net/ibclient.h"
#include "proto/errors.h"
#include "replica/replica_internal.h"

#define FETCH_VERSION 11
#define EPOCH_VERSION 3
#define UNKNOWN_ENDPOINT_MS                                                                        \
    100 /* LeaderAndIsr can arrive just before the UpdateMetadata naming                           \
           the leader's endpoint */

typedef struct sent {
    kc_partition *p;
    uint32_t gen;
    int64_t fetch_offset;
} sent;

typedef struct kc_fetcher {
    kc_broker *b;
    int32_t source;
    int index;
    kc_ibclient *client;
    kc_partition **parts;
    int n, cap;
    sent *inflight; /* what the request in flight asked for */
    int n_inflight;
    bool busy;
    struct event *timer;
} kc_fetcher;

static void fetcher_round(kc_fetcher *f);

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    fetcher_round(arg);
}

static void schedule(kc_fetcher *f, int64_t delay_ms)
{
    struct timeval tv = kc_timeval_ms(delay_ms);
    event_del(f->timer);
    event_add(f->timer, &tv);
}

static void back_off(kc_partition *p, int64_t ms)
{
    p->rs->retry_at_ms = kc_mono_ms() + ms;
}

static bool still_ours(kc_fetcher *f, const sent *s)
{
    const kc_partition *p = s->p;
    return p->rs && p->rs->fetcher == f && p->rs->fetch_gen == s->gen && p->log;
}

/* The index of (topic, partition) in the request just answered, or -1. */
static const sent *find_sent(kc_fetcher *f, kc_str topic, int32_t partition)
{
    for (int i = 0; i < f->n_inflight; i++) {
        const sent *s = &f->inflight[i];
        if (s->p->id == partition && kc_str_eq(topic, s->p->topic->name) && still_ours(f, s))
            return s;
    }
    return NULL;
}

static void request_done(kc_fetcher *f)
{
    f->busy = false;
    f->n_inflight = 0;
    schedule(f, 0);
}

/* A lost connection or an unreadable answer: everything asked backs off. */
static void request_failed(kc_fetcher *f)
{
    for (int i = 0; i < f->n_inflight; i++)
        if (still_ours(f, &f->inflight[i]))
            back_off(f->inflight[i].p, f->b->cfg->replica_fetch_backoff_ms);
    f->busy = false;
    f->n_inflight = 0;
    schedule(f, f->b->cfg->replica_fetch_backoff_ms);
}

static void truncate_partition(kc_fetcher *f, kc_partition *p, int64_t offset)
{
    int64_t leo = kc_plog_log_end_offset(p->log);
    if (offset >= leo)
        return;
    kc_info("REPLICA",
            "%s-%d: truncating from log end offset %" PRId64 " to %" PRId64
            " (leader broker %d, leader epoch %d)",
            p->topic->name, p->id, leo, offset, f->source, p->leader_epoch);
    int rc = kc_plog_truncate_to(p->log, offset);
    if (rc)
        kc_error("STORAGE", "%s-%d: truncation failed: %s", p->topic->name, p->id, strerror(-rc));
    if (p->high_watermark > kc_plog_log_end_offset(p->log))
        p->high_watermark = kc_plog_log_end_offset(p->log);
}

/* ------------------------------------------------------------- OffsetForLeaderEpoch */

static void on_epoch_response(void *arg, int16_t api_key, int16_t v, kc_rbuf *body)
{
    (void)api_key;
    kc_fetcher *f = arg;
    kc_arena a = {0};
    kc_offset_for_leader_epoch_resp resp;
    if (!body || kc_offset_for_leader_epoch_resp_decode(body, v, &resp, &a)) {
        kc_arena_free(&a);
        request_failed(f);
        return;
    }
    for (int32_t i = 0; i < resp.topics_count; i++)
        for (int32_t j = 0; j < resp.topics[i].partitions_count; j++) {
            const kc_epoch_end_offset *e = &resp.topics[i].partitions[j];
            const sent *s = find_sent(f, resp.topics[i].topic, e->partition);
            if (!s || !s->p->rs->truncating)
                continue;
            kc_partition *p = s->p;
            if (e->error_code != KC_ERR_NONE) {
                back_off(p, f->b->cfg->replica_fetch_backoff_ms);
                continue;
            }
            bool done = true;
            int64_t to = kc_epoch_truncation_offset(
                kc_plog_epoch_cache(p->log), kc_plog_log_end_offset(p->log), p->high_watermark,
                e->leader_epoch, e->end_offset, &done);
            truncate_partition(f, p, to);
            p->rs->truncating = !done;
        }
    kc_arena_free(&a);
    request_done(f);
}

static bool send_epochs(kc_fetcher *f, int64_t now)
{
    kc_arena a = {0};
    kc_offset_for_leader_epoch_req req = {f->b->cfg->broker_id, 0, NULL};
    req.topics = kc_arena_alloc(&a, sizeof(*req.topics) * (size_t)f->n);
    for (int i = 0; i < f->n; i++) {
        kc_partition *p = f->parts[i];
        if (!p->rs->truncating || p->rs->retry_at_ms > now)
            continue;
        int32_t latest = kc_epoch_cache_latest_epoch(kc_plog_epoch_cache(p->log));
        if (latest < 0) { /* nothing to compare: keep what the high watermark vouches for */
            truncate_partition(f, p, p->high_watermark);
            p->rs->truncating = false;
            continue;
        }
        kc_offset_for_leader_topic *t = &req.topics[req.topics_count++];
        t->topic = kc_str_c(p->topic->name);
        t->partitions_count = 1;
        t->partitions = kc_arena_alloc(&a, sizeof(*t->partitions));
        t->partitions[0] = (kc_offset_for_leader_partition){p->id, p->leader_epoch, latest};
        f->inflight[f->n_inflight++] = (sent){p, p->rs->fetch_gen, kc_plog_log_end_offset(p->log)};
    }
    if (req.topics_count == 0) {
        kc_arena_free(&a);
        return false;
    }
    kc_wbuf w = {0};
    kc_offset_for_leader_epoch_req_encode(&w, EPOCH_VERSION, &req);
    kc_arena_free(&a);
    f->busy = true;
    kc_ibclient_send(f->client, KC_API_OFFSET_FOR_LEADER_EPOCH, EPOCH_VERSION, &w,
                     on_epoch_response, f);
    kc_wbuf_free(&w);
    return true;
}

/* ------------------------------------------------------------- Fetch */

static void apply_partition(kc_fetcher *f, kc_partition *p, const kc_fetch_partition_data *d,
                            int64_t fetch_offset)
{
    kc_broker *b = f->b;
    kc_plog *l = p->log;
    switch (d->error_code) {
    case KC_ERR_NONE:
        break;
    case KC_ERR_OFFSET_OUT_OF_RANGE:
        if (d->log_start_offset > fetch_offset) { /* the leader deleted what we lack */
            kc_info("REPLICA",
                    "%s-%d: fetch offset %" PRId64 " is below the leader's log "
                    "start offset %" PRId64 ": restarting the log there",
                    p->topic->name, p->id, fetch_offset, d->log_start_offset);
            kc_plog_truncate_fully_and_start_at(l, d->log_start_offset);
            p->high_watermark = d->log_start_offset;
        } else {
            p->rs->truncating = true; /* we are ahead of the leader: truncate by epoch */
        }
        return;
    default: /* not the leader (yet), fenced or unknown epoch, storage error: wait */
        back_off(p, b->cfg->replica_fetch_backoff_ms);
        return;
    }
    if (d->records.p && d->records.len > 0) {
        size_t appended = 0;
        bool rolled = false;
        int rc = kc_plog_append_replica(l, d->records.p, (size_t)d->records.len, kc_now_ms(),
                                        &appended, &rolled);
        if (rc == -ERANGE) {
            p->rs->truncating = true;
            return;
        }
        if (rc) {
            kc_error("REPLICA",
                     "%s-%d: cannot append what leader %d sent at offset %" PRId64 ": %s",
                     p->topic->name, p->id, f->source, fetch_offset, strerror(-rc));
            back_off(p, b->cfg->replica_fetch_backoff_ms);
        }
        if (appended)
            kc_log_manager_after_append(b, p, rolled);
    }
    if (d->log_start_offset > kc_plog_log_start_offset(l) &&
        d->log_start_offset <= kc_plog_log_end_offset(l))
        kc_plog_delete_records(l, d->log_start_offset);
    kc_replica_follower_set_hw(b, p, d->high_watermark);
}

static void on_fetch_response(void *arg, int16_t api_key, int16_t v, kc_rbuf *body)
{
    (void)api_key;
    kc_fetcher *f = arg;
    kc_arena a = {0};
    kc_fetch_resp resp;
    if (!body || kc_fetch_resp_decode(body, v, &resp, &a)) {
        kc_arena_free(&a);
        request_failed(f);
        return;
    }
    for (int32_t i = 0; i < resp.responses_count; i++)
        for (int32_t j = 0; j < resp.responses[i].partitions_count; j++) {
            const kc_fetch_partition_data *d = &resp.responses[i].partitions[j];
            const sent *s = find_sent(f, resp.responses[i].topic, d->partition_index);
            if (!s || s->p->rs->truncating || s->fetch_offset != kc_plog_log_end_offset(s->p->log))
                continue;
            apply_partition(f, s->p, d, s->fetch_offset);
        }
    kc_arena_free(&a);
    request_done(f);
}

static bool send_fetch(kc_fetcher *f, int64_t now)
{
    const kc_config *c = f->b->cfg;
    kc_arena a = {0};
    kc_fetch_req req = {0};
    req.replica_id = c->broker_id;
    req.max_wait_ms = c->replica_fetch_wait_max_ms;
    req.min_bytes = c->replica_fetch_min_bytes;
    req.max_bytes = c->replica_fetch_response_max_bytes;
    req.session_epoch = -1; /* no fetch session: a full fetch every time */
    req.rack_id = kc_str_c("");
    req.topics = kc_arena_alloc(&a, sizeof(*req.topics) * (size_t)f->n);
    for (int i = 0; i < f->n; i++) {
        kc_partition *p = f->parts[i];
        if (p->rs->truncating || p->rs->retry_at_ms > now)
            continue;
        kc_fetch_topic *t = NULL;
        for (int32_t k = 0; k < req.topics_count && !t; k++)
            if (kc_str_eq(req.topics[k].topic, p->topic->name))
                t = &req.topics[k];
        if (!t) {
            t = &req.topics[req.topics_count++];
            t->topic = kc_str_c(p->topic->name);
            t->partitions = kc_arena_alloc(&a, sizeof(*t->partitions) * (size_t)f->n);
        }
        int64_t leo = kc_plog_log_end_offset(p->log);
        t->partitions[t->partitions_count++] =
            (kc_fetch_partition){p->id, p->leader_epoch, leo, kc_plog_log_start_offset(p->log),
                                 c->replica_fetch_max_bytes};
        f->inflight[f->n_inflight++] = (sent){p, p->rs->fetch_gen, leo};
    }
    if (req.topics_count == 0) {
        kc_arena_free(&a);
        return false;
    }
    kc_wbuf w = {0};
    kc_fetch_req_encode(&w, FETCH_VERSION, &req);
    kc_arena_free(&a);
    f->busy = true;
    kc_ibclient_send(f->client, KC_API_FETCH, FETCH_VERSION, &w, on_fetch_response, f);
    kc_wbuf_free(&w);
    return true;
}

/* ------------------------------------------------------------- rounds */

static bool ensure_client(kc_fetcher *f)
{
    if (f->client)
        return true;
    kc_broker *b = f->b;
    const kc_mc_broker *mb = kc_metadata_cache_broker(&b->metadata, f->source);
    const kc_mc_endpoint *ep =
        mb ? kc_mc_broker_endpoint(mb, kc_config_inter_broker_listener(b->cfg)) : NULL;
    if (!ep)
        return false;
    char cid[64];
    snprintf(cid, sizeof(cid), "replica-fetcher-%d-%d", b->cfg->broker_id, f->index);
    f->client = kc_ibclient_new(b->base, &b->ib_security, ep->host, ep->port, cid,
                                b->cfg->replica_socket_timeout_ms);
    return true;
}

static void fetcher_round(kc_fetcher *f)
{
    if (f->busy || f->n == 0 || f->b->shutting_down)
        return;
    if (!ensure_client(f)) {
        schedule(f, UNKNOWN_ENDPOINT_MS);
        return;
    }
    int64_t now = kc_mono_ms();
    f->n_inflight = 0;
    if (send_epochs(f, now) || send_fetch(f, now))
        return;
    /* everything is backing off (or truncating locally just now): come back when due */
    int64_t next = INT64_MAX;
    for (int i = 0; i < f->n; i++) {
        if (f->parts[i]->rs->truncating && f->parts[i]->rs->retry_at_ms <= now) {
            next = now;
            break;
        }
        if (f->parts[i]->rs->retry_at_ms < next)
            next = f->parts[i]->rs->retry_at_ms;
    }
    if (next != INT64_MAX)
        schedule(f, next - now);
}

/* ------------------------------------------------------------- membership */

static kc_fetcher *fetcher_for(kc_broker *b, int32_t source, int index)
{
    kc_replica_manager *m = b->replicas;
    for (int i = 0; i < m->n_fetchers; i++)
        if (m->fetchers[i]->source == source && m->fetchers[i]->index == index)
            return m->fetchers[i];
    if (m->n_fetchers == m->cap_fetchers) {
        m->cap_fetchers = m->cap_fetchers ? 2 * m->cap_fetchers : 4;
        m->fetchers = realloc(m->fetchers, sizeof(*m->fetchers) * (size_t)m->cap_fetchers);
        if (!m->fetchers)
            kc_fatal("fetcher: out of memory");
    }
    kc_fetcher *f = calloc(1, sizeof(*f));
    if (!f)
        kc_fatal("fetcher: out of memory");
    f->b = b;
    f->source = source;
    f->index = index;
    f->timer = evtimer_new(b->base, on_timer, f);
    m->fetchers[m->n_fetchers++] = f;
    return f;
}

void kc_fetchers_add(kc_broker *b, kc_partition *p)
{
    int n = b->cfg->num_replica_fetchers;
    /* AbstractFetcherManager.getFetcherId: Utils.abs(31 * topic.hashCode + partition) % n, in
     * Java's wrapping int arithmetic (computed unsigned, read back as int32) */
    const char *topic = p->topic->name;
    int32_t h =
        (int32_t)(31u * (uint32_t)kc_java_string_hash(topic, strlen(topic)) + (uint32_t)p->id);
    int index = (int)(kc_java_abs(h) % n);
    kc_fetcher *f = fetcher_for(b, p->leader, index);
    struct kc_replica_state *rs = kc_replica_state_of(p);
    if (f->n == f->cap) {
        f->cap = f->cap ? 2 * f->cap : 16;
        f->parts = realloc(f->parts, sizeof(*f->parts) * (size_t)f->cap);
        f->inflight = realloc(f->inflight, sizeof(*f->inflight) * (size_t)f->cap);
        if (!f->parts || !f->inflight)
            kc_fatal("fetcher: out of memory");
    }
    f->parts[f->n++] = p;
    rs->fetcher = f;
    rs->fetch_gen++;
    rs->truncating = true;
    rs->retry_at_ms = 0;
    if (!f->busy)
        schedule(f, 0);
}

void kc_fetchers_remove(kc_broker *b, kc_partition *p)
{
    (void)b;
    struct kc_replica_state *rs = p->rs;
    if (!rs || !rs->fetcher)
        return;
    kc_fetcher *f = rs->fetcher;
    for (int i = 0; i < f->n; i++)
        if (f->parts[i] == p) {
            f->parts[i] = f->parts[--f->n];
            break;
        }
    rs->fetcher = NULL;
    rs->fetch_gen++;
}

void kc_fetchers_free_all(kc_broker *b)
{
    kc_replica_manager *m = b->replicas;
    for (int i = 0; i < m->n_fetchers; i++) {
        kc_fetcher *f = m->fetchers[i];
        for (int j = 0; j < f->n; j++) {
            f->parts[j]->rs->fetcher = NULL;
            f->parts[j]->rs->fetch_gen++;
        }
        kc_ibclient_free(f->client);
        event_free(f->timer);
        free(f->parts);
        free(f->inflight);
        free(f);
    }
    free(m->fetchers);
    m->fetchers = NULL;
    m->n_fetchers = m->cap_fetchers = 0;
}
