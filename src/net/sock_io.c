/*
 * Plaintext socket I/O beside libevent's bufferevents (see sock_io.h). Invariants: a reader's
 * socket is read only by it (its bufferevent never enables EV_READ), so bytes reach its input in
 * the socket's order; bytes are taken from an output's front only, and a direct write happens
 * only while the bufferevent's own write event is disabled, so that its writes and these
 * interleave correctly on the one reactor thread.
 */
#include "net/sock_io.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdlib.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"

/* libevent sizes a chain by doubling up to its contents plus its own header: 32 KiB of contents
 * would take a 64 KiB allocation, so a piece leaves room for the header */
#define CHUNK_BYTES ((32u << 10) - 256)
#define MIN_BYTES   (64u << 10)
#define MAX_BYTES   (1u << 20)

void kc_sock_reader_init(kc_sock_reader *r, struct event_base *base, int fd,
                         void (*cb)(int, short, void *), void *arg)
{
    *r = (kc_sock_reader){.fd = fd};
    r->ev = event_new(base, fd, EV_READ | EV_PERSIST, cb, arg);
    r->in = evbuffer_new();
    if (!r->ev || !r->in)
        kc_fatal("sock_io: out of memory");
}

void kc_sock_reader_free(kc_sock_reader *r)
{
    if (r->ev)
        event_free(r->ev);
    if (r->in)
        evbuffer_free(r->in);
    r->ev = NULL;
    r->in = NULL;
    r->enabled = false;
}

void kc_sock_reader_begin(kc_sock_reader *r)
{
    r->budget = KC_SOCK_READ_BUDGET_BYTES;
}

void kc_sock_reader_enable(kc_sock_reader *r)
{
    if (r->enabled)
        return;
    r->enabled = true;
    event_add(r->ev, r->has_timeout ? &r->timeout : NULL);
}

void kc_sock_reader_disable(kc_sock_reader *r)
{
    if (!r->enabled)
        return;
    r->enabled = false;
    event_del(r->ev);
}

void kc_sock_reader_wake(kc_sock_reader *r)
{
    event_active(r->ev, EV_READ, 0);
}

void kc_sock_reader_set_timeout(kc_sock_reader *r, int timeout_ms)
{
    bool had = r->has_timeout;
    r->has_timeout = timeout_ms >= 0;
    if (r->has_timeout)
        r->timeout = kc_timeval_ms(timeout_ms);
    if (!r->enabled)
        return;
    /* event_add reschedules the timer of a pending event without touching epoll; a NULL
     * timeout would leave the old timer in place */
    if (r->has_timeout)
        event_add(r->ev, &r->timeout);
    else if (had)
        event_remove_timer(r->ev);
}

/* One read of at most @p len bytes: how many came; 0 when none waits, or when the stream ended
 * or failed (r->error says which). */
static size_t sock_recv(kc_sock_reader *r, void *buf, size_t len)
{
    if (r->error)
        return 0;
    ssize_t n;
    do
        n = read(r->fd, buf, len);
    while (n < 0 && errno == EINTR);
    if (n > 0)
        return (size_t)n;
    if (n == 0)
        r->error = -1;
    else if (errno != EAGAIN && errno != EWOULDBLOCK)
        r->error = errno;
    return 0;
}

bool kc_sock_reader_fill(kc_sock_reader *r, size_t missing_bytes, bool *more)
{
    size_t max = missing_bytes < MIN_BYTES   ? MIN_BYTES
                 : missing_bytes > MAX_BYTES ? MAX_BYTES
                                             : missing_bytes;
    if (max > r->budget)
        max = r->budget;
    size_t total = 0;
    while (total < max) {
        size_t want = max - total < CHUNK_BYTES ? max - total : CHUNK_BYTES;
        struct evbuffer_iovec v;
        if (evbuffer_reserve_space(r->in, (ev_ssize_t)want, &v, 1) < 1)
            kc_fatal("sock_io: out of memory");
        if (v.iov_len > want)
            v.iov_len = want;
        size_t n = sock_recv(r, v.iov_base, v.iov_len);
        if (n == 0)
            break;
        v.iov_len = n;
        evbuffer_commit_space(r->in, &v, 1);
        total += n;
        if (n < want)
            break;
    }
    r->budget -= total;
    *more = total == max && r->budget > 0;
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

uint8_t *kc_frame_fill_step(kc_frame_fill *f, kc_sock_reader *r, size_t *len_bytes)
{
    size_t held = evbuffer_get_length(r->in), missing = f->len - f->have;
    size_t take = held < missing ? held : missing;
    if (take > 0) {
        evbuffer_remove(r->in, f->buf + f->have, take);
        f->have += take;
        missing -= take;
    }
    while (missing > 0 && r->budget > 0) {
        size_t want = missing < r->budget ? missing : r->budget;
        size_t n = sock_recv(r, f->buf + f->have, want);
        f->have += n;
        missing -= n;
        r->budget -= n;
        if (n < want)
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

/* Sends @p len bytes: from memory at @p p (send with @p flags), or, when @p in >= 0, of file @p in
 * at @p offset (sendfile). @return how many went before the socket filled or failed. */
static size_t send_all(int fd, const uint8_t *p, int in, int64_t offset, size_t len, int flags)
{
    off_t off = (off_t)offset;
    size_t done = 0;
    while (done < len) {
        ssize_t n =
            in >= 0 ? sendfile(fd, in, &off, len - done) : send(fd, p + done, len - done, flags);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    return done;
}

size_t kc_sock_send_frame(int fd, const kc_wbuf *w)
{
    size_t sent = 0, pos = 0;
    for (int i = 0; i < w->n_splices; i++) {
        const kc_wbuf_splice *sp = &w->splices[i];
        size_t n = send_all(fd, w->data + pos, -1, 0, sp->at - pos, MSG_NOSIGNAL | MSG_MORE);
        sent += n;
        if (n < sp->at - pos)
            return sent;
        pos = sp->at;
        n = send_all(fd, NULL, sp->fd, sp->offset, sp->len, 0);
        sent += n;
        if (n < sp->len)
            return sent;
    }
    return sent + send_all(fd, w->data + pos, -1, 0, w->len - pos, MSG_NOSIGNAL);
}

void kc_sock_write_done(struct bufferevent *bev)
{
    if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
        bufferevent_disable(bev, EV_WRITE);
}
