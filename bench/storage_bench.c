/*
 * Storage benchmark (not a test): the partition log layer against the raw disk, measured in the
 * same run on the same file system.
 *   append: kc_plog_append of 16 KiB batches   vs  raw write() of the same bytes
 *   read:   kc_plog_read_slice + sendfile() to a loopback TCP socket (the PLAINTEXT fetch path)
 *           vs  raw read() of the same segment into a buffer
 * Everything stays in the page cache (no fsync), which is where Kafka's hot path lives.
 * usage: storage_bench DIR [TOTAL_MIB]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/crc32c.h"
#include "proto/buf.h"
#include "proto/records.h"
#include "storage/plog.h"

#define BATCH_BYTES (16 * 1024)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One uncompressed batch of 100-byte records filling about BATCH_BYTES. */
static size_t build_batch(uint8_t *b)
{
    size_t pos = KC_BATCH_HEADER_BYTES;
    int n = 0;
    while (pos + 120 < BATCH_BYTES) {
        uint8_t rec[128];
        size_t r = 0;
        rec[r++] = 0;                             /* attributes */
        rec[r++] = 0;                             /* timestamp delta 0 */
        rec[r++] = (uint8_t)(n < 64 ? n * 2 : 0); /* offset delta (zigzag), small n only */
        if (n >= 64) {                            /* two-byte zigzag varint */
            uint32_t z = (uint32_t)n << 1;
            rec[r - 1] = (uint8_t)(z | 0x80);
            rec[r++] = (uint8_t)(z >> 7);
        }
        rec[r++] = 1;   /* key null (zigzag -1) */
        rec[r++] = 200; /* value length 100 (zigzag 200 = 0xC8 0x01) */
        rec[r++] = 1;
        memset(rec + r, 'x', 100);
        r += 100;
        rec[r++] = 0; /* no headers */
        b[pos++] = (uint8_t)(r << 1);
        if (r << 1 >= 0x80) {
            b[pos - 1] = (uint8_t)(((r << 1) & 0x7f) | 0x80);
            b[pos++] = (uint8_t)((r << 1) >> 7);
        }
        memcpy(b + pos, rec, r);
        pos += r;
        n++;
    }
    memset(b, 0, KC_BATCH_HEADER_BYTES);
    kc_put_be32(b + 8, (uint32_t)(pos - KC_BATCH_LOG_OVERHEAD));
    kc_put_be32(b + 12, (uint32_t)-1);
    b[16] = 2;
    kc_put_be32(b + 23, (uint32_t)(n - 1));
    kc_put_be64(b + 27, 1700000000000ull);
    kc_put_be64(b + 35, 1700000000000ull);
    kc_put_be64(b + 43, (uint64_t)-1);
    b[51] = 0xff;
    b[52] = 0xff;
    kc_put_be32(b + 53, (uint32_t)-1);
    kc_put_be32(b + 57, (uint32_t)n);
    kc_put_be32(b + 17, kc_batch_compute_crc(b, pos));
    return pos;
}

static void *drain(void *arg)
{
    int fd = *(int *)arg;
    static char buf[1 << 20];
    while (read(fd, buf, sizeof(buf)) > 0)
        ;
    return NULL;
}

/* A connected loopback TCP pair; a thread drains the receiving end. */
static int tcp_pair(pthread_t *th, int *rfd)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof(a);
    bind(l, (struct sockaddr *)&a, sizeof(a));
    listen(l, 1);
    getsockname(l, (struct sockaddr *)&a, &al);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    connect(s, (struct sockaddr *)&a, sizeof(a));
    *rfd = accept(l, NULL, NULL);
    close(l);
    pthread_create(th, NULL, drain, rfd);
    return s;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR [TOTAL_MIB]\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    long total_mib = argc > 2 ? atol(argv[2]) : 1024;
    uint8_t *batch = malloc(BATCH_BYTES);
    size_t blen = build_batch(batch);
    long n = total_mib * 1024 * 1024 / (long)blen;
    char path[4096];

    /* Appends and raw writes alternate, twice each, into fresh files; the best of each counts,
     * so that page-cache warm-up and writeback hit both sides alike. */
    kc_log_config cfg = {.segment_bytes = 1L << 30,
                         .segment_ms = 1L << 40,
                         .segment_index_bytes = 10 << 20,
                         .index_interval_bytes = 4096,
                         .retention_ms = -1,
                         .retention_bytes = -1,
                         .flush_messages = INT64_MAX,
                         .flush_ms = INT64_MAX,
                         .cleanup_delete = true,
                         .max_message_bytes = 1 << 20};
    kc_plog_open_opts o = {.clean_shutdown = true, .recovery_point = -1, .log_start_offset = -1};
    kc_plog *l = NULL;
    char err[256];
    double raw_w = 1e9, log_w = 1e9;
    for (int round = 0; round < 2; round++) {
        snprintf(path, sizeof(path), "%s/raw-%d.bin", dir, round);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        double t0 = now_s();
        for (long i = 0; i < n; i++)
            if (write(fd, batch, blen) != (ssize_t)blen)
                return 1;
        double t = now_s() - t0;
        raw_w = t < raw_w ? t : raw_w;
        close(fd);
        if (l)
            kc_plog_close(l);
        snprintf(path, sizeof(path), "%s/bench-%d", dir, round);
        if (kc_plog_open(path, &cfg, &o, &l, NULL, err, sizeof(err))) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        t0 = now_s();
        for (long i = 0; i < n; i++) {
            int64_t base;
            if (kc_plog_append(l, batch, blen, 0, 0, &base, NULL))
                return 1;
        }
        t = now_s() - t0;
        log_w = t < log_w ? t : log_w;
    }
    double mb = (double)n * (double)blen / 1e6;

    /* raw read of the same bytes (page cache to user space), and the same bytes read and then
     * written to a loopback socket: the copying path a broker without sendfile would take */
    snprintf(path, sizeof(path), "%s/raw-1.bin", dir);
    int fd = open(path, O_RDONLY);
    static char rbuf[1 << 20];
    double t0 = now_s();
    while (read(fd, rbuf, sizeof(rbuf)) > 0)
        ;
    double raw_r = now_s() - t0;
    pthread_t th0;
    int rfd0;
    int s0 = tcp_pair(&th0, &rfd0);
    lseek(fd, 0, SEEK_SET);
    t0 = now_s();
    ssize_t got;
    while ((got = read(fd, rbuf, sizeof(rbuf))) > 0)
        for (ssize_t done = 0; done < got;) {
            ssize_t w = write(s0, rbuf + done, (size_t)(got - done));
            if (w <= 0)
                return 1;
            done += w;
        }
    double raw_rs = now_s() - t0;
    shutdown(s0, SHUT_WR);
    close(s0);
    pthread_join(th0, NULL);
    close(rfd0);
    close(fd);

    /* fetch path: slice lookup + sendfile to a loopback socket, 1 MiB per fetch */
    pthread_t th;
    int rfd;
    int s = tcp_pair(&th, &rfd);
    int64_t off = 0, leo = kc_plog_log_end_offset(l);
    t0 = now_s();
    while (off < leo) {
        kc_plog_slice sl;
        if (kc_plog_read_slice(l, off, leo, 1 << 20, true, &sl) || sl.bytes == 0)
            return 1;
        off_t pos = sl.position;
        size_t left = (size_t)sl.bytes;
        while (left) {
            ssize_t w = sendfile(s, sl.fd, &pos, left);
            if (w <= 0)
                return 1;
            left -= (size_t)w;
        }
        /* next fetch starts after the last whole batch sent */
        uint8_t hdr[KC_BATCH_HEADER_BYTES];
        int64_t last = off;
        int64_t p = sl.position;
        while (p + KC_BATCH_HEADER_BYTES <= sl.position + sl.bytes) {
            pread(sl.fd, hdr, sizeof(hdr), p);
            kc_batch_header h;
            kc_batch_header_parse(hdr, sizeof(hdr), &h);
            if (p + h.length + KC_BATCH_LOG_OVERHEAD > sl.position + sl.bytes)
                break;
            last = h.base_offset + h.last_offset_delta + 1;
            p += h.length + KC_BATCH_LOG_OVERHEAD;
        }
        off = last;
    }
    double log_r = now_s() - t0;
    shutdown(s, SHUT_WR);
    close(s);
    pthread_join(th, NULL);
    close(rfd);

    printf("storage bench: %.0f MB in %ld batches of %zu bytes, page cache\n", mb, n, blen);
    printf("  raw write      %8.1f MB/s\n", mb / raw_w);
    printf("  log append     %8.1f MB/s  (%.0f%% of raw write)\n", mb / log_w,
           100.0 * raw_w / log_w);
    printf("  raw read       %8.1f MB/s  (page cache to user space, no socket)\n", mb / raw_r);
    printf("  raw read+send  %8.1f MB/s  (read() then write() to a loopback TCP socket)\n",
           mb / raw_rs);
    printf("  sendfile fetch %8.1f MB/s  (%.0f%% of raw read+send, %.0f%% of raw read)\n",
           mb / log_r, 100.0 * raw_rs / log_r, 100.0 * raw_r / log_r);
    kc_plog_close(l);
    return 0;
}
