/*
 * Throughput and latency benchmark through librdkafka (the client kcat and confluent-kafka use):
 *   rdkafka_bench produce BROKERS TOPIC COUNT SIZE ACKS [RATE SECONDS]
 *   rdkafka_bench consume BROKERS TOPIC COUNT
 *   rdkafka_bench create  BROKERS TOPIC PARTITIONS RF [NAME=VALUE ...]
 *   rdkafka_bench connect BROKERS COUNT
 * produce and consume print one line: records, bytes, seconds, msgs/s, MB/s. produce also prints
 * the per-record produce latency (rd_kafka_producev to its delivery report; the enqueue time
 * sits in an array indexed by the message opaque) as p50/p99/p99.9 in ms, and one
 * machine-readable "result:" line. With RATE > 0 the producer is held to RATE records/s by a
 * token bucket (10 ms of burst) for SECONDS (at most COUNT records), and it also prints how many
 * 100 ms windows enqueued under 90 % of the rate and how often the client's queue was full: short
 * windows with a queue never full mean the machine held the client itself back (a machine-wide
 * stall), not the brokers. Records have no key and no
 * partition (RD_KAFKA_PARTITION_UA): librdkafka's sticky partitioner (2.x: partitioner
 * consistent_random, sticky.partitioning.linger.ms 10) sends them to one random partition at a
 * time, a new one every 10 ms; one warm-up record per partition (not counted) opens the
 * connections first.
 * consume reads from the beginning of every partition of TOPIC (assigned, no group rebalance)
 * until COUNT records are in.
 * create makes a topic through the Admin API (CreateTopics, topic configs as NAME=VALUE), after
 * waiting until RF brokers are known, and returns once every partition has a leader and a full
 * ISR (bounded by BENCH_CREATE_SECONDS, default 60).
 * connect opens COUNT connections one after another, each from a new client (rd_kafka_new, its
 * only connection the one to the bootstrap broker: TCP, then the TLS handshake and SASL
 * authentication when BENCH_CLIENT_CONF asks for them, ApiVersions, then a Metadata request
 * without topics), and closes it (rd_kafka_destroy) once the Metadata response is in. It prints
 * connections/s over the whole loop (close included) and the p50/p99/max set-up time (from
 * rd_kafka_new to the Metadata response), and a "result:" line. A connection that fails (an
 * authentication or TLS error ends it at once; otherwise BENCH_CONNECT_TIMEOUT_MS, default
 * 10000) ends the run with exit status 1.
 * BENCH_CLIENT_CONF adds librdkafka properties to every client (space-separated KEY=VALUE:
 * security.protocol, ssl.ca.location, sasl.mechanism, sasl.username, sasl.password, ...).
 * Bounded by COUNT and a limit of BENCH_MAX_SECONDS (default 120) per run. The producer runs
 * with linger.ms=BENCH_LINGER_MS (default 5) and, when BENCH_QUEUE_KB is set, at most that
 * many KiB queued (queue.buffering.max.kbytes: Java's buffer.memory), so that latency at full
 * speed measures a bounded queue rather than the whole run. BENCH_COMPRESSION sets the producer's
 * compression.type, BENCH_IDEMPOTENCE=true its enable.idempotence. BENCH_LATENCY_LOG=PATH makes
 * produce write one line per delivered record to PATH: its enqueue time (CLOCK_MONOTONIC, s), its
 * latency (ms) and its partition, in delivery order, to find when a tail happened. Payloads are
 * log-like text.
 */
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long delivered, failed;
static double *enq_at; /* enqueue time of record i (its opaque is i + 1; 0 = warm-up) */
static double *lat;    /* latency of each delivered record, in seconds */
static long nlat;
static double last_dr; /* time of the last delivery report */
static const char *first_err;
static FILE *latency_log; /* BENCH_LATENCY_LOG */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    intptr_t id = (intptr_t)m->_private;
    if (id == 0)
        return; /* warm-up record */
    if (m->err) {
        failed++;
        if (!first_err)
            first_err = rd_kafka_err2str(m->err);
        return;
    }
    delivered++;
    last_dr = now_s();
    if (lat)
        lat[nlat++] = last_dr - enq_at[id - 1];
    if (latency_log)
        fprintf(latency_log, "%.6f %.3f %d\n", enq_at[id - 1], (last_dr - enq_at[id - 1]) * 1e3,
                (int)m->partition);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* q-quantile (nearest rank) of the sorted v[0..n), in ms. */
static double pct_ms(const double *v, long n, double q)
{
    if (n == 0)
        return -1;
    long r = (long)(q * (double)n);
    if ((double)r < q * (double)n)
        r++;
    if (r < 1)
        r = 1;
    return v[r - 1] * 1e3;
}

/* With a RATE, the whole 100 ms windows of the pacing loop (from @p t0, @p secs long) in which
 * fewer than 90 % of their share of records were enqueued into *@p held, of *@p windows. A
 * window falls short when the pacing thread did not run for more than the 10 ms the token bucket
 * makes up, or when the client's queue was full: with @p queue_full at 0 it was the machine that
 * held the client back, not the brokers. Tells a machine-wide stall from a broker's in a run
 * whose latency tail is in question. */
static void held_back_windows(const double *enq, long n, double t0, double secs, double rate,
                              long *held, long *windows)
{
    *held = *windows = 0;
    long nw = (long)(secs / 0.1);
    int *count = nw > 0 ? calloc((size_t)nw, sizeof(*count)) : NULL;
    if (!count)
        return;
    for (long i = 0; i < n; i++) {
        long k = (long)((enq[i] - t0) / 0.1);
        if (k >= 0 && k < nw)
            count[k]++;
    }
    for (long k = 0; k < nw; k++)
        *held += count[k] < 0.9 * rate * 0.1;
    *windows = nw;
    free(count);
}

/* Log-line-like text (words and numbers from a fixed generator): compresses as real payloads
 * do (a few times), not as one repeated byte does (a thousand times). */
static void fill_text(char *p, size_t n)
{
    static const char *const words[] = {"user",  "order", "id=",     "status", "ok",   "GET",
                                        "/api/", "items", "latency", "ms",     "shop", "cart",
                                        "error", "retry", "region",  "eu-west"};
    uint32_t x = 2463534242u;
    size_t i = 0;
    while (i < n) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        char w[32];
        int len = (x & 3) == 0 ? snprintf(w, sizeof(w), "%u ", x % 100000)
                               : snprintf(w, sizeof(w), "%s ", words[(x >> 8) % 16]);
        for (int k = 0; k < len && i < n; k++)
            p[i++] = w[k];
    }
}

static double env_num(const char *name, double dflt)
{
    const char *v = getenv(name);
    return v && *v ? atof(v) : dflt;
}

/* A configuration with bootstrap.servers and the properties of BENCH_CLIENT_CONF. */
static rd_kafka_conf_t *make_conf(const char *brokers)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof(err));
    const char *cc = getenv("BENCH_CLIENT_CONF");
    char *copy = strdup(cc ? cc : ""), *save = NULL;
    for (char *kv = strtok_r(copy, " \t\n", &save); kv; kv = strtok_r(NULL, " \t\n", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq) {
            fprintf(stderr, "BENCH_CLIENT_CONF: %s is not KEY=VALUE\n", kv);
            exit(2);
        }
        *eq = 0;
        if (rd_kafka_conf_set(conf, kv, eq + 1, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, "BENCH_CLIENT_CONF: %s\n", err);
            exit(2);
        }
    }
    free(copy);
    return conf;
}

static rd_kafka_t *make(rd_kafka_type_t type, const char *brokers, const char *acks)
{
    char err[512];
    rd_kafka_conf_t *conf = make_conf(brokers);
    if (type == RD_KAFKA_PRODUCER) {
        rd_kafka_conf_set(conf, "acks", acks, err, sizeof(err));
        const char *linger = getenv("BENCH_LINGER_MS"), *qkb = getenv("BENCH_QUEUE_KB");
        rd_kafka_conf_set(conf, "linger.ms", linger && *linger ? linger : "5", err, sizeof(err));
        rd_kafka_conf_set(conf, "queue.buffering.max.messages", "1000000", err, sizeof(err));
        if (qkb && *qkb &&
            rd_kafka_conf_set(conf, "queue.buffering.max.kbytes", qkb, err, sizeof(err)) !=
                RD_KAFKA_CONF_OK) {
            fprintf(stderr, "BENCH_QUEUE_KB: %s\n", err);
            exit(2);
        }
        /* BENCH_COMPRESSION: the producer's compression.type; BENCH_IDEMPOTENCE: "true" for
         * enable.idempotence (InitProducerId, sequence numbers) */
        const char *opts[][2] = {{"BENCH_COMPRESSION", "compression.type"},
                                 {"BENCH_IDEMPOTENCE", "enable.idempotence"}};
        for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
            const char *v = getenv(opts[i][0]);
            if (v && *v &&
                rd_kafka_conf_set(conf, opts[i][1], v, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
                fprintf(stderr, "%s: %s\n", opts[i][0], err);
                exit(2);
            }
        }
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

/* Metadata of all topics (bounded wait); NULL on failure. */
static const struct rd_kafka_metadata *metadata(rd_kafka_t *rk)
{
    const struct rd_kafka_metadata *md = NULL;
    if (rd_kafka_metadata(rk, 1, NULL, &md, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return NULL;
    return md;
}

static const struct rd_kafka_metadata_topic *find_topic(const struct rd_kafka_metadata *md,
                                                        const char *topic)
{
    for (int i = 0; i < md->topic_cnt; i++)
        if (strcmp(md->topics[i].topic, topic) == 0 && !md->topics[i].err)
            return &md->topics[i];
    return NULL;
}

static void sleep_s(double s)
{
    if (s <= 0)
        return;
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

static int do_produce(const char *brokers, const char *topic, long count, int size,
                      const char *acks, double rate, double seconds, double deadline)
{
    rd_kafka_t *rk = make(RD_KAFKA_PRODUCER, brokers, acks);
    char *payload = malloc((size_t)size);
    fill_text(payload, (size_t)size);
    if (rate > 0 && rate * seconds < (double)count)
        count = (long)(rate * seconds);
    const char *ll = getenv("BENCH_LATENCY_LOG");
    if (ll && *ll && !(latency_log = fopen(ll, "w"))) {
        perror(ll);
        return 1;
    }
    enq_at = calloc((size_t)count + 1, sizeof(double));
    lat = calloc((size_t)count + 1, sizeof(double));
    if (!enq_at || !lat) {
        fprintf(stderr, "out of memory for %ld latencies\n", count);
        return 1;
    }

    /* Warm-up: one record per partition opens the connection to every leader. */
    int parts = 1;
    const struct rd_kafka_metadata *md = metadata(rk);
    const struct rd_kafka_metadata_topic *mt = md ? find_topic(md, topic) : NULL;
    if (mt && mt->partition_cnt > 0)
        parts = mt->partition_cnt;
    if (md)
        rd_kafka_metadata_destroy(md);
    for (int p = 0; p < parts; p++)
        rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(p),
                          RD_KAFKA_V_VALUE(payload, (size_t)size), RD_KAFKA_V_OPAQUE(NULL),
                          RD_KAFKA_V_END);
    rd_kafka_flush(rk, 10000);

    double t0 = now_s(), tokens = 1, burst = rate > 100 ? rate / 100 : 1, last = t0;
    long i = 0, queue_full = 0;
    while (i < count) {
        double t = now_s();
        if (t >= deadline)
            break;
        if (rate > 0) {
            tokens += (t - last) * rate;
            if (tokens > burst)
                tokens = burst;
            last = t;
            if (tokens < 1) {
                rd_kafka_poll(rk, 0);
                double wait = (1 - tokens) / rate;
                sleep_s(wait < 0.0002 ? wait : 0.0002);
                continue;
            }
        }
        enq_at[i] = t;
        rd_kafka_resp_err_t e =
            rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(payload, (size_t)size),
                              RD_KAFKA_V_OPAQUE((void *)(intptr_t)(i + 1)), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            queue_full++;
            rd_kafka_poll(rk, 1);
            continue;
        }
        if (e) {
            fprintf(stderr, "produce: %s\n", rd_kafka_err2str(e));
            break;
        }
        if (rate > 0)
            tokens -= 1;
        rd_kafka_poll(rk, 0);
        i++;
    }
    double sent = now_s() - t0;
    /* Poll (not flush) to the end so that delivery reports are timed as they arrive. */
    while (rd_kafka_outq_len(rk) > 0 && now_s() < deadline + 30)
        rd_kafka_poll(rk, 1);
    double secs = (last_dr > t0 ? last_dr : now_s()) - t0;
    report("produce", delivered, (double)delivered * size, secs);
    qsort(lat, (size_t)nlat, sizeof(double), cmp_double);
    double p50 = pct_ms(lat, nlat, 0.50), p99 = pct_ms(lat, nlat, 0.99),
           p999 = pct_ms(lat, nlat, 0.999);
    printf("produce latency: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms"
           " (acks=%s, offered %.0f msgs/s)\n",
           p50, p99, p999, nlat ? lat[nlat - 1] * 1e3 : -1, acks, (double)i / sent);
    long held = 0, windows = 0;
    if (rate > 0) {
        held_back_windows(enq_at, i, t0, sent, rate, &held, &windows);
        printf("produce pacing: %ld of %ld windows of 100 ms enqueued under 90 %% of the rate "
               "(queue full %ld times)\n",
               held, windows, queue_full);
    }
    if (failed)
        printf("produce: %ld failed deliveries (first: %s)\n", failed, first_err);
    printf("result: records=%ld failed=%ld secs=%.3f msgs_s=%.0f mb_s=%.2f p50_ms=%.3f "
           "p99_ms=%.3f p999_ms=%.3f offered_s=%.0f held_windows=%ld windows=%ld "
           "queue_full=%ld\n",
           delivered, failed, secs, (double)delivered / secs, (double)delivered * size / 1e6 / secs,
           p50, p99, p999, (double)i / sent, held, windows, queue_full);
    rd_kafka_destroy(rk);
    if (latency_log)
        fclose(latency_log);
    free(payload);
    free(enq_at);
    free(lat);
    return failed ? 1 : 0;
}

static int do_create(const char *brokers, const char *topic, int parts, int rf, char **cfgs,
                     int ncfg, double deadline)
{
    char err[512];
    rd_kafka_t *rk = make(RD_KAFKA_PRODUCER, brokers, "1");
    /* Wait until RF brokers are registered. */
    for (;;) {
        const struct rd_kafka_metadata *md = metadata(rk);
        int n = md ? md->broker_cnt : 0;
        if (md)
            rd_kafka_metadata_destroy(md);
        if (n >= rf)
            break;
        if (now_s() >= deadline) {
            fprintf(stderr, "create: %d of %d brokers known\n", n, rf);
            return 1;
        }
        sleep_s(0.3);
    }
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, parts, rf, err, sizeof(err));
    if (!nt) {
        fprintf(stderr, "create: %s\n", err);
        return 1;
    }
    for (int i = 0; i < ncfg; i++) {
        char *eq = strchr(cfgs[i], '=');
        if (!eq) {
            fprintf(stderr, "create: %s is not NAME=VALUE\n", cfgs[i]);
            return 2;
        }
        *eq = 0;
        rd_kafka_NewTopic_set_config(nt, cfgs[i], eq + 1);
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opt = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(opt, 15000, err, sizeof(err));
    rd_kafka_AdminOptions_set_request_timeout(opt, 20000, err, sizeof(err));
    rd_kafka_CreateTopics(rk, &nt, 1, opt, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
    int rc = 1;
    if (!ev) {
        fprintf(stderr, "create: no CreateTopics result\n");
    } else if (rd_kafka_event_error(ev)) {
        fprintf(stderr, "create: %s\n", rd_kafka_event_error_string(ev));
    } else {
        size_t n;
        const rd_kafka_topic_result_t **tr =
            rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
        rd_kafka_resp_err_t e = n ? rd_kafka_topic_result_error(tr[0]) : RD_KAFKA_RESP_ERR_NO_ERROR;
        if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
            fprintf(stderr, "create %s: %s (%s)\n", topic, rd_kafka_err2str(e),
                    rd_kafka_topic_result_error_string(tr[0]));
        else
            rc = 0;
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(opt);
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_queue_destroy(q);
    /* Wait until every partition has a leader and a full ISR. */
    while (rc == 0) {
        const struct rd_kafka_metadata *md = metadata(rk);
        const struct rd_kafka_metadata_topic *mt = md ? find_topic(md, topic) : NULL;
        int ready = mt && mt->partition_cnt == parts;
        for (int i = 0; ready && i < mt->partition_cnt; i++)
            ready = mt->partitions[i].leader >= 0 && mt->partitions[i].isr_cnt == rf &&
                    !mt->partitions[i].err;
        if (md)
            rd_kafka_metadata_destroy(md);
        if (ready)
            break;
        if (now_s() >= deadline) {
            fprintf(stderr, "create %s: partitions not all led with a full ISR in time\n", topic);
            rc = 1;
        }
        sleep_s(0.2);
    }
    if (rc == 0)
        printf("created %s: %d partitions, replication factor %d\n", topic, parts, rf);
    rd_kafka_destroy(rk);
    return rc;
}

/* The first error a connect-mode client reported (served by rd_kafka_poll). */
static rd_kafka_resp_err_t conn_err;
static char conn_reason[512];

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (conn_err && conn_err != RD_KAFKA_RESP_ERR__TRANSPORT)
        return;
    conn_err = (rd_kafka_resp_err_t)err;
    snprintf(conn_reason, sizeof(conn_reason), "%s: %s", rd_kafka_err2name(conn_err), reason);
}

static int do_connect(const char *brokers, long count, double deadline)
{
    char err[512];
    double tmo = env_num("BENCH_CONNECT_TIMEOUT_MS", 10000) / 1e3;
    double *setup = calloc((size_t)count + 1, sizeof(double));
    if (!setup)
        return 1;
    long n = 0;
    const char *fail = NULL;
    double t0 = now_s();
    while (n < count && now_s() < deadline) {
        rd_kafka_conf_t *conf = make_conf(brokers);
        rd_kafka_conf_set_error_cb(conf, on_error);
        conn_err = RD_KAFKA_RESP_ERR_NO_ERROR;
        conn_reason[0] = 0;
        double c0 = now_s();
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
        if (!rk) {
            fprintf(stderr, "rd_kafka_new: %s\n", err);
            return 2;
        }
        /* In slices of 100 ms, so that an authentication or TLS error ends the wait at once. */
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_resp_err_t e;
        for (;;) {
            double left = c0 + tmo - now_s();
            int ms = left > 0.1 ? 100 : (int)(left * 1e3);
            if (ms <= 0) {
                e = RD_KAFKA_RESP_ERR__TIMED_OUT;
                break;
            }
            e = rd_kafka_metadata(rk, 0, NULL, &md, ms);
            if (!e)
                break;
            rd_kafka_poll(rk, 0);
            if (conn_err == RD_KAFKA_RESP_ERR__AUTHENTICATION || conn_err == RD_KAFKA_RESP_ERR__SSL)
                break;
        }
        double c1 = now_s();
        if (md)
            rd_kafka_metadata_destroy(md);
        rd_kafka_destroy(rk);
        if (e) {
            fail = conn_reason[0] ? conn_reason : rd_kafka_err2str(e);
            break;
        }
        setup[n++] = c1 - c0;
    }
    double secs = now_s() - t0;
    qsort(setup, (size_t)n, sizeof(double), cmp_double);
    double p50 = pct_ms(setup, n, 0.50), p99 = pct_ms(setup, n, 0.99);
    printf("connect: %ld connections, %.2f s, %.0f connections/s, set-up p50 %.2f ms, p99 %.2f ms,"
           " max %.2f ms\n",
           n, secs, (double)n / secs, p50, p99, n ? setup[n - 1] * 1e3 : -1);
    if (fail)
        printf("connect: connection %ld failed: %s\n", n + 1, fail);
    printf("result: connections=%ld secs=%.3f conns_s=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
           n, secs, (double)n / secs, p50, p99, n ? setup[n - 1] * 1e3 : -1);
    free(setup);
    return n == count ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "connect") == 0)
        return do_connect(argv[2], atol(argv[3]), now_s() + env_num("BENCH_MAX_SECONDS", 120));
    if (argc < 5) {
        fprintf(stderr,
                "usage: %s produce BROKERS TOPIC COUNT [SIZE ACKS [RATE SECONDS]]\n"
                "       %s consume BROKERS TOPIC COUNT\n"
                "       %s create BROKERS TOPIC PARTITIONS RF [NAME=VALUE ...]\n"
                "       %s connect BROKERS COUNT\n",
                argv[0], argv[0], argv[0], argv[0]);
        return 2;
    }
    const char *brokers = argv[2], *topic = argv[3];
    long count = atol(argv[4]);
    double deadline = now_s() + env_num("BENCH_MAX_SECONDS", 120);
    if (strcmp(argv[1], "create") == 0) {
        if (argc < 6)
            return 2;
        return do_create(brokers, topic, (int)count, atoi(argv[5]), argv + 6, argc - 6,
                         now_s() + env_num("BENCH_CREATE_SECONDS", 60));
    }
    if (strcmp(argv[1], "produce") == 0)
        return do_produce(brokers, topic, count, argc > 5 ? atoi(argv[5]) : 100,
                          argc > 6 ? argv[6] : "1", argc > 7 ? atof(argv[7]) : 0,
                          argc > 8 ? atof(argv[8]) : 10, deadline);
    rd_kafka_t *rk = make(RD_KAFKA_CONSUMER, brokers, NULL);
    rd_kafka_poll_set_consumer(rk);
    /* Every partition of the topic (partition 0 alone when Metadata does not answer). */
    int nparts = 1;
    const struct rd_kafka_metadata *md = metadata(rk);
    const struct rd_kafka_metadata_topic *mt = md ? find_topic(md, topic) : NULL;
    if (mt && mt->partition_cnt > 0)
        nparts = mt->partition_cnt;
    if (md)
        rd_kafka_metadata_destroy(md);
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(nparts);
    for (int p = 0; p < nparts; p++)
        rd_kafka_topic_partition_list_add(parts, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
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
