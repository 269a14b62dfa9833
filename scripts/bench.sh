#!/usr/bin/env bash
# scripts/bench.sh storage — the log layer alone (bench/storage_bench.c): append and sendfile
# fetch throughput beside a raw sequential write and read of the same disk, in the same run
# (BENCH_MIB, default 1024), under var/bench/storage.
#
# scripts/bench.sh [broker] — throughput benchmark (not a test): builds the release preset,
# starts its own 3-node ZooKeeper ensemble (ports 42181-42183) and one broker (PLAINTEXT 49092)
# under var/bench/, then runs bench/rdkafka_bench (librdkafka): a producer of BENCH_COUNT
# (default 1,000,000) records of BENCH_SIZE (100) bytes with acks=BENCH_ACKS (1), then a consumer
# reading them back. Prints msgs/s and MB/s for both and stops what it started.
#
# scripts/bench.sh replication — replication benchmark (not a test): the same ensemble and three
# brokers (PLAINTEXT 49092, 49094, 49096; state in var/bench/broker-N/), topics of 3 partitions
# at replication factor 3 (min.insync.replicas=2) and 1. Measures, in one run: produce
# throughput and per-record latency (p50/p99/p99.9) of BENCH_COUNT (default 500,000) records of
# BENCH_SIZE (1024) bytes with acks=1 and acks=all on each topic (linger.ms=BENCH_LINGER_MS,
# default 5; at most BENCH_QUEUE_KB, default 32768, KiB queued in the client); a page-cache write
# of the same disk (dd of BENCH_DD_MIB, default 1024, into new files: the steady rate before the
# acks=all RF3 run and one write after it, the faster counting unless they differ by more than
# 2x, no fsync; see page_cache_steady and page_cache_reference);
# then latency at a fixed rate of one third of the acks=all RF3 peak for BENCH_RATE_SECONDS (10)
# with linger.ms=BENCH_RATE_LINGER_MS (0), and the same rate with acks=1 and with acks=all and
# linger.ms=1 for comparison (neither counts for the target). Each run
# is bounded by BENCH_MAX_SECONDS (30); BENCH_BROKER_PROPS adds broker properties
# (space-separated KEY=VALUE). Prints one table and the two targets: acks=all RF3 throughput
# >= 50 % of (page-cache write / 3), and p99 <= 5 ms at the fixed rate, with how many 100 ms
# windows of that run the client enqueued under 90 % of its rate (rdkafka_bench's pacing line:
# with its queue never full, the machine held the client back). With BENCH_LATENCY_DIR
# set, each run writes every record's enqueue time and latency to DIR/LABEL.txt (rdkafka_bench's
# BENCH_LATENCY_LOG), to see when a tail happened. Stops what it started and removes the
# brokers' data.
#
# scripts/bench.sh groups — consumer-group benchmark (not a test): the same ensemble and three
# brokers, a topic of 60 partitions at RF 3, then bench/group_bench.c: the rebalance time of a
# group of BENCH_MEMBERS (10) consumers when one more joins, p50 and max over BENCH_ROUNDS (20)
# rounds (consumers' heartbeat.interval.ms = BENCH_HEARTBEAT_MS, default 3000, Kafka's
# default: a member learns of a rebalance from its next heartbeat), and the synchronous
# offset-commit rate of one consumer over BENCH_COMMIT_SECONDS (10).
#
# scripts/bench.sh codecs — compression and idempotence benchmark (not a test): the same ensemble
# and three brokers; BENCH_COUNT (default 200,000) records of BENCH_SIZE (1024) bytes of log-like
# text, acks=all, into topics of 3 partitions at RF 1 and RF 3 whose compression.type is each of
# uncompressed, gzip, snappy, lz4 and zstd (an uncompressed producer: the broker compresses, as
# with Kafka's topic-level codec), then zstd compressed by the producer (librdkafka compresses
# only zstd for a broker without Produce v2), then an idempotent producer beside a plain one.
# Prints MB/s of payload and the brokers' CPU seconds (user + system, /proc) per GB of payload.
#
# scripts/bench.sh security — listener security benchmark (not a test): the same ensemble and one
# broker with three listeners, PLAINTEXT 49192, SSL 49193 and SASL_SSL 49194 (PLAIN and
# SCRAM-SHA-512; PEM key store from scripts/gen-certs.sh in var/bench/certs; state in
# var/bench/security/), and a SCRAM-SHA-512 user made with `cafka configs` once the broker is up.
# Per listener, in one run: produce and consume throughput of BENCH_COUNT (default 200,000)
# records of BENCH_SIZE (1024) bytes with acks=1 (a topic of 1 partition each; SASL_SSL with
# SCRAM-SHA-512), then `rdkafka_bench connect`: BENCH_CONNS (500) connections one after another,
# each from a new client, complete with TLS handshake, SASL authentication and a Metadata
# response, then closed: connections/s and the p50/p99 set-up time. Each run is bounded by
# BENCH_MAX_SECONDS (120). Prints one table; stops what it started and removes the broker's data.
#
# scripts/bench.sh scale — partition-count benchmark (not a test): the same ensemble and one
# broker (PLAINTEXT 49092, state in var/bench/scale/). Measures, in one run: the time to create a
# topic of BENCH_PARTITIONS (default 10,000) partitions at RF 1 until every partition has a
# leader in Metadata (kcat -L, bounded by BENCH_LEADER_SECONDS, 120); the broker's descriptors
# and RSS before and after, and per 1,000 partitions; produce (acks=1) and consume throughput of
# BENCH_COUNT (default 200,000) records of BENCH_SIZE (1024) bytes over that topic beside a topic
# of 6 partitions (keyless records: librdkafka's sticky partitioner spreads them); the clean
# restart (SIGTERM, exit bounded by BENCH_STOP_SECONDS, 120, then start to every partition led
# again); the recovery scan after a SIGKILL that follows BENCH_RECOVERY_MIB (1024) MiB produced
# into 1 partition (1 GiB segments, no flush), in GB/s from the broker's "recovered ... bytes
# checked" log line; then (unless BENCH_RF3=0) those topics are deleted, two more brokers join
# (49094, 49096; var/bench/scale-N/) and a topic of BENCH_PARTITIONS partitions at RF 3 is timed
# until all are led and until every ISR holds three replicas. Each client run is bounded by BENCH_MAX_SECONDS (120). Prints one table;
# stops what it started and removes its data.
#
# scripts/bench.sh cpu — CPU per byte (not a test): the same ensemble and one broker (PLAINTEXT
# 49092, state in var/bench/cpu/). In one run: BENCH_COUNT (1,000,000) records of BENCH_SIZE
# (1024) bytes produced with acks=all into 6 partitions at RF 1, then consumed, beside a
# page-cache write (dd, no fsync, into new files: the steady rate before the produce and one
# write after it, the faster counting unless they differ by more than 2x; see page_cache_steady
# and page_cache_reference) and a cached read of as many
# bytes; MB/s, the ratio to the
# page cache and the broker's CPU seconds per GB of each. Prints one table and the targets.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

mode=${1:-broker}
case $mode in broker | storage | replication | groups | codecs | security | scale | cpu) ;; *)
    echo "usage: $0 [broker|storage|replication|groups|codecs|security|scale|cpu]" >&2
    exit 2
    ;;
esac
if [ "$mode" = replication ]; then
    count=${BENCH_COUNT:-500000}
    size=${BENCH_SIZE:-1024}
elif [ "$mode" = codecs ] || [ "$mode" = security ] || [ "$mode" = scale ]; then
    count=${BENCH_COUNT:-200000}
    size=${BENCH_SIZE:-1024}
elif [ "$mode" = cpu ]; then
    count=${BENCH_COUNT:-1000000}
    size=${BENCH_SIZE:-1024}
else
    count=${BENCH_COUNT:-1000000}
    size=${BENCH_SIZE:-100}
fi
acks=${BENCH_ACKS:-1}
dir=$root/var/bench
BENCH=build/release/bin/rdkafka_bench
ZK_PORTS=(42181 42182 42183)
ZK_CONNECT=127.0.0.1:42181,127.0.0.1:42182,127.0.0.1:42183/bench-$$
# The ensemble runs as a production one would (full JIT, a larger heap; the tests' default JVM
# stops at C1 to start quickly, which costs ZooKeeper about twice the CPU per request) and sized
# for this host: its three nodes share the machine's cores with the brokers, so each processes
# requests on its selector and commit threads (ZooKeeper's numWorkerThreads=0 settings) instead
# of handing each one through two more thread pools, which cost a controller reading 10,000
# partition states three times as long on 2 cores.
export ZK_JVM_OPTS=${ZK_JVM_OPTS:--Xmx512m -Xms64m -XX:+UseSerialGC \
    -Dzookeeper.commitProcessor.numWorkerThreads=0 -Dzookeeper.nio.numWorkerThreads=0}

scripts/install-deps.sh
cmake --preset release -DCMAKE_C_FLAGS= >/dev/null
cmake --build --preset release >/dev/null

if [ "$mode" = storage ]; then
    rm -rf "$dir/storage"
    mkdir -p "$dir/storage"
    build/release/bin/storage_bench "$dir/storage" "${BENCH_MIB:-1024}"
    rm -rf "$dir/storage"
    exit 0
fi

# Brokers this script started: pid per broker id.
declare -A broker_pids=()

# start_broker ID PORT DATA [KEY=VALUE ...] — writes $dir/broker-ID.properties and starts the
# broker (log $dir/broker-ID.log), then waits (bounded, 10 s) until its port answers.
# LISTENERS replaces the default listeners=PLAINTEXT://127.0.0.1:PORT.
start_broker() {
    local id=$1 port=$2 data=$3 kv
    shift 3
    {
        echo "broker.id=$id"
        echo "listeners=${LISTENERS:-PLAINTEXT://127.0.0.1:$port}"
        echo "log.dirs=$data"
        echo "zookeeper.connect=$ZK_CONNECT"
        for kv in "$@"; do echo "$kv"; done
    } >"$dir/broker-$id.properties"
    build/release/bin/cafka-server "$dir/broker-$id.properties" 2>>"$dir/broker-$id.log" &
    broker_pids[$id]=$!
    wait_port "$port"
}

restart_broker() { # ID PORT — same properties, same data
    build/release/bin/cafka-server "$dir/broker-$1.properties" 2>>"$dir/broker-$1.log" &
    broker_pids[$1]=$!
    wait_port "$2"
}

wait_port() {
    for _ in $(seq 1 100); do
        nc -z 127.0.0.1 "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "bench: nothing listens on 127.0.0.1:$1 after 10 s" >&2
    return 1
}

# stop_brokers [ID...] — SIGTERM to each (all by default), bounded wait (30 s), then SIGKILL.
stop_brokers() {
    local id pid ids=("$@")
    [ ${#ids[@]} -gt 0 ] || ids=("${!broker_pids[@]}")
    for id in "${ids[@]}"; do
        pid=${broker_pids[$id]:-}
        if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; fi
    done
    for id in "${ids[@]}"; do
        pid=${broker_pids[$id]:-}
        [ -n "$pid" ] || continue
        for _ in $(seq 1 300); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "bench: broker $id (pid $pid) ignored SIGTERM for 30 s; SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
        unset "broker_pids[$id]"
    done
}

cpu_ticks() { # user + system clock ticks of the brokers this script started
    local t=0 pid
    for pid in "${broker_pids[@]}"; do
        t=$((t + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
    done
    echo "$t"
}
hz=$(getconf CLK_TCK)

dd_mbs() { # dd ARGS... — MB/s from dd's summary line
    LC_ALL=C dd "$@" 2>&1 | grep 'bytes.*copied' |
        awk '{for (i = 1; i <= NF; i++) if ($i ~ /^s,?$/) secs = $(i - 1); print $1 / 1e6 / secs}'
}
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (b > a ? b : a) }'; } # the larger of two numbers

# recycled BEFORE AFTER — whether two page-cache writes of the same size, a minute apart, differ by
# more than 2x: the faster one met memory freed shortly before (an earlier run's data, taken back
# by the host at about 100 MB per 20 s here), not new pages. Then the slower one counts.
recycled() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > 2 * b || b > 2 * a) }'; }
# page_cache_reference BEFORE AFTER — the faster of the two writes, or the slower when recycled.
page_cache_reference() {
    if recycled "$1" "$2"; then
        awk -v a="$1" -v b="$2" 'BEGIN { print (b < a ? b : a) }'
    else
        best "$1" "$2"
    fi
}
RECYCLED_NOTE="page-cache reference: the writes before and after differ by more than 2x (memory \
freed by an earlier run); the slower counts. Figures beside it are skewed too: compare runs that \
follow a quiet machine."

# page_cache_write MIB — MB/s of dd writing MIB MiB without fsync into a new file under
# $dir/ddfiles/, which stays until the benchmark ends (rm -rf "$dir/ddfiles"), after the dirty
# pages so far are written back (as before each broker run). Nothing is removed before or
# between such writes and the brokers' runs: on a VM whose host takes back free memory (free
# page reporting, gradually, over minutes), a write into pages freed a while before runs many
# times faster than one into new pages (7.7 against 0.5 GB/s measured here for 1 GiB), so a dd
# just after an rm measures the rm, not the page cache a broker writing new data meets.
page_cache_write() {
    mkdir -p "$dir/ddfiles"
    timeout 120 sync -f "$dir" || true
    dd_mbs if=/dev/zero of="$(mktemp -p "$dir/ddfiles")" bs=1M count="$1"
}

# page_cache_steady MIB — the steady page-cache write rate: page_cache_write of MIB MiB again
# until two in a row agree within 25 % (at most 8 times), the last one's MB/s. Memory freed in
# the minutes before (earlier runs' data) makes the first writes faster; once it is used up,
# what remains is what any writer of new data meets, the broker run that follows included.
page_cache_steady() {
    local prev=0 cur _
    for _ in 1 2 3 4 5 6 7 8; do
        cur=$(page_cache_write "$1")
        if awk -v a="$prev" -v b="$cur" 'BEGIN { exit !(a > 0 && b <= 1.25 * a && a <= 1.25 * b) }'; then
            break
        fi
        prev=$cur
    done
    echo "$cur"
}

cleanup() {
    stop_brokers
    scripts/zk-ensemble.sh stop "$dir/zk" "${ZK_PORTS[@]}" >/dev/null || true
    if [ "$mode" = replication ] || [ "$mode" = groups ] || [ "$mode" = codecs ]; then
        rm -rf "$dir"/broker-[123]
    fi
    rm -rf "$dir/ddfiles"
    if [ "$mode" = security ]; then rm -rf "$dir/security"; fi
    if [ "$mode" = scale ]; then rm -rf "$dir/scale" "$dir/scale-2" "$dir/scale-3"; fi
    if [ "$mode" = cpu ]; then rm -rf "$dir/cpu"; fi
}
trap cleanup EXIT

mkdir -p "$dir"
scripts/zk-ensemble.sh start "$dir/zk" "${ZK_PORTS[@]}" >/dev/null

if [ "$mode" = broker ]; then
    rm -rf "$dir/data"
    rm -f "$dir/broker-1.log"
    start_broker 1 49092 "$dir/data"
    echo "cafka bench: $count records x $size bytes, acks=$acks, 1 partition, loopback"
    kcat -b 127.0.0.1:49092 -L -t bench >/dev/null 2>&1 || true # auto-creates the topic
    sleep 0.5
    $BENCH produce 127.0.0.1:49092 bench "$count" "$size" "$acks" | grep -v '^result:'
    $BENCH consume 127.0.0.1:49092 bench "$count"

    # Cold read (KAFKA-7504): flush the log to disk with a clean restart, drop it from the page
    # cache, then consume it while a probe measures how long other requests wait.
    stop_brokers 1
    restart_broker 1 49092
    sleep 1
    /usr/bin/python3 bench/cold_read.py 127.0.0.1 49092 "$dir/data/bench-0" \
        $BENCH consume 127.0.0.1:49092 bench "$count"
    exit 0
fi

if [ "$mode" = groups ]; then
    BROKERS=127.0.0.1:49092,127.0.0.1:49094,127.0.0.1:49096
    rm -rf "$dir"/broker-[123] "$dir"/broker-[123].log
    for id in 1 2 3; do
        start_broker "$id" $((49090 + 2 * id)) "$dir/broker-$id" \
            controlled.shutdown.max.retries=1 controlled.shutdown.retry.backoff.ms=200 \
            auto.create.topics.enable=false offsets.topic.replication.factor=3
    done
    $BENCH create "$BROKERS" bench-groups 60 3 min.insync.replicas=2 >&2
    export BENCH_HEARTBEAT_MS=${BENCH_HEARTBEAT_MS:-3000}
    members=${BENCH_MEMBERS:-10}
    rounds=${BENCH_ROUNDS:-20}
    echo "cafka groups bench: 3 brokers, 60 partitions at RF 3, $members members + 1 joining," \
        "$rounds rounds, heartbeat.interval.ms=$BENCH_HEARTBEAT_MS, $(nproc) cores"
    build/release/bin/group_bench rebalance "$BROKERS" bench-groups "$members" "$rounds"
    build/release/bin/group_bench commit "$BROKERS" bench-groups "${BENCH_COMMIT_SECONDS:-10}"
    exit 0
fi

if [ "$mode" = cpu ]; then
    export BENCH_MAX_SECONDS=${BENCH_MAX_SECONDS:-120}
    B=127.0.0.1:49092
    rm -rf "$dir/cpu" "$dir/broker-1.log"
    start_broker 1 49092 "$dir/cpu" auto.create.topics.enable=false
    $BENCH create "$B" cpu 6 1 >/dev/null
    bytes=$((count * size))
    mib=$(((bytes + 1048575) / 1048576))
    # Raw page-cache I/O of the same disk and the same bytes: writes without fsync into new
    # files, the steady rate just before the produce and one write just after it, the faster
    # counting unless they differ by more than 2x (page_cache_steady, page_cache_write,
    # page_cache_reference), and reads of such a (cached) file, best of 2.
    pw_before=$(page_cache_steady "$mib")
    for _ in 1 2; do
        pr=$(best "${pr:-0}" "$(dd_mbs if="$(ls "$dir"/ddfiles/* | head -1)" of=/dev/null bs=1M)")
    done
    t0=$(cpu_ticks)
    out=$($BENCH produce "$B" cpu "$count" "$size" all) || echo "bench: produce failed" >&2
    pticks=$(($(cpu_ticks) - t0))
    pw_after=$(page_cache_write "$mib")
    pw=$(page_cache_reference "$pw_before" "$pw_after")
    echo "$out" | grep -v '^result:' >&2
    pmbs=$(echo "$out" | sed -n 's/^result: .*mb_s=\([0-9.]*\).*/\1/p')
    t0=$(cpu_ticks)
    out=$($BENCH consume "$B" cpu "$count") || echo "bench: consume failed" >&2
    cticks=$(($(cpu_ticks) - t0))
    echo "$out" | grep -v '^result:' >&2
    cmbs=$(echo "$out" | sed -n 's/^consume: .* \([0-9.]*\) MB\/s.*/\1/p')
    echo "cafka CPU-per-byte bench: 1 broker, topic of 6 partitions at RF 1, $count x $size B," \
        "acks=all, loopback, $(nproc) cores"
    printf '| %-34s | %8s | %15s | %15s |\n' run "MB/s" "x page cache" "broker CPU s/GB"
    printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..36})" "$(printf -- '-%.0s' {1..10})" \
        "$(printf -- '-%.0s' {1..17})" "$(printf -- '-%.0s' {1..17})"
    awk -v pw="$pw" -v pwb="$pw_before" -v pwa="$pw_after" -v pr="$pr" -v p="${pmbs:-0}" \
        -v c="${cmbs:-0}" -v pt="$pticks" \
        -v ct="$cticks" -v hz="$hz" -v gb="$(awk -v b="$bytes" 'BEGIN { print b / 1e9 }')" 'BEGIN {
        printf "| %-34s | %8.1f | %15s | %15s |\n", "page-cache write (dd, steady)", pwb, "-", "-"
        printf "| %-34s | %8.1f | %15s | %15s |\n", "page-cache write (dd, after)", pwa, "-", "-"
        printf "| %-34s | %8.1f | %15s | %15s |\n", "page-cache write (reference)", pw, "1.00", "-"
        printf "| %-34s | %8.1f | %15s | %15s |\n", "page-cache read (dd, cached)", pr, "1.00", "-"
        printf "| %-34s | %8.1f | %15.2f | %15.2f |\n", "produce, acks=all", p, p / pw, pt / hz / gb
        printf "| %-34s | %8.1f | %15.2f | %15.2f |\n", "consume", c, c / pr, ct / hz / gb
        printf "target: produce >= 0.9 x page-cache write: %s; consume >= 0.8 x page-cache read: %s\n",
            (p >= 0.9 * pw ? "met" : "not met"), (c >= 0.8 * pr ? "met" : "not met")
    }'
    if recycled "$pw_before" "$pw_after"; then echo "$RECYCLED_NOTE"; fi
    exit 0
fi

if [ "$mode" = codecs ]; then
    export BENCH_MAX_SECONDS=${BENCH_MAX_SECONDS:-60}
    BROKERS=127.0.0.1:49092,127.0.0.1:49094,127.0.0.1:49096
    rm -rf "$dir"/broker-[123] "$dir"/broker-[123].log
    for id in 1 2 3; do
        start_broker "$id" $((49090 + 2 * id)) "$dir/broker-$id" \
            controlled.shutdown.max.retries=1 controlled.shutdown.retry.backoff.ms=200 \
            auto.create.topics.enable=false
    done
    echo "cafka codecs bench: 3 brokers, 3 partitions, $count x $size B log-like text, acks=all," \
        "$(nproc) cores"
    printf '| %-42s | %8s | %16s |\n' run "MB/s" "broker CPU s/GB"
    printf '|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..44})" "$(printf -- '-%.0s' {1..10})" \
        "$(printf -- '-%.0s' {1..18})"
    bench_row() { # LABEL TOPIC — one acks=all run, producer settings from the environment
        local t0 out mbs ticks
        t0=$(cpu_ticks)
        out=$($BENCH produce "$BROKERS" "$2" "$count" "$size" all) || {
            echo "bench: run '$1' failed" >&2
            return 0
        }
        ticks=$(($(cpu_ticks) - t0))
        mbs=$(echo "$out" | sed -n 's/^result: .*mb_s=\([0-9.]*\).*/\1/p')
        awk -v l="$1" -v m="$mbs" -v t="$ticks" -v hz="$hz" -v n="$count" -v s="$size" \
            'BEGIN { printf "| %-42s | %8.1f | %16.1f |\n", l, m, t / hz / (n * s / 1e9) }'
    }
    for rf in 1 3; do
        for c in uncompressed gzip snappy lz4 zstd; do
            $BENCH create "$BROKERS" "codec-$c-rf$rf" 3 "$rf" "compression.type=$c" \
                min.insync.replicas=1 >/dev/null 2>&1
            bench_row "RF $rf, topic compression.type=$c" "codec-$c-rf$rf"
        done
        $BENCH create "$BROKERS" "codec-producer-rf$rf" 3 "$rf" >/dev/null 2>&1
        BENCH_COMPRESSION=zstd bench_row "RF $rf, zstd from the producer" "codec-producer-rf$rf"
    done
    $BENCH create "$BROKERS" idem-rf3 3 3 >/dev/null 2>&1
    bench_row "RF 3, plain producer" idem-rf3
    BENCH_IDEMPOTENCE=true bench_row "RF 3, idempotent producer" idem-rf3
    exit 0
fi

if [ "$mode" = security ]; then
    export BENCH_MAX_SECONDS=${BENCH_MAX_SECONDS:-120}
    conns=${BENCH_CONNS:-500}
    certs=$dir/certs
    scripts/gen-certs.sh "$certs" >/dev/null
    declare -A PORT=([PLAINTEXT]=49192 [SSL]=49193 [SASL_SSL]=49194)
    declare -A CONF=(
        [PLAINTEXT]=""
        [SSL]="security.protocol=ssl ssl.ca.location=$certs/ca.pem"
        [SASL_SSL]="security.protocol=sasl_ssl ssl.ca.location=$certs/ca.pem
            sasl.mechanism=SCRAM-SHA-512 sasl.username=bench sasl.password=bench-secret"
    )
    plain=127.0.0.1:${PORT[PLAINTEXT]}
    for l in PLAINTEXT SSL SASL_SSL; do # never measure a broker this script did not start
        if nc -z 127.0.0.1 "${PORT[$l]}" 2>/dev/null; then
            echo "bench: 127.0.0.1:${PORT[$l]} is already in use" >&2
            exit 1
        fi
    done
    rm -rf "$dir/security" "$dir/broker-1.log"
    LISTENERS="PLAINTEXT://$plain,SSL://127.0.0.1:${PORT[SSL]},SASL_SSL://127.0.0.1:${PORT[SASL_SSL]}" \
        start_broker 1 "${PORT[PLAINTEXT]}" "$dir/security" \
        listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL \
        inter.broker.listener.name=PLAINTEXT auto.create.topics.enable=false \
        sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512 \
        'listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret";' \
        ssl.keystore.type=PEM "ssl.keystore.location=$certs/broker-keystore.pem" \
        ssl.truststore.type=PEM "ssl.truststore.location=$certs/ca.pem" ssl.client.auth=none
    wait_port "${PORT[SSL]}"
    wait_port "${PORT[SASL_SSL]}"

    # The SCRAM user (AlterUserScramCredentials goes to the controller: retried until the broker
    # is elected, 30 s at most), then wait until a SCRAM-SHA-512 client authenticates.
    deadline=$((SECONDS + 30))
    until build/release/bin/cafka configs --bootstrap-server "$plain" --entity-type users \
        --entity-name bench --alter --add-config 'SCRAM-SHA-512=[password=bench-secret]' \
        >"$dir/scram.out" 2>&1; do
        if [ $SECONDS -ge $deadline ]; then
            cat "$dir/scram.out" >&2
            echo "bench: could not create the SCRAM user in 30 s" >&2
            exit 1
        fi
        sleep 0.2
    done
    deadline=$((SECONDS + 30))
    until BENCH_CLIENT_CONF=${CONF[SASL_SSL]} BENCH_CONNECT_TIMEOUT_MS=2000 \
        $BENCH connect "127.0.0.1:${PORT[SASL_SSL]}" 1 >"$dir/scram.out" 2>&1; do
        if [ $SECONDS -ge $deadline ]; then
            cat "$dir/scram.out" >&2
            echo "bench: no SCRAM-SHA-512 authentication on 127.0.0.1:${PORT[SASL_SSL]} in 30 s" >&2
            exit 1
        fi
        sleep 0.1
    done
    rm -f "$dir/scram.out"

    echo "cafka security bench: 1 broker, $count x $size B records, acks=1, $conns connections" \
        "per listener, loopback, $(nproc) cores (progress on stderr)" >&2
    # Per listener: "result:" fields of produce (P.*) and connect (C.*), consume's msgs/s, MB/s.
    declare -A R=()
    for l in PLAINTEXT SSL SASL_SSL; do
        topic=sec-$(tr 'A-Z_' 'a-z-' <<<"$l")
        boot=127.0.0.1:${PORT[$l]}
        $BENCH create "$plain" "$topic" 1 1 >&2
        export BENCH_CLIENT_CONF=${CONF[$l]}
        out=$($BENCH produce "$boot" "$topic" "$count" "$size" 1) || echo "bench: $l produce failed" >&2
        echo "$out" | grep -v '^result:' | sed "s/^/  [$l] /" >&2
        for kv in $(echo "$out" | sed -n 's/^result: //p'); do R[$l.P.${kv%%=*}]=${kv#*=}; done
        out=$($BENCH consume "$boot" "$topic" "${R[$l.P.records]:-$count}") ||
            echo "bench: $l consume failed" >&2
        echo "$out" | grep -v "^result:" | sed "s/^/  [$l] /" >&2
        R[$l.cmsgs]=$(echo "$out" | sed -n 's/^consume: .* \([0-9.]*\) msgs\/s.*/\1/p')
        R[$l.cmb]=$(echo "$out" | sed -n 's/^consume: .* \([0-9.]*\) MB\/s.*/\1/p')
        out=$($BENCH connect "$boot" "$conns") || echo "bench: $l connect failed" >&2
        echo "$out" | grep -v '^result:' | sed "s/^/  [$l] /" >&2
        for kv in $(echo "$out" | sed -n 's/^result: //p'); do R[$l.C.${kv%%=*}]=${kv#*=}; done
        unset BENCH_CLIENT_CONF
    done

    f() { # KEY FORMAT
        local v=${R[$1]:-}
        # shellcheck disable=SC2059 # the format is the caller's constant
        if [ -n "$v" ]; then printf "$2" "$v"; else echo -; fi
    }
    echo
    echo "cafka security bench — 1 broker on loopback, $count records x $size B, acks=1," \
        "1 partition, $conns connections per listener, $(nproc) cores"
    echo
    fmt='| %-24s | %10s | %9s | %10s | %9s | %7s | %6s | %6s |\n'
    # shellcheck disable=SC2059 # fmt is a constant
    printf "$fmt" listener "prod msg/s" "prod MB/s" "cons msg/s" "cons MB/s" "conns/s" \
        "p50 ms" "p99 ms"
    printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..26})" "------------" \
        "-----------" "------------" "-----------" "---------" "--------" "--------"
    for l in PLAINTEXT SSL SASL_SSL; do
        name=$l
        [ "$l" != SASL_SSL ] || name="SASL_SSL (SCRAM-SHA-512)"
        # shellcheck disable=SC2059 # fmt is a constant
        printf "$fmt" "$name" "$(f "$l.P.msgs_s" %.0f)" "$(f "$l.P.mb_s" %.1f)" \
            "$(f "$l.cmsgs" %.0f)" "$(f "$l.cmb" %.1f)" "$(f "$l.C.conns_s" %.0f)" \
            "$(f "$l.C.p50_ms" %.2f)" "$(f "$l.C.p99_ms" %.2f)"
    done
    echo
    echo "conns/s: $conns connections one after another, each from a new librdkafka client," \
        "closed after its Metadata response; p50/p99: set-up time, client start to Metadata response"
    exit 0
fi

if [ "$mode" = scale ]; then
    export BENCH_MAX_SECONDS=${BENCH_MAX_SECONDS:-120}
    parts=${BENCH_PARTITIONS:-10000}
    rec_mib=${BENCH_RECOVERY_MIB:-1024}
    lead_secs=${BENCH_LEADER_SECONDS:-120}
    B=127.0.0.1:49092
    if nc -z 127.0.0.1 49092 2>/dev/null; then # never measure a broker this script did not start
        echo "bench: 127.0.0.1:49092 is already in use" >&2
        exit 1
    fi
    rm -rf "$dir/scale" "$dir/scale-2" "$dir/scale-3" "$dir"/broker-[123].log
    # No flush by message count or time (the defaults): the recovery point moves only with the
    # clean shutdown, so that the SIGKILL below leaves everything produced since to be scanned.
    # num.recovery.threads.per.data.dir as Kafka's operators size it, one per core: logs open
    # and close on that many threads.
    start_broker 1 49092 "$dir/scale" auto.create.topics.enable=false \
        log.flush.interval.messages=9223372036854775807 log.flush.interval.ms=9223372036854775807 \
        num.recovery.threads.per.data.dir="$(nproc)"
    pid() { echo "${broker_pids[1]}"; }
    fds() { find "/proc/$(pid)/fd" -mindepth 1 -maxdepth 1 | wc -l; }
    rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$(pid)/status"; }
    now() { date +%s.%N; }
    led() { # TOPIC — partitions of TOPIC whose leader is broker 1 in Metadata (0 if no answer)
        timeout 30 kcat -b "$B" -L -t "$1" -m 10 2>/dev/null | grep -c 'leader 1,' || true
    }
    wait_led() { # TOPIC N — bounded (lead_secs) wait until N partitions of TOPIC have a leader
        local n=0 deadline=$((SECONDS + lead_secs))
        while [ $SECONDS -lt $deadline ]; do
            n=$(led "$1")
            [ "$n" -lt "$2" ] || return 0
            sleep 0.2
        done
        echo "bench: $n of $2 partitions of $1 have a leader after $lead_secs s" >&2
        return 1
    }
    declare -A R=()
    # Settle: the broker answers Metadata (bounded, 30 s), then a second for its start-up work.
    deadline=$((SECONDS + 30))
    until timeout 10 kcat -b "$B" -L -m 5 >/dev/null 2>&1 || [ $SECONDS -ge $deadline ]; do
        sleep 0.2
    done
    sleep 1
    fds0=$(fds)
    rss0=$(rss_kib)

    echo "cafka scale bench: 1 broker, $parts partitions at RF 1, $count x $size B records," \
        "$rec_mib MiB recovery, loopback, $(nproc) cores (progress on stderr)" >&2
    t0=$(now)
    BENCH_CREATE_SECONDS=$lead_secs timeout $((lead_secs + 30)) \
        $BENCH create "$B" scale-big "$parts" 1 >&2 || echo "bench: create scale-big failed" >&2
    if wait_led scale-big "$parts"; then R[create]=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'); fi
    sleep 1
    fds1=$(fds)
    rss1=$(rss_kib)
    echo "  [create] ${R[create]:-n/a} s; fds $fds0 -> $fds1, RSS $rss0 -> $rss1 KiB" >&2

    $BENCH create "$B" scale-six 6 1 >&2
    for t in scale-big scale-six; do
        out=$(timeout $((BENCH_MAX_SECONDS + 60)) $BENCH produce "$B" "$t" "$count" "$size" 1) ||
            echo "bench: $t produce failed" >&2
        echo "$out" | grep -v '^result:' | sed "s/^/  [$t] /" >&2
        R[$t.pmb]=$(echo "$out" | sed -n 's/^result: .*mb_s=\([0-9.]*\).*/\1/p')
        out=$(timeout $((BENCH_MAX_SECONDS + 60)) $BENCH consume "$B" "$t" "$count") ||
            echo "bench: $t consume failed" >&2
        echo "$out" | grep -v "^result:" | sed "s/^/  [$t] /" >&2
        R[$t.cmb]=$(echo "$out" | sed -n 's/^consume: .* \([0-9.]*\) MB\/s.*/\1/p')
    done

    # Clean restart: SIGTERM, bounded wait for the exit (BENCH_STOP_SECONDS, 120; then SIGKILL and
    # the restart is not clean), start with the same properties, time until every partition of
    # scale-big has a leader again.
    stop_secs=${BENCH_STOP_SECONDS:-120}
    t0=$(now)
    kill -TERM "$(pid)"
    deadline=$((SECONDS + stop_secs))
    while kill -0 "$(pid)" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    if kill -0 "$(pid)" 2>/dev/null; then
        echo "bench: broker ignored SIGTERM for $stop_secs s; SIGKILL (the restart is not clean)" >&2
        kill -KILL "$(pid)"
        R[stop]=">$stop_secs (SIGKILL)"
        R[unclean]=" (after SIGKILL)"
    else
        R[stop]=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
    fi
    wait "$(pid)" 2>/dev/null || true
    t0=$(now)
    build/release/bin/cafka-server "$dir/broker-1.properties" 2>>"$dir/broker-1.log" &
    broker_pids[1]=$!
    if wait_led scale-big "$parts"; then R[restart]=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'); fi
    echo "  [restart] SIGTERM to exit ${R[stop]} s, start to $parts leaders ${R[restart]:-n/a} s" >&2

    # Recovery scan: BENCH_RECOVERY_MIB of 16 KiB records into 1 partition (1 GiB segments, no
    # flush), SIGKILL at once, start again, read the broker's "recovered" line.
    $BENCH create "$B" scale-recovery 1 1 segment.bytes=1073741824 >&2
    out=$(timeout $((BENCH_MAX_SECONDS + 60)) $BENCH produce "$B" scale-recovery \
        $((rec_mib * 64)) 16384 1) || echo "bench: scale-recovery produce failed" >&2
    echo "$out" | grep -v '^result:' | sed "s/^/  [recovery] /" >&2
    kill -KILL "$(pid)"
    wait "$(pid)" 2>/dev/null || true
    lines_before=$(wc -l <"$dir/broker-1.log")
    build/release/bin/cafka-server "$dir/broker-1.properties" 2>>"$dir/broker-1.log" &
    broker_pids[1]=$!
    why="no 'recovered scale-recovery-0' line in the broker log within $lead_secs s"
    deadline=$((SECONDS + lead_secs))
    line=
    while [ $SECONDS -lt $deadline ] && kill -0 "$(pid)" 2>/dev/null; do
        line=$(tail -n +$((lines_before + 1)) "$dir/broker-1.log" |
            grep -m1 'recovered scale-recovery-0 in' || true)
        [ -z "$line" ] || break
        if led scale-recovery | grep -q '^1$'; then
            why="scale-recovery-0 came back without a recovery scan (recovery point at the log end?)"
            break
        fi
        sleep 0.2
    done
    if [ -n "$line" ]; then
        echo "  [recovery] ${line#*recovered }" >&2
        ms=$(sed -n 's/.* in \([0-9]*\) ms:.*/\1/p' <<<"$line")
        bytes=$(sed -n 's/.* \([0-9]*\) bytes checked.*/\1/p' <<<"$line")
        R[rec_bytes]=$bytes
        R[rec_ms]=$ms
        if [ "${ms:-0}" -gt 0 ]; then
            R[recovery]=$(awk -v b="$bytes" -v m="$ms" 'BEGIN { printf "%.2f", b / 1e9 / (m / 1e3) }')
        else
            why="$bytes bytes checked in 0 ms: too few to time"
        fi
    fi
    [ -n "${R[recovery]:-}" ] || echo "  [recovery] n/a: $why" >&2

    # Creation at RF 3 (BENCH_RF3=0 skips it): brokers 2 and 3 join, a topic of $parts partitions
    # at RF 3 is created and timed until every partition is led, then until every ISR holds all
    # three replicas (kcat -L through broker 1).
    if [ "${BENCH_RF3:-1}" = 1 ]; then
        # broker 1 gives its partitions back first: 10,000 more replicas would not fit its
        # open-file limit (one descriptor per segment)
        for t in scale-big scale-six scale-recovery; do
            build/release/bin/cafka topics --bootstrap-server "$B" --delete --topic "$t" >&2 ||
                echo "bench: deleting $t failed" >&2
        done
        deadline=$((SECONDS + lead_secs))
        while [ "$(fds)" -gt $((fds0 + 100)) ] && [ $SECONDS -lt $deadline ]; do sleep 0.5; done
        echo "  [rf3] broker 1 holds $(fds) descriptors after the deletions" >&2
        start_broker 2 49094 "$dir/scale-2" auto.create.topics.enable=false
        start_broker 3 49096 "$dir/scale-3" auto.create.topics.enable=false
        full_isr() { # TOPIC — partitions of TOPIC with three replicas in their ISR
            timeout 30 kcat -b "$B" -L -t "$1" -m 10 2>/dev/null | grep -cE 'isrs: [0-9]+,[0-9]+,[0-9]+' || true
        }
        deadline=$((SECONDS + 30)) # both registered: broker 1 lists three brokers
        until [ "$(timeout 10 kcat -b "$B" -L -m 5 2>/dev/null | grep -c 'broker [0-9]* at')" -ge 3 ] ||
            [ $SECONDS -ge $deadline ]; do sleep 0.2; done
        t0=$(now)
        BENCH_CREATE_SECONDS=$lead_secs timeout $((lead_secs + 30)) \
            $BENCH create "$B" scale-rf3 "$parts" 3 >&2 || echo "bench: create scale-rf3 failed" >&2
        n=0
        deadline=$((SECONDS + lead_secs))
        while [ $SECONDS -lt $deadline ]; do
            n=$(timeout 30 kcat -b "$B" -L -t scale-rf3 -m 10 2>/dev/null | grep -c 'leader [0-9]*,' || true)
            [ "$n" -lt "$parts" ] || break
            sleep 0.2
        done
        [ "$n" -lt "$parts" ] || R[rf3_led]=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
        while [ $SECONDS -lt $deadline ]; do
            n=$(full_isr scale-rf3)
            [ "$n" -lt "$parts" ] || break
            sleep 0.2
        done
        [ "$n" -lt "$parts" ] || R[rf3_isr]=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
        echo "  [rf3] all led ${R[rf3_led]:-n/a} s, all ISRs full ${R[rf3_isr]:-n/a} s ($n of $parts)" >&2
    fi

    per1000() { # AFTER BEFORE DIVISOR
        awk -v a="$1" -v b="$2" -v d="$3" -v p="$parts" 'BEGIN { printf "%.1f", (a - b) / d * 1000 / p }'
    }
    v() { echo "${R[$1]:-n/a}"; }
    echo
    echo "cafka scale bench — 1 broker on loopback, $parts partitions at RF 1, $count records x" \
        "$size B (acks=1, keyless: librdkafka sticky partitioner), $(nproc) cores"
    echo
    fmt='| %-60s | %16s |\n'
    # shellcheck disable=SC2059 # fmt is a constant
    {
        printf "$fmt" measure value
        printf '|%s|%s|\n' "$(printf -- '-%.0s' {1..62})" "------------------"
        printf "$fmt" "create $parts partitions, until all led (s)" "$(v create)"
        printf "$fmt" "descriptors before / after" "$fds0 / $fds1"
        printf "$fmt" "descriptors per 1000 partitions" "$(per1000 "$fds1" "$fds0" 1)"
        printf "$fmt" "RSS MiB before / after" \
            "$(awk -v a="$rss0" -v b="$rss1" 'BEGIN { printf "%.1f / %.1f", a / 1024, b / 1024 }')"
        printf "$fmt" "RSS MiB per 1000 partitions" "$(per1000 "$rss1" "$rss0" 1024)"
        printf "$fmt" "produce MB/s, $parts partitions / 6 partitions" \
            "$(v scale-big.pmb) / $(v scale-six.pmb)"
        printf "$fmt" "consume MB/s, $parts partitions / 6 partitions" \
            "$(v scale-big.cmb) / $(v scale-six.cmb)"
        printf "$fmt" "clean restart: SIGTERM to exit (s)" "$(v stop)"
        printf "$fmt" "clean restart: start to $parts partitions led (s)${R[unclean]:-}" "$(v restart)"
        printf "$fmt" "recovery scan after SIGKILL (GB/s)" "$(v recovery)"
        printf "$fmt" "create $parts partitions at RF 3 on 3 brokers: all led (s)" "$(v rf3_led)"
        printf "$fmt" "... and every ISR full (s)" "$(v rf3_isr)"
    }
    echo
    if [ -n "${R[recovery]:-}" ]; then
        echo "recovery: ${R[rec_bytes]} bytes checked in ${R[rec_ms]} ms (page cache warm: the" \
            "data was just written)"
    else
        echo "recovery: n/a — $why"
    fi
    exit 0
fi

# ---- replication ------------------------------------------------------------------------------
export BENCH_MAX_SECONDS=${BENCH_MAX_SECONDS:-30}
linger=${BENCH_LINGER_MS:-5}
queue_kb=${BENCH_QUEUE_KB:-32768}
dd_mib=${BENCH_DD_MIB:-1024}
rate_secs=${BENCH_RATE_SECONDS:-10}
rate_linger=${BENCH_RATE_LINGER_MS:-0}
BROKERS=127.0.0.1:49092,127.0.0.1:49094,127.0.0.1:49096

read -r -a extra_props <<<"${BENCH_BROKER_PROPS:-}"
rm -rf "$dir"/broker-[123] "$dir"/broker-[123].log
for id in 1 2 3; do
    start_broker "$id" $((49090 + 2 * id)) "$dir/broker-$id" \
        controlled.shutdown.max.retries=1 controlled.shutdown.retry.backoff.ms=200 \
        auto.create.topics.enable=false offsets.topic.replication.factor=3 \
        "${extra_props[@]}"
done
$BENCH create "$BROKERS" bench-rf3 3 3 min.insync.replicas=2 >&2
$BENCH create "$BROKERS" bench-rf1 3 1 >&2

# run LABEL TOPIC ACKS [RATE SECONDS] — one producer run; its "result:" fields land in R[LABEL.*].
# Each run starts with the previous runs' dirty pages written back, so that no run pays for the
# writeback of the one before (balance_dirty_pages throttles the brokers' writes).
declare -A R=()
run() {
    local label=$1 out kv
    shift
    timeout 120 sync -f "$dir" || true
    out=$(BENCH_LATENCY_LOG=${BENCH_LATENCY_DIR:+$BENCH_LATENCY_DIR/$label.txt} \
        $BENCH produce "$BROKERS" "$1" "${RUN_COUNT:-$count}" "$size" "${@:2}") || {
        echo "$out" >&2
        echo "bench: producer run '$label' failed" >&2
    }
    echo "$out" | grep -v '^result:' | sed "s/^/  [$label] /" >&2
    for kv in $(echo "$out" | sed -n 's/^result: //p'); do
        R[$label.${kv%%=*}]=${kv#*=}
    done
}

echo "cafka replication bench: 3 brokers, topics of 3 partitions, $count x $size B records," \
    "loopback (progress on stderr)" >&2
export BENCH_QUEUE_KB=$queue_kb
BENCH_LINGER_MS=$linger run rf3-1 bench-rf3 1
# Page-cache write of the same disk, as the brokers meet it: dd without fsync into new files, the
# steady rate just before the acks=all RF3 run and one write just after it, the faster counting
# unless they differ by more than 2x (page_cache_steady, page_cache_write, page_cache_reference).
dd_before=$(page_cache_steady "$dd_mib")
BENCH_LINGER_MS=$linger run rf3-all bench-rf3 all
dd_after=$(page_cache_write "$dd_mib")
dd_best=$(page_cache_reference "$dd_before" "$dd_after")
BENCH_LINGER_MS=$linger run rf1-1 bench-rf1 1
BENCH_LINGER_MS=$linger run rf1-all bench-rf1 all


peak=${R[rf3-all.msgs_s]:-0}
rate=$(awk -v p="$peak" 'BEGIN { printf "%d", p / 3 }')
if [ "$rate" -gt 0 ]; then
    RUN_COUNT=$((rate * rate_secs)) BENCH_LINGER_MS=$rate_linger \
        run rate bench-rf3 all "$rate" "$rate_secs"
    # The same rate with acks=1: what the client, the leaders and 2 shared cores add without
    # waiting for followers.
    RUN_COUNT=$((rate * rate_secs)) BENCH_LINGER_MS=$rate_linger \
        run rate1 bench-rf3 1 "$rate" "$rate_secs"
    # The same rate at acks=all with linger.ms=1 (not the target): with linger.ms=0 librdkafka
    # sends a request for every few records, and the client alone then needs about a core at
    # 80,000 records/s; a millisecond of batching shows what the brokers do when it does not.
    RUN_COUNT=$((rate * rate_secs)) BENCH_LINGER_MS=1 \
        run rate-l1 bench-rf3 all "$rate" "$rate_secs"
fi

f() { # KEY FORMAT
    local v=${R[$1]:-}
    # shellcheck disable=SC2059 # the format is the caller's constant
    if [ -n "$v" ]; then printf "$2" "$v"; else echo -; fi
}
row() { # LABEL KEY
    printf '| %-42s | %9s | %8s | %7s | %7s | %8s |\n' "$1" "$(f "$2.msgs_s" %.0f)" \
        "$(f "$2.mb_s" %.1f)" "$(f "$2.p50_ms" %.2f)" "$(f "$2.p99_ms" %.2f)" "$(f "$2.p999_ms" %.2f)"
}
echo
echo "cafka replication bench — 3 brokers on loopback, 3 partitions, $count records x $size B,"
echo "linger.ms=$linger (fixed-rate run: $rate_linger), client queue <= $queue_kb KiB, $(nproc) cores"
echo
printf '| %-42s | %9s | %8s | %7s | %7s | %8s |\n' run msgs/s MB/s "p50 ms" "p99 ms" "p99.9 ms"
printf '|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..44})" "-----------" "----------" \
    "---------" "---------" "----------"
row "RF3 acks=1" rf3-1
row "RF3 acks=all (min.insync.replicas=2)" rf3-all
row "RF1 acks=1" rf1-1
row "RF1 acks=all" rf1-all
row "RF3 acks=all at ${rate}/s (1/3 peak, ${rate_secs} s)" rate
row "RF3 acks=1 at ${rate}/s (same rate)" rate1
row "RF3 acks=all, same rate, linger.ms=1" rate-l1
printf '| %-42s | %9s | %8.1f | %7s | %7s | %8s |\n' "page-cache write (dd, $dd_mib MiB, steady)" - \
    "$dd_before" - - -
printf '| %-42s | %9s | %8.1f | %7s | %7s | %8s |\n' "page-cache write (dd, $dd_mib MiB, after)" - \
    "$dd_after" - - -
echo
awk -v t="${R[rf3-all.mb_s]:-0}" -v d="$dd_best" 'BEGIN {
    goal = 0.5 * d / 3
    printf "target 1: RF3 acks=all %.1f MB/s vs 50%% of (page-cache write / 3) = %.1f MB/s: %s (%.0f%% of page-cache write / 3)\n",
        t, goal, (t >= goal ? "met" : "NOT met"), (d > 0 ? 100 * t / (d / 3) : 0) }'
awk -v p="${R[rate.p99_ms]:--1}" -v r="$rate" -v o="${R[rate.offered_s]:-0}" \
    -v h="${R[rate.held_windows]:-?}" -v w="${R[rate.windows]:-?}" -v q="${R[rate.queue_full]:-?}" 'BEGIN {
    if (p < 0) { print "target 2: fixed-rate run did not produce a result"; exit }
    printf "target 2: p99 at %d msgs/s (offered %.0f/s) %.2f ms vs <= 5 ms: %s\n",
        r, o, p, (p <= 5 ? "met" : "NOT met")
    printf "  client pacing: %s of %s windows of 100 ms under 90 %% of the rate, queue full %s times (short windows with the queue never full: the machine held the client back)\n", h, w, q }'
if recycled "$dd_before" "$dd_after"; then echo "$RECYCLED_NOTE"; fi
