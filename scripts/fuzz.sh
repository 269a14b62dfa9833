#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] — builds the libFuzzer targets (CMake preset "fuzz": clang,
# -fsanitize=fuzzer,address,undefined) and runs each of them for SECONDS (default 60) on its seed
# corpus tests/fuzz/corpus/<target>/. New inputs go to build/fuzz/corpus/<target>/ (kept between
# runs, never committed); a crash, leak, timeout or out-of-memory input is copied into
# tests/fuzz/corpus/<target>/ (the reproducer that scripts/test.sh replays from then on), and the
# script exits non-zero after running the other targets. Prints the executions per target.
#
# Environment: FUZZ_TARGETS="request records" (a subset), FUZZ_ARGS (extra libFuzzer flags),
#              CAFKA_JOBS (build parallelism, default 2).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

seconds=${1:-60}
case $seconds in
'' | *[!0-9]*)
    echo "usage: scripts/fuzz.sh [SECONDS]" >&2
    exit 2
    ;;
esac
jobs=${CAFKA_JOBS:-2}
read -r -a extra <<<"${FUZZ_ARGS:-}"

if ! command -v clang >/dev/null 2>&1; then
    scripts/install-deps.sh
fi
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs"

if [ -n "${FUZZ_TARGETS:-}" ]; then
    read -r -a targets <<<"$FUZZ_TARGETS"
else
    targets=()
    for src in tests/fuzz/fuzz_*.c; do
        name=${src#tests/fuzz/fuzz_}
        targets+=("${name%.c}")
    done
fi

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:${LSAN_OPTIONS:-}"

rows=()    # target|executions|coverage|result, one per target
crashed=() # targets that crashed
for t in "${targets[@]}"; do
    bin=build/fuzz/bin/fuzz_$t
    seeds=tests/fuzz/corpus/$t
    scratch=build/fuzz/corpus/$t
    artifacts=build/fuzz/artifacts/$t
    log=build/fuzz/logs/$t.log
    mkdir -p "$scratch" "$artifacts" "$(dirname "$log")"
    echo "=== fuzz.sh: $t for ${seconds}s (log $log)"
    rc=0
    "$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$artifacts/" "${extra[@]}" "$scratch" "$seeds" \
        >"$log" 2>&1 || rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
    result="no crash"
    if [ $rc -ne 0 ]; then
        crashed+=("$t")
        kept=()
        for a in "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*; do
            [ -f "$a" ] || continue
            cp "$a" "$seeds/"
            kept+=("$seeds/$(basename "$a")")
            rm -f "$a"
        done
        result="exit $rc, reproducer ${kept[*]:-none}"
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*invariant failed)' "$log" | head -5 || true
    fi
    rows+=("$t|${execs:-?}|${cov#cov: }|$result")
done

echo
printf '=== fuzz.sh: %s s per target\n%-10s %14s %9s  %s\n' "$seconds" target executions coverage result
for row in "${rows[@]}"; do
    IFS='|' read -r t execs cov result <<<"$row"
    printf '%-10s %14s %9s  %s\n' "$t" "$execs" "${cov:-?}" "$result"
done
if [ ${#crashed[@]} -gt 0 ]; then
    echo "=== fuzz.sh: ${crashed[*]} crashed; reproducers kept in tests/fuzz/corpus/<target>/ (logs in build/fuzz/logs/)"
    exit 1
fi
