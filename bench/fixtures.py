"""The processes the benchmark runs against, and their set-up: the signer (a `signatory serve`
with file keys, the file watermark and, when moto is there, an awskms vault on the KMS
emulator), nginx replying the signer's own bytes, the KMS emulator and its pre-signed Sign
request, and the attestation keys made by `signatory-cli generate`. Everything listens on
127.0.0.1; close() stops every process started here (also on failure) and removes the work
directory unless --keep."""

import base64
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from measure import log
from workload import ATTESTATION_KEYS, GENERIC_OPS, LOCAL_KEYS

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests" / "system"))
sys.path.insert(0, str(REPO / "tests" / "system" / "kms"))

import harness  # noqa: E402


def free_port():
    return harness.free_port()


def wait_port(port, proc=None, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


class Fixtures:
    def __init__(self, args, notes):
        self.args = args
        self.notes = notes  # where a skipped part is explained (Results.notes)
        self.build = Path(args.build_dir).resolve()
        self.signatory = self.build / "signatory"
        self.cli = self.build / "signatory-cli"
        self.bench_crypto = self.build / "bench" / "bench_crypto"
        self.bench_fdatasync = self.build / "bench" / "bench_fdatasync"
        self.bench_http_probe = self.build / "bench" / "bench_http_probe"
        self.work = Path(tempfile.mkdtemp(prefix="signatory-bench-", dir=args.workdir))
        self.procs = []  # (name, Popen) started here, stopped in close()
        self.server = None
        self.vectors = harness.vectors()

    def spawn(self, name, cmd, **kw):
        logf = open(self.work / f"{name}.log", "ab")
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, **kw)
        logf.close()
        self.procs.append((name, proc))
        return proc

    def close(self):
        if self.server is not None:
            try:
                self.server.stop()
            finally:
                self.server.kill()
        for name, proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    if name == "kms-emulator":  # started in its own session with its children
                        os.killpg(proc.pid, signal.SIGTERM)
                    else:
                        proc.terminate()
                    proc.wait(10)
                except (subprocess.TimeoutExpired, ProcessLookupError):
                    proc.kill()
                    proc.wait()
        if not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)
        else:
            log(f"kept {self.work}")

    def generic_bodies(self):
        return [json.dumps(self.vectors.op_hex(op)) for op in GENERIC_OPS]

    def generate_attestation_keys(self):
        """16 fresh tz1 keys from `signatory-cli generate` (our own key generation)."""
        d = self.work / "gen"
        d.mkdir()
        (d / "secret_keys").write_text("[]")
        (d / "c.yaml").write_text(
            f"base_dir: {json.dumps(str(d / 'base'))}\nvaults:\n  local:\n    driver: file\n"
            f"    config:\n      file: {json.dumps(str(d / 'secret_keys'))}\n")
        subprocess.run([str(self.cli), "-c", str(d / "c.yaml"), "generate", "-v", "local", "-t",
                        "tz1", "-n", str(ATTESTATION_KEYS)], check=True, capture_output=True,
                       timeout=60)
        keys = []
        for rec in json.loads((d / "secret_keys").read_text()):
            keys.append({"id": rec["name"], "secret_key": rec["value"].split(":", 1)[1]})
        return keys

    def start_kms(self):
        """Starts the emulator and creates one P-256 and one secp256k1 key. None without moto."""
        try:
            import boto3  # noqa: F401
            import moto  # noqa: F401
            import kms_fixture
        except ImportError as e:
            self.notes.append(f"KMS rows skipped: python3 lacks {e.name} (moto, boto3)")
            return None
        proc, endpoint = kms_fixture.start_emulator(str(self.work / "kms-emulator.log"))
        self.procs.append(("kms-emulator", proc))
        user, _session = kms_fixture.bootstrap(endpoint)
        client = kms_fixture.kms(endpoint, user)
        keys = {"tz3": kms_fixture.create_key(client, "ECC_NIST_P256"),
                "tz2": kms_fixture.create_key(client, "ECC_SECG_P256K1")}
        return {"endpoint": endpoint, "user": user, "keys": keys, "fixture": kms_fixture}

    def kms_config_lines(self, kms):
        cfg = {"region": kms["fixture"].REGION, "endpoint": kms["endpoint"],
               "access_key_id": kms["user"]["access_key_id"],
               "secret_access_key": kms["user"]["secret_access_key"],
               "timeout": "5s", "connect_timeout": "2s", "max_attempts": 1}
        return ["  kms:", "    driver: awskms", "    config:"] + \
               [f"      {k}: {json.dumps(v)}" for k, v in cfg.items()]

    def kms_pkhs(self, kms):
        """tz3/tz2 pkhs of the KMS keys, as `signatory-cli list` names them."""
        d = self.work / "kmslist"
        d.mkdir()
        cfg = d / "c.yaml"
        cfg.write_text("\n".join([f"base_dir: {json.dumps(str(d / 'base'))}", "vaults:"] +
                                 self.kms_config_lines(kms)) + "\n")
        out = subprocess.run([str(self.cli), "-c", str(cfg), "list", "--format", "json"],
                             check=True, capture_output=True, text=True, timeout=120)
        pkhs = {}
        for entry in json.loads(out.stdout):
            pkhs[entry["public_key_hash"][:3]] = entry["public_key_hash"]
        return pkhs

    def start_signer(self, attestation_keys, kms, kms_pkhs):
        local = [self.vectors.key(k) for k in LOCAL_KEYS.values()] + attestation_keys
        policy = harness.everything_policy()
        policies = {self.vectors.key(k)["public_key_hash"]: policy for k in LOCAL_KEYS.values()}
        for k in attestation_keys:
            policies[k["id"]] = policy
        for pkh in kms_pkhs.values():
            policies[pkh] = policy
        extra = self.kms_config_lines(kms) if kms else []

        class BenchServer(harness.SignatoryServer):
            def write_files(self):
                super().write_files()
                if extra:
                    text = self.config_path.read_text()
                    text = text.replace("watermark:\n", "\n".join(extra) + "\nwatermark:\n", 1)
                    self.config_path.write_text(text)

        os.environ["SIGNATORY_BIN"] = str(self.signatory)
        for k in list(os.environ):
            if k.startswith("AWS_"):
                del os.environ[k]
        os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
        (self.work / "signer").mkdir()
        server = BenchServer(local, policies, workdir=self.work / "signer", log_level="info")
        self.server = server.start()
        return server

    def start_nginx(self, get_body, post_body):
        d = self.work / "nginx"
        d.mkdir()
        port = free_port()
        for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (d / sub).mkdir()
        assert "'" not in get_body and "'" not in post_body
        (d / "nginx.conf").write_text(f"""
# Anchor for the HTTP stack: same core budget as the signer (2 workers), keep-alive without a
# request limit, no access log, replies from memory (no file I/O).
worker_processes 2;
daemon off;
master_process on;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  keepalive_requests 1000000000;
  keepalive_timeout 120s;
  client_body_temp_path {d}/client_body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  client_body_buffer_size 16k;
  server {{
    listen 127.0.0.1:{port};
    location /get {{ default_type application/json; return 200 '{get_body}'; }}
    location /sign {{ default_type application/json; return 200 '{post_body}'; }}
  }}
}}
""")
        proc = self.spawn("nginx", ["nginx", "-p", str(d), "-c", str(d / "nginx.conf")])
        wait_port(port, proc)
        return port, proc

    def presigned_kms_sign(self, kms, tz):
        """A SigV4-signed KMS Sign request (the DIGEST form the signer sends), for replay."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        digest = hashlib.blake2b(bytes.fromhex(self.vectors.op_hex(GENERIC_OPS[0])),
                                 digest_size=32).digest()
        body = json.dumps({"KeyId": kms["keys"][tz]["KeyId"], "Message":
                           base64.b64encode(digest).decode(), "MessageType": "DIGEST",
                           "SigningAlgorithm": "ECDSA_SHA_256"})
        req = AWSRequest(method="POST", url=kms["endpoint"] + "/", data=body,
                         headers={"Content-Type": "application/x-amz-json-1.1",
                                  "X-Amz-Target": "TrentService.Sign"})
        creds = Credentials(kms["user"]["access_key_id"], kms["user"]["secret_access_key"])
        SigV4Auth(creds, "kms", kms["fixture"].REGION).add_auth(req)
        headers = {k: v for k, v in req.headers.items()}
        headers["Host"] = kms["endpoint"].split("//", 1)[1]
        # One check that the emulator accepts the replayed request.
        check = urllib.request.Request(kms["endpoint"] + "/", data=body.encode(), method="POST",
                                       headers=headers)
        with urllib.request.urlopen(check, timeout=10) as resp:
            if "Signature" not in json.loads(resp.read()):
                raise RuntimeError("the emulator did not sign the pre-signed request")
        return headers, body
