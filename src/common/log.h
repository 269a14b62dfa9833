/*
 * Logging to stderr with a level and a facility tag (librdkafka style). The level is checked
 * before the arguments are formatted. kc_fatal() logs and exits the process.
 */
#ifndef KC_LOG_H
#define KC_LOG_H

enum kc_log_level { KC_LOG_ERROR = 0, KC_LOG_WARN = 1, KC_LOG_INFO = 2, KC_LOG_DEBUG = 3 };

/** Current threshold; messages above it are dropped. Default KC_LOG_INFO. */
extern int kc_log_level;

/** Write one line "<time> LEVEL [FAC] message" to stderr. Thread-safe (one write(2) per line). */
void kc_log_write(int level, const char *fac, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Log at ERROR and exit(1). For conditions the process cannot survive (OOM). */
void kc_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define KC_LOG(level, fac, ...)                                                                    \
    do {                                                                                           \
        if ((level) <= kc_log_level)                                                               \
            kc_log_write((level), (fac), __VA_ARGS__);                                             \
    } while (0)

#define kc_error(fac, ...) KC_LOG(KC_LOG_ERROR, fac, __VA_ARGS__)
#define kc_warn(fac, ...)  KC_LOG(KC_LOG_WARN, fac, __VA_ARGS__)
#define kc_info(fac, ...)  KC_LOG(KC_LOG_INFO, fac, __VA_ARGS__)
#define kc_debug(fac, ...) KC_LOG(KC_LOG_DEBUG, fac, __VA_ARGS__)

#include <stddef.h>
#include <stdint.h>

/** One rate limit for a log line that outside events can trigger (peers, clients). */
typedef struct kc_log_limit {
    int64_t next_ms; /* monotonic ms before which the line is suppressed */
    int suppressed;  /* lines suppressed since the last one written */
} kc_log_limit;

/**
 * Whether the line limited by @p l may be written now (at most once per @p interval_ms of
 * CLOCK_MONOTONIC); when it may, *@p suppressed receives how many were dropped since the last
 * one (for the line to say so) and the count restarts. Reactor thread only.
 */
int kc_log_allow(kc_log_limit *l, int64_t interval_ms, int *suppressed);

/**
 * @p len bytes at @p p (a string a peer sent: client id, group id, ...) made safe for one log
 * line in @p out (@p cap bytes, NUL-terminated): printable ASCII kept, every other byte and the
 * backslash as \xNN, cut with "..." when it does not fit. NULL @p p prints as "(null)".
 * @return @p out
 */
const char *kc_log_escape(const void *p, int len, char *out, size_t cap);

#endif
