#!/usr/bin/env python3
"""The signer's benchmark (bench/run builds, then runs this). Everything runs on 127.0.0.1 in one
run, so that the ratios between rows hold on a noisy machine:

  signer rows  one `signatory serve` with a `file` vault (tz1, tz2, tz3, tz4 keys of the shared
               vectors and 16 generated tz1 attestation keys), the durable `file` watermark and,
               when moto is available, an `awskms` vault on the KMS emulator (tz3 and tz2 keys):
               GET /keys/{pkh}; POST generic operations per key type; attestations at rising
               levels; KMS signing — each at 1 and 16 keep-alive connections (wrk).
  anchors      crypto-only (bench_crypto: SecretKey::sign in-process on 1 and 2 threads), nginx
               from Debian replying the same bytes (GET and POST), one pwrite+fdatasync of a
               watermark record on the same disk (bench_fdatasync), the KMS emulator's own reply
               time (a pre-signed Sign request replayed with wrk).
  soak         VmRSS of the signer before and after BENCH_SOAK_REQUESTS generic tz1 requests.

Prints one markdown table of rows, then the ratios and targets (met or not). Options and env
(BENCH_SECONDS, BENCH_WARMUP, BENCH_SOAK_REQUESTS, BENCH_CONNECTIONS): see --help.
Stops every process it started, also on failure or Ctrl-C. Needs wrk and nginx (scripts/install-deps).

The pieces: workload.py (what is sent), fixtures.py (the processes and their set-up),
measure.py (wrk runs and the results), stats.py (medians, rounds, /proc), rows.py (the rows
in order), report.py (the table, ratios and targets). This file parses the options and runs
them.
"""

import argparse
import os
import shutil
import signal
import sys
from pathlib import Path

import report
import rows
from fixtures import Fixtures
from measure import Results, Wrk

REPO = Path(__file__).resolve().parent.parent


def main():
    env = os.environ.get
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build-dir", default=env("BENCH_BUILD_DIR", str(REPO / "build-bench")))
    p.add_argument("--seconds", type=int, default=int(env("BENCH_SECONDS", "4")),
                   help="measured seconds per row (env BENCH_SECONDS, default 4)")
    p.add_argument("--warmup", type=int, default=int(env("BENCH_WARMUP", "1")),
                   help="warm-up seconds before each row (env BENCH_WARMUP, default 1)")
    p.add_argument("--crypto-seconds", type=float, default=float(env("BENCH_CRYPTO_SECONDS", "2")))
    p.add_argument("--fsync-count", type=int, default=int(env("BENCH_FSYNC_COUNT", "600")),
                   help="fdatasync probes per attestation row, spread over the rounds")
    p.add_argument("--kms-probe-count", type=int, default=int(env("BENCH_KMS_PROBES", "100")),
                   help="emulator probes per round of the 1-connection KMS rows")
    p.add_argument("--rounds", type=int, default=int(env("BENCH_ROUNDS", "3")),
                   help="attestation rows alternate this many probe/wrk rounds")
    p.add_argument("--soak-requests", type=int, default=int(env("BENCH_SOAK_REQUESTS", "1000000")),
                   help="requests of the RSS soak (env BENCH_SOAK_REQUESTS; 0 skips it)")
    p.add_argument("--connections", type=int, nargs="+",
                   default=[int(x) for x in env("BENCH_CONNECTIONS", "1 16").split()])
    p.add_argument("--wrk-threads", type=int, default=2)
    p.add_argument("--repeat", type=int, default=int(env("BENCH_REPEAT", "2")),
                   help="passes over the local rows and their anchors; each keeps its best "
                   "(env BENCH_REPEAT, default 2)")
    p.add_argument("--no-kms", action="store_true")
    p.add_argument("--no-postgres", action="store_true")
    p.add_argument("--workdir", default=None, help="parent of the temporary directory (same disk "
                   "as the signer's watermark log)")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    p.add_argument("--json", help="also write the raw results to this file")
    args = p.parse_args()
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            sys.exit(f"bench: {tool} not found (scripts/install-deps installs it)")
    results = Results()
    fx = Fixtures(args, results.notes)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        summary = rows.run(args, fx, Wrk(args, fx.work, results), results)
        report.print_report(args, results, summary)
    finally:
        fx.close()


if __name__ == "__main__":
    main()
