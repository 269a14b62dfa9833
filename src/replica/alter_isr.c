/*
 * ISR changes proposed to the controller with AlterIsr (API 56 v0, Kafka's AlterIsrManager):
 * one request in flight, carrying every partition queued meanwhile. A top-level error or a lost
 * connection keeps the items and retries after ALTER_RETRY_MS; per partition, success commits
 * the ISR and the new state znode version, UNKNOWN_TOPIC_OR_PARTITION, FENCED_LEADER_EPOCH and
 * INVALID_UPDATE_VERSION leave the proposal pending until the next LeaderAndIsr replaces the
 * state, and any other error drops it (the periodic checks propose again from the state then).
 */
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "broker/controller_client.h"
#include "common/clock.h"
#include "common/log.h"
#include "kc_apis.h"
#include "proto/errors.h"
#include "replica/replica_internal.h"

#define ALTER_RETRY_MS 50

static void alter_send(kc_broker *b);

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    alter_send(arg);
}

static void schedule_retry(kc_broker *b)
{
    kc_replica_manager *m = b->replicas;
    if (m->stopped)
        return;
    if (!m->alter_retry)
        m->alter_retry = evtimer_new(b->base, on_retry, b);
    struct timeval tv = kc_timeval_ms(ALTER_RETRY_MS);
    evtimer_add(m->alter_retry, &tv);
}

static void queue_push(kc_replica_manager *m, kc_partition *p)
{
    if (p->rs->alter_queued)
        return;
    p->rs->alter_queued = true;
    p->rs->next_queued = m->alter_queue;
    m->alter_queue = p;
}

void kc_alter_isr_enqueue(kc_broker *b, kc_partition *p)
{
    kc_replica_manager *m = b->replicas;
    kc_replica_state_of(p);
    queue_push(m, p);
    if (!m->alter_in_flight)
        alter_send(b);
}

void kc_alter_isr_dequeue(kc_broker *b, kc_partition *p)
{
    kc_replica_manager *m = b->replicas;
    if (!m || !p->rs || !p->rs->alter_queued)
        return;
    for (kc_partition **pp = &m->alter_queue; *pp; pp = &(*pp)->rs->next_queued)
        if (*pp == p) {
            *pp = p->rs->next_queued;
            break;
        }
    p->rs->alter_queued = false;
    p->rs->next_queued = NULL;
}

/* The partition a response item names, when it still waits for that answer. */
static kc_partition *pending_partition(kc_broker *b, kc_str topic, int32_t id)
{
    kc_topic *t = kc_topics_find(&b->topics, topic);
    kc_partition *p = t ? kc_topic_partition(t, id) : NULL;
    return p && p->rs && p->rs->alter_pending ? p : NULL;
}

static void on_response(void *arg, int16_t api_key, int16_t api_version, kc_rbuf *body)
{
    (void)api_key;
    kc_broker *b = arg;
    kc_replica_manager *m = b->replicas;
    m->alter_in_flight = false;
    if (m->stopped)
        return;
    kc_arena a = {0};
    kc_alter_isr_resp resp;
    if (!body || kc_alter_isr_resp_decode(body, api_version, &resp, &a) ||
        resp.error_code != KC_ERR_NONE) {
        /* nothing committed: what was sent and still waits for an answer goes back */
        for (int i = 0; i < m->n_alter_sent; i++) {
            kc_partition *p = m->alter_sent[i];
            if (p->rs && p->rs->alter_pending && kc_replica_is_leader(b, p))
                queue_push(m, p);
        }
        m->n_alter_sent = 0;
        kc_arena_free(&a);
        schedule_retry(b);
        return;
    }
    m->n_alter_sent = 0;
    for (int32_t i = 0; i < resp.topics_count; i++) {
        const kc_alter_isr_topic_response *tr = &resp.topics[i];
        for (int32_t j = 0; j < tr->partitions_count; j++) {
            const kc_alter_isr_partition_response *pr = &tr->partitions[j];
            kc_partition *p = pending_partition(b, tr->name, pr->partition_index);
            if (!p || p->rs->alter_queued) /* replaced by a newer proposal or state */
                continue;
            struct kc_replica_state *rs = p->rs;
            if (pr->error_code == KC_ERR_NONE) {
                if (pr->leader_epoch != p->leader_epoch || pr->current_isr_version < p->zk_version)
                    continue; /* an answer about a state we no longer hold */
                kc_ids_assign(&p->isr, &p->n_isr, pr->isr, pr->isr_count > 0 ? pr->isr_count : 0);
                p->zk_version = pr->current_isr_version;
                rs->alter_pending = false;
                kc_info("REPLICA", "%s-%d: ISR is now %d broker(s) (state version %d)",
                        p->topic->name, p->id, p->n_isr, p->zk_version);
                kc_broker_on_partition_change(b, p);
            } else if (pr->error_code == KC_ERR_UNKNOWN_TOPIC_OR_PARTITION ||
                       pr->error_code == KC_ERR_FENCED_LEADER_EPOCH ||
                       pr->error_code == KC_ERR_INVALID_UPDATE_VERSION) {
                kc_warn("REPLICA",
                        "%s-%d: controller refused the ISR change (error %d); waiting "
                        "for its LeaderAndIsr",
                        p->topic->name, p->id, pr->error_code);
            } else {
                /* refused for now (a broker shutting down, an ISR the controller finds invalid):
                 * drop the proposal; the next shrink or expand check makes a fresh one from the
                 * state then, instead of repeating this one in a loop */
                kc_info("REPLICA", "%s-%d: controller refused the ISR change (error %d)",
                        p->topic->name, p->id, pr->error_code);
                rs->alter_pending = false;
            }
        }
    }
    kc_arena_free(&a);
    if (m->alter_queue && !m->alter_in_flight)
        alter_send(b);
}

static void alter_send(kc_broker *b)
{
    kc_replica_manager *m = b->replicas;
    if (m->stopped || m->alter_in_flight || !m->alter_queue)
        return;
    kc_arena a = {0};
    int n = 0;
    for (kc_partition *p = m->alter_queue; p; p = p->rs->next_queued)
        n++;
    kc_alter_isr_req req = {b->cfg->broker_id, b->broker_epoch, 0, NULL};
    req.topics = kc_arena_alloc(&a, sizeof(*req.topics) * (size_t)n);
    if (n > m->cap_alter_sent) {
        m->cap_alter_sent = n;
        m->alter_sent = realloc(m->alter_sent, sizeof(*m->alter_sent) * (size_t)n);
        if (!m->alter_sent)
            kc_fatal("replica: out of memory");
    }
    m->n_alter_sent = 0;
    for (kc_partition *p = m->alter_queue, *next; p; p = next) {
        next = p->rs->next_queued;
        m->alter_sent[m->n_alter_sent++] = p;
        p->rs->alter_queued = false;
        p->rs->next_queued = NULL;
        kc_alter_isr_topic_data *td = NULL;
        for (int32_t i = 0; i < req.topics_count && !td; i++)
            if (kc_str_eq(req.topics[i].name, p->topic->name))
                td = &req.topics[i];
        if (!td) {
            td = &req.topics[req.topics_count++];
            td->name = kc_str_c(p->topic->name);
            td->partitions_count = 0;
            td->partitions = kc_arena_alloc(&a, sizeof(*td->partitions) * (size_t)n);
        }
        kc_alter_isr_partition_data *pd = &td->partitions[td->partitions_count++];
        pd->partition_index = p->id;
        pd->leader_epoch = p->leader_epoch;
        pd->new_isr = p->rs->proposed_isr;
        pd->new_isr_count = p->rs->n_proposed_isr;
        pd->current_isr_version = p->zk_version;
    }
    m->alter_queue = NULL;
    kc_wbuf w = {0};
    kc_alter_isr_req_encode(&w, 0, &req);
    kc_arena_free(&a);
    m->alter_in_flight = true;
    kc_controller_client_send(b, KC_API_ALTER_ISR, 0, &w, on_response, b);
    kc_wbuf_free(&w);
}

void kc_alter_isr_free(kc_broker *b)
{
    kc_replica_manager *m = b->replicas;
    if (m->alter_retry) {
        event_free(m->alter_retry);
        m->alter_retry = NULL;
    }
    kc_controller_client_free(b);
    m->alter_in_flight = false;
    free(m->alter_sent);
    m->alter_sent = NULL;
    m->n_alter_sent = m->cap_alter_sent = 0;
    while (m->alter_queue)
        kc_alter_isr_dequeue(b, m->alter_queue);
}
