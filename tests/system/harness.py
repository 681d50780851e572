"""Start, stop and talk to a real `signatory` server for black-box system tests.

One `SignatoryServer` owns one temporary directory holding its config file, its file
vault (octez `secret_keys` JSON), its base_dir (watermarks) and its log. It binds
127.0.0.1 only, on free ports, and `stop()`/`close()` always end the process it started.
Test vectors are read at run time from tests/vectors (see its README).

Not thread-safe as an object, except `request()`/`sign()`, which open one connection per
call and may be used from several threads at once.
"""

import atexit
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 12.0  # Signatory's graceful shutdown allows 10 s
HTTP_TIMEOUT_S = 10.0


def server_binary():
    return os.environ.get("SIGNATORY_BIN", str(REPO / "build" / "signatory"))


def testdata_dir():
    """Directory holding the test vectors (env SIGNATORY_TESTDATA, else <repo>/tests/vectors)."""
    env = os.environ.get("SIGNATORY_TESTDATA")
    path = Path(env) if env else REPO / "tests" / "vectors"
    if not (path / "tezos" / "keys.json").is_file():
        raise RuntimeError(f"test vectors not found in {path} (set SIGNATORY_TESTDATA)")
    return path


def body_limit():
    """Largest accepted request body, in bytes (the server's documented 1 MiB limit)."""
    return int(os.environ.get("SIGNATORY_BODY_LIMIT", str(1024 * 1024)))


class Vectors:
    """The Tezos test vectors (tests/vectors/tezos), indexed by id."""

    def __init__(self):
        base = testdata_dir() / "tezos"

        def load(name):
            with open(base / name, encoding="utf-8") as f:
                return json.load(f)

        self.keys = {k["id"]: k for k in load("keys.json")["keys"]}
        consensus = load("consensus.json")
        self.chains = consensus["chains"]
        self.blocks = {b["id"]: b for b in consensus["blocks"]}
        self.consensus = {c["id"]: c for c in consensus["consensus_operations"]}
        self.operations = {o["id"]: o for o in load("operations.json")["operations"]}
        extra = load("operations-extra.json")
        self.malformed = [n for n in extra["negative"] if n.get("expect_error")]
        self.signatures = {(s["key_id"], s["message_kind"]): s
                           for s in load("signatures.json")["vectors"]}

    def key(self, key_id):
        return self.keys[key_id]

    def op_hex(self, op_id):
        return self.operations[op_id]["signing_bytes_hex"]


_VECTORS = None


def vectors():
    global _VECTORS
    if _VECTORS is None:
        _VECTORS = Vectors()
    return _VECTORS


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_log(path):
    """The text of a process's log file ("" if it cannot be read)."""
    try:
        return Path(path).read_text(errors="replace")
    except OSError:
        return ""


def _port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class Response:
    """One HTTP answer: status, lower-cased headers, raw body and (lazily) its JSON."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def error_msg(self):
        """The `msg` of a Tezos JSON error body `[{"id":"failure","kind":"temporary","msg":…}]`."""
        doc = self.json()
        assert isinstance(doc, list) and len(doc) == 1, f"not a tezos error body: {self.body!r}"
        assert doc[0].get("id") == "failure" and doc[0].get("kind") == "temporary", self.body
        return doc[0]["msg"]

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


def _yaml_str(value):
    return json.dumps(value)  # a JSON string is a valid YAML double-quoted scalar


def render_policy(pkh, policy, indent="  "):
    """YAML lines for one `tezos:` entry. policy None → null (default policy)."""
    if policy is None:
        return [f"{indent}{pkh}:"]
    if not policy:
        return [f"{indent}{pkh}: {{}}"]
    lines = [f"{indent}{pkh}:"]
    inner = indent * 2
    if "allow" in policy:
        lines.append(f"{inner}allow:")
        for kind, ops in policy["allow"].items():
            if ops is None:
                lines.append(f"{inner}{indent}{kind}:")
            elif not ops:
                lines.append(f"{inner}{indent}{kind}: []")
            else:
                lines.append(f"{inner}{indent}{kind}: [{', '.join(_yaml_str(o) for o in ops)}]")
    for field in ("allowed_chains", "allowed_operations", "allowed_kinds", "authorized_keys",
                  "jwt_users"):
        if field in policy:
            lines.append(f"{inner}{field}: [{', '.join(_yaml_str(c) for c in policy[field])}]")
    if "log_payloads" in policy:
        lines.append(f"{inner}log_payloads: {'true' if policy['log_payloads'] else 'false'}")
    return lines


def everything_policy(generic=("transaction", "reveal", "delegation", "origination")):
    """A policy allowing consensus requests and the given generic operation kinds."""
    return {"allow": {"generic": list(generic), "block": None,
                      "preattestation": None, "attestation": None,
                      "attestation_with_dal": None}}


class SignatoryServer:
    """A real `signatory serve` process with a file vault and a file watermark."""

    def __init__(self, vault_keys, policies, workdir=None, log_level="debug", watermark=None,
                 server_lines=(), vault_lines=()):
        """vault_keys: key records (keys.json) put in the file vault.
        policies: {pkh: policy dict or None} written under `tezos:` in config order.
        watermark: None (the file driver) or {"driver": name, "config": {key: scalar}}.
        server_lines: extra YAML lines under `server:` (indented by two spaces), e.g.
        authorized_keys, jwt or tls.
        vault_lines: more vaults, YAML lines under `vaults:` after the file vault `local`
        (indented by two spaces)."""
        self.watermark = watermark
        self.server_lines = list(server_lines)
        self.vault_lines = list(vault_lines)
        # An ssl.SSLContext: requests to both servers then go over HTTPS.
        self.tls_context = None
        self.vault_keys = list(vault_keys)
        self.policies = dict(policies)
        self.log_level = log_level
        self._own_dir = workdir is None
        self.dir = Path(workdir or tempfile.mkdtemp(prefix="signatory-systest-"))
        self.base_dir = self.dir / "base"
        self.config_path = self.dir / "signatory.yaml"
        self.vault_path = self.dir / "secret_keys"
        self.log_path = self.dir / "signatory.log"
        self.port = free_port()
        self.utility_port = free_port()
        while self.utility_port == self.port:
            self.utility_port = free_port()
        self.proc = None
        self._log = None
        self.flags_after_subcommand = False
        self.env = None  # the server's environment (None: this process's)
        self.write_files()

    # ---- files -------------------------------------------------------------------
    def write_files(self):
        secret_keys = [{"name": k["id"], "value": "unencrypted:" + k["secret_key"]}
                       for k in self.vault_keys]
        self.vault_path.write_text(json.dumps(secret_keys, indent=2))
        lines = [
            f"base_dir: {_yaml_str(str(self.base_dir))}",
            "server:",
            f"  address: 127.0.0.1:{self.port}",
            f"  utility_address: 127.0.0.1:{self.utility_port}",
            *self.server_lines,
            "vaults:",
            "  local:",
            "    driver: file",
            "    config:",
            f"      file: {_yaml_str(str(self.vault_path))}",
            *self.vault_lines,
            "watermark:",
        ]
        wm = self.watermark or {"driver": "file"}
        lines.append(f"  driver: {_yaml_str(wm['driver'])}")
        if wm.get("config"):
            lines.append("  config:")
            lines.extend(f"    {k}: {_yaml_str(str(v))}" for k, v in wm["config"].items())
        lines.append("tezos:")
        for pkh, policy in self.policies.items():
            lines.extend(render_policy(pkh, policy, "  "))
        self.config_path.write_text("\n".join(lines) + "\n")

    # ---- process -----------------------------------------------------------------
    def command(self, binary):
        """The command line. Global flags go before `serve` (valid for Signatory's cobra
        CLI either way); `flags_after_subcommand` puts them after it instead."""
        flags = ["-c", str(self.config_path), "--base-dir", str(self.base_dir),
                 "--log", self.log_level]
        if self.flags_after_subcommand:
            return [binary, "serve", *flags]
        return [binary, *flags, "serve"]

    def start(self):
        assert self.proc is None, "already running"
        binary = server_binary()
        if not os.access(binary, os.X_OK):
            raise RuntimeError(f"server binary not found: {binary} (set SIGNATORY_BIN)")
        self._log = open(self.log_path, "ab")
        self._log_start = self._log.tell()
        self.proc = subprocess.Popen(self.command(binary), stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=self._log, env=self.env)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                rc = self.proc.returncode
                self._reap()
                raise RuntimeError(f"signatory exited with {rc} during startup:\n{self.log_tail()}")
            if _port_open(self.port) and _port_open(self.utility_port):
                return self
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"signatory not listening after {START_TIMEOUT_S}s:\n{self.log_tail()}")

    def run_until_exit(self, timeout=START_TIMEOUT_S):
        """Start and wait for the process to exit by itself (for configs that must be
        refused). Returns the exit code, or None if it was still running (then killed)."""
        binary = server_binary()
        with open(self.log_path, "ab") as log:
            proc = subprocess.Popen(self.command(binary), stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=log)
            try:
                return proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                return None

    def stop(self):
        """SIGTERM and wait; returns the exit code (None if it had to be killed)."""
        if self.proc is None:
            return None
        rc = None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        else:
            rc = self.proc.returncode
        self._reap()
        return rc

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._reap()

    def _reap(self):
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def close(self):
        """Stop the process (forcefully if needed) and remove the temporary directory."""
        try:
            self.stop()
        finally:
            self.kill()
            if self._own_dir:
                shutil.rmtree(self.dir, ignore_errors=True)

    def log_text(self):
        return read_log(self.log_path)

    def log_tail(self, lines=30):
        return "\n".join(self.log_text().splitlines()[-lines:])

    # ---- HTTP --------------------------------------------------------------------
    def request(self, method, path, body=None, headers=None, utility=False, tls_context=None):
        port = self.utility_port if utility else self.port
        context = tls_context or self.tls_context
        if context is not None:
            conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT_S,
                                               context=context)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT_S)
        try:
            if isinstance(body, str):
                body = body.encode("utf-8")
            hdrs = dict(headers or {})
            if body is not None and "Content-Type" not in hdrs:
                hdrs["Content-Type"] = "application/json"
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            return Response(resp.status, resp.getheaders(), resp.read())
        finally:
            conn.close()

    def sign(self, pkh, message_hex, query="", headers=None):
        return self.request("POST", f"/keys/{pkh}{query}", json.dumps(message_hex),
                            headers=headers)

    def public_key(self, pkh):
        return self.request("GET", f"/keys/{pkh}")


class KeepAliveClient:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1:port for tests that send many requests;
    a new connection is opened after the server closes one or a request fails (the failure is
    raised, never retried). Not thread-safe: one client per thread."""

    def __init__(self, port, timeout=HTTP_TIMEOUT_S):
        self.port = port
        self.timeout = timeout
        self.conn = None

    def request(self, method, path, body=None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = {"Content-Type": "application/json"} if body is not None else {}
        try:
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
            out = Response(resp.status, resp.getheaders(), resp.read())
        except BaseException:
            self.close()
            raise
        if out.headers.get("connection", "").lower() == "close":
            self.close()
        return out

    def sign(self, pkh, message_hex):
        return self.request("POST", f"/keys/{pkh}", json.dumps(message_hex))

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


_VERIFIER = None
_VERIFIER_LOCK = threading.Lock()


def _close_verifier():
    global _VERIFIER
    if _VERIFIER is not None:
        _VERIFIER.stdin.close()
        try:
            _VERIFIER.wait(10)
        except subprocess.TimeoutExpired:
            _VERIFIER.kill()
            _VERIFIER.wait()
        _VERIFIER = None


def verify_with_taquito(items):
    """Verify signatures with @taquito/utils 25 `verifySignature` (one node process for
    the whole run, see verify.mjs).

    items: list of (message_hex, public_key, signature). Returns a list of booleans.
    Raises RuntimeError if node or the npm packages are missing (run `npm ci` here)."""
    global _VERIFIER
    if not (HERE / "node_modules" / "@taquito" / "utils").is_dir():
        raise RuntimeError("tests/system/node_modules missing: run `npm ci` in tests/system")
    request = json.dumps([{"message_hex": m, "public_key": p, "signature": s}
                          for m, p, s in items])
    with _VERIFIER_LOCK:
        if _VERIFIER is None or _VERIFIER.poll() is not None:
            _VERIFIER = subprocess.Popen(["node", str(HERE / "verify.mjs")], cwd=HERE,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         text=True)
            atexit.register(_close_verifier)
        _VERIFIER.stdin.write(request + "\n")
        _VERIFIER.stdin.flush()
        answer = _VERIFIER.stdout.readline()
    if not answer:
        raise RuntimeError("verify.mjs stopped without answering")
    results = json.loads(answer)
    if len(results) != len(items):
        raise RuntimeError("verify.mjs answered for a different number of signatures")
    return results
