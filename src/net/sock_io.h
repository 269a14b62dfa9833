/*
 * Plaintext socket I/O around libevent 2.1's socket bufferevents, where they cost system calls a
 * broker cannot afford per message.
 *
 * Writing: a bufferevent arms its write event for every write to its output and drops it once
 * the output is empty: two epoll_ctl calls and a turn of the loop per response or request, a
 * fifth of a replicating broker's system calls. Its owner keeps EV_WRITE disabled instead and
 * writes at once (kc_sock_write_now); only what the socket does not take waits for the event.
 *
 * Reading: a bufferevent reads at most 4 KiB per wake-up of the loop (EVBUFFER_MAX_READ), each
 * after a FIONREAD ioctl, so 64 KiB of pipelined requests or of one fetch response cost 16 turns
 * of the loop, 16 ioctls and 16 reads, and even a 6 KiB one two reads and an ioctl. A plaintext
 * connection (client connections and the inter-broker client) reads with a kc_sock_reader
 * instead: a read event of its own beside the bufferevent, which only writes; one read of up to
 * 64 KiB per wake-up, more while reads come back full; a large frame (a Produce request, a fetch
 * response) is read straight into the buffer that will hold it, which also spares a copy out of
 * the input's chains.
 */
#ifndef KC_SOCK_IO_H
#define KC_SOCK_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/time.h>

#include "proto/buf.h"

struct bufferevent;
struct event;
struct event_base;
struct evbuffer;

/**
 * Writes what @p bev's output holds to its plaintext, connected socket now, unless EV_WRITE is
 * enabled on @p bev (the bufferevent is writing already: order is kept by leaving it to it). What
 * the socket does not take (full, or an error) is left to the bufferevent: EV_WRITE is enabled,
 * and its write or error is reported through the owner's callbacks as usual.
 */
void kc_sock_write_now(struct bufferevent *bev);

/**
 * For the owner's write callback: disables EV_WRITE once @p bev's output is empty, so that the
 * next kc_sock_write_now() writes at once again.
 */
void kc_sock_write_done(struct bufferevent *bev);

/**
 * Sends the frame @p w (memory parts and file ranges, kc_wbuf_file) to the plaintext, connected
 * socket @p fd now, without queuing: memory with send(), MSG_MORE when a file range follows so
 * that TCP does not send the header alone (the peer would wake for a partial frame), file
 * ranges with sendfile() from their descriptors as they are, borrowed or owned. For a caller
 * with nothing queued before it (kc_sock_write_now's condition); it queues what is left.
 * @return how many bytes of the frame went out: all of them, or up to where the socket filled
 * or failed (a failure shows again in the bufferevent's write of the rest, which reports it).
 */
size_t kc_sock_send_frame(int fd, const kc_wbuf *w);

/**
 * The reading half of a plaintext socket whose bufferevent keeps EV_READ disabled (see above).
 * Its event is level-triggered: while enabled, the callback runs as long as bytes, the end of
 * the stream or an error wait, so the callback must read (kc_sock_reader_fill) or disable it.
 */
typedef struct kc_sock_reader {
    struct event *ev;    /* EV_READ | EV_PERSIST on fd; pending while enabled */
    struct evbuffer *in; /* bytes read and not yet taken, in the socket's order */
    int fd;              /* borrowed: the bufferevent closes it, after kc_sock_reader_free */
    bool enabled;
    bool has_timeout;
    struct timeval timeout; /* with has_timeout: the callback gets EV_TIMEOUT after this long
                               without anything to read while enabled */
    int error;     /* 0 while the stream is open; -1 once its end was read, else the errno value of
                      the read that failed. Sticky: the owner closes once it sees it. */
    size_t budget; /* bytes the reads of this callback may still take (kc_sock_reader_begin) */
} kc_sock_reader;

/** What one callback reads at most (see kc_sock_reader_begin). */
#define KC_SOCK_READ_BUDGET_BYTES (1u << 20)

/**
 * Sets @p r up for the connected (or connecting), non-blocking socket @p fd on @p base: @p cb
 * gets (fd, EV_READ or EV_TIMEOUT, @p arg). Starts disabled. Aborts when memory runs out.
 */
void kc_sock_reader_init(kc_sock_reader *r, struct event_base *base, int fd,
                         void (*cb)(int, short, void *), void *arg);

/** Frees the event and the input (not the descriptor). Safe on a zeroed reader. */
void kc_sock_reader_free(kc_sock_reader *r);

/**
 * Starts a callback's reading: its reads (kc_sock_reader_fill, kc_frame_fill_step) take at most
 * KC_SOCK_READ_BUDGET_BYTES in all, then leave the rest to the next turn of the loop (the event
 * is level-triggered). A peer that pipelines requests which take no response slot (acks=0
 * Produce) or whose answers go out at once keeps every read full: without a bound, the callback
 * would read for as long as the peer writes, and every other connection and timer would wait.
 */
void kc_sock_reader_begin(kc_sock_reader *r);

/** Starts watching the socket (no system call when already enabled). */
void kc_sock_reader_enable(kc_sock_reader *r);

/** Stops watching the socket (one epoll_ctl); bytes already read stay in the input. */
void kc_sock_reader_disable(kc_sock_reader *r);

/**
 * Runs the callback once from the loop (never from inside this call) with EV_READ, for bytes
 * already in the input that no readiness of the socket will announce. Harmless when nothing
 * waits: the callback's read comes back empty.
 */
void kc_sock_reader_wake(kc_sock_reader *r);

/**
 * A read timeout of @p timeout_ms (the callback gets EV_TIMEOUT after that long without
 * anything to read while enabled), or none when @p timeout_ms < 0. No system call.
 */
void kc_sock_reader_set_timeout(kc_sock_reader *r, int timeout_ms);

/**
 * Reads from the socket onto the end of the input: at least 64 KiB, or @p missing_bytes (what
 * the incomplete frame lacks) up to 1 MiB, within what is left of the callback's budget. It
 * reads in pieces of up to 32 KiB, each in a chain of 32 KiB at most, until a read comes back
 * short.
 * @return whether any byte came. *@p more is set to whether yet more may wait and may be read
 * now (everything asked for came, and budget is left). The end of the stream or an error sets
 * r->error. Aborts when memory runs out.
 */
bool kc_sock_reader_fill(kc_sock_reader *r, size_t missing_bytes, bool *more);

/** Frames this large or larger are read with a kc_frame_fill. */
#define KC_FRAME_FILL_MIN_BYTES (64u << 10)

/** A frame being read straight into its own buffer. Zeroed = none. */
typedef struct kc_frame_fill {
    uint8_t *buf; /* malloc'd, len bytes; handed to the caller when complete */
    size_t len, have;
} kc_frame_fill;

/** Starts reading a frame of @p len_bytes (after its size prefix, already drained from the
 * input) into a new buffer. Aborts when memory runs out. */
void kc_frame_fill_start(kc_frame_fill *f, size_t len_bytes);

/**
 * Continues @p f: first from what @p r's input holds (bytes that came before any still in the
 * socket), then from the socket directly, within the callback's budget, until a read comes back
 * short. The end of the stream or an error sets r->error.
 * @return the complete frame (malloc'd, *@p len_bytes long; the caller owns it and @p f is empty
 * again), or NULL while it is incomplete.
 */
uint8_t *kc_frame_fill_step(kc_frame_fill *f, kc_sock_reader *r, size_t *len_bytes);

/** Frees a frame still being read (the connection closed). */
void kc_frame_fill_free(kc_frame_fill *f);

#endif
