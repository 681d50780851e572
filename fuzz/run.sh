#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) if needed, replays the saved regression
# inputs, then fuzzes each target in turn for a fixed time from a corpus seeded by
# make-seeds.py. Exits non-zero if any target crashes, leaks, times out or runs out of memory;
# the failing input is saved under BUILD/fuzz-artifacts/ and the log tail is printed.
#
# Usage: fuzz/run.sh [build-dir] [seconds-per-target]
#   build-dir           default: build-fuzz in the source tree (configured here if it has no
#                       build.ninja yet: RelWithDebInfo, no unit tests); any tree configured with
#                       -DSIGNATORY_FUZZ=ON works, e.g. scripts/test's build-asan (Debug, with
#                       the unit tests)
#   seconds-per-target  default: 20
#   FUZZ_TARGETS="base58 config"  run only these targets (names without fuzz_)
#   FUZZ_TESTDATA=dir             test vectors (default: tests/vectors)
set -euo pipefail

SRC="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${1:-$SRC/build-fuzz}"
SECONDS_PER_TARGET="${2:-20}"
TESTDATA="${FUZZ_TESTDATA:-$SRC/tests/vectors}"

# Longest input each target is given (bytes): about twice its largest sensible input.
declare -A MAX_LEN=(
  [sign_request]=8192 [base58]=256 [sign_body]=8192 [http_target]=1024
  [config]=4096 [ecdsa_der]=160 [spki]=512 [watermark]=2048
)
ALL_TARGETS="sign_request base58 sign_body http_target config ecdsa_der spki watermark"
TARGETS="${FUZZ_TARGETS:-$ALL_TARGETS}"

if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz/run.sh: clang++ not found (install clang and libclang-rt-14-dev)" >&2
  exit 2
fi
if [ ! -f "$BUILD/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S "$SRC" -B "$BUILD" -G Ninja -DSIGNATORY_FUZZ=ON \
    -DSIGNATORY_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$BUILD.cmake.log" 2>&1 ||
    { tail -20 "$BUILD.cmake.log" >&2; exit 2; }
fi
if ! grep -q '^SIGNATORY_FUZZ:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null; then
  echo "fuzz/run.sh: $BUILD was not configured with -DSIGNATORY_FUZZ=ON (and clang)" >&2
  exit 2
fi
if ! ninja -C "$BUILD" $(for t in $TARGETS; do echo "fuzz_$t"; done) >"$BUILD/fuzz-build.log" 2>&1; then
  grep -E "error|FAILED" "$BUILD/fuzz-build.log" | head -20 >&2
  exit 2
fi

CORPUS="$BUILD/fuzz-corpus"
ARTIFACTS="$BUILD/fuzz-artifacts"
LOGS="$BUILD/fuzz-logs"
mkdir -p "$CORPUS" "$ARTIFACTS" "$LOGS"
python3 "$SRC/fuzz/make-seeds.py" "$CORPUS" "$TESTDATA"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=()
for t in $TARGETS; do
  bin="$BUILD/fuzz/fuzz_$t"
  len="${MAX_LEN[$t]:-4096}"
  # Saved crash inputs first: each must now pass.
  if [ -d "$SRC/fuzz/regressions/$t" ] && [ -n "$(ls -A "$SRC/fuzz/regressions/$t")" ]; then
    if ! "$bin" -runs=0 "$SRC/fuzz/regressions/$t"/* >"$LOGS/$t.regressions.log" 2>&1; then
      echo "fuzz_$t: a saved regression input fails again:" >&2
      tail -30 "$LOGS/$t.regressions.log" >&2
      failed+=("$t")
      continue
    fi
  fi
  if "$bin" -max_total_time="$SECONDS_PER_TARGET" -max_len="$len" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$ARTIFACTS/$t-" "$CORPUS/$t" >"$LOGS/$t.log" 2>&1; then
    runs=$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$LOGS/$t.log" | grep -o '[0-9]*$' || echo '?')
    cov=$(grep -E '^#[0-9]+' "$LOGS/$t.log" | tail -1 | grep -o 'cov: [0-9]*' || echo 'cov: ?')
    echo "fuzz_$t: ok, $runs runs, $cov, corpus $(ls "$CORPUS/$t" | wc -l)"
  else
    echo "fuzz_$t: FAILED (log $LOGS/$t.log, inputs $ARTIFACTS/$t-*):" >&2
    grep -E 'ERROR|SUMMARY|invariant|Test unit written' "$LOGS/$t.log" | head -10 >&2
    failed+=("$t")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz/run.sh: ${#failed[@]} target(s) failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz/run.sh: all targets passed ($SECONDS_PER_TARGET s each)"
