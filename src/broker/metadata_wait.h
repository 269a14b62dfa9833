/*
 * Admin requests that answer once the controller's work shows in this broker's metadata
 * cache (Kafka's DelayedCreateTopics / DelayedDeleteTopics / DelayedCreatePartitions): a
 * condition checked at once, again after every UpdateMetadata applied, and given up when the
 * request's timeout passes or the broker shuts down (kc_purgatory_expire_all). The waiting is
 * the broker's one purgatory (purgatory.h); this is only its metadata-cache key.
 */
#ifndef KC_METADATA_WAIT_H
#define KC_METADATA_WAIT_H

#include <stdbool.h>

#include "broker/broker.h"

/** The condition; @p arg as given to kc_metadata_wait(). */
typedef bool (*kc_mw_cond)(kc_broker *b, void *arg);
/** Called once: @p met false when @p timeout_ms passed first (or the broker shut down) and the
 *  condition still does not hold. */
typedef void (*kc_mw_done)(kc_broker *b, bool met, void *arg);

/**
 * Call @p done when @p cond holds, for at most @p timeout_ms (<= 0: checked once). @p done may
 * run before this returns.
 */
void kc_metadata_wait(kc_broker *b, int32_t timeout_ms, kc_mw_cond cond, kc_mw_done done,
                      void *arg);

/** The metadata cache changed: complete the waiters whose condition now holds. */
void kc_metadata_wait_notify(kc_broker *b);

#endif
