"""A real Prometheus server for system tests (Debian's `prometheus` package).

`PrometheusServer(targets, rule_files)` writes a config scraping `targets` (host:port of
signers' utility servers) as the job `signatory` every second, evaluating `rule_files` every
second, and runs `prometheus` on a free 127.0.0.1 port with its own data directory in a
temporary directory, removed by close(). `query()` runs an instant PromQL query through the
HTTP API; `rules()`, `alerts()` and `metric_names()` read the matching API endpoints.

Not thread-safe; one owner per server.
"""

import json
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from harness import free_port, read_log

JOB = "signatory"
START_TIMEOUT_S = 30.0


def prometheus_binary():
    return shutil.which("prometheus")


def promtool_binary():
    return shutil.which("promtool")


class PrometheusServer:
    def __init__(self, targets, rule_files=(), interval="1s"):
        self.dir = Path(tempfile.mkdtemp(prefix="signatory-prometheus-"))
        self.port = free_port()
        self.config = self.dir / "prometheus.yml"
        self.log_path = self.dir / "prometheus.log"
        self.config.write_text(json.dumps({  # JSON is YAML
            "global": {"scrape_interval": interval, "scrape_timeout": interval,
                       "evaluation_interval": interval},
            "rule_files": [str(Path(f).resolve()) for f in rule_files],
            "scrape_configs": [{"job_name": JOB,
                                "static_configs": [{"targets": list(targets)}]}],
        }, indent=2))
        self.proc = None

    def start(self):
        binary = prometheus_binary()
        if binary is None:
            raise RuntimeError("prometheus not found: install Debian's prometheus package "
                               "(scripts/install-deps)")
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [binary, f"--config.file={self.config}",
                 f"--storage.tsdb.path={self.dir / 'data'}",
                 f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prometheus exited with {self.proc.returncode}:\n"
                                   f"{self.log_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self._url("/-/ready"), timeout=1) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"prometheus not ready after {START_TIMEOUT_S}s:\n"
                           f"{self.log_text()[-3000:]}")

    def close(self):
        try:
            if self.proc is not None and self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(15)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        finally:
            self.proc = None
            shutil.rmtree(self.dir, ignore_errors=True)

    def log_text(self):
        return read_log(self.log_path)

    # ---- HTTP API ----------------------------------------------------------------------
    def _url(self, path, params=None):
        query = "?" + urllib.parse.urlencode(params) if params else ""
        return f"http://127.0.0.1:{self.port}{path}{query}"

    def api(self, path, params=None):
        """GET /api/v1/<path>; returns `data`, raises RuntimeError with Prometheus' error."""
        try:
            with urllib.request.urlopen(self._url("/api/v1/" + path, params), timeout=10) as r:
                doc = json.load(r)
        except urllib.error.HTTPError as e:
            doc = json.load(e)
        if doc.get("status") != "success":
            raise RuntimeError(f"{path} {params}: {doc.get('errorType')}: {doc.get('error')}")
        return doc["data"]

    def query(self, expr):
        """The series an instant query returns now (a list of {metric, value})."""
        data = self.api("query", {"query": expr})
        if data["resultType"] != "vector":
            raise RuntimeError(f"{expr}: a {data['resultType']}, not an instant vector")
        return data["result"]

    def metric_names(self):
        return set(self.api("label/__name__/values"))

    def rules(self):
        """Every rule of every group (the API's rule objects: name, query, health, state…)."""
        return [r for g in self.api("rules")["groups"] for r in g["rules"]]

    def alerts(self):
        return self.api("alerts")["alerts"]
