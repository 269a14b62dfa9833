#!/usr/bin/env bash
# Installs every Debian 12 package cafka needs to build, test and run (DESIGN.md table).
# Idempotent and quiet: packages already installed are skipped, apt runs only when needed.
set -euo pipefail

PKGS=(
    build-essential cmake pkg-config clang-format git
    libzookeeper-mt-dev libevent-dev libssl-dev openssl libjansson-dev libcriterion-dev
    zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev
    zookeeper default-jre-headless
    librdkafka-dev kcat
    python3 python3-kafka python3-confluent-kafka python3-pytest python3-kazoo python3-jsonschema
    docker-compose netcat-openbsd procps
)

missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages (${missing[*]}); run as root to install them" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
