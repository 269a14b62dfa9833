/*
 * fault_producer — the verifying producer of the fault suite (tests/fault/fault.py), on
 * librdkafka (Kafka's VerifiableProducer in spirit).
 *
 *   fault_producer BROKERS TOPIC PARTITIONS COUNT MAX_SECONDS RATE OUTFILE [prop=value ...]
 *
 * Sends the values "0", "1", ... COUNT-1 (decimal, no key), value i to partition
 * i % PARTITIONS, at RATE records per second, with acks=all, enable.idempotence=false,
 * retries on and one request in flight per connection (so that one partition's values land in
 * send order; retried batches may still duplicate). Extra prop=value pairs are librdkafka
 * properties and override these.
 *
 * Stops sending after COUNT values, after MAX_SECONDS, or on SIGTERM/SIGINT; then waits for
 * the outstanding deliveries (bounded by message.timeout.ms) and exits 0. Exits 2 on bad
 * arguments or a librdkafka set-up error.
 *
 * OUTFILE gets one line per event, written as it happens (line buffered):
 *   A <partition> <offset> <value> <wall ms>     acknowledged (a delivery report without error)
 *   E <partition> <value> <error name> <wall ms> failed (not acknowledged; may still be in the log)
 *   S sent=<n> acked=<n> failed=<n>              summary, last line
 */
#include <librdkafka/rdkafka.h>
#include <errno.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop_requested;
static FILE *out;
static long n_acked, n_failed;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long long wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    long value = (long)(intptr_t)m->_private;
    if (m->err) {
        n_failed++;
        fprintf(out, "E %d %ld %s %lld\n", (int)m->partition, value, rd_kafka_err2name(m->err),
                wall_ms());
    } else {
        n_acked++;
        fprintf(out, "A %d %lld %ld %lld\n", (int)m->partition, (long long)m->offset, value,
                wall_ms());
    }
}

static void set(rd_kafka_conf_t *conf, const char *k, const char *v)
{
    char err[512];
    if (rd_kafka_conf_set(conf, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "fault_producer: %s=%s: %s\n", k, v, err);
        exit(2);
    }
}

static long arg_long(const char *s, const char *what, long min)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min) {
        fprintf(stderr, "fault_producer: bad %s '%s'\n", what, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 8) {
        fprintf(
            stderr,
            "usage: %s BROKERS TOPIC PARTITIONS COUNT MAX_SECONDS RATE OUTFILE [prop=value ...]\n",
            argv[0]);
        return 2;
    }
    const char *brokers = argv[1], *topic = argv[2];
    long partitions = arg_long(argv[3], "PARTITIONS", 1);
    long count = arg_long(argv[4], "COUNT", 0);
    long max_seconds = arg_long(argv[5], "MAX_SECONDS", 1);
    long rate = arg_long(argv[6], "RATE", 1);
    out = fopen(argv[7], "w");
    if (!out) {
        fprintf(stderr, "fault_producer: %s: %s\n", argv[7], strerror(errno));
        return 2;
    }
    setvbuf(out, NULL, _IOLBF, 0);

    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", brokers);
    set(conf, "acks", "all");
    set(conf, "enable.idempotence", "false");
    set(conf, "retries", "2147483647");
    set(conf, "retry.backoff.ms", "100");
    set(conf, "max.in.flight.requests.per.connection", "1");
    set(conf, "message.timeout.ms", "30000");
    set(conf, "request.timeout.ms", "10000");
    set(conf, "linger.ms", "5");
    set(conf, "compression.type", "none");
    set(conf, "topic.metadata.refresh.interval.ms", "2000");
    for (int i = 8; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "fault_producer: expected prop=value, got '%s'\n", argv[i]);
            return 2;
        }
        *eq = '\0';
        set(conf, argv[i], eq + 1);
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    char err[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!rk) {
        fprintf(stderr, "fault_producer: rd_kafka_new: %s\n", err);
        return 2;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    double t0 = mono_s(), interval = 1.0 / (double)rate;
    long sent = 0;
    while (!stop_requested && sent < count && mono_s() - t0 < (double)max_seconds) {
        double due = t0 + (double)sent * interval, now = mono_s();
        if (now < due) {
            int ms = (int)((due - now) * 1000.0);
            rd_kafka_poll(rk, ms > 0 ? ms : 0);
            continue;
        }
        char value[32];
        int len = snprintf(value, sizeof(value), "%ld", sent);
        rd_kafka_resp_err_t e = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION((int32_t)(sent % partitions)),
            RD_KAFKA_V_VALUE(value, (size_t)len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_OPAQUE((void *)(intptr_t)sent), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(rk, 10);
            continue;
        }
        if (e) {
            fprintf(out, "E %ld %ld %s %lld\n", sent % partitions, sent, rd_kafka_err2name(e),
                    wall_ms());
            n_failed++;
        }
        sent++;
        rd_kafka_poll(rk, 0);
    }
    /* outstanding deliveries end by ack or by message.timeout.ms */
    while (rd_kafka_outq_len(rk) > 0 && mono_s() - t0 < (double)max_seconds + 60.0)
        rd_kafka_poll(rk, 100);
    int left = rd_kafka_outq_len(rk);
    fprintf(out, "S sent=%ld acked=%ld failed=%ld unresolved=%d\n", sent, n_acked, n_failed, left);
    fclose(out);
    rd_kafka_destroy(rk);
    return 0;
}
