/*
 * Consumer-group benchmark (not a test), on librdkafka:
 *   group_bench rebalance BROKERS TOPIC MEMBERS ROUNDS
 *       MEMBERS consumers subscribe to TOPIC in one group and settle; then, ROUNDS times, one
 *       more consumer subscribes and the time until the group is settled again is measured
 *       (every member has taken its assignment, every partition assigned once, the newcomer
 *       holds some), and the newcomer closes (the group settles again, not measured).
 *       Prints p50 and max in ms.
 *   group_bench commit BROKERS TOPIC SECONDS
 *       one consumer of the group commits synchronously (rd_kafka_commit, async=0) one
 *       partition's offset, one more each time, for SECONDS; prints commits/s.
 * Environment: BENCH_HEARTBEAT_MS (heartbeat.interval.ms of the consumers, default 3000),
 * BENCH_MAX_SECONDS (bound of any one wait, default 120).
 * Output ends with a "result: key=value ..." line for scripts/bench.sh.
 */
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_MEMBERS 64
#define MAX_PARTS   1024

typedef struct member {
    rd_kafka_t *rk;
    int n_assigned;
    int32_t assigned[MAX_PARTS];
    int rebalances; /* assign callbacks seen */
} member;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    member *m = opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        m->n_assigned = 0;
        for (int i = 0; i < parts->cnt && i < MAX_PARTS; i++)
            m->assigned[m->n_assigned++] = parts->elems[i].partition;
        m->rebalances++;
        rd_kafka_assign(rk, parts);
    } else {
        m->n_assigned = 0;
        rd_kafka_assign(rk, NULL);
    }
}

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "group_bench: %s: %s\n", what, detail);
    exit(1);
}

static void conf_set(rd_kafka_conf_t *c, const char *k, const char *v)
{
    char err[256];
    if (rd_kafka_conf_set(c, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK)
        die(k, err);
}

static rd_kafka_t *consumer(const char *brokers, const char *group, member *m)
{
    char err[256];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    conf_set(c, "bootstrap.servers", brokers);
    conf_set(c, "group.id", group);
    conf_set(c, "enable.auto.commit", "false");
    conf_set(c, "heartbeat.interval.ms",
             getenv("BENCH_HEARTBEAT_MS") ? getenv("BENCH_HEARTBEAT_MS") : "3000");
    conf_set(c, "session.timeout.ms", "30000");
    if (m) {
        rd_kafka_conf_set_opaque(c, m);
        rd_kafka_conf_set_rebalance_cb(c, rebalance_cb);
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err));
    if (!rk)
        die("rd_kafka_new", err);
    rd_kafka_poll_set_consumer(rk);
    return rk;
}

static void subscribe(rd_kafka_t *rk, const char *topic)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e)
        die("subscribe", rd_kafka_err2str(e));
}

static void poll_all(member *ms, int n)
{
    for (int i = 0; i < n; i++) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(ms[i].rk, 1);
        if (msg)
            rd_kafka_message_destroy(msg);
    }
}

/* Settled: every partition held by exactly one member, every member holding some (when there
 * are at least as many partitions as members), and @p newcomer (if >= 0) among them. */
static bool settled(member *ms, int n, int n_parts, int newcomer)
{
    static int seen[MAX_PARTS];
    memset(seen, 0, sizeof(seen));
    int total = 0;
    for (int i = 0; i < n; i++) {
        if (ms[i].n_assigned == 0 && n <= n_parts)
            return false;
        for (int k = 0; k < ms[i].n_assigned; k++) {
            if (ms[i].assigned[k] >= n_parts || seen[ms[i].assigned[k]]++)
                return false;
            total++;
        }
    }
    return total == n_parts && (newcomer < 0 || ms[newcomer].n_assigned > 0);
}

static int partitions_of(const char *brokers, const char *topic)
{
    rd_kafka_t *rk = consumer(brokers, "group-bench-metadata", NULL);
    rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md;
    if (rd_kafka_metadata(rk, 0, t, &md, 10000))
        die("metadata", topic);
    int n = md->topic_cnt == 1 ? md->topics[0].partition_cnt : 0;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(t);
    rd_kafka_destroy(rk);
    return n;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void wait_settled(member *ms, int n, int n_parts, int newcomer, int64_t max_ms,
                         const char *what)
{
    int64_t deadline = now_ms() + max_ms;
    while (!settled(ms, n, n_parts, newcomer)) {
        if (now_ms() > deadline)
            die("the group did not settle", what);
        poll_all(ms, n);
    }
}

static int bench_rebalance(const char *brokers, const char *topic, int members, int rounds)
{
    static member ms[MAX_MEMBERS];
    int64_t max_ms =
        1000 * (getenv("BENCH_MAX_SECONDS") ? atoll(getenv("BENCH_MAX_SECONDS")) : 120);
    int n_parts = partitions_of(brokers, topic);
    if (members + 1 > MAX_MEMBERS || n_parts <= 0 || n_parts > MAX_PARTS)
        die("bad arguments", "members or partitions out of range");
    char group[64];
    snprintf(group, sizeof(group), "group-bench-%lld", (long long)now_ms());
    int64_t t0 = now_ms();
    for (int i = 0; i < members; i++) {
        ms[i].rk = consumer(brokers, group, &ms[i]);
        subscribe(ms[i].rk, topic);
    }
    wait_settled(ms, members, n_parts, -1, max_ms, "initial join");
    printf("%d members settled on %d partitions in %" PRId64 " ms\n", members, n_parts,
           now_ms() - t0);
    int64_t *took = calloc((size_t)rounds, sizeof(*took));
    for (int r = 0; r < rounds; r++) {
        member *nm = &ms[members];
        memset(nm, 0, sizeof(*nm));
        for (int i = 0; i < members; i++)
            ms[i].rebalances = 0;
        t0 = now_ms();
        nm->rk = consumer(brokers, group, nm);
        subscribe(nm->rk, topic);
        wait_settled(ms, members + 1, n_parts, members, max_ms, "a member joined");
        took[r] = now_ms() - t0;
        printf("round %d: member joined, group settled in %" PRId64 " ms\n", r + 1, took[r]);
        rd_kafka_consumer_close(nm->rk);
        rd_kafka_destroy(nm->rk);
        nm->rk = NULL;
        nm->n_assigned = 0;
        wait_settled(ms, members, n_parts, -1, max_ms, "a member left");
    }
    qsort(took, (size_t)rounds, sizeof(*took), cmp64);
    printf("result: rebalance_p50_ms=%" PRId64 " rebalance_max_ms=%" PRId64 " rounds=%d\n",
           took[rounds / 2], took[rounds - 1], rounds);
    free(took);
    for (int i = 0; i < members; i++) {
        rd_kafka_consumer_close(ms[i].rk);
        rd_kafka_destroy(ms[i].rk);
    }
    return 0;
}

static int bench_commit(const char *brokers, const char *topic, int seconds)
{
    static member m;
    char group[64];
    snprintf(group, sizeof(group), "commit-bench-%lld", (long long)now_ms());
    int n_parts = partitions_of(brokers, topic);
    m.rk = consumer(brokers, group, &m);
    subscribe(m.rk, topic);
    wait_settled(&m, 1, n_parts, -1, 60000, "single consumer");
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_t *tp = rd_kafka_topic_partition_list_add(l, topic, m.assigned[0]);
    int64_t n = 0, failed = 0, t0 = now_ms(), end = t0 + 1000LL * seconds;
    while (now_ms() < end) {
        tp->offset = n + 1;
        rd_kafka_resp_err_t e = rd_kafka_commit(m.rk, l, 0);
        if (e)
            failed++;
        else
            n++;
    }
    double secs = (double)(now_ms() - t0) / 1000.0;
    printf("%" PRId64 " synchronous commits in %.1f s (%" PRId64 " failed)\n", n, secs, failed);
    printf("result: commits_s=%.0f failed=%" PRId64 "\n", (double)n / secs, failed);
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_consumer_close(m.rk);
    rd_kafka_destroy(m.rk);
    return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "rebalance") == 0)
        return bench_rebalance(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
    if (argc == 5 && strcmp(argv[1], "commit") == 0)
        return bench_commit(argv[2], argv[3], atoi(argv[4]));
    fprintf(stderr, "usage: group_bench rebalance BROKERS TOPIC MEMBERS ROUNDS\n"
                    "       group_bench commit BROKERS TOPIC SECONDS\n");
    return 2;
}
