/*
 * Admin requests that answer once the controller's work shows in this broker's metadata
 * cache (Kafka's DelayedCreateTopics / DelayedDeleteTopics / DelayedCreatePartitions
 * purgatories): a condition re-checked every 20 ms on the reactor until it holds or the
 * request's timeout passes.
 */
#ifndef KC_METADATA_WAIT_H
#define KC_METADATA_WAIT_H

#include <stdbool.h>

#include "broker/broker.h"

/** The condition; @p arg as given to kc_metadata_wait(). */
typedef bool (*kc_mw_cond)(kc_broker *b, void *arg);
/** Called once: @p met false when @p timeout_ms passed first (or the broker shuts down). */
typedef void (*kc_mw_done)(kc_broker *b, bool met, void *arg);

/**
 * Call @p done when @p cond holds, checking at once and then every 20 ms for at most
 * @p timeout_ms (<= 0: checked once). @p done may run before this returns.
 */
void kc_metadata_wait(kc_broker *b, int32_t timeout_ms, kc_mw_cond cond, kc_mw_done done,
                      void *arg);

#endif
