/*
 * Fetch (1), v4-11, and its delayed form (Kafka's DelayedFetch purgatory): when fewer than
 * min_bytes are available the request waits until an append makes enough bytes available or
 * max_wait_ms passes; then the whole response is built fresh.
 *
 * Per partition, as Kafka's LogSegment.read: bytes from the batch holding fetch_offset up to the
 * high watermark, within partition_max_bytes and what is left of max_bytes (the range may end
 * mid-batch); the first batch of the first non-empty partition is returned whole even when
 * larger (KIP-74). fetch_offset outside [log start offset, high watermark] gets
 * OFFSET_OUT_OF_RANGE. No fetch sessions: session_id 0.
 *
 * Records are never copied here: the response carries file ranges that the connection sends
 * with sendfile (PLAINTEXT) or reads into its TLS buffer. When a range is not in the page cache
 * (mincore) a worker reads it first, so that a cold consumer cannot stall the reactor for
 * everyone else (KAFKA-7504).
 */
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "api/dispatch.h"
#include "broker/broker.h"
#include "common/log.h"
#include "common/workers.h"
#include "kc_apis.h"
#include "proto/errors.h"

typedef struct kc_delayed_fetch {
    struct kc_delayed_fetch *next, *prev;
    kc_broker *broker;
    kc_request *req;
    kc_fetch_req r;
    struct event *timer;
} kc_delayed_fetch;

/* The log of a partition this broker leads, or NULL and the error to answer. */
static kc_plog *fetch_target(kc_broker *b, kc_str topic, int32_t partition, int16_t *err)
{
    kc_partition *p = kc_broker_leader_partition(b, topic, partition, err);
    return p ? p->log : NULL;
}

/*
 * Whether the fetch can be answered now: -1 when a partition is in error (answered at once, as
 * Kafka does), else the bytes available, counted only until min_bytes is reached. Offsets and
 * high watermarks decide most cases without touching the log: with min_bytes <= 1 (what
 * librdkafka and kafka-python send) any partition below its high watermark is enough, so the
 * response is not located twice.
 */
static int64_t fetch_available(kc_broker *b, const kc_fetch_req *r)
{
    int64_t total = 0;
    for (int32_t i = 0; i < r->topics_count; i++)
        for (int32_t j = 0; j < r->topics[i].partitions_count; j++) {
            const kc_fetch_partition *fp = &r->topics[i].partitions[j];
            int16_t err;
            kc_plog *l = fetch_target(b, r->topics[i].topic, fp->partition, &err);
            if (!l)
                return -1;
            int64_t hw = kc_plog_log_end_offset(l);
            if (fp->fetch_offset < kc_plog_log_start_offset(l) || fp->fetch_offset > hw)
                return -1;
            if (fp->fetch_offset == hw)
                continue;
            if (r->min_bytes <= 1)
                return 1;
            kc_plog_slice sl;
            if (kc_plog_read_slice(l, fp->fetch_offset, hw, fp->partition_max_bytes, true, &sl))
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

static void fetch_respond(kc_broker *b, kc_request *req, const kc_fetch_req *r)
{
    int16_t v = req->hdr.api_version;
    kc_fetch_resp resp = {0};
    int64_t budget = r->max_bytes < 0 ? 0 : r->max_bytes, used = 0;
    resp.responses_count = r->topics_count;
    resp.responses =
        kc_arena_alloc(&req->arena, sizeof(*resp.responses) * (size_t)(r->topics_count + 1));
    for (int32_t i = 0; i < r->topics_count; i++) {
        const kc_fetch_topic *ft = &r->topics[i];
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
            kc_plog *l = fetch_target(b, ft->topic, fp->partition, &pd->error_code);
            if (!l)
                continue;
            int64_t hw = kc_plog_log_end_offset(l);
            pd->high_watermark = pd->last_stable_offset = hw;
            pd->log_start_offset = kc_plog_log_start_offset(l);
            int64_t left = budget - used;
            int32_t limit = fp->partition_max_bytes;
            if (left < limit)
                limit = (int32_t)(left < 0 ? 0 : left);
            /* only the first non-empty partition may exceed the limits (KIP-74) */
            kc_plog_slice sl;
            int rc = kc_plog_read_slice(l, fp->fetch_offset, hw, limit, used == 0, &sl);
            if (rc == 1) {
                pd->error_code = KC_ERR_OFFSET_OUT_OF_RANGE;
            } else if (rc < 0) {
                kc_error("STORAGE", "read of %.*s-%d failed: %s", (int)ft->topic.len, ft->topic.p,
                         fp->partition, strerror(-rc));
                pd->error_code = KC_ERR_KAFKA_STORAGE_ERROR;
            } else if (sl.bytes > 0) {
                pd->records = (kc_records){NULL, sl.bytes, sl.fd, sl.position};
                used += sl.bytes;
            }
        }
    }
    kc_fetch_resp_encode(&req->out, v, &resp);
    for (int i = 0; i < req->out.n_splices; i++) {
        const kc_wbuf_splice *sp = &req->out.splices[i];
        if (!range_cached(sp->fd, sp->offset, sp->len)) {
            kc_workers_submit(b->workers, prefetch_work, prefetch_done, req);
            return;
        }
    }
    kc_request_respond(req);
}

static void delayed_remove(kc_delayed_fetch *d)
{
    kc_broker *b = d->broker;
    if (d->prev)
        d->prev->next = d->next;
    else
        b->delayed_fetches = d->next;
    if (d->next)
        d->next->prev = d->prev;
    event_free(d->timer);
}

static void delayed_complete(kc_delayed_fetch *d)
{
    delayed_remove(d);
    d->req->on_orphan = NULL;
    fetch_respond(d->broker, d->req, &d->r);
    free(d);
}

static void delayed_on_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    delayed_complete(arg);
}

/* True when @p r fetches partition @p p. */
static bool fetch_wants(const kc_fetch_req *r, const kc_partition *p)
{
    for (int32_t i = 0; i < r->topics_count; i++) {
        if (!kc_str_eq(r->topics[i].topic, p->topic->name))
            continue;
        for (int32_t j = 0; j < r->topics[i].partitions_count; j++)
            if (r->topics[i].partitions[j].partition == p->id)
                return true;
    }
    return false;
}

void kc_broker_on_append(kc_broker *b, kc_partition *p)
{
    /* Unlink every fetch that can complete first, then answer them: answering may run other
     * requests (a connection resumes reading) that append and re-enter here, and they must
     * only ever see the broker's list, never this walk's. */
    kc_delayed_fetch *ready = NULL;
    kc_delayed_fetch *d = b->delayed_fetches;
    while (d) {
        kc_delayed_fetch *next = d->next;
        if (!fetch_wants(&d->r, p)) { /* an append elsewhere cannot complete it */
            d = next;
            continue;
        }
        int64_t avail = fetch_available(b, &d->r);
        if (avail < 0 || avail >= d->r.min_bytes) {
            delayed_remove(d);
            d->next = ready;
            ready = d;
        }
        d = next;
    }
    while (ready) {
        d = ready;
        ready = d->next;
        d->req->on_orphan = NULL;
        fetch_respond(b, d->req, &d->r);
        free(d);
    }
}

/** Completes every waiting fetch now (shutdown). */
void kc_fetch_complete_all(kc_broker *b)
{
    while (b->delayed_fetches)
        delayed_complete(b->delayed_fetches);
}

/* The client went away: nobody will read the answer, so stop waiting for it now. */
static void delayed_on_orphan(kc_request *req)
{
    kc_delayed_fetch *d = req->pending;
    delayed_remove(d);
    req->on_orphan = NULL;
    free(d);
    kc_request_respond(req); /* no connection: just frees the request */
}

void kc_handle_fetch(kc_request *req)
{
    kc_broker *b = req->broker;
    kc_fetch_req r;
    if (kc_fetch_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed Fetch request");
        return;
    }
    int64_t avail = fetch_available(b, &r);
    if (r.max_wait_ms <= 0 || avail < 0 || avail >= r.min_bytes || b->shutting_down ||
        r.topics_count == 0) {
        fetch_respond(b, req, &r);
        return;
    }
    kc_delayed_fetch *d = calloc(1, sizeof(*d));
    if (!d)
        kc_fatal("fetch: out of memory");
    d->broker = b;
    d->req = req;
    d->r = r;
    d->timer = evtimer_new(b->base, delayed_on_timeout, d);
    struct timeval tv = {r.max_wait_ms / 1000, (r.max_wait_ms % 1000) * 1000};
    evtimer_add(d->timer, &tv);
    d->next = b->delayed_fetches;
    if (d->next)
        d->next->prev = d;
    b->delayed_fetches = d;
    req->pending = d;
    req->on_orphan = delayed_on_orphan;
}
