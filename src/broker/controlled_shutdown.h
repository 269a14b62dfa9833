/*
 * Controlled shutdown of this broker (see controlled_shutdown.c): leaderships move away before
 * the process stops. Reactor thread only.
 */
#ifndef KC_CONTROLLED_SHUTDOWN_H
#define KC_CONTROLLED_SHUTDOWN_H

#include "broker/broker.h"

/**
 * Ask the controller to move this broker's leaderships away, retrying as configured; calls
 * kc_broker_shutdown_now() when done or given up. Called once, by kc_broker_shutdown() when
 * controlled.shutdown.enable is true.
 */
void kc_controlled_shutdown_start(kc_broker *b);

#endif
