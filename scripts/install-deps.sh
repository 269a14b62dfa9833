#!/usr/bin/env bash
# Installs every Debian 12 package cafka needs to build, test and run (DESIGN.md table), and
# the npm packages of the kafkajs test driver (tests/integration/node, pinned by its
# package-lock.json, installed with `npm ci` into its git-ignored node_modules/).
# Idempotent and quiet: packages already installed are skipped, apt and npm run only when needed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

PKGS=(
    build-essential cmake pkg-config clang-format git
    clang libclang-rt-14-dev
    libzookeeper-mt-dev libevent-dev libssl-dev openssl libjansson-dev libcriterion-dev
    zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev
    zookeeper default-jre-headless
    librdkafka-dev kcat
    python3 python3-kafka python3-confluent-kafka python3-pytest python3-kazoo python3-jsonschema
    python3-zstandard python3-snappy python3-lz4
    docker-compose netcat-openbsd procps iproute2
)

missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

# Node.js and npm run the kafkajs driver. Debian 12 ships them as two packages (nodejs, npm);
# a machine that already has both commands (e.g. a nodejs build that bundles npm, which
# conflicts with Debian's npm package) keeps what it has.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    missing+=(nodejs npm)
fi

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "install-deps: missing packages (${missing[*]}); run as root to install them" >&2
        exit 1
    fi
    echo "install-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# kafkajs for tests/integration/node: `npm ci` (exactly the locked versions) when node_modules
# does not hold the locked kafkajs yet.
node_dir="$root/tests/integration/node"
if ! (cd "$node_dir" && node -e '
    const want = require("./package-lock.json").packages["node_modules/kafkajs"].version;
    let have = null;
    try { have = require("./node_modules/kafkajs/package.json").version; } catch (e) {}
    process.exit(have === want ? 0 : 1);' 2>/dev/null); then
    echo "install-deps: npm ci in tests/integration/node"
    (cd "$node_dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)
fi
