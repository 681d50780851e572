#!/usr/bin/env bash
# Runs the AWS KMS system tests: the real signatory and signatory-cli against our moto-based
# KMS emulator on 127.0.0.1 (never a real AWS host). Usage: tests/system/kms/run.sh [BUILD_DIR]
# Says plainly, and fails, when the emulator's Python packages are missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
build_dir="$(cd "${1:-$repo/build}" && pwd)"
export SIGNATORY_BIN="${SIGNATORY_BIN:-$build_dir/signatory}"
export SIGNATORY_CLI_BIN="${SIGNATORY_CLI_BIN:-$build_dir/signatory-cli}"

if ! python3 -c 'import moto, boto3, cryptography' 2>/dev/null; then
  echo "KMS system tests: moto, boto3 and cryptography are needed (python3 -c 'import moto, boto3, cryptography' fails);" >&2
  echo "they come with this machine image's Python 3.11 and cannot be installed from Debian's archive here." >&2
  exit 1
fi
for b in "$SIGNATORY_BIN" "$SIGNATORY_CLI_BIN"; do
  [ -x "$b" ] || { echo "KMS system tests: binary not found: $b" >&2; exit 1; }
done
cd "$here"
python3 -m unittest discover -s "$here" -p 'test_*.py' -t "$here" -v 2>&1
