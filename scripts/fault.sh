#!/usr/bin/env bash
# scripts/fault.sh — builds (preset dev) and runs the fault suite in full mode: 3 ZooKeeper nodes
# and 3 brokers on the integration tests' ports (it waits for their machine-wide lock), each
# nemesis over several rounds, one table row per fault. Exits non-zero when acknowledged records
# were lost, order was violated or replicas diverged. Arguments go to tests/fault/fault.py
# (e.g. --rounds 10, --only kill-leader,kill-zk, --rate 1000, --keep; --quick is the CTest mode).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
cmake --preset dev >/dev/null
cmake --build --preset dev -j "${CAFKA_JOBS:-2}" --target cafka-server fault_producer
export CAFKA_BIN_DIR="$root/build/dev/bin"
exec /usr/bin/python3 tests/fault/fault.py "$@"
