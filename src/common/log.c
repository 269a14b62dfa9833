/* Line-oriented stderr logger; each line is formatted whole and written with one write(2). */
#include "common/log.h"

#include "common/clock.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int kc_log_level = KC_LOG_INFO;

static const char *level_names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

static void log_vwrite(int level, const char *fac, const char *fmt, va_list ap)
{
    char line[2048];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s [%s] ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, level_names[level], fac);
    if (n < 0)
        return;
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    if (m < 0)
        m = 0;
    size_t len = (size_t)n + (size_t)m;
    if (len > sizeof(line) - 2)
        len = sizeof(line) - 2;
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}

void kc_log_write(int level, const char *fac, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(level, fac, fmt, ap);
    va_end(ap);
}

void kc_fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(KC_LOG_ERROR, "FATAL", fmt, ap);
    va_end(ap);
    exit(1);
}

int kc_log_allow(kc_log_limit *l, int64_t interval_ms, int *suppressed)
{
    int64_t now = kc_mono_ms();
    if (now < l->next_ms) {
        l->suppressed++;
        return 0;
    }
    l->next_ms = now + interval_ms;
    *suppressed = l->suppressed;
    l->suppressed = 0;
    return 1;
}

const char *kc_log_escape(const void *p, int len, char *out, size_t cap)
{
    if (!p || len < 0) {
        snprintf(out, cap, "(null)");
        return out;
    }
    const unsigned char *s = p;
    size_t o = 0;
    for (int i = 0; i < len; i++) {
        unsigned char ch = s[i];
        bool plain = ch >= 0x20 && ch < 0x7f && ch != '\\';
        size_t need = plain ? 1 : 4;
        if (o + need + 4 > cap) { /* room for "..." and the NUL */
            snprintf(out + o, cap - o, "...");
            return out;
        }
        if (plain)
            out[o++] = (char)ch;
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", ch);
    }
    out[o] = 0;
    return out;
}
