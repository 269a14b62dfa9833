/* Waits on the metadata cache (see metadata_wait.h): operations of the broker's one purgatory,
 * watched under the key &b->metadata, which UpdateMetadata checks after every update. */
#include "broker/metadata_wait.h"

#include <stdlib.h>

#include "broker/purgatory.h"
#include "common/log.h"

typedef struct waiter {
    kc_mw_cond cond;
    kc_mw_done done;
    void *arg;
} waiter;

static bool waiter_ready(kc_broker *b, void *arg)
{
    waiter *w = arg;
    return w->cond(b, w->arg);
}

static void waiter_complete(kc_broker *b, void *arg, bool expired)
{
    waiter w = *(waiter *)arg;
    free(arg);
    /* expiry at shutdown may meet a condition that holds: report what is true */
    w.done(b, !expired || w.cond(b, w.arg), w.arg);
}

static const kc_delayed_ops waiter_ops = {waiter_ready, waiter_complete};

void kc_metadata_wait(kc_broker *b, int32_t timeout_ms, kc_mw_cond cond, kc_mw_done done, void *arg)
{
    bool met = cond(b, arg);
    if (met || timeout_ms <= 0 || b->shutting_down) {
        done(b, met, arg);
        return;
    }
    waiter *w = malloc(sizeof(*w));
    if (!w)
        kc_fatal("metadata wait: out of memory");
    *w = (waiter){cond, done, arg};
    const void *key = &b->metadata;
    kc_purgatory_watch(b->purgatory, &key, 1, timeout_ms, &waiter_ops, w, NULL);
}

void kc_metadata_wait_notify(kc_broker *b)
{
    kc_purgatory_check(b->purgatory, &b->metadata);
}
