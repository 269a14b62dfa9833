/*
 * The plaintext reader (net/sock_io.h): how much one fill takes, that the bytes arrive whole and
 * in order after what the input held, that an empty socket reads nothing and a closed peer is
 * reported, and that its event runs, wakes, stops and times out as its owners rely on. A writer
 * thread feeds the socket: a fresh machine's socket buffers hold only ~200 KiB.
 */
#include <criterion/criterion.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/sock_io.h"

#define KIB   1024u
#define TOTAL (3u << 20)

static int fds[2];
static struct event_base *base;
static kc_sock_reader rd;
static int calls;
static short last_what;
static uint8_t *pattern;
static size_t written;
static pthread_t writer;
static bool writing;

static void *write_all(void *arg)
{
    size_t end = written + *(size_t *)arg;
    free(arg);
    while (written < end) {
        ssize_t w = send(fds[1], pattern + written, end - written, MSG_NOSIGNAL);
        if (w <= 0)
            break;
        written += (size_t)w;
    }
    return NULL;
}

/* Starts writing the next @p n pattern bytes into the peer end. */
static void peer_write(size_t n)
{
    size_t *arg = malloc(sizeof(*arg));
    *arg = n;
    cr_assert_eq(pthread_create(&writer, NULL, write_all, arg), 0);
    writing = true;
}

static void peer_wait(void)
{
    if (writing)
        pthread_join(writer, NULL);
    writing = false;
}

/* Waits until the socket has something to read; fails after 10 s (the writer is gone). */
static void await_readable(void)
{
    struct pollfd p = {.fd = fds[0], .events = POLLIN};
    cr_assert_eq(poll(&p, 1, 10000), 1, "nothing to read after 10 s");
}

/* Waits (bounded) until at least @p n bytes are queued for reading. */
static void queued_at_least(size_t n)
{
    for (int i = 0; i < 10000; i++) {
        int q = 0;
        cr_assert_eq(ioctl(fds[0], FIONREAD, &q), 0);
        if ((size_t)q >= n)
            return;
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        poll(&p, 1, 1);
    }
    cr_assert_fail("fewer than %zu bytes queued after 10 s", n);
}

static void setup(void)
{
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    cr_assert_eq(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
    pattern = malloc(TOTAL);
    for (size_t i = 0; i < TOTAL; i++)
        pattern[i] = (uint8_t)(i * 131 + (i >> 12));
    written = 0;
    base = event_base_new();
    cr_assert_not_null(base);
    calls = 0;
    last_what = 0;
}

static void on_readable(int fd, short what, void *arg)
{
    (void)fd;
    (void)arg;
    calls++;
    last_what = what;
    bool more;
    kc_sock_reader_begin(&rd);
    kc_sock_reader_fill(&rd, 0, &more); /* level-triggered: what waits must be taken */
}

static void reader_start(void)
{
    kc_sock_reader_init(&rd, base, fds[0], on_readable, NULL);
    kc_sock_reader_begin(&rd);
}

static void teardown(void)
{
    kc_sock_reader_free(&rd);
    event_base_free(base);
    close(fds[0]); /* ends a writer still blocked (EPIPE, no SIGPIPE: MSG_NOSIGNAL) */
    peer_wait();
    if (fds[1] >= 0)
        close(fds[1]);
    free(pattern);
}

/* Writes @p n bytes into the peer end and returns the reader's input after a first read of
 * 4 KiB of them. */
static struct evbuffer *after_a_first_read(size_t n)
{
    reader_start();
    peer_write(n);
    peer_wait();
    cr_assert_eq(evbuffer_read(rd.in, fds[0], 4096), 4096);
    return rd.in;
}

/* Runs the loop once without waiting. */
static void loop_once(void)
{
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
}

static void expect_content(struct evbuffer *in, size_t len)
{
    cr_assert_eq(evbuffer_get_length(in), len);
    uint8_t *got = evbuffer_pullup(in, (ssize_t)len);
    cr_assert_eq(memcmp(got, pattern, len), 0, "bytes differ");
}

Test(sock_io, takes_at_least_64_KiB_and_says_more_may_wait, .init = setup, .fini = teardown)
{
    reader_start();
    peer_write(150 * KIB);
    queued_at_least(100 * KIB);
    bool more = false;
    cr_assert(kc_sock_reader_fill(&rd, 10, &more));
    cr_assert(more, "everything asked for came");
    expect_content(rd.in, 64 * KIB);
    cr_assert_eq(rd.error, 0);
}

Test(sock_io, takes_what_a_frame_lacks_up_to_1_MiB, .init = setup, .fini = teardown)
{
    reader_start();
    struct evbuffer *in = rd.in;
    peer_write(TOTAL);
    queued_at_least(100 * KIB);
    bool more = false;
    cr_assert(kc_sock_reader_fill(&rd, 100 * KIB, &more));
    cr_assert(more);
    expect_content(in, 100 * KIB);
    size_t have = 100 * KIB;
    while (have < TOTAL) {
        kc_sock_reader_begin(&rd); /* a callback each */
        if (kc_sock_reader_fill(&rd, 8u << 20, &more)) {
            size_t now = evbuffer_get_length(in);
            cr_assert_leq(now - have, 1u << 20, "one call read %zu bytes", now - have);
            have = now;
        } else {
            await_readable();
        }
    }
    peer_wait();
    expect_content(in, TOTAL);
}

Test(sock_io, stops_at_a_short_read_and_appends_after_what_was_held, .init = setup,
     .fini = teardown)
{
    struct evbuffer *in = after_a_first_read(5000 + 70 * KIB);
    bool more = true;
    cr_assert(kc_sock_reader_fill(&rd, 100 * KIB, &more));
    cr_assert_not(more, "the socket ran dry before 100 KiB");
    expect_content(in, 5000 + 70 * KIB);
    cr_assert_eq(rd.error, 0, "a dry socket is no error");
}

Test(sock_io, a_callback_reads_at_most_its_budget_and_leaves_the_rest_in_the_socket, .init = setup,
     .fini = teardown)
{
    reader_start();
    peer_write(TOTAL);
    size_t took = 0;
    bool more = true;
    /* as a callback reading a peer that keeps its socket full */
    for (int i = 0; i < 10000 && took < KC_SOCK_READ_BUDGET_BYTES; i++) {
        queued_at_least(1);
        size_t before = evbuffer_get_length(rd.in);
        kc_sock_reader_fill(&rd, 8u << 20, &more);
        took += evbuffer_get_length(rd.in) - before;
    }
    cr_assert_eq(took, KC_SOCK_READ_BUDGET_BYTES, "one callback read %zu bytes", took);
    cr_assert_not(more, "the read that used up the budget says to stop");
    cr_assert_not(kc_sock_reader_fill(&rd, 100, &more), "nothing more in this callback");
    kc_frame_fill f = {0};
    kc_frame_fill_start(&f, 100 * KIB);
    evbuffer_drain(rd.in, evbuffer_get_length(rd.in));
    size_t len;
    cr_assert_null(kc_frame_fill_step(&f, &rd, &len));
    cr_assert_eq(f.have, 0, "a frame fill keeps to the budget too");
    queued_at_least(1);
    kc_sock_reader_begin(&rd); /* the next callback */
    cr_assert(kc_sock_reader_fill(&rd, 100, &more), "the rest waited in the socket");
    kc_frame_fill_free(&f);
    cr_assert_eq(rd.error, 0);
}

Test(sock_io, an_empty_socket_reads_nothing_and_a_closed_peer_is_reported, .init = setup,
     .fini = teardown)
{
    reader_start();
    bool more = true;
    cr_assert_not(kc_sock_reader_fill(&rd, 100, &more));
    cr_assert_not(more);
    cr_assert_eq(rd.error, 0);
    peer_write(10);
    peer_wait();
    close(fds[1]);
    fds[1] = -1;
    cr_assert(kc_sock_reader_fill(&rd, 100, &more), "the bytes before the end come");
    expect_content(rd.in, 10);
    cr_assert_not(kc_sock_reader_fill(&rd, 100, &more));
    cr_assert_eq(rd.error, -1, "the end of the stream is reported by the next fill");
    cr_assert_not(kc_sock_reader_fill(&rd, 100, &more), "and stays reported");
    cr_assert_eq(rd.error, -1);
}

Test(sock_io, the_event_runs_while_enabled_wakes_on_request_and_times_out, .init = setup,
     .fini = teardown)
{
    reader_start();
    peer_write(100);
    peer_wait();
    loop_once();
    cr_assert_eq(calls, 0, "disabled at first");
    kc_sock_reader_enable(&rd);
    for (int i = 0; i < 1000 && calls == 0; i++)
        event_base_loop(base, EVLOOP_ONCE);
    cr_assert_eq(calls, 1);
    cr_assert(last_what & EV_READ);
    expect_content(rd.in, 100);
    kc_sock_reader_disable(&rd);
    kc_sock_reader_wake(&rd);
    loop_once();
    cr_assert_eq(calls, 2, "a wake runs the callback even while disabled");
    /* a timeout fires only while enabled, and goes when set to none */
    kc_sock_reader_set_timeout(&rd, 20);
    kc_sock_reader_enable(&rd);
    event_base_loop(base, EVLOOP_ONCE);
    cr_assert_eq(calls, 3);
    cr_assert(last_what & EV_TIMEOUT, "nothing to read within 20 ms");
    kc_sock_reader_set_timeout(&rd, -1);
    struct timeval tv = {0, 100 * 1000};
    event_base_loopexit(base, &tv);
    event_base_dispatch(base);
    cr_assert_eq(calls, 3, "no timeout once set to none");
}

Test(sock_io, a_frame_fills_from_the_input_first_then_from_the_socket, .init = setup,
     .fini = teardown)
{
    struct evbuffer *in = after_a_first_read(4096 + 60 * KIB);
    kc_frame_fill f = {0};
    kc_frame_fill_start(&f, 200 * KIB);
    size_t len = 0;
    cr_assert_null(kc_frame_fill_step(&f, &rd, &len), "60 KiB of 200 came");
    cr_assert_eq(f.have, 4096 + 60 * KIB);
    cr_assert_eq(evbuffer_get_length(in), 0);
    peer_write(TOTAL - written);
    uint8_t *frame;
    while (!(frame = kc_frame_fill_step(&f, &rd, &len))) {
        await_readable();
        kc_sock_reader_begin(&rd);
    }
    cr_assert_eq(len, 200 * KIB);
    cr_assert_eq(memcmp(frame, pattern, 200 * KIB), 0, "bytes differ");
    cr_assert_null(f.buf, "the frame is the caller's");
    free(frame);
    /* what follows the frame stays in the socket, in order */
    uint8_t next[16];
    while (read(fds[0], next, sizeof(next)) < 0) {
        await_readable();
    }
    cr_assert_eq(memcmp(next, pattern + 200 * KIB, sizeof(next)), 0);
}

Test(sock_io, a_frame_takes_at_most_what_it_lacks_from_the_input, .init = setup, .fini = teardown)
{
    reader_start();
    struct evbuffer *in = rd.in;
    evbuffer_add(in, pattern, 100 * KIB);
    kc_frame_fill f = {0};
    kc_frame_fill_start(&f, 70 * KIB);
    size_t len = 0;
    uint8_t *frame = kc_frame_fill_step(&f, &rd, &len);
    cr_assert_not_null(frame);
    cr_assert_eq(len, 70 * KIB);
    cr_assert_eq(memcmp(frame, pattern, 70 * KIB), 0);
    cr_assert_eq(evbuffer_get_length(in), 30 * KIB, "the next frame's bytes stay");
    free(frame);
}

/* A frame of @p head bytes of memory, @p file_len bytes of the pattern from a file at offset
 * 1000, then 3 bytes of memory; *@p fd is the file (unlinked). */
static kc_wbuf frame_with_file(size_t head, size_t file_len, int *fd)
{
    char path[] = "/tmp/cafka-unit-sock-XXXXXX";
    *fd = mkstemp(path);
    cr_assert_geq(*fd, 0);
    unlink(path);
    cr_assert_eq(write(*fd, pattern, 1000 + file_len), (ssize_t)(1000 + file_len));
    kc_wbuf w = {0};
    kc_wbuf_put(&w, pattern + 5000, head);
    kc_wbuf_file(&w, *fd, 1000, file_len);
    kc_wbuf_put(&w, "end", 3);
    return w;
}

/* Reads @p n bytes from the peer end (blocking). */
static void peer_read(uint8_t *buf, size_t n)
{
    for (size_t got = 0; got < n;) {
        ssize_t r = read(fds[1], buf + got, n - got);
        cr_assert_gt(r, 0);
        got += (size_t)r;
    }
}

Test(sock_io, a_frame_goes_out_whole_memory_and_file_in_order, .init = setup, .fini = teardown)
{
    int fd;
    kc_wbuf w = frame_with_file(100, 5000, &fd);
    cr_assert_eq(kc_sock_send_frame(fds[0], &w), 100 + 5000 + 3);
    uint8_t got[5103];
    peer_read(got, sizeof(got));
    cr_assert_eq(memcmp(got, pattern + 5000, 100), 0);
    cr_assert_eq(memcmp(got + 100, pattern + 1000, 5000), 0, "the file range, from its offset");
    cr_assert_eq(memcmp(got + 5100, "end", 3), 0);
    kc_wbuf_free(&w);
    close(fd);
}

Test(sock_io, a_frame_stops_where_the_socket_fills_and_says_how_far_it_went, .init = setup,
     .fini = teardown)
{
    int fd;
    kc_wbuf w = frame_with_file(100, 2u << 20, &fd); /* more than a socket buffer holds */
    size_t sent = kc_sock_send_frame(fds[0], &w);
    cr_assert_gt(sent, 100);
    cr_assert_lt(sent, 100 + (2u << 20), "the socket filled (sent %zu)", sent);
    uint8_t *got = malloc(sent);
    peer_read(got, sent);
    cr_assert_eq(memcmp(got, pattern + 5000, 100), 0);
    cr_assert_eq(memcmp(got + 100, pattern + 1000, sent - 100), 0);
    free(got);
    kc_wbuf_free(&w);
    close(fd);
}
