/*
 * Controlled shutdown (Kafka's KafkaServer.controlledShutdown): before a broker that was asked
 * to stop goes, it asks the controller (ControlledShutdown v3) to move its leaderships to other
 * ISR members and take it out of the ISRs, so that producers see a leader change instead of a
 * dead leader and nothing acknowledged depends on it. The broker keeps serving meanwhile. An
 * answer with remaining partitions, an error or no answer is retried after
 * controlled.shutdown.retry.backoff.ms, at most controlled.shutdown.max.retries times; then the
 * broker stops anyway, as Kafka's does.
 */
#include "broker/controlled_shutdown.h"

#include <event2/event.h>

#include "broker/controller_client.h"
#include "common/clock.h"
#include "common/log.h"
#include "kc_apis.h"
#include "proto/errors.h"

#define CS_VERSION 3

static void attempt(kc_broker *b);

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    attempt(arg);
}

static void give_up_or_retry(kc_broker *b, const char *why)
{
    if (++b->cs_attempts > b->cfg->controlled_shutdown_max_retries) {
        kc_warn("BROKER", "controlled shutdown failed after %d attempts (%s); stopping anyway",
                b->cs_attempts, why);
        kc_broker_shutdown_now(b);
        return;
    }
    kc_info("BROKER", "controlled shutdown attempt %d: %s; retrying in %lld ms", b->cs_attempts,
            why, (long long)b->cfg->controlled_shutdown_retry_backoff_ms);
    if (!b->cs_timer)
        b->cs_timer = evtimer_new(b->base, on_retry, b);
    struct timeval tv = kc_timeval_ms(b->cfg->controlled_shutdown_retry_backoff_ms);
    evtimer_add(b->cs_timer, &tv);
}

static void on_response(void *arg, int16_t api_key, int16_t v, kc_rbuf *body)
{
    (void)api_key;
    kc_broker *b = arg;
    kc_arena a = {0};
    kc_controlled_shutdown_resp resp;
    if (!body || kc_controlled_shutdown_resp_decode(body, v, &resp, &a)) {
        kc_arena_free(&a);
        give_up_or_retry(b, "the controller did not answer");
        return;
    }
    char why[96];
    if (resp.error_code != KC_ERR_NONE) {
        snprintf(why, sizeof(why), "the controller answered error %d", resp.error_code);
    } else if (resp.remaining_partitions_count > 0) {
        snprintf(why, sizeof(why), "%d partitions still led here", resp.remaining_partitions_count);
    } else {
        kc_arena_free(&a);
        kc_info("BROKER", "controlled shutdown succeeded: no partition is led here any more");
        kc_broker_shutdown_now(b);
        return;
    }
    kc_arena_free(&a);
    give_up_or_retry(b, why);
}

static void attempt(kc_broker *b)
{
    kc_controlled_shutdown_req req = {b->cfg->broker_id, b->broker_epoch};
    kc_wbuf w = {0};
    kc_controlled_shutdown_req_encode(&w, CS_VERSION, &req);
    kc_controller_client_send(b, KC_API_CONTROLLED_SHUTDOWN, CS_VERSION, &w, on_response, b);
    kc_wbuf_free(&w);
}

void kc_controlled_shutdown_start(kc_broker *b)
{
    kc_info("BROKER", "starting controlled shutdown");
    attempt(b);
}
