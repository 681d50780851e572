"""Numbers of the benchmark: medians, one row from several wrk rounds, one anchor from several
probe rounds, and a process's CPU time and memory read from /proc. Pure functions (apart from
reading /proc)."""

import os


def proc_status(pid):
    """VmRSS and VmHWM of a process, in kB."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1])
    return out


def proc_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def median(values):
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def combine_rounds(runs):
    """One row from several wrk runs: counts add up, p50 is the median of the runs' p50s,
    the tail percentiles are the worst of the runs'."""
    r = {k: sum(x[k] for x in runs) for k in ("requests", "duration_us", "bytes", "errors",
                                              "connect_errors", "read_errors", "write_errors",
                                              "status_errors", "timeouts")}
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["p50_us"] = int(median([x["p50_us"] for x in runs]))
    for k in ("p90_us", "p99_us", "p999_us", "max_us"):
        r[k] = max(x[k] for x in runs)
    r["mean_us"] = sum(x["mean_us"] * x["requests"] for x in runs) / max(1, r["requests"])
    r["rounds_p50_us"] = [x["p50_us"] for x in runs]
    r["wrk_threads"] = runs[0]["wrk_threads"]
    return r


def combine_fsync(rounds):
    return {"count": sum(x["count"] for x in rounds),
            "p50_us": median([x["p50_us"] for x in rounds]),
            "p99_us": max(x["p99_us"] for x in rounds),
            "p999_us": max(x["p999_us"] for x in rounds),
            "mean_us": sum(x["mean_us"] * x["count"] for x in rounds) / sum(x["count"] for x in rounds),
            "rounds_p50_us": [x["p50_us"] for x in rounds]}
