#!/usr/bin/env bash
# Runs the black-box system tests of the signer server (Python unittest + Node/Taquito).
# Usage: tests/system/run.sh [BUILD_DIR]   (default: <repo>/build)
# Uses $SIGNATORY_BIN / $SIGNATORY_CLI_BIN if set, else BUILD_DIR/signatory[-cli].
# Test vectors: $SIGNATORY_TESTDATA, else <repo>/tests/vectors.
# Exits non-zero if any test fails.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build_dir="$(cd "${1:-$repo/build}" 2>/dev/null && pwd || echo "${1:-$repo/build}")"

export SIGNATORY_BIN="${SIGNATORY_BIN:-$build_dir/signatory}"
export SIGNATORY_CLI_BIN="${SIGNATORY_CLI_BIN:-$build_dir/signatory-cli}"
export SIGNATORY_TESTDATA="${SIGNATORY_TESTDATA:-$repo/tests/vectors}"

if [[ ! -x "$SIGNATORY_BIN" ]]; then
  echo "run.sh: server binary not found: $SIGNATORY_BIN" >&2
  exit 2
fi

cd "$here"
if [[ ! -d node_modules/@taquito/remote-signer || ! -d node_modules/@taquito/utils ||
      ! -d node_modules/@taquito/signer ]]; then
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi

status=0
echo "== Python system tests (unittest)"
python3 -m unittest discover -s "$here" -p 'test_*.py' -t "$here" || status=1
echo "== Node system tests (Taquito)"
node --test "$here"/*.test.mjs || status=1

if [[ $status -ne 0 ]]; then echo "run.sh: FAILED" >&2; else echo "run.sh: all system tests passed"; fi
exit $status
