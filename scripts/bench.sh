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
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

count=${BENCH_COUNT:-1000000}
size=${BENCH_SIZE:-100}
acks=${BENCH_ACKS:-1}
dir=$root/var/bench

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release >/dev/null

if [ "${1:-broker}" = storage ]; then
    rm -rf "$dir/storage"
    mkdir -p "$dir/storage"
    build/release/bin/storage_bench "$dir/storage" "${BENCH_MIB:-1024}"
    rm -rf "$dir/storage"
    exit 0
fi

broker_pid=
cleanup() {
    if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then
        kill -TERM "$broker_pid"
        wait "$broker_pid" || true
    fi
    scripts/zk-ensemble.sh stop "$dir/zk" 42181 42182 42183 >/dev/null || true
}
trap cleanup EXIT

rm -rf "$dir/data"
mkdir -p "$dir"
scripts/zk-ensemble.sh start "$dir/zk" 42181 42182 42183 >/dev/null
cat >"$dir/server.properties" <<PROPS
broker.id=1
listeners=PLAINTEXT://127.0.0.1:49092
log.dirs=$dir/data
zookeeper.connect=127.0.0.1:42181,127.0.0.1:42182,127.0.0.1:42183/bench-$$
PROPS
build/release/bin/cafka-server "$dir/server.properties" 2>"$dir/broker.log" &
broker_pid=$!
for _ in $(seq 1 100); do
    nc -z 127.0.0.1 49092 2>/dev/null && break
    sleep 0.1
done

echo "cafka bench: $count records x $size bytes, acks=$acks, 1 partition, loopback"
kcat -b 127.0.0.1:49092 -L -t bench >/dev/null 2>&1 || true # auto-creates the topic
sleep 0.5
build/release/bin/rdkafka_bench produce 127.0.0.1:49092 bench "$count" "$size" "$acks"
build/release/bin/rdkafka_bench consume 127.0.0.1:49092 bench "$count"

# Cold read (KAFKA-7504): flush the log to disk with a clean restart, drop it from the page
# cache, then consume it while a probe measures how long other requests wait.
kill -TERM "$broker_pid"
wait "$broker_pid" || true
build/release/bin/cafka-server "$dir/server.properties" 2>>"$dir/broker.log" &
broker_pid=$!
for _ in $(seq 1 100); do
    nc -z 127.0.0.1 49092 2>/dev/null && break
    sleep 0.1
done
sleep 1
/usr/bin/python3 bench/cold_read.py 127.0.0.1 49092 "$dir/data/bench-0" \
    build/release/bin/rdkafka_bench consume 127.0.0.1:49092 bench "$count"
