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
 * Fetches use an incremental fetch session (KIP-227; Kafka's FetchSessionHandler): the first
 * Fetch is full (session 0 or the old one, epoch 0) and the leader answers with a session id;
 * later ones (id, epoch N) list only the partitions whose fetch offset, log start offset or
 * leader epoch changed since they were last sent, and forget those no longer fetched (backing
 * off, truncating, moved away), so that a follower of thousands of idle partitions sends and
 * receives a few bytes per round. The fetcher mirrors what the leader's session holds
 * (kc_fetch_session_mirror_new); a session error or a failed request sends a full Fetch next
 * (FETCH_SESSION_ID_NOT_FOUND: a new session; anything else: closing the old one).
 *
 * Invariant: a response is applied to a partition only when it is still in this fetcher, with
 * the generation and log end offset the request was built with (rs->sent_*, tagged with the
 * fetcher's request sequence number).
 */
#include <event2/event.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "broker/fetch_session.h"
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

typedef struct kc_fetcher {
    kc_broker *b;
    int32_t source;
    int index;
    kc_ibclient *client;
    kc_partition **parts;
    int n, cap;
    uint64_t seq; /* the latest request: the partitions it carries have rs->sent_seq == seq */
    bool busy;
    int32_t session_id;       /* the leader's session, 0 = none */
    int32_t session_epoch;    /* of the next Fetch; 0 = full (closing session_id if any) */
    kc_fetch_session *mirror; /* the partitions the leader's session holds, as last sent */
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

/* Whether @p p is in this fetcher's latest request, unchanged since it was built. */
static bool in_request(const kc_fetcher *f, const kc_partition *p)
{
    const struct kc_replica_state *rs = p->rs;
    return rs && rs->fetcher == f && rs->sent_seq == f->seq && rs->sent_gen == rs->fetch_gen &&
           p->log;
}

static void mark_sent(kc_fetcher *f, kc_partition *p)
{
    p->rs->sent_seq = f->seq;
    p->rs->sent_gen = p->rs->fetch_gen;
    p->rs->sent_offset = kc_plog_log_end_offset(p->log);
}

/* The partition (topic, partition) of an answer, if the request just answered carried it. */
static kc_partition *find_sent(kc_fetcher *f, kc_str topic, int32_t partition)
{
    kc_partition *p = kc_topic_partition(kc_topics_find(&f->b->topics, topic), partition);
    return p && in_request(f, p) ? p : NULL;
}

/* The next Fetch is full: a new session when @p keep_id is false, else one that closes the
 * current session and opens another (FetchMetadata.INITIAL / nextCloseExisting). */
static void session_reset(kc_fetcher *f, bool keep_id)
{
    if (!keep_id)
        f->session_id = KC_FETCH_SESSION_INVALID_ID;
    f->session_epoch = KC_FETCH_SESSION_INITIAL_EPOCH;
    kc_fetch_session_mirror_clear(f->mirror);
}

static void request_done(kc_fetcher *f)
{
    f->busy = false;
    schedule(f, 0);
}

/* A lost connection or an unreadable answer: everything asked backs off, and the leader's
 * session may have moved past what we believe: the next Fetch replaces it. */
static void request_failed(kc_fetcher *f)
{
    for (int i = 0; i < f->n; i++)
        if (in_request(f, f->parts[i]))
            back_off(f->parts[i], f->b->cfg->replica_fetch_backoff_ms);
    session_reset(f, true);
    f->busy = false;
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
            kc_partition *p = find_sent(f, resp.topics[i].topic, e->partition);
            if (!p || !p->rs->truncating)
                continue;
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
        mark_sent(f, p);
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

/* FetchSessionHandler.handleResponse: what the answer says of the session. False when it
 * refused the session (a top-level error): no partition is answered. */
static bool session_answered(kc_fetcher *f, const kc_fetch_resp *resp)
{
    if (resp->error_code != KC_ERR_NONE) {
        static kc_log_limit limit;
        int suppressed;
        if (kc_log_allow(&limit, 10000, &suppressed))
            kc_info("REPLICA",
                    "fetch session %d with broker %d refused (error %d): sending a full "
                    "fetch (%d more suppressed)",
                    f->session_id, f->source, resp->error_code, suppressed);
        session_reset(f, resp->error_code != KC_ERR_FETCH_SESSION_ID_NOT_FOUND);
        return false;
    }
    /* the session is unchanged while its one Fetch is in flight: epoch 0 means it was full */
    if (f->session_epoch == KC_FETCH_SESSION_INITIAL_EPOCH) { /* opened, or none (cache full) */
        f->session_id = resp->session_id;
        f->session_epoch = resp->session_id != KC_FETCH_SESSION_INVALID_ID
                               ? kc_fetch_session_next_epoch(KC_FETCH_SESSION_INITIAL_EPOCH)
                               : KC_FETCH_SESSION_INITIAL_EPOCH;
        if (resp->session_id == KC_FETCH_SESSION_INVALID_ID)
            kc_fetch_session_mirror_clear(f->mirror);
    } else if (resp->session_id == KC_FETCH_SESSION_INVALID_ID) {
        session_reset(f, false); /* the leader closed it (we forgot every partition) */
    } else {
        f->session_epoch = kc_fetch_session_next_epoch(f->session_epoch);
    }
    return true;
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
    if (!session_answered(f, &resp))
        resp.responses_count = 0;
    /* an incremental answer lists only the partitions with something new: the others need
     * nothing done */
    for (int32_t i = 0; i < resp.responses_count; i++)
        for (int32_t j = 0; j < resp.responses[i].partitions_count; j++) {
            const kc_fetch_partition_data *d = &resp.responses[i].partitions[j];
            kc_partition *p = find_sent(f, resp.responses[i].topic, d->partition_index);
            if (!p || p->rs->truncating || p->rs->sent_offset != kc_plog_log_end_offset(p->log))
                continue;
            apply_partition(f, p, d, p->rs->sent_offset);
        }
    kc_arena_free(&a);
    request_done(f);
}

/* Request entries grouped by topic: the entry of @p key (a kc_topic) in an open-addressing table
 * of the request's arena. */
typedef struct topic_groups {
    const void **keys;
    int32_t *slots;
    uint32_t mask;
} topic_groups;

static void groups_init(topic_groups *g, kc_arena *a, int n)
{
    uint32_t cap = 16;
    while (cap < 2u * (uint32_t)n)
        cap *= 2;
    g->keys = kc_arena_alloc(a, sizeof(*g->keys) * cap);
    g->slots = kc_arena_alloc(a, sizeof(*g->slots) * cap);
    memset(g->keys, 0, sizeof(*g->keys) * cap);
    g->mask = cap - 1;
}

/* The slot of @p key, or -1 after reserving @p next for it. */
static int32_t groups_slot(topic_groups *g, const void *key, int32_t next)
{
    uint32_t h = (uint32_t)(((uintptr_t)key >> 4) * 2654435761u) & g->mask;
    for (; g->keys[h]; h = (h + 1) & g->mask)
        if (g->keys[h] == key)
            return g->slots[h];
    g->keys[h] = key;
    g->slots[h] = next;
    return -1;
}

static int cmp_by_topic(const void *x, const void *y)
{
    const kc_fs_partition *a = *(kc_fs_partition *const *)x, *b = *(kc_fs_partition *const *)y;
    int32_t n = a->topic_len < b->topic_len ? a->topic_len : b->topic_len;
    int c = memcmp(a->topic, b->topic, (size_t)n);
    if (c == 0)
        c = (a->topic_len > b->topic_len) - (a->topic_len < b->topic_len);
    return c ? c : (a->partition > b->partition) - (a->partition < b->partition);
}

/* The partitions of the leader's session that this request does not fetch: forgotten, grouped
 * by topic, and dropped from the mirror. */
static void add_forgotten(kc_fetcher *f, kc_arena *a, kc_fetch_req *req)
{
    int32_t n = 0;
    kc_fs_partition **gone = NULL;
    kc_fs_partition *m;
    TAILQ_FOREACH (m, &f->mirror->order, order) {
        if (find_sent(f, (kc_str){m->topic, m->topic_len}, m->partition))
            continue;
        if (!gone)
            gone = kc_arena_alloc(a, sizeof(*gone) * (size_t)f->mirror->size);
        gone[n++] = m;
    }
    if (n == 0)
        return;
    qsort(gone, (size_t)n, sizeof(*gone), cmp_by_topic);
    int32_t *ids = kc_arena_alloc(a, sizeof(*ids) * (size_t)n);
    req->forgotten_topics_data = kc_arena_alloc(a, sizeof(*req->forgotten_topics_data) * (size_t)n);
    kc_fetch_forgotten_topic *t = NULL;
    for (int32_t i = 0; i < n; i++) {
        const kc_fs_partition *q = gone[i];
        if (!t || t->topic.len != q->topic_len ||
            memcmp(t->topic.p, q->topic, (size_t)q->topic_len) != 0) {
            t = &req->forgotten_topics_data[req->forgotten_topics_data_count++];
            t->topic = (kc_str){kc_arena_strndup(a, q->topic, (size_t)q->topic_len), q->topic_len};
            t->partitions = &ids[i];
            t->partitions_count = 0;
        }
        t->partitions[t->partitions_count++] = q->partition;
    }
    for (int32_t i = 0; i < n; i++)
        kc_fetch_session_forget(f->mirror, (kc_str){gone[i]->topic, gone[i]->topic_len},
                                gone[i]->partition);
}

static bool same_fetch_data(const kc_fs_partition *q, const kc_fs_fetch_data *d)
{
    return q->max_bytes == d->max_bytes && q->fetch_offset == d->fetch_offset &&
           q->log_start_offset == d->log_start_offset &&
           q->current_leader_epoch == d->current_leader_epoch;
}

static bool send_fetch(kc_fetcher *f, int64_t now)
{
    const kc_config *c = f->b->cfg;
    bool full = f->session_epoch == KC_FETCH_SESSION_INITIAL_EPOCH;
    if (full)
        kc_fetch_session_mirror_clear(f->mirror);
    kc_arena a = {0};
    kc_fetch_req req = {0};
    req.replica_id = c->broker_id;
    req.max_wait_ms = c->replica_fetch_wait_max_ms;
    req.min_bytes = c->replica_fetch_min_bytes;
    req.max_bytes = c->replica_fetch_response_max_bytes;
    req.session_id = f->session_id;
    req.session_epoch = f->session_epoch;
    req.rack_id = kc_str_c("");
    req.topics = kc_arena_alloc(&a, sizeof(*req.topics) * (size_t)f->n);
    topic_groups groups;
    groups_init(&groups, &a, f->n);
    kc_fetch_partition *sent = kc_arena_alloc(&a, sizeof(*sent) * (size_t)f->n);
    int32_t *group = kc_arena_alloc(&a, sizeof(*group) * (size_t)f->n);
    int n_ready = 0, n_sent = 0;
    for (int i = 0; i < f->n; i++) {
        kc_partition *p = f->parts[i];
        if (p->rs->truncating || p->rs->retry_at_ms > now)
            continue;
        n_ready++;
        mark_sent(f, p);
        kc_str name = kc_str_c(p->topic->name);
        kc_fs_fetch_data d = {c->replica_fetch_max_bytes, p->rs->sent_offset,
                              kc_plog_log_start_offset(p->log), p->leader_epoch};
        kc_fs_partition *q = kc_fetch_session_find(f->mirror, name, p->id);
        if (q && same_fetch_data(q, &d))
            continue; /* the leader's session fetches it as it is */
        kc_fetch_session_update(f->mirror, name, p->id, &d);
        int32_t k = groups_slot(&groups, p->topic, req.topics_count);
        if (k < 0) {
            k = req.topics_count++;
            req.topics[k] = (kc_fetch_topic){.topic = name};
        }
        req.topics[k].partitions_count++;
        group[n_sent] = k;
        sent[n_sent++] = (kc_fetch_partition){p->id, d.current_leader_epoch, d.fetch_offset,
                                              d.log_start_offset, d.max_bytes};
    }
    /* one array, each topic's partitions contiguous (an array of f->n per topic was quadratic:
     * 32 MB for a follower of 1,000 single-partition topics) */
    kc_fetch_partition *flat = kc_arena_alloc(&a, sizeof(*flat) * (size_t)(n_sent + 1));
    for (int32_t k = 0, at = 0; k < req.topics_count; k++) {
        req.topics[k].partitions = flat + at;
        at += req.topics[k].partitions_count;
        req.topics[k].partitions_count = 0;
    }
    for (int i = 0; i < n_sent; i++) {
        kc_fetch_topic *t = &req.topics[group[i]];
        t->partitions[t->partitions_count++] = sent[i];
    }
    /* every ready partition is in the mirror now: only when it holds more is one to forget */
    if (!full && f->mirror->size > n_ready)
        add_forgotten(f, &a, &req);
    if (n_ready == 0 && req.forgotten_topics_data_count == 0) {
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
    f->seq++;
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
    f->mirror = kc_fetch_session_mirror_new(64);
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
        if (!f->parts)
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
        kc_fetch_session_mirror_free(f->mirror);
        free(f);
    }
    free(m->fetchers);
    m->fetchers = NULL;
    m->n_fetchers = m->cap_fetchers = 0;
}
