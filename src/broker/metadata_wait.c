/* Waits on the metadata cache; see metadata_wait.h. Waiters form a list on the broker, each
 * with its own timeout event; a waiter is unlinked before its done callback runs. */
#include "broker/metadata_wait.h"

#include <event2/event.h>
#include <stdlib.h>

#include "common/log.h"

typedef struct kc_metadata_waiter {
    struct kc_metadata_waiter *next;
    kc_broker *b;
    kc_mw_cond cond;
    kc_mw_done done;
    void *arg;
    struct event *timeout;
} waiter;

static void finish(waiter *w, bool met)
{
    for (waiter **pp = &w->b->metadata_waiters; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            break;
        }
    event_free(w->timeout);
    w->done(w->b, met, w->arg);
    free(w);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    finish(arg, false);
}

void kc_metadata_wait(kc_broker *b, int32_t timeout_ms, kc_mw_cond cond, kc_mw_done done, void *arg)
{
    bool met = cond(b, arg);
    if (met || timeout_ms <= 0 || b->shutting_down) {
        done(b, met, arg);
        return;
    }
    waiter *w = calloc(1, sizeof(*w));
    if (!w)
        kc_fatal("metadata wait: out of memory");
    *w = (waiter){b->metadata_waiters, b, cond, done, arg, NULL};
    w->timeout = evtimer_new(b->base, on_timeout, w);
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    evtimer_add(w->timeout, &tv);
    b->metadata_waiters = w;
}

void kc_metadata_wait_notify(kc_broker *b)
{
    /* done callbacks may add waiters: restart the walk after each completion */
    for (waiter *w = b->metadata_waiters; w;) {
        if (!w->cond(b, w->arg)) {
            w = w->next;
            continue;
        }
        finish(w, true);
        w = b->metadata_waiters;
    }
}

void kc_metadata_wait_cancel_all(kc_broker *b)
{
    while (b->metadata_waiters)
        finish(b->metadata_waiters, false);
}
