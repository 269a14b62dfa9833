#!/usr/bin/env bash
# scripts/run.sh [start|stop|status]   (default: start)
#
# The local cluster, all state under var/ in the checkout (git-ignored):
#   var/certs/                 test CA, broker and client key pairs (scripts/gen-certs.sh)
#   var/zk/zk{1,2,3}/          3-node ZooKeeper ensemble on 127.0.0.1:2181,2182,2183
#   var/broker-<id>/           broker log (broker.log), pid file, log.dirs (data/)
#
# start   installs missing packages, builds (CMake preset "dev"), writes certificates, starts
#         the ZooKeeper ensemble and one broker per config file (CAFKA_BROKER_CONFIGS, default
#         config/server.properties), waits until each broker registered /brokers/ids/<id>, and
#         prints endpoints and kcat lines to try. Idempotent: what already runs is kept.
# stop    SIGTERM to the brokers (by pid file, bounded wait, then SIGKILL), then ZooKeeper.
# status  what runs.
#
# Brokers run with cwd = the repository root, so relative paths in config/ resolve there.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

ZK_PORTS=(2181 2182 2183)
ZK_CONNECT=127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183
BIN=build/dev/bin/cafka-server
read -r -a CONFIGS <<<"${CAFKA_BROKER_CONFIGS:-config/server.properties}"
BROKER_START_TIMEOUT=${BROKER_START_TIMEOUT:-30}
PY=/usr/bin/python3

log() { echo "run.sh: $*"; }
die() {
    echo "run.sh: $*" >&2
    exit 1
}

# prop FILE KEY -> value of KEY in a .properties file (last one wins), empty if absent.
prop() {
    sed -n "s/^[[:space:]]*$2[[:space:]]*[=:][[:space:]]*//p" "$1" | tail -n 1 | sed 's/[[:space:]]*$//'
}

broker_id() {
    local id
    id=$(prop "$1" broker.id)
    [[ $id =~ ^[0-9]+$ ]] || die "$1: broker.id missing or not a number"
    echo "$id"
}

# pid of the broker started from config $1 if it runs.
broker_pid() {
    local cfg=$1 id pidf pid
    id=$(broker_id "$cfg")
    pidf="var/broker-$id/pid"
    [ -f "$pidf" ] || return 1
    pid=$(cat "$pidf" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "cafka-server $cfg" || return 1
    echo "$pid"
}

# Children of /brokers/ids in ZooKeeper, space-separated (empty if unreachable).
registered_ids() {
    "$PY" - "$ZK_CONNECT" <<'EOF' 2>/dev/null || true
import logging, sys
logging.disable(logging.CRITICAL)
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1], timeout=5)
try:
    zk.start(timeout=5)
    if zk.exists("/brokers/ids"):
        print(" ".join(sorted(zk.get_children("/brokers/ids"), key=int)))
finally:
    zk.stop()
    zk.close()
EOF
}

is_registered() {
    local id
    for id in $(registered_ids); do
        [ "$id" = "$1" ] && return 0
    done
    return 1
}

zk() { scripts/zk-ensemble.sh "$1" var/zk "${ZK_PORTS[@]}"; }

start_broker() {
    local cfg=$1 id dir pid deadline
    id=$(broker_id "$cfg")
    dir="var/broker-$id"
    if pid=$(broker_pid "$cfg"); then
        log "broker $id already running (pid $pid)"
        return 0
    fi
    mkdir -p "$dir"
    echo "=== $(date -Is) start: $BIN $cfg" >>"$dir/broker.log"
    setsid "$BIN" "$cfg" >>"$dir/broker.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$dir/pid"
    deadline=$((SECONDS + BROKER_START_TIMEOUT))
    until is_registered "$id"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$dir/pid"
            echo "run.sh: broker $id exited during start-up; last lines of $dir/broker.log:" >&2
            tail -n 30 "$dir/broker.log" >&2 || true
            return 1
        fi
        if [ $SECONDS -ge $deadline ]; then
            echo "run.sh: broker $id not registered in /brokers/ids after ${BROKER_START_TIMEOUT}s; stopping it" >&2
            stop_pid "$pid"
            rm -f "$dir/pid"
            tail -n 30 "$dir/broker.log" >&2 || true
            return 1
        fi
        sleep 0.5
    done
    log "broker $id up (pid $pid, log $dir/broker.log)"
}

# SIGTERM, wait up to 30 s, then SIGKILL.
stop_pid() {
    local pid=$1
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 300); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    echo "run.sh: pid $pid ignored SIGTERM for 30s; SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
}

stop_brokers() {
    local cfg id pid
    for cfg in "${CONFIGS[@]}"; do
        [ -f "$cfg" ] || continue
        id=$(broker_id "$cfg")
        if pid=$(broker_pid "$cfg"); then
            log "stopping broker $id (pid $pid)"
            stop_pid "$pid"
        fi
        rm -f "var/broker-$id/pid"
    done
}

print_endpoints() {
    local cfg id
    echo
    echo "cafka local cluster"
    echo "  ZooKeeper:  $ZK_CONNECT   (/usr/share/zookeeper/bin/zkCli.sh -server 127.0.0.1:2181)"
    for cfg in "${CONFIGS[@]}"; do
        id=$(broker_id "$cfg")
        echo "  broker $id:   $(prop "$cfg" advertised.listeners)   log var/broker-$id/broker.log"
    done
    echo "  CA:         var/certs/ca.pem   (client cert: var/certs/client.pem, key var/certs/client.key)"
    echo
    echo "Try:"
    echo "  kcat -b 127.0.0.1:9092 -L"
    echo "  kcat -b 127.0.0.1:9093 -X security.protocol=ssl -X ssl.ca.location=var/certs/ca.pem -L"
    echo "  seq 1 10 | kcat -b 127.0.0.1:9092 -P -t demo"
    echo "  kcat -b 127.0.0.1:9092 -C -t demo -o beginning -e"
    echo
    echo "Stop with: scripts/run.sh stop"
}

cmd_start() {
    local cfg all=1
    for cfg in "${CONFIGS[@]}"; do
        [ -f "$cfg" ] || die "no broker config $cfg"
        broker_pid "$cfg" >/dev/null || all=0
    done
    if [ $all -eq 1 ] && zk status >/dev/null 2>&1; then
        log "already running"
        print_endpoints
        return 0
    fi

    scripts/install-deps.sh
    log "building (cmake preset dev)"
    cmake --preset dev >/dev/null
    cmake --build --preset dev -j "$(nproc)"
    [ -x "$BIN" ] || die "build did not produce $BIN"
    scripts/gen-certs.sh var/certs

    local zk_was_up=0
    if zk status >/dev/null 2>&1; then zk_was_up=1; fi
    zk start
    for cfg in "${CONFIGS[@]}"; do
        if ! start_broker "$cfg"; then
            # Leave nothing half-started behind: stop what this invocation started.
            stop_brokers
            [ $zk_was_up -eq 1 ] || zk stop
            die "start failed"
        fi
    done
    print_endpoints
}

cmd_stop() {
    stop_brokers
    zk stop
}

cmd_status() {
    local rc=0 cfg id pid regs
    zk status || rc=1
    regs=$(registered_ids)
    for cfg in "${CONFIGS[@]}"; do
        [ -f "$cfg" ] || continue
        id=$(broker_id "$cfg")
        if pid=$(broker_pid "$cfg"); then
            if is_registered "$id"; then
                echo "broker $id pid $pid registered ($(prop "$cfg" advertised.listeners))"
            else
                echo "broker $id pid $pid NOT registered in /brokers/ids"
                rc=1
            fi
        else
            echo "broker $id not running"
            rc=1
        fi
    done
    [ -z "$regs" ] || echo "/brokers/ids: $regs"
    return $rc
}

case ${1:-start} in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
*)
    echo "usage: $0 [start|stop|status]" >&2
    exit 2
    ;;
esac
