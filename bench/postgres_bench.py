#!/usr/bin/env python3
"""Benchmark of the `postgres` watermark store: attestation signing latency over one
keep-alive HTTP connection, with the postgres store beside the `mem` store, and the p50 of a
bare `SELECT 1` round trip (pgbench, one TCP connection to the same server, prepared
protocol). Target (issue 6): postgres p50 ≤ mem p50 + one SELECT 1 round trip + 0.3 ms.

It starts its own private PostgreSQL 15 cluster (tests/system/postgres/pg_cluster.py) and its
own signers on 127.0.0.1, and stops them. Two database settings are measured: commits
without waiting for the WAL flush (synchronous_commit=off, the round-trip cost alone), and
the durable default (fsync + synchronous_commit=on), whose extra cost is this machine's
disk flush.

Usage: bench/postgres_bench.py BUILD_DIR [--requests N]
Prints Markdown table rows (header first). Exits non-zero if something fails to run, never
because of the numbers.
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests" / "system"))
sys.path.insert(0, str(REPO / "tests" / "system" / "postgres"))

import payloads  # noqa: E402
from harness import SignatoryServer, vectors  # noqa: E402
from pg_cluster import PG_BIN, PgCluster  # noqa: E402

KEY = "ed25519_0"
POLICY = {"allow": {"attestation": None, "preattestation": None, "block": None}}


def percentile(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def sign_latencies(server, n, warmup, first_level=100_000):
    """Attestations at increasing levels (every one accepted) over one HTTP connection."""
    pkh = vectors().key(KEY)["public_key_hash"]
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    out = []
    try:
        for i in range(warmup + n):
            body = json.dumps(payloads.attestation(first_level + i, 0)).encode()
            t0 = time.perf_counter()
            conn.request("POST", f"/keys/{pkh}", body=body,
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
            dt = time.perf_counter() - t0
            if resp.status != 200:
                raise RuntimeError(f"sign failed: {resp.status} {data[:200]!r}")
            if i >= warmup:
                out.append(dt * 1000.0)
    finally:
        conn.close()
    return out


def select1_p50(pg, n):
    """p50 of `SELECT 1` over one TCP connection, from pgbench's per-transaction log (µs)."""
    with tempfile.TemporaryDirectory(prefix="signatory-pgbench-") as d:
        script = Path(d) / "select1.sql"
        script.write_text("SELECT 1;\n")
        env = dict(os.environ, PGPASSWORD=pg.password)
        r = subprocess.run([str(PG_BIN / "pgbench"), "-n", "-c", "1", "-t", str(n), "-M",
                            "prepared", "-f", str(script), "-l", "--log-prefix",
                            str(Path(d) / "log"), "-h", "127.0.0.1", "-p", str(pg.port), "-U",
                            "signatory", "postgres"], env=env, capture_output=True, text=True,
                           cwd=d, stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            raise RuntimeError(f"pgbench failed: {r.stderr}")
        lat = []
        for f in Path(d).glob("log*"):
            for line in f.read_text().splitlines():
                fields = line.split()
                lat.append(int(fields[2]) / 1000.0)
        if not lat:
            raise RuntimeError("pgbench wrote no per-transaction log")
        return statistics.median(lat)


def xact_commits(pg):
    return int(pg.psql("SELECT xact_commit FROM pg_stat_database WHERE datname = 'postgres'")
               .strip())


def signer(pg, table, watermark):
    key = vectors().key(KEY)
    server = SignatoryServer([key], {key["public_key_hash"]: POLICY}, log_level="info",
                             watermark=watermark)
    server.start()
    return server


def postgres_watermark(pg, table):
    return {"driver": "postgres",
            "config": {"dsn": pg.dsn, "password_file": pg.password_file, "table": table}}


def fmt(ms):
    return f"{ms:.3f} ms"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("--requests", type=int, default=2000)
    args = ap.parse_args()
    os.environ.setdefault("SIGNATORY_BIN", str(Path(args.build_dir).resolve() / "signatory"))
    n, warmup = args.requests, max(100, args.requests // 10)
    rows = []

    servers = []
    try:
        mem = signer(None, None, {"driver": "mem"})
        servers.append(mem)
        lat = sign_latencies(mem, n, warmup)
        mem_p50 = percentile(lat, 50)
        rows.append(("attestation sign, mem store (baseline)", mem_p50, percentile(lat, 99),
                     f"n={n}, 1 HTTP keep-alive connection"))
        mem.close()

        for durable in (False, True):
            with PgCluster(fsync=durable) as pg:
                label = "fsync, synchronous_commit=on" if durable else "synchronous_commit=off"
                wm = postgres_watermark(pg, "bench")

                def session(requests, first_level):
                    """A signer's whole life; returns (latencies, commits it caused). A
                    backend's statistics reach pg_stat_database when it exits."""
                    before = xact_commits(pg)
                    srv = signer(pg, "bench", wm)
                    servers.append(srv)
                    lat = sign_latencies(srv, requests, 0, first_level) if requests else []
                    srv.close()
                    time.sleep(0.5)
                    return lat, xact_commits(pg) - before

                session(50, 10)  # schema created, caches warm
                _, idle = session(0, 0)  # start-up and one psql read
                lat, commits = session(warmup + n, 1000)
                per_request = (commits - idle) / (warmup + n)
                lat = lat[warmup:]
                p50 = percentile(lat, 50)
                sel = select1_p50(pg, max(2000, n))
                rows.append((f"attestation sign, postgres store ({label})", p50,
                             percentile(lat, 99),
                             f"n={n}; {per_request:.2f} DB commits per request (the reservation, "
                             "plus background signature batches)"))
                rows.append((f"SELECT 1 round trip, pgbench ({label})", sel, None,
                             "1 TCP connection, prepared"))
                rows.append((f"postgres store overhead over mem, p50 ({label})", p50 - mem_p50,
                             None, f"target: one SELECT 1 ({sel:.3f} ms) + 0.3 ms = "
                             f"{sel + 0.3:.3f} ms"))
    finally:
        for s in servers:
            s.close()

    print("| benchmark | p50 | p99 | notes |")
    print("| --- | --- | --- | --- |")
    for name, p50, p99, note in rows:
        print(f"| {name} | {fmt(p50)} | {fmt(p99) if p99 is not None else ''} | {note} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
