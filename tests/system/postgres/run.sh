#!/usr/bin/env bash
# Runs the PostgreSQL watermark system tests: several real `signatory` processes sharing one
# private PostgreSQL 15 cluster that the tests start (initdb + pg_ctl, as the `postgres` user
# when run as root) on a free 127.0.0.1 port in a temporary directory, and remove afterwards.
# Usage: tests/system/postgres/run.sh [BUILD_DIR]   (default: <repo>/build)
# Fails plainly when the PostgreSQL 15 server binaries are missing. Longer race: set
# SIGNATORY_PG_SLOTS (levels per kind, default 1000).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
build_dir="$(cd "${1:-$repo/build}" 2>/dev/null && pwd || echo "${1:-$repo/build}")"
export SIGNATORY_BIN="${SIGNATORY_BIN:-$build_dir/signatory}"
export SIGNATORY_TESTDATA="${SIGNATORY_TESTDATA:-$repo/tests/vectors}"
pg_bin="${SIGNATORY_PG_BIN:-/usr/lib/postgresql/15/bin}"

for b in initdb pg_ctl postgres psql; do
  if [[ ! -x "$pg_bin/$b" ]]; then
    echo "postgres system tests: $pg_bin/$b not found: install postgresql-15 (scripts/install-deps)" >&2
    exit 1
  fi
done
if [[ "$(id -u)" -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
  echo "postgres system tests: running as root needs the \`postgres' user (postgresql-15 creates it)" >&2
  exit 1
fi
if [[ ! -x "$SIGNATORY_BIN" ]]; then
  echo "postgres system tests: server binary not found: $SIGNATORY_BIN" >&2
  exit 1
fi
if [[ ! -d "$here/../node_modules/@taquito/utils" ]]; then
  (cd "$here/.." && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
cd "$here"
python3 -m unittest discover -s "$here" -p 'test_*.py' -t "$here" -v 2>&1
