"""System test of the shipped monitoring: deploy/prometheus/alerts.yml and
deploy/grafana/signatory.json against a real Prometheus scraping a real signer.

Set-up (once for the class): a private PostgreSQL cluster (the `postgres` watermark store, the
store that exports signatory_watermark_store_*), the moto-based KMS emulator (an `awskms` vault
whose key gets disabled, for real vault errors), a `signatory serve` with a file vault, that
KMS vault and a JWT user, and Prometheus (Debian's package) on 127.0.0.1 scraping its utility
server every second with alerts.yml loaded. Traffic: signed transactions, blocks and
(pre)attestations, a block below the high-water mark (409), four refused delegations (policy,
403), a KMS signature and then a vault error, a bad JWT (401), and a request while the
database is down (503).

Checks:
- `promtool check rules` passes on alerts.yml; Prometheus loads every rule and evaluates it
  without error.
- Every PromQL expression of the dashboard, with Grafana's variables replaced ($job →
  signatory, $instance → .*, $__rate_interval → 1m), returns at least one series, and each
  template variable's label_values(selector, label) finds series with that label.
- An alert expression is empty while nothing is wrong, so for alerts every vector selector in
  the expression (metric name and label matchers, e.g. `sign_handler_requests_total
  {status=~"5.."}`) must return at least one series instead; and the alerts the traffic
  deserves fire (vault errors, 5xx, policy refusals, high-water-mark rejections, store
  failures) while the others (down, latency) do not.
- Every metric name an expression mentions exists in Prometheus (a misspelt name fails even
  inside an `or`).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
SYSTEM = HERE.parent
REPO = SYSTEM.parent.parent
sys.path.insert(0, str(SYSTEM))
sys.path.insert(0, str(SYSTEM / "kms"))
sys.path.insert(0, str(SYSTEM / "postgres"))

import payloads  # noqa: E402
from harness import SignatoryServer, vectors  # noqa: E402
from pg_cluster import PgCluster  # noqa: E402
from prometheus_server import JOB, PrometheusServer, promtool_binary  # noqa: E402

import kms_fixture  # noqa: E402
from test_kms_system import KmsKey  # noqa: E402

ALERTS = REPO / "deploy" / "prometheus" / "alerts.yml"
DASHBOARD = REPO / "deploy" / "grafana" / "signatory.json"
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$job": JOB, "$instance": ".*"}

USER, PASSWORD, SECRET = "alice", "Alice-Passw0rd!xx", "Alice-S3cret!Alice-S3cret!Alice-S3cret!"
FILE_POLICY = {"allow": {"block": None, "preattestation": None, "attestation": None,
                         "generic": ["transaction"]}}
KMS_POLICY = {"allow": {"generic": ["transaction"]}}
TX = "transaction_tz1_to_tz1"
REFUSED = "delegation_set"  # not in either policy
POLICY_REFUSALS = 4         # the policy alert fires above 3 in 10 minutes

EXPECTED_FIRING = {"SignatoryVaultErrors", "SignatorySignRequestsFailing",
                   "SignatoryPolicyRefusalsRising", "SignatoryWatermarkRejections",
                   "SignatoryWatermarkStoreFailing"}
EXPECTED_QUIET = {"SignatoryDown", "SignatorySignLatencyHigh"}
SCRAPE_WAIT_S = 60.0

# ---- PromQL: the vector selectors and metric names of an expression ---------------------------
_KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
             "group_right", "offset", "bool", "inf", "nan",
             "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
             "bottomk", "topk", "quantile"}
_LABEL_LISTS = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_SELECTOR = re.compile(r"(?<![\w.:$])([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?(\s*\()?")


def selectors(expr):
    """The vector selectors of `expr` (`name` or `name{matchers}`), in order, without repeats.
    Functions (a name followed by `(`), aggregations, keywords, durations and the label lists
    of by/without/on/ignoring are not selectors."""
    found = []
    for m in _SELECTOR.finditer(_LABEL_LISTS.sub(" ", expr)):
        name, matchers, call = m.groups()
        if call and not matchers or name in _KEYWORDS:
            continue
        selector = name + (matchers or "")
        if selector not in found:
            found.append(selector)
    return found


def metric_name(selector):
    return selector.split("{", 1)[0]


def dashboard_expressions():
    """(panel title, PromQL with Grafana's variables replaced) for every query of the dashboard."""
    doc = json.loads(DASHBOARD.read_text())
    out = []
    for panel in doc["panels"]:
        for target in panel.get("targets", []):
            expr = target["expr"]
            for var, value in GRAFANA_VARIABLES.items():
                expr = expr.replace(var, value)
            assert "$" not in expr, f"{panel['title']}: unknown variable in {expr}"
            out.append((panel["title"], expr))
    return out


def dashboard_variable_queries():
    """(variable, selector, label) of each `label_values(selector, label)` template variable,
    with Grafana's variables replaced."""
    doc = json.loads(DASHBOARD.read_text())
    out = []
    for var in doc["templating"]["list"]:
        if var["type"] != "query":
            continue
        m = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", var["query"])
        assert m, f"{var['name']}: not a label_values() query: {var['query']}"
        selector = m.group(1)
        for name, value in GRAFANA_VARIABLES.items():
            selector = selector.replace(name, value)
        out.append((var["name"], selector, m.group(2)))
    return out


def alert_rules():
    """{alert name: expression} of alerts.yml, read through promtool's own parser below."""
    import yaml  # PyYAML, a dependency of Debian's python3 (not of this test's logic)
    doc = yaml.safe_load(ALERTS.read_text())
    return {r["alert"]: r["expr"] for g in doc["groups"] for r in g["rules"] if "alert" in r}


class SelectorParsingTest(unittest.TestCase):
    """The selector extraction the monitoring test relies on."""

    def test_selectors_of_typical_expressions(self):
        self.assertEqual(selectors('up{job="signatory"} == 0'), ['up{job="signatory"}'])
        self.assertEqual(
            selectors('histogram_quantile(0.99, sum by (instance, le) '
                      '(rate(sign_handler_request_duration_milliseconds_bucket[5m]))) > 500'),
            ["sign_handler_request_duration_milliseconds_bucket"])
        self.assertEqual(
            selectors('sum by (vault) (increase(x_total[5m]) or (x_total unless x_total offset 5m))'),
            ["x_total"])
        self.assertEqual(selectors('a{s=~"5.."} / on(instance) group_left(version) b'),
                         ['a{s=~"5.."}', "b"])


class MonitoringTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        for tool in ("prometheus", "promtool"):
            if not shutil.which(tool):
                raise RuntimeError(f"{tool} not found: install Debian's prometheus package "
                                   "(scripts/install-deps)")
        cls.tmp = Path(tempfile.mkdtemp(prefix="signatory-monitoring-"))
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)

        cls.pg = PgCluster()
        cls.pg.create()
        cls.addClassCleanup(cls.pg.destroy)

        emulator, endpoint = kms_fixture.start_emulator(str(cls.tmp / "kms.log"))
        cls.addClassCleanup(cls._stop, emulator)
        user, _ = kms_fixture.bootstrap(endpoint)
        cls.kms = kms_fixture.kms(endpoint, user)
        cls.kms_key = KmsKey(kms_fixture.run_ops(cls.kms, [("create-key", "ECC_NIST_P256")])[0])

        cls.tz1 = vectors().key("ed25519_0")
        kms_config = {"region": kms_fixture.REGION, "endpoint": endpoint,
                      "access_key_id": user["access_key_id"],
                      "secret_access_key": user["secret_access_key"],
                      "timeout": "3s", "connect_timeout": "2s", "max_attempts": 1}
        cls.server = SignatoryServer(
            [cls.tz1], {cls.tz1["public_key_hash"]: FILE_POLICY, cls.kms_key.pkh: KMS_POLICY},
            log_level="info",
            watermark={"driver": "postgres",
                       "config": {"dsn": cls.pg.dsn, "password_file": cls.pg.password_file,
                                  "table": "monitoring", "timeout": "1s",
                                  "connect_timeout": "1s"}},
            server_lines=["  jwt:", "    users:", f"      {USER}:",
                          f"        password: {json.dumps(PASSWORD)}",
                          f"        secret: {json.dumps(SECRET)}"],
            vault_lines=["  kms:", "    driver: awskms", "    config:",
                         *[f"      {k}: {json.dumps(v)}" for k, v in kms_config.items()]])
        cls.server.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        cls.server.env.update(AWS_EC2_METADATA_DISABLED="true", HOME=str(cls.server.dir))
        cls.addClassCleanup(cls.server.close)
        cls.server.start()

        cls.prometheus = PrometheusServer([f"127.0.0.1:{cls.server.utility_port}"], [ALERTS])
        cls.addClassCleanup(cls.prometheus.close)
        cls.prometheus.start()
        cls.wait_for_first_scrape()

        cls.statuses = cls.send_traffic()
        cls.wait_until_scraped()

    @staticmethod
    def _stop(proc):
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    @classmethod
    def send_traffic(cls):
        """Sends the scripted mix; returns {what: [HTTP statuses]}."""
        s = cls.server
        login = s.request("POST", "/login", headers={"username": USER, "password": PASSWORD})
        assert login.status == 201, login
        auth = {"username": USER, "Authorization": "Bearer " + login.body.decode()}
        tz1, tz3 = cls.tz1["public_key_hash"], cls.kms_key.pkh
        tx = vectors().op_hex(TX)
        out = {}

        def sign(what, pkh, hex_, headers=auth):
            out.setdefault(what, []).append(s.sign(pkh, hex_, headers=headers).status)

        for _ in range(3):
            sign("transaction", tz1, tx)
        for maker in (payloads.block, payloads.preattestation, payloads.attestation):
            sign("consensus", tz1, maker(100))
        sign("below the mark", tz1, payloads.block(99))
        for _ in range(POLICY_REFUSALS):
            sign("refused by policy", tz1, vectors().op_hex(REFUSED))
        sign("kms", tz3, tx)
        kms_fixture.run_ops(cls.kms, [("disable-key", cls.kms_key.key_id)])
        sign("kms disabled", tz3, tx)
        sign("bad token", tz1, tx, headers={"username": USER, "Authorization": "Bearer x.y.z"})
        cls.pg.stop()
        try:
            sign("database down", tz1, payloads.block(101))
        finally:
            cls.pg.start()
        deadline = time.monotonic() + 30
        level = 102
        while True:  # the store reconnects by itself
            sign("database back", tz1, payloads.block(level))
            if out["database back"][-1] == 200 or time.monotonic() > deadline:
                break
            level += 1
            time.sleep(0.5)
        return out

    @classmethod
    def wait_for_first_scrape(cls):
        """Until Prometheus holds a sample of the quiet signer (then increase() sees the traffic's
        events on counters that exist from the start, like the store's)."""
        deadline = time.monotonic() + SCRAPE_WAIT_S
        while not cls.prometheus.query(f'signatory_watermark_store_unavailable_total{{job="{JOB}"}}'):
            if time.monotonic() > deadline:
                raise RuntimeError("Prometheus did not scrape the signer:\n"
                                   + cls.prometheus.log_text()[-3000:])
            time.sleep(0.2)
        time.sleep(1.5)

    @classmethod
    def wait_until_scraped(cls):
        """Until Prometheus has scraped the signer after the traffic, and a few more times so
        that rate() over 1m has samples on both sides of every event."""
        sent = sum(len(v) for k, v in cls.statuses.items() if k != "bad token")
        deadline = time.monotonic() + SCRAPE_WAIT_S
        while time.monotonic() < deadline:
            got = cls.prometheus.query(f'sum(sign_handler_requests_total{{job="{JOB}"}})')
            if got and float(got[0]["value"][1]) >= sent:
                break
            time.sleep(0.5)
        time.sleep(4)

    def poll(self, check):
        """Runs check() (returning a list of problems) until it returns none or SCRAPE_WAIT_S
        passed; returns the last problems."""
        deadline = time.monotonic() + SCRAPE_WAIT_S
        while True:
            problems = check()
            if not problems or time.monotonic() > deadline:
                return problems
            time.sleep(1)

    # ---- the traffic did what it should ---------------------------------------------------
    def test_traffic_had_the_intended_outcomes(self):
        st = self.statuses
        self.assertEqual(st["transaction"], [200] * 3)
        self.assertEqual(st["consensus"], [200] * 3)
        self.assertEqual(st["below the mark"], [409])
        self.assertEqual(st["refused by policy"], [403] * POLICY_REFUSALS)
        self.assertEqual(st["kms"], [200])
        self.assertGreaterEqual(st["kms disabled"][0], 400)
        self.assertEqual(st["bad token"], [401])
        self.assertEqual(st["database down"], [503])
        self.assertEqual(st["database back"][-1], 200)

    # ---- alerts.yml --------------------------------------------------------------------------
    def test_promtool_check_rules_passes(self):
        r = subprocess.run([promtool_binary(), "check", "rules", str(ALERTS)],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("SUCCESS", r.stdout)

    def test_prometheus_loads_and_evaluates_every_rule(self):
        names = set(alert_rules())
        self.assertEqual(names, EXPECTED_FIRING | EXPECTED_QUIET)

        def problems():
            rules = {r["name"]: r for r in self.prometheus.rules()}
            out = [f"{n}: not loaded" for n in names - set(rules)]
            out += [f"{n}: health {r.get('health')} {r.get('lastError', '')}"
                    for n, r in rules.items() if r.get("health") != "ok"]
            return out
        self.assertEqual(self.poll(problems), [])

    def test_every_selector_of_every_alert_returns_series(self):
        def problems():
            out = []
            for name, expr in alert_rules().items():
                sels = selectors(expr)
                if not sels:
                    out.append(f"{name}: no selector found in {expr}")
                out += [f"{name}: {sel} returns no series"
                        for sel in sels if not self.prometheus.query(sel)]
            return out
        self.assertEqual(self.poll(problems), [])

    def test_the_alerts_the_traffic_deserves_fire_and_no_other(self):
        def problems():
            firing = {a["labels"]["alertname"] for a in self.prometheus.alerts()
                      if a["state"] == "firing"}
            out = [f"{n}: not firing" for n in EXPECTED_FIRING - firing]
            out += [f"{n}: firing" for n in firing & EXPECTED_QUIET]
            return out
        self.assertEqual(self.poll(problems), [])

    # ---- the dashboard -----------------------------------------------------------------------
    def test_every_dashboard_expression_returns_series(self):
        exprs = dashboard_expressions()
        self.assertGreaterEqual(len(exprs), 20)

        def problems():
            return [f"{title}: {expr} returns no series"
                    for title, expr in exprs if not self.prometheus.query(expr)]
        self.assertEqual(self.poll(problems), [])

    def test_every_template_variable_finds_values(self):
        queries = dashboard_variable_queries()
        self.assertEqual([q[0] for q in queries], ["job", "instance"])

        def problems():
            return [f"${var}: no series of {selector} has a `{label}' label"
                    for var, selector, label in queries
                    if not any(label in s["metric"] for s in self.prometheus.query(selector))]
        self.assertEqual(self.poll(problems), [])

    def test_every_metric_named_exists(self):
        exprs = [e for _, e in dashboard_expressions()] + list(alert_rules().values())
        named = {metric_name(s) for e in exprs for s in selectors(e)}
        self.assertIn("signatory_watermark_store_unavailable_total", named)

        def problems():
            return sorted(named - self.prometheus.metric_names())
        self.assertEqual(self.poll(problems), [])


if __name__ == "__main__":
    unittest.main()
