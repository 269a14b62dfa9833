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
 * of the loop, 16 ioctls and 16 reads. The connection code (client connections and the
 * inter-broker client) reads the rest itself when the bufferevent's last read was a full one and
 * a frame is still incomplete, and reads a large frame (a Produce request, a fetch response)
 * straight into the buffer that will hold it, which also spares a copy out of the input's
 * chains.
 */
#ifndef KC_SOCK_IO_H
#define KC_SOCK_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bufferevent;
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
 * Whether more bytes probably wait on the socket: the input grew from @p seen_bytes (its length
 * when the read callback last returned) to @p have_bytes by at least what a bufferevent reads at
 * most per wake-up (libevent 2.1's EVBUFFER_MAX_READ, 4 KiB).
 */
static inline bool kc_sock_more_waiting(size_t have_bytes, size_t seen_bytes)
{
    return have_bytes >= seen_bytes + 4096;
}

/**
 * Reads from the non-blocking socket @p fd onto the end of @p in (a bufferevent's input: its
 * end is unfrozen for the read and frozen again): at least 64 KiB, or @p missing_bytes (what
 * the incomplete frame lacks) up to 1 MiB, so that one busy connection does not hold the loop.
 * It reads in pieces of up to 32 KiB, each in a chain below glibc's mmap threshold, until a
 * read comes back short.
 * @return whether any byte came. *@p more is set to whether yet more may wait (everything asked
 * for came). End of stream and errors are not reported: the bufferevent's own next read meets
 * the same condition and reports it through its event callback. Aborts when memory runs out.
 */
bool kc_sock_read_more(struct evbuffer *in, int fd, size_t missing_bytes, bool *more);

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
 * Continues @p f: first from what @p in holds (bytes that came before any still in the socket),
 * then from the plaintext socket @p fd directly, at most 1 MiB per call, until a read comes back
 * short. End of stream and errors are left to the bufferevent (see kc_sock_read_more).
 * @return the complete frame (malloc'd, *@p len_bytes long; the caller owns it and @p f is empty
 * again), or NULL while it is incomplete.
 */
uint8_t *kc_frame_fill_step(kc_frame_fill *f, struct evbuffer *in, int fd, size_t *len_bytes);

/** Frees a frame still being read (the connection closed). */
void kc_frame_fill_free(kc_frame_fill *f);

#endif
