"""Measuring with wrk: the Lua data files the scripts in bench/wrk read, one wrk run parsed
into a result, and the results of the whole run (rows, anchors, notes), where a row measured
again (--repeat) keeps its best pass."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from stats import proc_cpu_seconds

HERE = Path(__file__).resolve().parent


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def lua_str(s):
    """A Lua long-free string literal for ASCII text (JSON escaping is valid Lua for ASCII)."""
    assert all(32 <= ord(c) < 127 for c in s), "bench data must be printable ASCII"
    return json.dumps(s)


def lua_table(d):
    return "{" + ", ".join(f"[{lua_str(k)}] = {lua_str(v)}" for k, v in d.items()) + "}"


class Results:
    """Rows (dicts: name, conns, group, wrk figures…), anchors by name, and notes."""

    def __init__(self):
        self.rows = []
        self.anchors = {}
        self.notes = []

    def row(self, name, conns):
        for r in self.rows:
            if r["name"] == name and r["conns"] == conns:
                return r
        return None


class Wrk:
    """Runs wrk with the scripts of bench/wrk against data files written in `work`."""

    def __init__(self, args, work, results):
        self.args = args
        self.work = work
        self.results = results
        self.data_counter = 0

    def data_file(self, text):
        self.data_counter += 1
        path = self.work / f"wrk-data-{self.data_counter}.lua"
        path.write_text(text)
        return path

    def wrk(self, url, script, data, conns, seconds, threads=None):
        threads = threads or min(conns, self.args.wrk_threads)
        env = dict(os.environ, BENCH_LUA_DIR=str(HERE / "wrk"), BENCH_DATA=str(data))
        cmd = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{seconds}s", "--timeout", "10s",
               "-s", str(HERE / "wrk" / script), url]
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=seconds + 60)
        for line in out.stdout.splitlines():
            if line.startswith("BENCH_RESULT "):
                r = json.loads(line[len("BENCH_RESULT "):])
                r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
                r["errors"] = (r["connect_errors"] + r["read_errors"] + r["write_errors"] +
                               r["status_errors"] + r["timeouts"])
                r["wrk_threads"] = threads
                return r
        raise RuntimeError(f"wrk gave no result (rc {out.returncode}):\n{out.stdout}\n{out.stderr}")

    def measure(self, name, group, url, script, data, conns, pid=None, threads=None, **extra):
        if self.args.warmup > 0:
            self.wrk(url, script, data, conns, self.args.warmup, threads)
        cpu0 = proc_cpu_seconds(pid) if pid else None
        r = self.wrk(url, script, data, conns, self.args.seconds, threads)
        if pid:
            r["cpu_us_per_req"] = (proc_cpu_seconds(pid) - cpu0) * 1e6 / max(1, r["requests"])
        r.update(name=name, group=group, conns=conns, **extra)
        log(f"{name} @{conns}: {r['rps']:.0f} req/s p50 {r['p50_us']} µs p99 {r['p99_us']} µs "
            f"errors {r['errors']}")
        # Repeated rows (--repeat) keep their best pass: noise on a shared machine only ever
        # slows a run down.
        old = self.results.row(name, conns)
        if old is None:
            r["passes_rps"] = [r["rps"]]
            self.results.rows.append(r)
            return r
        r["passes_rps"] = old["passes_rps"] + [r["rps"]]
        r["errors"] += old["errors"]
        if r["rps"] > old["rps"]:
            self.results.rows[self.results.rows.index(old)] = r
        else:
            old["passes_rps"] = r["passes_rps"]
            old["errors"] = r["errors"]
        return r

    def requests_data(self, method, path, headers=None, bodies=()):
        text = ("BENCH = {method = %s, path = %s, headers = %s, bodies = {%s}}\n" %
                (lua_str(method), lua_str(path), lua_table(headers or {}),
                 ", ".join(lua_str(b) for b in bodies)))
        return self.data_file(text)
