#!/usr/bin/env bash
# scripts/test.sh — installs what is missing, builds and runs every test (unit and integration,
# all registered in CTest) with the CMake preset "dev"; with CAFKA_ASAN=1 also the "asan" preset.
# Prints a summary; exits non-zero if any step failed. Tests start their own ZooKeeper and
# brokers on ports distinct from the local cluster's (see tests/integration/conftest.py) and
# stop them when they finish.
#
# Environment: CAFKA_ASAN=1 (also asan), CAFKA_JOBS (build parallelism, default 2),
#              CTEST_ARGS (extra ctest arguments, e.g. "-R integration_kcat").
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

jobs=${CAFKA_JOBS:-2}
presets=(dev)
if [ "${CAFKA_ASAN:-0}" = 1 ]; then presets+=(asan); fi
read -r -a ctest_args <<<"${CTEST_ARGS:-}"

results=()
failed=0

step() { # step NAME CMD...
    local name=$1
    shift
    echo "=== test.sh: $name: $*"
    local t0=$SECONDS
    if "$@"; then
        results+=("PASS  $name ($((SECONDS - t0))s)")
        return 0
    fi
    results+=("FAIL  $name ($((SECONDS - t0))s)")
    failed=1
    return 1
}

step install-deps scripts/install-deps.sh || true

for p in "${presets[@]}"; do
    step "configure[$p]" cmake --preset "$p" || continue
    step "build[$p]" cmake --build --preset "$p" -j "$jobs" || continue
    step "ctest[$p]" ctest --preset "$p" --output-on-failure "${ctest_args[@]}" || true
done

echo
echo "=== test.sh summary"
for r in "${results[@]}"; do echo "  $r"; done
if [ $failed -ne 0 ]; then
    echo "=== test.sh: FAILED"
    exit 1
fi
echo "=== test.sh: all passed"
