#!/usr/bin/env bash
# scripts/run.sh [start|stop|status]   (default: start)
#
# The local cluster, all state under var/ in the checkout (git-ignored):
#   var/certs/                 test CA, broker and client key pairs (scripts/gen-certs.sh)
#   var/zk/zk{1,2,3}/          3-node ZooKeeper ensemble on 127.0.0.1:2181,2182,2183
#   var/broker-<id>/           broker log (broker.log), pid file, log.dirs (data/)
#
# Brokers: one per config file in CAFKA_BROKER_CONFIGS (space-separated), by default the three
# of config/broker-{1,2,3}.properties: broker N with PLAINTEXT on 127.0.0.1:9090+2N and SSL on
# 9091+2N. CAFKA_BROKER_CONFIGS=config/server.properties runs the single-broker example.
#
# start   installs missing packages, builds (CMake preset "dev"), writes certificates, starts
#         the ZooKeeper ensemble and each broker, waits until each broker registered
#         /brokers/ids/<id>, and prints endpoints, kcat and zkCli lines to try. Idempotent: what
#         already runs is kept. If a start fails, the brokers this invocation started are
#         stopped again (and the ensemble, if it started it).
# stop    SIGTERM to every broker run.sh started (var/broker-*/pid, whichever config it runs;
#         bounded wait, then SIGKILL), then ZooKeeper.
# status  what runs; exit 0 only if the ensemble and every configured broker run and registered.
#
# Brokers run with cwd = the repository root, so relative paths in config/ resolve there.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

ZK_PORTS=(2181 2182 2183)
ZK_CONNECT=127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183
BIN=build/dev/bin/cafka-server
DEFAULT_CONFIGS="config/broker-1.properties config/broker-2.properties config/broker-3.properties"
read -r -a CONFIGS <<<"${CAFKA_BROKER_CONFIGS:-$DEFAULT_CONFIGS}"
[ ${#CONFIGS[@]} -gt 0 ] || read -r -a CONFIGS <<<"$DEFAULT_CONFIGS"
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

# cmdline DIR -> the command line of the broker whose pid file is DIR/pid, if it is a live
# cafka-server that run.sh started ("$BIN <config>"); fails otherwise.
dir_cmdline() {
    local pidf=$1/pid pid line
    [ -f "$pidf" ] || return 1
    pid=$(cat "$pidf" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [ -r "/proc/$pid/cmdline" ] || return 1
    line=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    [[ $line == "$BIN "* ]] || return 1
    echo "$line"
}

# pid of the broker run.sh started with its pid file in DIR, whichever config it runs.
dir_pid() {
    dir_cmdline "$1" >/dev/null || return 1
    cat "$1/pid"
}

# pid of the broker started from config $1 if it runs.
broker_pid() {
    local cfg=$1 dir line
    dir="var/broker-$(broker_id "$cfg")"
    line=$(dir_cmdline "$dir") || return 1
    [ "$line" = "$BIN $cfg " ] || return 1
    cat "$dir/pid"
}

# zk_connect CFG -> the config's zookeeper.connect (hosts and chroot); chroot CFG -> its chroot
# ("" when the tree is at /).
zk_connect() {
    local c
    c=$(prop "$1" zookeeper.connect)
    echo "${c:-$ZK_CONNECT}"
}
chroot_of() {
    local c
    c=$(zk_connect "$1")
    case $c in */*) echo "/${c#*/}" | sed 's:/*$::' ;; *) echo "" ;; esac
}

# listener_addr CFG NAME -> host:port of advertised listener NAME (falls back to listeners).
listener_addr() {
    local l
    l=$(prop "$1" advertised.listeners)
    [ -n "$l" ] || l=$(prop "$1" listeners)
    tr ',' '\n' <<<"$l" | sed -n "s|^[[:space:]]*$2://||p" | head -n 1
}

# registered_ids CFG -> children of <chroot>/brokers/ids in the ZooKeeper of config CFG,
# space-separated (empty if unreachable).
registered_ids() {
    "$PY" - "$(zk_connect "$1")" <<'EOF' 2>/dev/null || true
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

# is_registered ID CFG
is_registered() {
    local id
    for id in $(registered_ids "$2"); do
        [ "$id" = "$1" ] && return 0
    done
    return 1
}

zk() { scripts/zk-ensemble.sh "$1" var/zk "${ZK_PORTS[@]}"; }

# Brokers this invocation started (stopped again if a later start fails).
STARTED=()

start_broker() {
    local cfg=$1 id dir pid line deadline
    id=$(broker_id "$cfg")
    dir="var/broker-$id"
    if pid=$(broker_pid "$cfg"); then
        log "broker $id already running (pid $pid)"
        return 0
    fi
    if line=$(dir_cmdline "$dir"); then
        echo "run.sh: broker $id already runs from another config (pid $(cat "$dir/pid"): $line); 'scripts/run.sh stop' first" >&2
        return 1
    fi
    mkdir -p "$dir"
    echo "=== $(date -Is) start: $BIN $cfg" >>"$dir/broker.log"
    setsid "$BIN" "$cfg" >>"$dir/broker.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$dir/pid"
    STARTED+=("$dir")
    deadline=$((SECONDS + BROKER_START_TIMEOUT))
    until is_registered "$id" "$cfg"; do
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

# stop_dirs DIR... : stop the brokers whose pid files are in DIRs (those run.sh started).
stop_dirs() {
    local dir pid
    for dir in "$@"; do
        if pid=$(dir_pid "$dir"); then
            log "stopping ${dir#var/} (pid $pid)"
            stop_pid "$pid"
        fi
        rm -f "$dir/pid"
    done
}

# Every broker run.sh started, whichever config it runs (CAFKA_BROKER_CONFIGS may differ from
# the start's).
stop_brokers() {
    local dirs=() d
    for d in var/broker-*/; do
        [ -f "${d}pid" ] && dirs+=("${d%/}")
    done
    [ ${#dirs[@]} -eq 0 ] || stop_dirs "${dirs[@]}"
}

print_endpoints() {
    local cfg id plain ssl bootstrap="" first=${CONFIGS[0]} chroot
    chroot=$(chroot_of "$first")
    echo
    echo "cafka local cluster"
    echo "  ZooKeeper   $(zk_connect "$first")"
    printf '  %-8s  %-22s  %-22s  %s\n' broker PLAINTEXT SSL log
    for cfg in "${CONFIGS[@]}"; do
        id=$(broker_id "$cfg")
        plain=$(listener_addr "$cfg" PLAINTEXT)
        ssl=$(listener_addr "$cfg" SSL)
        [ -z "$plain" ] || bootstrap+="${bootstrap:+,}$plain"
        printf '  %-8s  %-22s  %-22s  %s\n' "$id" "${plain:--}" "${ssl:--}" "var/broker-$id/broker.log"
    done
    echo "  CA          var/certs/ca.pem   (client cert var/certs/client.pem, key var/certs/client.key)"
    plain=$(listener_addr "$first" PLAINTEXT)
    ssl=$(listener_addr "$first" SSL)
    echo
    echo "Try:"
    echo "  kcat -b $bootstrap -L"
    [ -z "$ssl" ] || echo "  kcat -b $ssl -X security.protocol=ssl -X ssl.ca.location=var/certs/ca.pem -L"
    echo "  seq 1 10 | kcat -b $bootstrap -P -t demo"
    echo "  kcat -b $bootstrap -C -t demo -o beginning -e"
    echo "  /usr/share/zookeeper/bin/zkCli.sh -server 127.0.0.1:${ZK_PORTS[0]} ls ${chroot}/brokers/ids"
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
            [ ${#STARTED[@]} -eq 0 ] || stop_dirs "${STARTED[@]}"
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
    local rc=0 cfg id pid regs d line known=" "
    zk status || rc=1
    regs=$(registered_ids "${CONFIGS[0]}")
    for cfg in "${CONFIGS[@]}"; do
        [ -f "$cfg" ] || continue
        id=$(broker_id "$cfg")
        known+="var/broker-$id "
        if pid=$(broker_pid "$cfg"); then
            if is_registered "$id" "$cfg"; then
                echo "broker $id pid $pid registered ($(prop "$cfg" advertised.listeners))"
            else
                echo "broker $id pid $pid NOT registered in /brokers/ids"
                rc=1
            fi
        elif line=$(dir_cmdline "var/broker-$id"); then
            echo "broker $id not running from $cfg; pid $(cat "var/broker-$id/pid") runs: $line"
            rc=1
        else
            echo "broker $id not running"
            rc=1
        fi
    done
    # Brokers run.sh started from other configs (another CAFKA_BROKER_CONFIGS).
    for d in var/broker-*/; do
        d=${d%/}
        [[ $known == *" $d "* ]] && continue
        if line=$(dir_cmdline "$d"); then
            echo "${d#var/} pid $(cat "$d/pid") also running: $line"
        fi
    done
    echo "$(chroot_of "${CONFIGS[0]}")/brokers/ids: ${regs:-(none)}"
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
