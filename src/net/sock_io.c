/*
 * Plaintext socket I/O beside libevent's bufferevents (see sock_io.h). Invariants: bytes are
 * only ever appended to an input, and taken from an output's front, in the socket's order, so
 * that the bufferevent's own reads and writes and these interleave correctly on the one reactor
 * thread; a direct write happens only while the bufferevent's own write event is disabled.
 */
#include "net/sock_io.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/log.h"

#define CHUNK_BYTES (32u << 10)
#define MIN_BYTES   (64u << 10)
#define MAX_BYTES   (1u << 20)

bool kc_sock_read_more(struct evbuffer *in, int fd, size_t missing_bytes, bool *more)
{
    size_t max = missing_bytes < MIN_BYTES   ? MIN_BYTES
                 : missing_bytes > MAX_BYTES ? MAX_BYTES
                                             : missing_bytes;
    size_t total = 0;
    evbuffer_unfreeze(in, 0);
    while (total < max) {
        size_t want = max - total < CHUNK_BYTES ? max - total : CHUNK_BYTES;
        struct evbuffer_iovec v;
        if (evbuffer_reserve_space(in, (ev_ssize_t)want, &v, 1) < 1)
            kc_fatal("sock_io: out of memory");
        if (v.iov_len > want)
            v.iov_len = want;
        ssize_t n;
        do
            n = read(fd, v.iov_base, v.iov_len);
        while (n < 0 && errno == EINTR);
        if (n <= 0)
            break; /* EAGAIN, end of stream or an error: the bufferevent's next read reports */
        v.iov_len = (size_t)n;
        evbuffer_commit_space(in, &v, 1);
        total += (size_t)n;
        if ((size_t)n < want)
            break;
    }
    evbuffer_freeze(in, 0);
    *more = total == max;
    return total > 0;
}

void kc_frame_fill_start(kc_frame_fill *f, size_t len_bytes)
{
    f->buf = malloc(len_bytes ? len_bytes : 1);
    if (!f->buf)
        kc_fatal("sock_io: out of memory");
    f->len = len_bytes;
    f->have = 0;
}

uint8_t *kc_frame_fill_step(kc_frame_fill *f, struct evbuffer *in, int fd, size_t *len_bytes)
{
    size_t held = evbuffer_get_length(in), missing = f->len - f->have;
    size_t take = held < missing ? held : missing;
    if (take > 0) {
        evbuffer_remove(in, f->buf + f->have, take);
        f->have += take;
        missing -= take;
    }
    size_t budget = MAX_BYTES;
    while (missing > 0 && budget > 0) {
        size_t want = missing < budget ? missing : budget;
        ssize_t n = read(fd, f->buf + f->have, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* EAGAIN, end of stream or an error: the bufferevent's next read reports */
        f->have += (size_t)n;
        missing -= (size_t)n;
        budget -= (size_t)n;
        if ((size_t)n < want)
            break;
    }
    if (missing > 0)
        return NULL;
    uint8_t *frame = f->buf;
    *len_bytes = f->len;
    *f = (kc_frame_fill){0};
    return frame;
}

void kc_frame_fill_free(kc_frame_fill *f)
{
    free(f->buf);
    f->buf = NULL;
    f->len = f->have = 0;
}

void kc_sock_write_now(struct bufferevent *bev)
{
    struct evbuffer *out = bufferevent_get_output(bev);
    if ((bufferevent_get_enabled(bev) & EV_WRITE) || evbuffer_get_length(out) == 0)
        return;
    int fd = bufferevent_getfd(bev);
    evbuffer_unfreeze(out, 1); /* a bufferevent keeps its output's start frozen between writes */
    while (evbuffer_get_length(out) > 0 && evbuffer_write(out, fd) > 0)
        ;
    evbuffer_freeze(out, 1);
    if (evbuffer_get_length(out) > 0)
        bufferevent_enable(bev, EV_WRITE);
}

void kc_sock_write_done(struct bufferevent *bev)
{
    if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
        bufferevent_disable(bev, EV_WRITE);
}
