/*
 * Fetch (1), v0-11, and its delayed form (Kafka's DelayedFetch purgatory): when fewer than
 * min_bytes are available the request waits until an append makes enough bytes available or
 * max_wait_ms passes; then the whole response is built fresh.
 *
 * Per partition, as Kafka's LogSegment.read: bytes from the batch holding fetch_offset up to the
 * high watermark (consumers) or the log end offset (followers, replica_id >= 0), within
 * partition_max_bytes and what is left of max_bytes (the range may end mid-batch); the first
 * batch of the first non-empty partition is returned whole even when larger (KIP-74).
 * fetch_offset outside [log start offset, log end offset] gets OFFSET_OUT_OF_RANGE. A follower's
 * fetch offset is its log end offset: the leader records it (replica.h), which moves the high
 * watermark and the ISR. Waiting fetches are operations of the broker's purgatory, keyed by
 * partition.
 *
 * Fetch sessions (KIP-227, v7+; broker/fetch_session.h): the request's (session_id, epoch) is
 * decided on arrival, once: a session error (70, 71) is answered at once with session_id 0 and
 * no partitions; an incremental fetch applies its partitions and forgotten ones to the session,
 * bumps its epoch, and fetches every cached partition. When the response is built (at once or
 * when a delayed fetch completes) a full fetch (0, 0) / (ID, 0) creates a session caching all
 * of its partitions, and an incremental one keeps only the partitions the inclusion rule
 * selects, or answers 71 with the session id if the session's epoch moved meanwhile.
 *
 * Records are never copied here: the response carries file ranges that the connection sends
 * with sendfile (PLAINTEXT) or reads into its TLS buffer. When a range is not in the page cache
 * (mincore) a worker reads it first, so that a cold consumer cannot stall the reactor for
 * everyone else (KAFKA-7504). Fetch v0-3 answers message format v0 (v0-1) or v1 (v2-3): those
 * records are read into memory and down-converted (proto/legacy_records.h), as Kafka does.
 */
#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "api/authz.h"
#include "api/dispatch.h"
#include "broker/broker.h"
#include "broker/fetch_session.h"
#include "broker/purgatory.h"
#include "common/clock.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "common/workers.h"
#include "kc_apis.h"
#include "proto/errors.h"
#include "proto/legacy_records.h"
#include "replica/replica.h"

/* What the request's (session_id, epoch) decided (fetch_session.h), kept until the response
 * is built. */
typedef struct fetch_ctx {
    kc_fs_mode mode;    /* KC_FS_SESSIONLESS, KC_FS_FULL or KC_FS_INCREMENTAL */
    int32_t session_id; /* incremental: the session, told apart from a later one by serial */
    uint64_t serial;
    int32_t epoch; /* incremental: the session's epoch once this request was applied */
} fetch_ctx;

/* r.topics holds the authorized topics; the refused ones follow them in the same array (see
 * split_denied), n_denied of them, answered TOPIC_AUTHORIZATION_FAILED. */
typedef struct delayed_fetch {
    kc_request *req;
    kc_fetch_req r;
    int32_t n_denied;
    fetch_ctx fs;
} delayed_fetch;

/*
 * The partition a fetch reads, when this broker leads it; otherwise NULL and the error to
 * answer. current_leader_epoch (v9+, KIP-320) older than ours is FENCED_LEADER_EPOCH, newer
 * UNKNOWN_LEADER_EPOCH, as Kafka's Partition.checkCurrentLeaderEpoch.
 */
static kc_partition *fetch_target(kc_broker *b, kc_str topic, const kc_fetch_partition *fp,
                                  int16_t *err)
{
    kc_partition *p = kc_broker_leader_partition(b, topic, fp->partition, err);
    if (!p)
        return NULL;
    if (fp->current_leader_epoch >= 0 && fp->current_leader_epoch != p->leader_epoch) {
        *err = fp->current_leader_epoch < p->leader_epoch ? KC_ERR_FENCED_LEADER_EPOCH
                                                          : KC_ERR_UNKNOWN_LEADER_EPOCH;
        return NULL;
    }
    return p;
}

/* Followers read up to the log end offset, everyone else up to the high watermark. */
static int64_t fetch_limit(const kc_fetch_req *r, const kc_partition *p)
{
    return r->replica_id >= 0 ? kc_plog_log_end_offset(p->log) : p->high_watermark;
}

/* A follower's fetch tells the leader where the follower's log ends (Kafka records it at every
 * read of a follower fetch: on arrival and again when a delayed one completes). False when the
 * fetcher is not a replica of the partition: it then gets no records. */
static bool record_follower(kc_broker *b, const kc_fetch_req *r, kc_partition *p,
                            const kc_fetch_partition *fp)
{
    if (r->replica_id < 0)
        return true;
    return kc_replica_on_follower_fetch(b, p, r->replica_id, fp->fetch_offset,
                                        kc_plog_log_end_offset(p->log));
}

/*
 * Whether the fetch can be answered now: -1 when a partition is in error (answered at once, as
 * Kafka does), else the bytes available, counted only until min_bytes is reached. Offsets and
 * high watermarks decide most cases without touching the log: with min_bytes <= 1 (what
 * librdkafka, kafka-python and our followers send) any partition below its limit is enough, so
 * the response is not located twice.
 */
static int64_t fetch_available(kc_broker *b, const kc_fetch_req *r)
{
    int64_t total = 0;
    for (int32_t i = 0; i < r->topics_count; i++)
        for (int32_t j = 0; j < r->topics[i].partitions_count; j++) {
            const kc_fetch_partition *fp = &r->topics[i].partitions[j];
            int16_t err;
            kc_partition *p = fetch_target(b, r->topics[i].topic, fp, &err);
            if (!p)
                return -1;
            int64_t limit = fetch_limit(r, p);
            if (fp->fetch_offset < kc_plog_log_start_offset(p->log) ||
                fp->fetch_offset > kc_plog_log_end_offset(p->log))
                return -1;
            if (fp->fetch_offset >= limit)
                continue;
            if (r->min_bytes <= 1)
                return 1;
            kc_plog_slice sl;
            if (kc_plog_read_slice(p->log, fp->fetch_offset, limit, fp->partition_max_bytes, true,
                                   &sl))
                return -1;
            total += sl.bytes;
            if (total >= r->min_bytes)
                return total;
        }
    return total;
}

/* True when every page of [pos, pos+len) of @p fd is in the page cache (mincore). */
static bool range_cached(int fd, int64_t pos, size_t len)
{
    static long page;
    if (!page)
        page = sysconf(_SC_PAGESIZE);
    int64_t start = pos - pos % page;
    size_t span = (size_t)(pos - start) + len;
    void *m = mmap(NULL, span, PROT_READ, MAP_SHARED, fd, start);
    if (m == MAP_FAILED)
        return true; /* cannot tell: do not delay */
    size_t pages = (span + (size_t)page - 1) / (size_t)page;
    unsigned char vec[256];
    bool cached = true;
    for (size_t done = 0; done < pages && cached; done += sizeof(vec)) {
        size_t n = pages - done < sizeof(vec) ? pages - done : sizeof(vec);
        size_t bytes = n * (size_t)page;
        if (done * (size_t)page + bytes > span)
            bytes = span - done * (size_t)page;
        if (mincore((uint8_t *)m + done * (size_t)page, bytes, vec))
            break;
        for (size_t k = 0; k < n; k++)
            cached &= vec[k] & 1;
    }
    munmap(m, span);
    return cached;
}

/* Worker: read the response's file ranges once so that they are in the page cache when the
 * reactor sends them (KAFKA-7504: a cold read must not stall the network thread). */
static void prefetch_work(void *arg)
{
    kc_request *req = arg;
    static __thread uint8_t buf[1 << 16];
    for (int i = 0; i < req->out.n_splices; i++) {
        const kc_wbuf_splice *sp = &req->out.splices[i];
        for (size_t done = 0; done < sp->len;) {
            size_t n = sp->len - done < sizeof(buf) ? sp->len - done : sizeof(buf);
            ssize_t r = pread(sp->fd, buf, n, (off_t)(sp->offset + (int64_t)done));
            if (r <= 0)
                break;
            done += (size_t)r;
        }
    }
}

static void prefetch_done(void *arg)
{
    kc_request_respond(arg);
}

/* The records of @p sl in message format v0 (Fetch v0-1) or v1 (v2-3), from @p fetch_offset on,
 * in the request's arena (Kafka's RecordsUtil.downConvert). Returns -errno on a failed read. */
static int down_convert(kc_request *req, const kc_plog_slice *sl, int64_t fetch_offset,
                        kc_records *out)
{
    uint8_t *raw = malloc((size_t)sl->bytes);
    if (!raw)
        kc_fatal("fetch: out of memory");
    int rc = kc_pread_full(sl->fd, raw, (size_t)sl->bytes, (off_t)sl->position);
    kc_wbuf w = {0};
    if (rc == 0 && kc_legacy_down_convert(raw, (size_t)sl->bytes, req->hdr.api_version < 2 ? 0 : 1,
                                          fetch_offset, &w))
        rc = -EBADMSG;
    free(raw);
    if (rc == 0 && w.len > 0) {
        uint8_t *p = kc_arena_alloc(&req->arena, w.len);
        memcpy(p, w.data, w.len);
        *out = (kc_records){p, (int32_t)w.len, -1, 0};
    }
    kc_wbuf_free(&w);
    return rc;
}

/* A full response (§4.4): every partition is answered; a new session caches them all, errors
 * included. @return the session id to answer (0: no room). */
static int32_t session_create(kc_broker *b, const kc_fetch_req *r, const kc_fetch_resp *resp)
{
    int32_t n = 0;
    for (int32_t i = 0; i < resp->responses_count; i++)
        n += resp->responses[i].partitions_count;
    kc_fetch_session *s =
        kc_fetch_session_create(b->fetch_sessions, r->replica_id >= 0, n, kc_mono_ms());
    if (!s)
        return 0;
    for (int32_t i = 0; i < resp->responses_count; i++) {
        const kc_fetch_topic *ft = &r->topics[i];
        const kc_fetch_topic_response *tr = &resp->responses[i];
        for (int32_t j = 0; j < tr->partitions_count; j++) {
            const kc_fetch_partition *fp = &ft->partitions[j];
            const kc_fetch_partition_data *pd = &tr->partitions[j];
            kc_fs_fetch_data d = {fp->partition_max_bytes, fp->fetch_offset, fp->log_start_offset,
                                  fp->current_leader_epoch};
            kc_fs_partition *p = kc_fetch_session_update(s, ft->topic, fp->partition, &d);
            kc_fetch_session_sent(s, p, pd->error_code, pd->high_watermark, pd->log_start_offset,
                                  pd->records.len > 0, false);
        }
    }
    return s->id;
}

/* An incremental response (§4.4): only the partitions the inclusion rule selects stay in
 * @p resp; 71 when the session's epoch moved since the request was applied (a duplicate). A
 * session evicted meanwhile answers everything it fetched (as Kafka does with the session
 * object it holds); the next request then gets 70. */
static void session_filter(kc_broker *b, const fetch_ctx *fs, kc_fetch_resp *resp)
{
    resp->session_id = fs->session_id;
    kc_fetch_session *s = kc_fetch_session_get(b->fetch_sessions, fs->session_id);
    if (!s || s->serial != fs->serial)
        return;
    if (s->epoch != fs->epoch) {
        resp->error_code = KC_ERR_INVALID_FETCH_SESSION_EPOCH;
        resp->responses_count = 0;
        return;
    }
    int32_t nt = 0;
    for (int32_t i = 0; i < resp->responses_count; i++) {
        kc_fetch_topic_response tr = resp->responses[i];
        int32_t np = 0;
        for (int32_t j = 0; j < tr.partitions_count; j++) {
            kc_fetch_partition_data *pd = &tr.partitions[j];
            kc_fs_partition *p = kc_fetch_session_find(s, tr.topic, pd->partition_index);
            if (!p || kc_fetch_session_sent(s, p, pd->error_code, pd->high_watermark,
                                            pd->log_start_offset, pd->records.len > 0, true))
                tr.partitions[np++] = *pd;
        }
        tr.partitions_count = np;
        if (np > 0)
            resp->responses[nt++] = tr;
    }
    resp->responses_count = nt;
}

static void fetch_respond(kc_broker *b, kc_request *req, const kc_fetch_req *r, int32_t n_denied,
                          const fetch_ctx *fs)
{
    int16_t v = req->hdr.api_version;
    kc_fetch_resp resp = {0};
    int64_t budget = r->max_bytes < 0 ? 0 : r->max_bytes, used = 0;
    bool tail_reader = r->replica_id >= 0; /* an ISR member of every partition it reads */
    resp.responses_count = r->topics_count + n_denied;
    resp.responses =
        kc_arena_alloc(&req->arena, sizeof(*resp.responses) * (size_t)(resp.responses_count + 1));
    for (int32_t i = 0; i < resp.responses_count; i++) {
        const kc_fetch_topic *ft = &r->topics[i]; /* the refused ones follow r->topics_count */
        kc_fetch_topic_response *tr = &resp.responses[i];
        tr->topic = ft->topic;
        tr->partitions_count = ft->partitions_count;
        tr->partitions = kc_arena_alloc(&req->arena, sizeof(*tr->partitions) *
                                                         (size_t)(ft->partitions_count + 1));
        for (int32_t j = 0; j < ft->partitions_count; j++) {
            const kc_fetch_partition *fp = &ft->partitions[j];
            kc_fetch_partition_data *pd = &tr->partitions[j];
            pd->partition_index = fp->partition;
            pd->high_watermark = pd->last_stable_offset = pd->log_start_offset = -1;
            pd->preferred_read_replica = -1;
            pd->aborted_transactions_count = 0;
            pd->records = (kc_records){NULL, 0, -1, 0};
            if (i >= r->topics_count) {
                pd->error_code = KC_ERR_TOPIC_AUTHORIZATION_FAILED;
                continue;
            }
            kc_partition *p = fetch_target(b, ft->topic, fp, &pd->error_code);
            if (!p)
                continue;
            kc_plog *l = p->log;
            bool replica = record_follower(b, r, p, fp); /* may advance the high watermark */
            pd->high_watermark = pd->last_stable_offset = p->high_watermark;
            pd->log_start_offset = kc_plog_log_start_offset(l);
            if (!replica)
                continue;
            tail_reader &= kc_ids_contain(p->isr, p->n_isr, r->replica_id);
            int64_t limit = fetch_limit(r, p);
            int64_t left = budget - used;
            int32_t max = fp->partition_max_bytes;
            if (left < max)
                max = (int32_t)(left < 0 ? 0 : left);
            /* only the first non-empty partition may exceed the limits (KIP-74) */
            kc_plog_slice sl = {-1, 0, 0};
            int rc = 1; /* out of range: outside [log start offset, log end offset] */
            if (fp->fetch_offset >= kc_plog_log_start_offset(l) &&
                fp->fetch_offset <= kc_plog_log_end_offset(l))
                rc = fp->fetch_offset >= limit /* between the high watermark and the end */
                         ? 0
                         : kc_plog_read_slice(l, fp->fetch_offset, limit, max, used == 0, &sl);
            if (rc == 1) {
                pd->error_code = KC_ERR_OFFSET_OUT_OF_RANGE;
            } else if (rc < 0) {
                kc_error("STORAGE", "read of %.*s-%d failed: %s", (int)ft->topic.len, ft->topic.p,
                         fp->partition, strerror(-rc));
                pd->error_code = KC_ERR_KAFKA_STORAGE_ERROR;
            } else if (sl.bytes > 0 && v < 4) {
                if ((rc = down_convert(req, &sl, fp->fetch_offset, &pd->records)) < 0) {
                    kc_error("STORAGE", "down-conversion of %.*s-%d failed: %s", (int)ft->topic.len,
                             ft->topic.p, fp->partition, strerror(-rc));
                    pd->error_code = KC_ERR_KAFKA_STORAGE_ERROR;
                }
                used += sl.bytes;
            } else if (sl.bytes > 0) {
                pd->records = (kc_records){NULL, sl.bytes, sl.fd, sl.position};
                used += sl.bytes;
            }
        }
    }
    if (fs->mode == KC_FS_FULL)
        resp.session_id = session_create(b, r, &resp);
    else if (fs->mode == KC_FS_INCREMENTAL)
        session_filter(b, fs, &resp);
    kc_fetch_resp_encode(&req->out, v, &resp);
    /* an in-sync follower reads what was appended a moment ago: its pages are cached, and the
     * check (mmap, mincore, munmap per range) cost brokers ~5 % of their CPU under acks=all */
    for (int i = 0; i < req->out.n_splices && !tail_reader; i++) {
        const kc_wbuf_splice *sp = &req->out.splices[i];
        if (!range_cached(sp->fd, sp->offset, sp->len)) {
            kc_wbuf_pin_files(&req->out); /* the worker and the later send outlive this turn */
            kc_workers_submit(b->workers, prefetch_work, prefetch_done, req);
            return;
        }
    }
    kc_request_respond(req);
}

static bool delayed_ready(kc_broker *b, void *arg)
{
    delayed_fetch *d = arg;
    int64_t avail = fetch_available(b, &d->r);
    return avail < 0 || avail >= d->r.min_bytes;
}

static void delayed_complete(kc_broker *b, void *arg, bool expired)
{
    (void)expired; /* an expired fetch answers what there is */
    delayed_fetch *d = arg;
    kc_request *req = d->req;
    kc_fetch_req r = d->r;
    int32_t n_denied = d->n_denied;
    fetch_ctx fs = d->fs;
    free(d);
    fetch_respond(b, req, &r, n_denied, &fs);
}

static const kc_delayed_ops delayed_fetch_ops = {delayed_ready, delayed_complete};

/*
 * KafkaApis.handleFetchRequest: a follower needs Cluster:CLUSTER_ACTION (refused: every
 * partition TOPIC_AUTHORIZATION_FAILED), a consumer Topic:READ per topic, both before the
 * partition is looked at. Moves the refused topics behind the others in r->topics (the order of
 * the response's topics follows; clients match them by name) and leaves only the allowed ones
 * counted. @return how many were refused.
 */
static int32_t split_denied(kc_request *req, kc_fetch_req *r)
{
    bool replica_ok = r->replica_id < 0 || kc_authorized_cluster(req, KC_OP_CLUSTER_ACTION);
    int32_t n_ok = 0;
    for (int32_t i = 0; i < r->topics_count; i++) {
        bool ok = r->replica_id >= 0
                      ? replica_ok
                      : kc_authorized(req, KC_OP_READ, KC_RES_TOPIC, r->topics[i].topic);
        if (!ok)
            continue;
        kc_fetch_topic t = r->topics[i]; /* stable: the refused keep their relative order */
        memmove(&r->topics[n_ok + 1], &r->topics[n_ok], sizeof(t) * (size_t)(i - n_ok));
        r->topics[n_ok++] = t;
    }
    int32_t n_denied = r->topics_count - n_ok;
    r->topics_count = n_ok;
    return n_denied;
}

/* A session error (70, 71): top-level, session_id 0, no partitions (§4.1). */
static void session_error(kc_request *req, int16_t err)
{
    kc_fetch_resp resp = {0};
    resp.error_code = err;
    kc_fetch_resp_encode(&req->out, req->hdr.api_version, &resp);
    kc_request_respond(req);
}

/*
 * §4.1 and §4.3 for a Fetch v7+, once per request: decide what (session_id, epoch) asks for.
 * An incremental fetch applies the request's partitions (added or updated) and then its
 * forgotten ones to the session, bumps the epoch, and replaces r->topics with every cached
 * partition, in session order (consecutive partitions of a topic grouped, copied into the
 * request's arena since the session may go while the fetch waits). A session emptied is closed
 * and the request served without one. @return false when the request was answered (an error).
 */
static bool session_begin(kc_broker *b, kc_request *req, kc_fetch_req *r, fetch_ctx *fs)
{
    kc_fetch_session *s;
    int16_t err;
    fs->mode = kc_fetch_session_begin(b->fetch_sessions, r->session_id, r->session_epoch, &s, &err);
    if (fs->mode == KC_FS_ERROR) {
        session_error(req, err);
        return false;
    }
    if (fs->mode != KC_FS_INCREMENTAL)
        return true;
    for (int32_t i = 0; i < r->topics_count; i++)
        for (int32_t j = 0; j < r->topics[i].partitions_count; j++) {
            const kc_fetch_partition *fp = &r->topics[i].partitions[j];
            kc_fs_fetch_data d = {fp->partition_max_bytes, fp->fetch_offset, fp->log_start_offset,
                                  fp->current_leader_epoch};
            kc_fetch_session_update(s, r->topics[i].topic, fp->partition, &d);
        }
    for (int32_t i = 0; i < r->forgotten_topics_data_count; i++) {
        const kc_fetch_forgotten_topic *ft = &r->forgotten_topics_data[i];
        for (int32_t j = 0; j < ft->partitions_count; j++)
            kc_fetch_session_forget(s, ft->topic, ft->partitions[j]);
    }
    if (!kc_fetch_session_commit(b->fetch_sessions, s, kc_mono_ms())) {
        fs->mode = KC_FS_SESSIONLESS; /* emptied: closed */
        return true;
    }
    fs->session_id = s->id;
    fs->serial = s->serial;
    fs->epoch = s->epoch;
    int32_t nt = 0;
    const kc_fs_partition *p, *prev = NULL;
    TAILQ_FOREACH (p, &s->order, order) {
        if (!prev || prev->topic_len != p->topic_len ||
            memcmp(prev->topic, p->topic, (size_t)p->topic_len) != 0)
            nt++;
        prev = p;
    }
    r->topics = kc_arena_alloc(&req->arena, sizeof(*r->topics) * (size_t)(nt + 1));
    r->topics_count = 0;
    kc_fetch_topic *t = NULL;
    TAILQ_FOREACH (p, &s->order, order) {
        if (!t || t->topic.len != p->topic_len ||
            memcmp(t->topic.p, p->topic, (size_t)p->topic_len) != 0) {
            t = &r->topics[r->topics_count++];
            t->topic = (kc_str){kc_arena_strndup(&req->arena, p->topic, (size_t)p->topic_len),
                                p->topic_len};
            t->partitions_count = 0;
            int32_t n = 1;
            for (const kc_fs_partition *q = TAILQ_NEXT(p, order);
                 q && q->topic_len == p->topic_len &&
                 memcmp(q->topic, p->topic, (size_t)p->topic_len) == 0;
                 q = TAILQ_NEXT(q, order))
                n++;
            t->partitions = kc_arena_alloc(&req->arena, sizeof(*t->partitions) * (size_t)n);
        }
        t->partitions[t->partitions_count++] =
            (kc_fetch_partition){p->partition, p->current_leader_epoch, p->fetch_offset,
                                 p->log_start_offset, p->max_bytes};
    }
    r->forgotten_topics_data_count = 0;
    return true;
}

void kc_handle_fetch(kc_request *req)
{
    kc_broker *b = req->broker;
    kc_fetch_req r;
    if (kc_fetch_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed Fetch request");
        return;
    }
    fetch_ctx fs = {KC_FS_SESSIONLESS, 0, 0, 0};
    /* no cache (a broker of unit tests): no sessions, as with zero slots */
    if (req->hdr.api_version >= 7 && b->fetch_sessions && !session_begin(b, req, &r, &fs))
        return;
    int32_t n_denied = r.topics_count > 0 ? split_denied(req, &r) : 0;
    int64_t avail = fetch_available(b, &r);
    if (r.max_wait_ms <= 0 || avail < 0 || avail >= r.min_bytes || b->shutting_down ||
        r.topics_count == 0) {
        fetch_respond(b, req, &r, n_denied, &fs); /* records a follower's position as it reads */
        return;
    }
    delayed_fetch *d = calloc(1, sizeof(*d));
    if (!d)
        kc_fatal("fetch: out of memory");
    d->req = req;
    d->r = r;
    d->n_denied = n_denied;
    d->fs = fs;
    int32_t n = 0;
    for (int32_t i = 0; i < r.topics_count; i++)
        n += r.topics[i].partitions_count;
    const void **keys = kc_arena_alloc(&req->arena, sizeof(*keys) * (size_t)n);
    n = 0;
    for (int32_t i = 0; i < r.topics_count; i++)
        for (int32_t j = 0; j < r.topics[i].partitions_count; j++) {
            const kc_fetch_partition *fp = &r.topics[i].partitions[j];
            int16_t err;
            kc_partition *p = fetch_target(b, r.topics[i].topic, fp, &err);
            /* a waiting follower is caught up: its position moves the high watermark now, not
             * when the wait ends */
            if (p)
                record_follower(b, &r, p, fp);
            keys[n++] = p;
        }
    kc_purgatory_watch(b->purgatory, keys, n, r.max_wait_ms, &delayed_fetch_ops, d, req);
}
