"""The rows of the benchmark, in the order they run: the crypto-only anchor, GET /keys and generic
operations per key type next to nginx, attestations alternating with the fdatasync probe, the
KMS rows next to the emulator's own reply time, the RSS soak, then bench/postgres_bench.py.
Each anchor runs right before the rows compared with it."""

import itertools
import json
import os
import subprocess
import sys
import time

from fixtures import HERE, harness  # fixtures puts tests/system on the path
import payloads  # noqa: E402  (tests/system/payloads.py)
from measure import log, lua_str
from stats import combine_fsync, combine_rounds, proc_cpu_seconds, proc_status
from workload import GENERIC_OPS, LOCAL_KEYS


def run(a, fx, wrk, results):
    """Measures every row, in order; returns what the report needs besides the results."""
    summary = {}
    conns_list = a.connections
    keys = fx.vectors.keys
    T = harness.testdata_dir() / "tezos"
    summary["t0"] = time.monotonic()
    log(f"work dir {fx.work}; {a.seconds}s per row, warm-up {a.warmup}s")
    summary["load_start"] = os.getloadavg()

    def crypto_anchor():
        """Crypto-only limit on 1 and 2 threads; the best pass is kept."""
        for threads in (1, 2):
            out = subprocess.run([str(fx.bench_crypto), str(T / "keys.json"),
                                  str(T / "operations.json"), str(a.crypto_seconds),
                                  str(threads)],
                                 check=True, capture_output=True, text=True, timeout=300)
            for line in out.stdout.splitlines():
                r = json.loads(line)
                key = f"crypto:{r['curve']}:{threads}"
                old = results.anchors.get(key)
                r["passes_rate"] = (old["passes_rate"] if old else []) + [r["rate"]]
                if old is None or r["rate"] > old["rate"]:
                    results.anchors[key] = r
                else:
                    old["passes_rate"] = r["passes_rate"]
                log(f"crypto {r['curve']} x{threads}: {r['rate']:.0f}/s p50 {r['p50_us']} µs")

    attestation_keys = fx.generate_attestation_keys()
    kms = fx.start_kms() if not a.no_kms else None
    kms_pkhs = fx.kms_pkhs(kms) if kms else {}
    server = fx.start_signer(attestation_keys, kms, kms_pkhs)
    pid = server.proc.pid
    base = f"http://127.0.0.1:{server.port}"

    def fdatasync_probe(count):
        out = subprocess.run([str(fx.bench_fdatasync), str(server.dir), str(count)],
                             check=True, capture_output=True, text=True, timeout=600)
        return json.loads(out.stdout)

    # The exact replies the nginx anchor sends.
    tz1 = keys[LOCAL_KEYS["tz1"]]["public_key_hash"]
    get_reply = server.public_key(tz1)
    sign_reply = server.sign(tz1, fx.vectors.op_hex(GENERIC_OPS[0]))
    if get_reply.status != 200 or sign_reply.status != 200:
        raise RuntimeError(f"signer not answering: {get_reply} {sign_reply}\n{server.log_tail()}")
    nginx_port, _ = fx.start_nginx(get_reply.body.decode(), sign_reply.body.decode())
    ngx = f"http://127.0.0.1:{nginx_port}"

    get_data = wrk.requests_data("GET", f"/keys/{tz1}")
    ngx_get = wrk.requests_data("GET", "/get")
    json_hdr = {"Content-Type": "application/json"}
    ngx_post = wrk.requests_data("POST", "/sign", json_hdr, fx.generic_bodies())

    generic = {}
    for tz in ("tz1", "tz2", "tz3", "tz4"):
        pkh = keys[LOCAL_KEYS[tz]]["public_key_hash"]
        generic[tz] = wrk.requests_data("POST", f"/keys/{pkh}", json_hdr,
                                         fx.generic_bodies())
    # Each anchor runs right before the rows compared with it; the whole set runs
    # --repeat times and each row keeps its best pass.
    for p in range(a.repeat):
        log(f"pass {p + 1} of {a.repeat}")
        crypto_anchor()
        for c in conns_list:
            wrk.measure("nginx GET (same reply)", "anchor", ngx, "requests.lua", ngx_get, c)
            wrk.measure("GET /keys/{tz1}", "signer", base, "requests.lua", get_data, c, pid)
            wrk.measure("nginx POST (same body, sig reply)", "anchor", ngx, "requests.lua",
                         ngx_post, c)
            for tz in ("tz1", "tz2", "tz3", "tz4"):
                wrk.measure(f"generic {tz} (file vault)", "signer", base, "requests.lua",
                             generic[tz], c, pid, key=tz)

    # Attestations: one key per connection and wrk thread (see wrk/attestations.lua). The
    # disk's fdatasync time drifts on a shared machine, so the probe and the attestation
    # runs alternate in rounds and each row reports the median of the rounds' p50s.
    template = payloads.attestation(level=0x7A7A7A7A)
    marker = "7a7a7a7a"
    assert template.count(marker) == 1, "level marker not unique in the attestation template"
    prefix, suffix = template.split(marker)
    pkhs = [k["id"] for k in attestation_keys]
    attest_levels = itertools.count(1000 + 10_000_000, 10_000_000)

    def attestation_data():
        level = next(attest_levels)  # every wrk run starts above all earlier levels
        return wrk.data_file(
            "BENCH = {pkhs = {%s}, prefix = %s, suffix = %s, start_level = %d}\n" %
            (", ".join(lua_str(p) for p in pkhs), lua_str(prefix), lua_str(suffix),
             level))

    fsync_rounds = []
    for c in conns_list:
        if c > len(pkhs):
            raise RuntimeError(f"attestations at {c} connections need {c} keys")
        if a.warmup > 0:
            wrk.wrk(base, "attestations.lua", attestation_data(), c, a.warmup, threads=c)
        runs = []
        cpu0 = proc_cpu_seconds(pid)
        for _ in range(a.rounds):
            fsync_rounds.append(fdatasync_probe(max(50, a.fsync_count // a.rounds)))
            runs.append(wrk.wrk(base, "attestations.lua", attestation_data(), c,
                                 max(1, round(a.seconds / a.rounds)), threads=c))
        r = combine_rounds(runs)
        r["cpu_us_per_req"] = (proc_cpu_seconds(pid) - cpu0) * 1e6 / max(1, r["requests"])
        r.update(name="attestation tz1 (file watermark)", group="signer", conns=c)
        results.rows.append(r)
        log(f"attestations @{c}: {r['rps']:.0f} req/s p50 {r['p50_us']} µs (rounds "
            f"{[x['p50_us'] for x in runs]}) errors {r['errors']}")
        if r["status_errors"]:
            results.notes.append(f"attestations at {c} connections: {r['status_errors']} "
                              "refused (non-2xx)")
    results.anchors["fdatasync"] = combine_fsync(fsync_rounds)
    log(f"fdatasync rounds p50 {[x['p50_us'] for x in fsync_rounds]}")

    # KMS: the emulator's own reply time, then the signer's KMS path. The emulator closes
    # every connection (moto answers `Connection: close`), so its reply time is measured
    # as the signer's client meets it: connect, request, reply (bench_http_probe); at one
    # connection the probe and the signer alternate in rounds (medians of the p50s). At
    # more connections a pre-signed request replayed by wrk shows the emulator's own limit.
    if kms:
        for tz in ("tz3", "tz2"):
            headers, body = fx.presigned_kms_sign(kms, tz)
            raw = fx.work / f"kms-sign-{tz}.http"
            raw.write_bytes(("POST / HTTP/1.1\r\n" +
                             "".join(f"{k}: {v}\r\n" for k, v in headers.items()) +
                             f"Content-Length: {len(body)}\r\n\r\n" + body).encode())
            host, port = kms["endpoint"].split("//", 1)[1].rsplit(":", 1)
            replay = wrk.requests_data("POST", "/", headers, [body])
            pkh = kms_pkhs[tz]
            sdata = wrk.requests_data("POST", f"/keys/{pkh}", json_hdr, fx.generic_bodies())
            name = f"generic {tz} (awskms vault)"
            for c in conns_list:
                if c > 1:
                    wrk.measure(f"KMS emulator Sign {tz} (pre-signed replay, wrk)", "anchor",
                                 kms["endpoint"], "requests.lua", replay, c, key=tz)
                    wrk.measure(name, "signer", base, "requests.lua", sdata, c, pid, key=tz,
                                 kms=True)
                    continue
                if a.warmup > 0:
                    wrk.wrk(base, "requests.lua", sdata, c, a.warmup)
                probes, runs = [], []
                cpu0 = proc_cpu_seconds(pid)
                for _ in range(a.rounds):
                    out = subprocess.run([str(fx.bench_http_probe), host, port, str(raw),
                                          str(a.kms_probe_count)], check=True,
                                         capture_output=True, text=True, timeout=600)
                    probes.append(json.loads(out.stdout))
                    runs.append(wrk.wrk(base, "requests.lua", sdata, c,
                                         max(1, round(a.seconds / a.rounds))))
                r = combine_rounds(runs)
                r["cpu_us_per_req"] = (proc_cpu_seconds(pid) - cpu0) * 1e6 / max(1, r["requests"])
                r.update(name=name, group="signer", conns=c, key=tz, kms=True)
                results.rows.append(r)
                results.anchors[f"kms-probe:{tz}"] = combine_fsync(probes)
                log(f"{name} @1: p50 {r['p50_us']} µs (rounds {r['rounds_p50_us']}); emulator "
                    f"probe p50s {[x['p50_us'] for x in probes]}")

    # RSS: peak so far, then the soak.
    summary["rss_before_soak"] = proc_status(pid)
    summary["soak"] = None
    if a.soak_requests > 0:
        pkh = keys[LOCAL_KEYS["tz1"]]["public_key_hash"]
        data = wrk.requests_data("POST", f"/keys/{pkh}", json_hdr, fx.generic_bodies())
        done_requests, errors, chunks = 0, 0, 0
        rate = next((r["rps"] for r in results.rows if r.get("key") == "tz1" and
                     r["conns"] == max(conns_list) and not r.get("kms")), 20000)
        t0 = time.monotonic()
        while done_requests < a.soak_requests and chunks < 20:
            secs = max(2, min(60, int((a.soak_requests - done_requests) / max(rate, 1000) * 1.05) + 1))
            r = wrk.wrk(base, "requests.lua", data, max(conns_list), secs)
            done_requests += r["requests"]
            errors += r["errors"]
            chunks += 1
            log(f"soak: {done_requests} requests")
        summary["soak"] = {"requests": done_requests, "errors": errors,
                     "seconds": time.monotonic() - t0, "after": proc_status(pid)}
    summary["rss_end"] = proc_status(pid)
    summary["load_end"] = os.getloadavg()

    # Optional rows from the postgres watermark benchmark (another script).
    summary["extra_rows"] = postgres_rows(a, fx, results)
    return summary


def postgres_rows(a, fx, results):
    """bench/postgres_bench.py (the postgres watermark store's benchmark, its own table),
    run as `python3 bench/postgres_bench.py BUILD_DIR`; its markdown table is printed
    after ours. Skipped with --no-postgres or when the file does not exist."""
    script = HERE / "postgres_bench.py"
    if not script.exists() or a.no_postgres:
        return []
    log("running bench/postgres_bench.py")
    out = subprocess.run([sys.executable, str(script), str(fx.build)],
                         capture_output=True, text=True, timeout=1800)
    sys.stderr.write(out.stderr)
    rows = [l for l in out.stdout.splitlines() if l.startswith("|")]
    for l in out.stdout.splitlines():
        if not l.startswith("|"):
            print(l, file=sys.stderr)
    if out.returncode != 0:
        results.notes.append(f"bench/postgres_bench.py failed (exit {out.returncode}); "
                          "see the log above")
    return rows
