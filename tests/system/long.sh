#!/usr/bin/env bash
# The long forms of the crash and soak tests (issue 8): 200 SIGKILLs of the signer during a
# stream of consensus requests, and ten minutes of mixed traffic. CI runs their short forms
# (20 kills, one minute) through tests/system/run.sh; this takes about 15 minutes.
# Usage: tests/system/long.sh [BUILD_DIR]   (default: <repo>/build)
# Env: KILLS (default 200), SOAK_SECONDS (default 600), CRASH_SEED (default: random).
# Prints each test's summary line (counts, durations, RSS); exits non-zero if either fails.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build_dir="$(cd "${1:-$repo/build}" 2>/dev/null && pwd || echo "${1:-$repo/build}")"

export SIGNATORY_BIN="${SIGNATORY_BIN:-$build_dir/signatory}"
export SIGNATORY_TESTDATA="${SIGNATORY_TESTDATA:-$repo/tests/vectors}"
export KILLS="${KILLS:-200}"
export SOAK_SECONDS="${SOAK_SECONDS:-600}"

if [[ ! -x "$SIGNATORY_BIN" ]]; then
  echo "long.sh: server binary not found: $SIGNATORY_BIN" >&2
  exit 2
fi
cd "$here"
if [[ ! -d node_modules/@taquito/utils ]]; then
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi

status=0
for test in test_crash test_soak; do
  echo "== $test (KILLS=$KILLS SOAK_SECONDS=$SOAK_SECONDS)"
  start=$(date +%s)
  python3 -m unittest -v "$test" || status=1
  echo "== $test took $(( $(date +%s) - start )) s"
done
if [[ $status -ne 0 ]]; then echo "long.sh: FAILED" >&2; else echo "long.sh: passed"; fi
exit $status
