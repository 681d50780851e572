"""The benchmark's report: one markdown table of the rows with what each is compared with
(ratios to its anchor), the crypto, KMS-probe and fdatasync anchors as rows of their own, then
the ratios and targets of issue 8 (met or not), the machine and the notes; --json writes the raw
results too."""

import json
import os
import platform
import time
from pathlib import Path

from workload import CURVE_OF

# Targets of issue 8 and the Go original's figures measured on this machine.
TARGET_COMBINED = 0.80
TARGET_GET = 0.90
TARGET_P99_US = 2000
TARGET_ATTEST_EXTRA_US = 200
TARGET_KMS_EXTRA_US = 1000
TARGET_RSS_KB = 25 * 1024
TARGET_RSS_GROWTH_KB = 1024
GO_TZ1_16_RPS = 27500
GO_TZ1_16_P99_US = 14000
GO_ATTEST_1_P50_US = 262


def print_report(a, results, summary):
    """Prints the rows' table, the ratios and targets, then the machine line and the notes."""
    cs = a.connections
    hi, lo = max(cs), min(cs)
    A = results.anchors

    def crypto(tz, threads):
        r = A.get(f"crypto:{CURVE_OF[tz]}:{threads}")
        return r["rate"] if r else None

    def combined(tz, c):
        ngx = results.row("nginx POST (same body, sig reply)", c)
        cr = crypto(tz, 2 if c > 1 else 1)
        if not ngx or not cr:
            return None
        return 1 / (1 / cr + 1 / ngx["rps"])

    lines = []
    lines.append("| row | conns | req/s | p50 µs | p99 µs | p99.9 µs | errors | signer CPU µs/req | compared with |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---|")

    def fmt_row(r, cmp=""):
        cpu = f"{r['cpu_us_per_req']:.0f}" if "cpu_us_per_req" in r else ""
        lines.append(f"| {r['name']} | {r['conns']} | {r['rps']:,.0f} | {r['p50_us']:,} | "
                     f"{r['p99_us']:,} | {r['p999_us']:,} | {r['errors']} | {cpu} | {cmp} |")

    for r in results.rows:
        cmp = ""
        if r["name"].startswith("GET /keys"):
            ngx = results.row("nginx GET (same reply)", r["conns"])
            if ngx:
                cmp = f"{r['rps'] / ngx['rps']:.2f} × nginx GET"
        elif r["name"].startswith("generic") and not r.get("kms"):
            lim = combined(r["key"], r["conns"])
            if lim:
                cmp = f"{r['rps'] / lim:.2f} × combined limit ({lim:,.0f}/s)"
        elif r.get("kms"):
            probe = A.get(f"kms-probe:{r['key']}")
            emu = results.row(f"KMS emulator Sign {r['key']} (pre-signed replay, wrk)", r["conns"])
            if r["conns"] == 1 and probe:
                cmp = (f"p50 − emulator p50 = {(r['p50_us'] - probe['p50_us']) / 1000:.2f} ms "
                       f"(rounds {', '.join(str(x) for x in r['rounds_p50_us'])})")
            elif emu:
                cmp = f"{r['rps'] / emu['rps']:.2f} × the emulator's replayed rate"
        elif r["name"].startswith("attestation"):
            fs = A.get("fdatasync")
            rounds = ", ".join(str(x) for x in r.get("rounds_p50_us", []))
            if fs and r["conns"] == 1:
                cmp = (f"p50 − fdatasync p50 = {(r['p50_us'] - fs['p50_us']) / 1000:.3f} ms "
                       f"(round p50s {rounds})")
            elif fs:
                cmp = (f"{r['rps'] * fs['mean_us'] / 1e6:.2f} × the one-fdatasync-at-a-time "
                       f"limit (1 / mean fdatasync)")
        fmt_row(r, cmp)
    for tz in ("tz1", "tz2", "tz3", "tz4"):
        for threads in (1, 2):
            r = A.get(f"crypto:{CURVE_OF[tz]}:{threads}")
            if r:
                lines.append(f"| crypto-only {tz} ({r['curve']}), in-process | {threads} thr | "
                             f"{r['rate']:,.0f} | {r['p50_us']:.0f} | {r['p99_us']:.0f} | | | | "
                             "SecretKey::sign, same keys and operations |")
    for tz in ("tz3", "tz2"):
        r = A.get(f"kms-probe:{tz}")
        if r:
            lines.append(f"| KMS emulator Sign {tz}: connect + request + reply (bench_http_probe) "
                         f"| 1 | {1e6 / r['mean_us']:,.0f} | {r['p50_us']:.0f} | {r['p99_us']:.0f} "
                         f"| {r['p999_us']:.0f} | | | {r['count']} requests between the signer's "
                         f"runs (round p50s {', '.join(f'{x:.0f}' for x in r['rounds_p50_us'])}) |")
    r = A.get("fdatasync")
    if r:
        lines.append(f"| fdatasync: pwrite 176 B + fdatasync | 1 | {1e6 / r['mean_us']:,.0f} | "
                     f"{r['p50_us']:.0f} | {r['p99_us']:.0f} | {r['p999_us']:.0f} | | | "
                     f"{r['count']} syncs in the signer's base_dir, between the attestation "
                     f"runs (round p50s {', '.join(f'{x:.0f}' for x in r['rounds_p50_us'])}) |")

    # Targets.
    t = []

    def target(what, value, goal, met):
        t.append(f"| {what} | {value} | {goal} | {'**yes**' if met else '**NO**' if met is not None else 'n/a'} |")

    r = results.row("generic tz1 (file vault)", hi)
    lim = combined("tz1", hi)
    if r and lim:
        target(f"generic tz1 @{hi} / combined limit", f"{r['rps'] / lim:.2f}", f"≥ {TARGET_COMBINED}",
               r["rps"] / lim >= TARGET_COMBINED)
    for tz in ("tz2", "tz3", "tz4"):
        r2, l2 = results.row(f"generic {tz} (file vault)", hi), combined(tz, hi)
        if r2 and l2:
            target(f"generic {tz} @{hi} / combined limit (no target)", f"{r2['rps'] / l2:.2f}",
                   "—", None)
    g, n = results.row("GET /keys/{tz1}", hi), results.row("nginx GET (same reply)", hi)
    if g and n:
        target(f"GET /keys @{hi} / nginx", f"{g['rps'] / n['rps']:.2f}", f"≥ {TARGET_GET}",
               g["rps"] / n["rps"] >= TARGET_GET)
    for name in ("GET /keys/{tz1}", "generic tz1 (file vault)", "generic tz2 (file vault)",
                 "generic tz3 (file vault)"):
        r = results.row(name, hi)
        if r:
            target(f"p99 {name} @{hi}", f"{r['p99_us'] / 1000:.2f} ms",
                   f"< {TARGET_P99_US / 1000:.0f} ms", r["p99_us"] < TARGET_P99_US)
    r = results.row("generic tz4 (file vault)", hi)
    if r:
        target(f"p99 generic tz4 @{hi} (BLS; no target)", f"{r['p99_us'] / 1000:.2f} ms", "—", None)
    att = results.row("attestation tz1 (file watermark)", lo)
    fs = A.get("fdatasync")
    if att and fs:
        extra = att["p50_us"] - fs["p50_us"]
        target(f"attestation p50 @{lo} − fdatasync p50", f"{extra / 1000:.3f} ms",
               f"≤ {TARGET_ATTEST_EXTRA_US / 1000} ms", extra <= TARGET_ATTEST_EXTRA_US)
    for tz in ("tz3", "tz2"):
        k = results.row(f"generic {tz} (awskms vault)", 1)
        e = A.get(f"kms-probe:{tz}")
        if k and e:
            extra = k["p50_us"] - e["p50_us"]
            target(f"KMS {tz} p50 @1 − emulator p50", f"{extra / 1000:.3f} ms",
                   f"< {TARGET_KMS_EXTRA_US / 1000:.0f} ms", extra < TARGET_KMS_EXTRA_US)
    hwm = summary["rss_end"].get("VmHWM", 0)
    target("signer peak RSS (VmHWM, whole run)", f"{hwm / 1024:.1f} MB", "< 25 MB", hwm < TARGET_RSS_KB)
    soak = summary["soak"]
    if soak:
        growth = soak["after"]["VmRSS"] - summary["rss_before_soak"]["VmRSS"]
        target(f"VmRSS growth over {soak['requests']:,} generic tz1 requests",
               f"{growth / 1024:+.2f} MB ({summary['rss_before_soak']['VmRSS'] / 1024:.1f} → "
               f"{soak['after']['VmRSS'] / 1024:.1f} MB, {soak['errors']} errors)",
               f"< {TARGET_RSS_GROWTH_KB / 1024:.0f} MB", growth < TARGET_RSS_GROWTH_KB
               and soak["requests"] >= a.soak_requests)
    r = results.row("generic tz1 (file vault)", 16)
    if r:
        target("vs Go: generic tz1 @16 req/s", f"{r['rps']:,.0f}", f"> {GO_TZ1_16_RPS:,}",
               r["rps"] > GO_TZ1_16_RPS)
        target("vs Go: generic tz1 @16 p99", f"{r['p99_us'] / 1000:.2f} ms",
               f"< {GO_TZ1_16_P99_US / 1000:.0f} ms", r["p99_us"] < GO_TZ1_16_P99_US)
    att1 = results.row("attestation tz1 (file watermark)", 1)
    if att1:
        target("vs Go: attestation p50 @1 (Go: no fsync)", f"{att1['p50_us']} µs",
               f"< {GO_ATTEST_1_P50_US} µs", att1["p50_us"] < GO_ATTEST_1_P50_US)

    print("\n".join(lines))
    print()
    print("| ratio / target | measured | goal | met |")
    print("|---|---|---|---|")
    print("\n".join(t))
    print()
    if summary["extra_rows"]:
        print("Postgres watermark store (bench/postgres_bench.py, its own signers and cluster):")
        print()
        print("\n".join(summary["extra_rows"]))
        print()
    la0, la1 = summary["load_start"], summary["load_end"]
    print(f"Machine: {os.cpu_count()} CPUs, {platform.platform()}; load average "
          f"{la0[0]:.2f} at start, {la1[0]:.2f} at end. {a.seconds} s per row after "
          f"{a.warmup} s warm-up, best of {a.repeat} passes for the local rows and their "
          f"anchors, attestations in {a.rounds} rounds alternating with the fdatasync "
          f"probe; wrk -t{a.wrk_threads} (1 thread at 1 connection; attestations -tN -cN). "
          f"Signer: info log to a file, `file` watermark in its base_dir on the same disk. "
          f"Total {time.monotonic() - summary['t0']:.0f} s.")
    for n in results.notes:
        print(f"Note: {n}")
    if a.json:
        Path(a.json).write_text(json.dumps(
            {"rows": results.rows, "anchors": results.anchors, "rss_end": summary["rss_end"],
             "rss_before_soak": summary["rss_before_soak"], "soak": soak,
             "notes": results.notes}, indent=1))
