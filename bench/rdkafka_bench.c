/*
 * Throughput benchmark through librdkafka (the client kcat and confluent-kafka use):
 *   rdkafka_bench produce BROKERS TOPIC COUNT SIZE ACKS
 *   rdkafka_bench consume BROKERS TOPIC COUNT
 * Prints one line: records, bytes, seconds, msgs/s, MB/s. Bounded by COUNT and a 120 s limit.
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long delivered, failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (m->err)
        failed++;
    else
        delivered++;
}

static rd_kafka_t *make(rd_kafka_type_t type, const char *brokers, const char *acks)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof(err));
    if (type == RD_KAFKA_PRODUCER) {
        rd_kafka_conf_set(conf, "acks", acks, err, sizeof(err));
        rd_kafka_conf_set(conf, "linger.ms", "5", err, sizeof(err));
        rd_kafka_conf_set(conf, "queue.buffering.max.messages", "1000000", err, sizeof(err));
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    } else {
        rd_kafka_conf_set(conf, "group.id", "rdkafka-bench", err, sizeof(err));
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof(err));
        rd_kafka_conf_set(conf, "fetch.max.bytes", "52428800", err, sizeof(err));
    }
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof(err));
    if (!rk) {
        fprintf(stderr, "rd_kafka_new: %s\n", err);
        exit(1);
    }
    return rk;
}

static void report(const char *what, long n, double bytes, double secs)
{
    printf("%s: %ld records, %.1f MB, %.2f s, %.0f msgs/s, %.1f MB/s\n", what, n, bytes / 1e6, secs,
           (double)n / secs, bytes / 1e6 / secs);
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s produce|consume BROKERS TOPIC COUNT [SIZE ACKS]\n", argv[0]);
        return 2;
    }
    const char *brokers = argv[2], *topic = argv[3];
    long count = atol(argv[4]);
    double deadline = now_s() + 120;
    if (strcmp(argv[1], "produce") == 0) {
        int size = argc > 5 ? atoi(argv[5]) : 100;
        rd_kafka_t *rk = make(RD_KAFKA_PRODUCER, brokers, argc > 6 ? argv[6] : "1");
        char *payload = malloc((size_t)size);
        memset(payload, 'x', (size_t)size);
        double t0 = now_s();
        for (long i = 0; i < count && now_s() < deadline;) {
            rd_kafka_resp_err_t e =
                rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
                                  RD_KAFKA_V_VALUE(payload, (size_t)size), RD_KAFKA_V_END);
            if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                rd_kafka_poll(rk, 1);
                continue;
            }
            rd_kafka_poll(rk, 0);
            i++;
        }
        rd_kafka_flush(rk, 60000);
        double secs = now_s() - t0;
        report("produce", delivered, (double)delivered * size, secs);
        if (failed)
            printf("produce: %ld failed deliveries\n", failed);
        rd_kafka_destroy(rk);
        free(payload);
        return failed ? 1 : 0;
    }
    rd_kafka_t *rk = make(RD_KAFKA_CONSUMER, brokers, NULL);
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(parts, topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    long n = 0;
    double bytes = 0, t0 = 0;
    while (n < count && now_s() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m)
            continue;
        if (!m->err) {
            if (n == 0)
                t0 = now_s();
            n++;
            bytes += (double)m->len;
        }
        rd_kafka_message_destroy(m);
    }
    report("consume", n, bytes, now_s() - t0);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return n == count ? 0 : 1;
}
