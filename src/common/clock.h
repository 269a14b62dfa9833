/*
 * Time helpers shared by the reactor's timers: the monotonic clock for intervals and deadlines
 * (immune to wall-clock steps; kc_now_ms() in broker.h is the wall clock for timestamps), and the
 * conversion of a millisecond delay into the struct timeval libevent takes.
 */
#ifndef KC_CLOCK_H
#define KC_CLOCK_H

#include <stdint.h>
#include <sys/time.h>
#include <time.h>

/** Milliseconds of CLOCK_MONOTONIC (an arbitrary origin: compare, never display). */
static inline int64_t kc_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/** @p ms milliseconds (negative = 0) as a struct timeval, for event_add() / evtimer_add(). */
static inline struct timeval kc_timeval_ms(int64_t ms)
{
    if (ms < 0)
        ms = 0;
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
    return tv;
}

#endif
