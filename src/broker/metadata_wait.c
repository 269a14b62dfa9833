/* Polling waits on the metadata cache; see metadata_wait.h. Each waiter owns its timer. */
#include "broker/metadata_wait.h"

#include <event2/event.h>
#include <stdlib.h>

#include "common/log.h"

#define POLL_MS 20

typedef struct waiter {
    kc_broker *b;
    int64_t deadline_ms;
    kc_mw_cond cond;
    kc_mw_done done;
    void *arg;
    struct event *ev;
} waiter;

static void check(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    waiter *w = arg;
    bool met = w->cond(w->b, w->arg);
    if (met || w->b->shutting_down || kc_now_ms() >= w->deadline_ms) {
        event_free(w->ev);
        w->done(w->b, met, w->arg);
        free(w);
        return;
    }
    struct timeval tv = {0, POLL_MS * 1000};
    evtimer_add(w->ev, &tv);
}

void kc_metadata_wait(kc_broker *b, int32_t timeout_ms, kc_mw_cond cond, kc_mw_done done, void *arg)
{
    bool met = cond(b, arg);
    if (met || timeout_ms <= 0) {
        done(b, met, arg);
        return;
    }
    waiter *w = calloc(1, sizeof(*w));
    if (!w)
        kc_fatal("metadata wait: out of memory");
    *w = (waiter){b, kc_now_ms() + timeout_ms, cond, done, arg, NULL};
    w->ev = evtimer_new(b->base, check, w);
    struct timeval tv = {0, POLL_MS * 1000};
    evtimer_add(w->ev, &tv);
}
