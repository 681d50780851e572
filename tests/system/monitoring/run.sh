#!/usr/bin/env bash
# Runs the monitoring system test: deploy/prometheus/alerts.yml and deploy/grafana/signatory.json
# against a real Prometheus (Debian's prometheus package) scraping a real signer that uses a
# private PostgreSQL cluster and the KMS emulator, all on 127.0.0.1 (test_monitoring.py says
# what is checked). Usage: tests/system/monitoring/run.sh [BUILD_DIR]  (default <repo>/build)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
build_dir="$(cd "${1:-$repo/build}" 2>/dev/null && pwd || echo "${1:-$repo/build}")"
export SIGNATORY_BIN="${SIGNATORY_BIN:-$build_dir/signatory}"
export SIGNATORY_CLI_BIN="${SIGNATORY_CLI_BIN:-$build_dir/signatory-cli}"
export SIGNATORY_TESTDATA="${SIGNATORY_TESTDATA:-$repo/tests/vectors}"

for tool in prometheus promtool; do
  command -v "$tool" >/dev/null || { echo "monitoring test: $tool not found: install prometheus (scripts/install-deps)" >&2; exit 1; }
done
if ! python3 -c 'import moto, boto3, cryptography, yaml' 2>/dev/null; then
  echo "monitoring test: python3 needs moto, boto3, cryptography and yaml (the KMS emulator's)" >&2
  exit 1
fi
[ -x "$SIGNATORY_BIN" ] || { echo "monitoring test: server binary not found: $SIGNATORY_BIN" >&2; exit 1; }
cd "$here"
python3 -m unittest discover -s "$here" -p 'test_*.py' -t "$here" -v 2>&1
