"""System tests of observability: /metrics, /healthz and the log lines.

/metrics is read with a strict parser of the Prometheus text exposition format (0.0.4) written
here from the format's documentation: every line must be a HELP/TYPE comment or a well-formed
sample, a family's samples are contiguous and follow its one TYPE line, no series appears
twice, and each histogram has increasing `le` bounds, cumulative bucket counts, a `+Inf`
bucket equal to `_count`, and a `_sum`. After a scripted mix of requests (signed, refused by
policy, refused by the high-water mark, not listed, malformed), the counters must equal what
was sent, with Signatory's metric names and labels (Signatory's pkg/metrics).

/healthz answers 503 with the reason when a configured vault could not be opened or the
watermark log was removed. Logs: an access line per request (method, path, status, duration,
client), sign requests with pkh, kind, chain, level, round and operation kinds, the raw bytes
only with `log_payloads`, and JSON lines with --json-log.
"""

import hashlib
import json
import math
import os
import re
import shlex
import subprocess
import unittest

import payloads
from harness import KeepAliveClient, SignatoryServer, vectors
from server_case import ServerCase

POLICY = {"allow": {"generic": ["transaction", "reveal"], "block": None, "attestation": None}}

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
_SAMPLE = re.compile(rf"^({_NAME})(?:\{{((?:{_LABEL})(?:,{_LABEL})*)?\}})? (\S+)(?: (-?\d+))?$")
_LABEL_ITEM = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def _float(text):
    if text in ("+Inf", "Inf"):
        return math.inf
    if text == "-Inf":
        return -math.inf
    if text == "NaN":
        return math.nan
    if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text):
        raise ValueError(f"not a float: {text!r}")
    return float(text)


def _unescape(value):
    return re.sub(r"\\(.)", lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), value)


def parse_exposition(text):
    """{family: {"type": str, "samples": [(name, {label: value}, float)]}}; AssertionError on
    anything the text format does not allow."""
    families, order, current = {}, [], None
    seen = set()
    assert text.endswith("\n"), "the exposition must end with a newline"
    for n, line in enumerate(text[:-1].split("\n"), 1):
        where = f"line {n}: {line!r}"
        if line.startswith("#"):
            m = re.match(rf"^# (HELP|TYPE) ({_NAME}) (.*)$", line)
            if not m:
                continue  # a plain comment
            kind, name, rest = m.groups()
            fam = families.setdefault(name, {"type": "untyped", "samples": [], "help": None})
            if kind == "TYPE":
                assert rest in ("counter", "gauge", "histogram", "summary", "untyped"), where
                assert fam.get("typed") is None, f"second TYPE: {where}"
                assert not fam["samples"], f"TYPE after samples: {where}"
                fam["type"], fam["typed"] = rest, True
            else:
                assert fam["help"] is None, f"second HELP: {where}"
                fam["help"] = rest
            if current != name:
                assert name not in order, f"family {name} not contiguous: {where}"
                order.append(name)
                current = name
            continue
        m = _SAMPLE.match(line)
        assert m, f"malformed sample: {where}"
        name, labels_text, value = m.group(1), m.group(2) or "", _float(m.group(3))
        labels = {k: _unescape(v) for k, v in _LABEL_ITEM.findall(labels_text)}
        assert len(labels) == labels_text.count('="'), f"duplicate label: {where}"
        family = name
        for suffix in ("_bucket", "_sum", "_count"):
            base = name[:-len(suffix)]
            if name.endswith(suffix) and families.get(base, {}).get("type") == "histogram":
                family = base
        assert family == current, f"sample outside its family block: {where}"
        key = (name, tuple(sorted(labels.items())))
        assert key not in seen, f"duplicate series: {where}"
        seen.add(key)
        fam = families[family]
        if fam["type"] == "counter":
            assert value >= 0, where
        if name.endswith("_bucket") and family != name:
            assert "le" in labels, f"bucket without le: {where}"
            _float(labels["le"])
        fam["samples"].append((name, labels, value))
    for name, fam in families.items():
        if fam["type"] == "histogram":
            _check_histogram(name, fam["samples"])
    return families


def _check_histogram(name, samples):
    series = {}
    for sname, labels, value in samples:
        rest = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        s = series.setdefault(rest, {"buckets": [], "sum": None, "count": None})
        if sname == name + "_bucket":
            s["buckets"].append((_float(labels["le"]), value))
        elif sname == name + "_sum":
            s["sum"] = value
        elif sname == name + "_count":
            s["count"] = value
    for rest, s in series.items():
        bounds = [b for b, _ in s["buckets"]]
        counts = [c for _, c in s["buckets"]]
        assert bounds == sorted(bounds) and len(set(bounds)) == len(bounds), f"{name}{rest}: le order"
        assert bounds and bounds[-1] == math.inf, f"{name}{rest}: no +Inf bucket"
        assert counts == sorted(counts), f"{name}{rest}: buckets not cumulative"
        assert s["count"] == counts[-1], f"{name}{rest}: _count != +Inf bucket"
        assert s["sum"] is not None, f"{name}{rest}: no _sum"


def value(families, name, **labels):
    """The value of the one sample `name` with exactly these labels (0 when absent)."""
    family = families.get(name) or families.get(re.sub(r"_(bucket|sum|count)$", "", name))
    if family is None:
        return 0
    for sname, slabels, v in family["samples"]:
        if sname == name and slabels == labels:
            return v
    return 0


class ExpositionParserTest(unittest.TestCase):
    """The parser itself refuses what the format does not allow."""

    def test_refuses_malformed_expositions(self):
        bad = [
            "x{a=\"1\"} one\n",
            "x{a=1} 1\n",
            "# TYPE x counter\nx 1\n# TYPE y counter\ny 1\nx 2\n",
            "# TYPE x counter\nx 1\nx 2\n",
            "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
            "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",
            "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n",
            "# TYPE x counter\nx -1\n",
            "x 1",
        ]
        for text in bad:
            with self.subTest(text=text), self.assertRaises((AssertionError, ValueError)):
                parse_exposition(text)

    def test_reads_a_valid_exposition(self):
        fams = parse_exposition('# HELP h a histogram\n# TYPE h histogram\n'
                                'h_bucket{a="x\\"y",le="0.5"} 1\nh_bucket{a="x\\"y",le="+Inf"} 2\n'
                                'h_sum{a="x\\"y"} 3.5\nh_count{a="x\\"y"} 2\n')
        self.assertEqual(value(fams, "h_count", a='x"y'), 2)


class MetricsTest(ServerCase):

    @classmethod
    def setUpClass(cls):
        v = vectors()
        ed0, ed1 = v.key("ed25519_0"), v.key("ed25519_1")
        cls.start_class_server([ed0, ed1], {ed0["public_key_hash"]: POLICY})

    def metrics(self):
        resp = self.server.request("GET", "/metrics", utility=True)
        self.assertEqual(resp.status, 200)
        self.assertTrue(resp.headers["content-type"].startswith("text/plain; version=0.0.4"))
        return parse_exposition(resp.body.decode("utf-8"))

    def test_counters_match_a_scripted_mix_of_requests(self):
        v = vectors()
        ed0 = v.key("ed25519_0")
        pkh, unlisted = ed0["public_key_hash"], v.key("ed25519_1")["public_key_hash"]
        chain = v.consensus[payloads.ATTESTATION]["decoded"]["chain_id"]
        sent = {"ok": 0, "generic_ok": {}, "consensus_ok": {}}

        def generic(op_id, expect):
            resp = self.server.sign(pkh, v.op_hex(op_id))
            self.assertEqual(resp.status, expect, resp)
            if expect == 200:
                sent["ok"] += 1
                for kind in v.operations[op_id]["contents_kinds"]:
                    sent["generic_ok"][kind] = sent["generic_ok"].get(kind, 0) + 1

        for _ in range(3):
            generic("transaction_tz1_to_tz1", 200)
        generic("batch_reveal_transaction", 200)
        generic("delegation_set", 403)  # policy: delegation not allowed
        self.assertEqual(self.server.sign(pkh, payloads.attestation(100, 0)).status, 200)
        self.assertEqual(self.server.sign(pkh, payloads.attestation(100, 0, variant=1)).status, 409)
        self.assertEqual(self.server.sign(pkh, payloads.block(101, 2)).status, 200)
        sent["ok"] += 2
        self.assertEqual(self.server.sign(unlisted, v.op_hex("transaction_tz1_to_tz1")).status, 403)
        self.assertEqual(self.server.sign("tz1NotAHash", v.op_hex("transaction_tz1_to_tz1")).status, 400)
        self.assertEqual(self.server.request("POST", f"/keys/{pkh}", "not json").status, 400)

        m = self.metrics()
        self.assertEqual(m["sign_handler_requests_total"]["type"], "counter")
        self.assertEqual(value(m, "sign_handler_requests_total", address=pkh, status="200"), sent["ok"])
        self.assertEqual(value(m, "sign_handler_requests_total", address=pkh, status="403"), 1)
        self.assertEqual(value(m, "sign_handler_requests_total", address=pkh, status="409"), 1)
        self.assertEqual(value(m, "sign_handler_requests_total", address=pkh, status="400"), 1)
        # A key not listed in `tezos:` and a text that is not a pkh share the one label "unknown".
        self.assertEqual(value(m, "sign_handler_requests_total", address=unlisted, status="403"), 0)
        self.assertEqual(value(m, "sign_handler_requests_total", address="unknown", status="403"), 1)
        self.assertEqual(value(m, "sign_handler_requests_total", address="unknown", status="400"), 1)
        self.assertEqual(value(m, "sign_handler_request_duration_milliseconds_count",
                               address=pkh, status="200"), sent["ok"])
        for kind, n in sent["generic_ok"].items():
            self.assertEqual(value(m, "signing_ops_total", address=pkh, chain_id="", kind=kind,
                                   op="generic", vault="File"), n, kind)
        self.assertEqual(value(m, "signing_ops_total", address=pkh, chain_id=chain,
                               kind="attestation", op="attestation", vault="File"), 1)
        self.assertEqual(value(m, "signing_ops_total", address=pkh, chain_id=chain,
                               kind="block", op="block", vault="File"), 1)
        self.assertEqual(value(m, "consensus_round_total", address=pkh, chain_id=chain,
                               operation_type="attestation", round="0"), 1)
        self.assertEqual(value(m, "consensus_round_total", address=pkh, chain_id=chain,
                               operation_type="block", round="2"), 1)
        self.assertEqual(value(m, "policy_violation_total", address=pkh,
                               operation_type="request", violation_type="delegation"), 1)
        self.assertEqual(value(m, "watermark_rejection_total", address=pkh, chain_id=chain,
                               operation_type="attestation",
                               reason="watermark validation failed"), 1)
        vault_count = sum(val for name, _, val in
                          m["vault_sign_request_duration_milliseconds"]["samples"]
                          if name.endswith("_count"))
        self.assertEqual(vault_count, sent["ok"])
        # Stages: 8 requests were decoded; 7 passed policy; 2 consensus marks were made; 6 signed.
        stage = "signatory_stage_duration_seconds_count"
        self.assertEqual(value(m, stage, stage="decode"), 8)
        self.assertEqual(value(m, stage, stage="policy"), 7)
        self.assertEqual(value(m, stage, stage="watermark"), 2)
        self.assertEqual(value(m, stage, stage="vault"), sent["ok"])
        self.assertEqual(value(m, "signatory_requests_in_flight"), 0)
        self.assertEqual(m["signatory_requests_in_flight"]["type"], "gauge")
        build = m["signatory_build_info"]["samples"]
        self.assertEqual(len(build), 1)
        self.assertEqual(sorted(build[0][1]), ["branch", "checksum", "path", "revision", "version"])
        self.assertEqual(build[0][2], 1)


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def random_tz1():
    """A valid tz1 address for 20 random bytes (base58check, prefix 06 a1 9f, written here
    from the encoding's definition)."""
    data = bytes([0x06, 0xA1, 0x9F]) + os.urandom(20)
    data += hashlib.sha256(hashlib.sha256(data).digest()).digest()[:4]
    n, out = int.from_bytes(data, "big"), ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    return out


class MetricsCardinalityTest(ServerCase):
    """Strangers cannot grow /metrics: whatever pkhs clients send, the series are bounded by
    the configuration (docs/monitoring.md)."""

    def test_random_pkhs_leave_the_series_count_unchanged(self):
        v = vectors()
        ed0 = v.key("ed25519_0")
        server = self.start_test_server([ed0], {ed0["public_key_hash"]: POLICY})

        def series():
            resp = server.request("GET", "/metrics", utility=True)
            self.assertEqual(resp.status, 200)
            fams = parse_exposition(resp.body.decode("utf-8"))
            return {(name, tuple(sorted(labels.items())))
                    for fam in fams.values() for name, labels, _ in fam["samples"]}

        client = KeepAliveClient(server.port)
        self.addCleanup(client.close)
        op = v.op_hex("transaction_tz1_to_tz1")
        # One of each refusal first, so that the series they need exist before counting.
        self.assertEqual(client.sign(random_tz1(), op).status, 403)
        self.assertEqual(client.request("GET", f"/keys/{random_tz1()}").status, 404)
        before = series()
        for _ in range(1500):
            self.assertEqual(client.sign(random_tz1(), op).status, 403)
            self.assertEqual(client.request("GET", f"/keys/{random_tz1()}").status, 404)
        after = series()
        self.assertEqual(after - before, set())
        self.assertEqual(len(after), len(before))
        m = parse_exposition(server.request("GET", "/metrics", utility=True).body.decode())
        self.assertEqual(value(m, "sign_handler_requests_total", address="unknown", status="403"),
                         1501)


class HealthTest(ServerCase):

    def test_a_vault_that_could_not_be_opened_makes_it_unhealthy(self):
        key = vectors().key("ed25519_0")
        server = SignatoryServer([key], {key["public_key_hash"]: POLICY})
        self.addCleanup(server.close)
        text = server.config_path.read_text()
        (server.dir / "broken_keys").write_text("{ this is not a key file")
        broken = f"  broken:\n    driver: file\n    config:\n      file: {server.dir / 'broken_keys'}\n"
        server.config_path.write_text(text.replace("watermark:\n", broken + "watermark:\n", 1))
        server.start()
        resp = server.request("GET", "/healthz", utility=True)
        self.assertEqual(resp.status, 503)
        self.assertEqual(resp.json(), {"ready": False,
                                       "reason": "vault `broken' (file) could not be initialized"})
        self.assertAlive(server)  # the other vault still serves

    def test_a_removed_watermark_log_makes_it_unhealthy(self):
        key = vectors().key("ed25519_0")
        server = self.start_test_server([key], {key["public_key_hash"]: POLICY})
        resp = server.request("GET", "/healthz", utility=True)
        self.assertEqual((resp.status, resp.json()), (200, {"ready": True}))
        files = [p for p in server.base_dir.rglob("*") if p.is_file()]
        self.assertTrue(files, "no watermark file under base_dir")
        for p in files:
            p.unlink()
        resp = server.request("GET", "/healthz", utility=True)
        self.assertEqual(resp.status, 503, resp)
        doc = resp.json()
        self.assertEqual(doc["ready"], False)
        self.assertTrue(doc["reason"].startswith("watermark store: "), doc)


class ReadOnlyWatermarkDirTest(ServerCase):
    """A real read-only mount (the tests run as root, who writes through permission bits): the
    signer runs in a private mount namespace (unshare), where the test bind-mounts the
    watermark directory read-only over itself (nsenter), then removes that mount."""

    def setUp(self):
        super().setUp()
        probe = subprocess.run(["unshare", "-m", "--propagation", "private", "true"],
                               capture_output=True)
        if probe.returncode != 0:
            self.skipTest(f"no mount namespaces here: {probe.stderr.decode().strip()}")

    def in_signer_namespace(self, server, script):
        subprocess.run(["nsenter", "-t", str(server.proc.pid), "-m", "sh", "-c", script],
                       check=True)

    def health(self, server):
        r = server.request("GET", "/healthz", utility=True)
        return r.status, r.json()

    def test_a_read_only_watermark_directory_makes_it_unready_then_recovers(self):
        key = vectors().key("ed25519_0")
        server = SignatoryServer([key], {key["public_key_hash"]: POLICY})
        self.addCleanup(server.close)
        base = server.command
        server.command = lambda binary: ["unshare", "-m", "--propagation", "private",
                                         *base(binary)]
        server.start()
        self.assertEqual(self.health(server), (200, {"ready": True}))
        wm_dir = server.base_dir / "watermark_log"
        self.assertTrue((wm_dir / "marks.log").is_file())
        d = shlex.quote(str(wm_dir))
        self.in_signer_namespace(server, f"mount --bind {d} {d} && mount -o remount,bind,ro {d}")
        status, doc = self.health(server)
        self.assertEqual(status, 503, doc)
        self.assertEqual(doc["ready"], False)
        self.assertTrue(doc["reason"].startswith(
            "watermark store: cannot create files next to the log"), doc)
        self.assertIn("Read-only file system", doc["reason"])
        self.in_signer_namespace(server, f"umount {d}")
        self.assertEqual(self.health(server), (200, {"ready": True}))
        hex_ = payloads.attestation(300, 0)
        self.assertSigned(server.sign(key["public_key_hash"], hex_), key, hex_)

    def test_a_read_only_base_dir_refuses_the_start_with_the_reason(self):
        key = vectors().key("ed25519_0")
        server = SignatoryServer([key], {key["public_key_hash"]: POLICY})
        self.addCleanup(server.close)
        server.base_dir.mkdir(parents=True, exist_ok=True)
        base = server.command
        d = shlex.quote(str(server.base_dir))
        server.command = lambda binary: [
            "unshare", "-m", "--propagation", "private", "sh", "-c",
            f"mount --bind {d} {d} && mount -o remount,bind,ro {d} && exec \"$@\"", "sh",
            *base(binary)]
        self.assertNotEqual(server.run_until_exit(), 0)
        self.assertIn("Read-only file system", server.log_text())
        self.assertIn(str(server.base_dir), server.log_text())


class LogTest(ServerCase):

    def start_with(self, policy, json_log=False):
        key = vectors().key("ed25519_0")
        server = SignatoryServer([key], {key["public_key_hash"]: policy}, log_level="info")
        self.addCleanup(server.close)
        if json_log:
            base = server.command
            server.command = lambda binary: [*base(binary)[:-1], "--json-log", "serve"]
        server.start()
        return server, key

    def test_access_and_sign_lines_without_raw_bytes(self):
        server, key = self.start_with(POLICY)
        hex_ = payloads.attestation(200, 1)
        self.assertSigned(server.sign(key["public_key_hash"], hex_), key, hex_)
        server.stop()
        log = server.log_text()
        access = [l for l in log.splitlines() if f'msg="POST /keys/{key["public_key_hash"]}"' in l]
        self.assertEqual(len(access), 1, log)
        for field in ("method=POST", "status=200", "duration=", "client=127.0.0.1",
                      f"path=/keys/{key['public_key_hash']}"):
            self.assertIn(field, access[0])
        signed = [l for l in log.splitlines() if 'msg="Signed attestation successfully"' in l]
        self.assertEqual(len(signed), 1, log)
        chain = vectors().consensus[payloads.ATTESTATION]["decoded"]["chain_id"]
        for field in (f"pkh={key['public_key_hash']}", "request=attestation", f"chain_id={chain}",
                      "lvl=200", "round=1", '"map[attestation:1]"'):
            self.assertIn(field, signed[0])
        self.assertNotIn(hex_, log)

    def test_raw_bytes_only_with_log_payloads(self):
        server, key = self.start_with(dict(POLICY, log_payloads=True))
        hex_ = vectors().op_hex("transaction_tz1_to_tz1")
        self.assertSigned(server.sign(key["public_key_hash"], hex_), key, hex_)
        server.stop()
        raw = [l for l in server.log_text().splitlines() if "About to sign raw bytes" in l]
        self.assertEqual(len(raw), 1)
        self.assertIn(f"raw={hex_}", raw[0])
        self.assertIn("level=info", raw[0])

    def test_json_log_lines(self):
        server, key = self.start_with(POLICY, json_log=True)
        hex_ = vectors().op_hex("transaction_tz1_to_tz1")
        self.assertSigned(server.sign(key["public_key_hash"], hex_), key, hex_)
        server.stop()
        lines = [json.loads(l) for l in server.log_text().splitlines() if l.strip()]
        self.assertTrue(all({"level", "msg", "time"} <= set(d) for d in lines))
        access = [d for d in lines if d["msg"] == f"POST /keys/{key['public_key_hash']}"]
        self.assertEqual(len(access), 1)
        self.assertEqual((access[0]["status"], access[0]["client"]), ("200", "127.0.0.1"))
        signed = [d for d in lines if d["msg"] == "Signed generic successfully"]
        self.assertEqual(signed[0]["ops"], "map[transaction:1]")
