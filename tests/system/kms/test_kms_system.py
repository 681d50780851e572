"""System tests of the `awskms` vault: the real `signatory-cli list` and `signatory serve`
binaries against our moto-based KMS emulator (kms_emulator.py) on a free 127.0.0.1 port with
SigV4 checking on. Keys are created with boto3; every signature the server returns is verified
here with Python `cryptography` over BLAKE2b-256 of the payload (base58 decoded by this file),
and secp256k1 signatures must be low-S.

Run:  python3 -m unittest discover -s tests/system/kms -p 'test_*.py'
Env:  SIGNATORY_BIN, SIGNATORY_CLI_BIN (default <repo>/build/signatory[-cli]),
      SIGNATORY_TESTDATA (default <repo>/tests/vectors).
Skipped with the reason when python3 lacks moto/boto3/cryptography or a binary is missing.
Only loopback addresses are contacted.
"""

import hashlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(HERE))

try:
    import boto3  # noqa: F401
    import moto  # noqa: F401
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, utils

    import kms_fixture

    MISSING = None
except ImportError as e:  # pragma: no cover - depends on the machine
    MISSING = f"python3 lacks {e.name}: the KMS system tests need moto, boto3 and cryptography"

SIGNATORY_BIN = os.environ.get("SIGNATORY_BIN", str(REPO / "build" / "signatory"))
SIGNATORY_CLI_BIN = os.environ.get("SIGNATORY_CLI_BIN", str(REPO / "build" / "signatory-cli"))
if MISSING is None:
    for b in (SIGNATORY_BIN, SIGNATORY_CLI_BIN):
        if not os.access(b, os.X_OK):
            MISSING = f"binary not found: {b} (set SIGNATORY_BIN / SIGNATORY_CLI_BIN)"

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

# ---- base58check, independent of the signer's code -------------------------------------
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
PREFIX = {
    "tz2": bytes.fromhex("06a1a1"),
    "tz3": bytes.fromhex("06a1a4"),
    "sppk": bytes.fromhex("03fee256"),
    "p2pk": bytes.fromhex("03b28b7f"),
    "spsig1": bytes.fromhex("0d7365133f"),
    "p2sig": bytes.fromhex("36f02c34"),
}


def b58check_encode(prefix, payload):
    data = PREFIX[prefix] + payload
    data += hashlib.sha256(hashlib.sha256(data).digest()).digest()[:4]
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = B58[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b58check_decode(prefix, text):
    n = 0
    for c in text:
        n = n * 58 + B58.index(c)
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    data = b"\0" * (len(text) - len(text.lstrip("1"))) + body
    payload, check = data[:-4], data[-4:]
    assert hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] == check, "bad checksum"
    assert payload.startswith(PREFIX[prefix]), f"{text} is not a {prefix}"
    return payload[len(PREFIX[prefix]):]


class KmsKey:
    """A key created with boto3: its ARN, its `cryptography` public key and Tezos names."""

    def __init__(self, record):
        self.key_id = record["KeyId"]
        self.arn = record["Arn"]
        der = __import__("base64").b64decode(record["PublicKey"])
        self.public = serialization.load_der_public_key(der)
        self.secp256k1 = isinstance(self.public.curve, ec.SECP256K1)
        point = self.public.public_bytes(serialization.Encoding.X962,
                                         serialization.PublicFormat.CompressedPoint)
        digest = hashlib.blake2b(point, digest_size=20).digest()
        self.pkh = b58check_encode("tz2" if self.secp256k1 else "tz3", digest)
        self.pk = b58check_encode("sppk" if self.secp256k1 else "p2pk", point)
        self.sig_prefix = "spsig1" if self.secp256k1 else "p2sig"

    def verify(self, message, signature_b58):
        raw = b58check_decode(self.sig_prefix, signature_b58)
        assert len(raw) == 64, len(raw)
        r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
        digest = hashlib.blake2b(message, digest_size=32).digest()
        self.public.verify(utils.encode_dss_signature(r, s), digest,
                           ec.ECDSA(utils.Prehashed(hashes.SHA256())))
        return s


class EmulatorTestCase(unittest.TestCase):
    """A KMS emulator for the whole class, in a temporary folder (cls.tmp, prefix TMP_PREFIX),
    holding one key per KEY_SPECS entry (cls.keys, KmsKey each, in that order); stopped and
    removed after the class. Subclasses add their own set-up in set_up_class (which may fail:
    the emulator is still stopped) and tear-down in tear_down_class."""
    TMP_PREFIX = "kms-"
    KEY_SPECS = ()

    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix=cls.TMP_PREFIX))
        cls.emulator, cls.endpoint = kms_fixture.start_emulator(str(cls.tmp / "emulator.log"))
        try:
            cls.user, _ = kms_fixture.bootstrap(cls.endpoint)
            kms = kms_fixture.kms(cls.endpoint, cls.user)
            records = kms_fixture.run_ops(kms, [("create-key", spec) for spec in cls.KEY_SPECS])
            cls.keys = [KmsKey(record) for record in records]
            cls.set_up_class()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def set_up_class(cls):
        pass

    @classmethod
    def tear_down_class(cls):
        pass

    @classmethod
    def tearDownClass(cls):
        try:
            cls.tear_down_class()
        finally:
            if cls.emulator.poll() is None:
                cls.emulator.kill()
                cls.emulator.wait()
            shutil.rmtree(cls.tmp, ignore_errors=True)


def testdata_dir():
    env = os.environ.get("SIGNATORY_TESTDATA")
    return Path(env) if env else REPO / "tests" / "vectors"


def transaction_payloads(count, seed):
    """`count` distinct generic transaction payloads: a test vector with random branches."""
    with open(testdata_dir() / "tezos" / "operations.json", encoding="utf-8") as f:
        ops = {o["id"]: o for o in json.load(f)["operations"]}
    base = bytes.fromhex(ops["transaction_tz1_to_tz1"]["signing_bytes_hex"])
    assert base[0] == 0x03
    rng = random.Random(seed)
    return [base[:1] + rng.randbytes(32) + base[33:] for _ in range(count)]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class Signer:
    """One signatory config in a temporary directory; runs `signatory-cli list` or a server."""

    def __init__(self, endpoint, creds, keys, extra=None):
        self.dir = Path(tempfile.mkdtemp(prefix="signatory-kms-"))
        self.port, self.utility_port = free_port(), free_port()
        while self.utility_port == self.port:
            self.utility_port = free_port()
        config = {"region": kms_fixture.REGION, "endpoint": endpoint,
                  "access_key_id": creds["access_key_id"],
                  "secret_access_key": creds["secret_access_key"],
                  "timeout": "3s", "connect_timeout": "2s", "max_attempts": 2}
        if creds.get("session_token"):
            config["session_token"] = creds["session_token"]
        config.update(extra or {})
        lines = [f"base_dir: {json.dumps(str(self.dir / 'base'))}", "server:",
                 f"  address: 127.0.0.1:{self.port}",
                 f"  utility_address: 127.0.0.1:{self.utility_port}",
                 "vaults:", "  awskms:", "    driver: awskms", "    config:"]
        lines += [f"      {k}: {json.dumps(v)}" for k, v in config.items()]
        lines += ["tezos:"]
        for k in keys:
            lines += [f"  {k.pkh}:", "    allow:", "      generic: [transaction]"]
        self.config = self.dir / "signatory.yaml"
        self.config.write_text("\n".join(lines) + "\n")
        self.log_path = self.dir / "signatory.log"
        self.proc = None
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith("AWS_")}  # nothing but the config decides
        self.env["AWS_EC2_METADATA_DISABLED"] = "true"
        self.env["HOME"] = str(self.dir)

    def cli_list(self):
        return subprocess.run([SIGNATORY_CLI_BIN, "-c", str(self.config), "list"],
                              capture_output=True, text=True, timeout=120, env=self.env,
                              stdin=subprocess.DEVNULL)

    def start(self, *flags):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([SIGNATORY_BIN, "-c", str(self.config), *flags, "serve"],
                                     stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                     env=self.env)
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"signatory exited with {self.proc.returncode}:\n{self.log()}")
            if port_open(self.port) and port_open(self.utility_port):
                return self
            time.sleep(0.1)
        raise RuntimeError(f"signatory not listening after 60 s:\n{self.log()}")

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def sign(self, pkh, message):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("POST", f"/keys/{pkh}", body=json.dumps(message.hex()),
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read().decode())
        finally:
            conn.close()

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def error_msg(body):
    assert isinstance(body, list) and body and "msg" in body[0], body
    return body[0]["msg"]


@unittest.skipIf(MISSING is not None, MISSING or "")
class KmsSystemTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="kms-emulator-"))
        cls.emulator, cls.endpoint = kms_fixture.start_emulator(str(cls.tmp / "emulator.log"))
        try:
            cls.user, cls.session = kms_fixture.bootstrap(cls.endpoint)
            cls.kms = kms_fixture.kms(cls.endpoint, cls.user)
            records = kms_fixture.run_ops(cls.kms, [
                ("create-key", "ECC_SECG_P256K1"), ("create-key", "ECC_NIST_P256"),
                ("create-key", "SYMMETRIC_DEFAULT"), ("create-key", "ECC_NIST_P384"),
            ])
        except Exception:
            cls.tearDownClass()
            raise
        cls.k1, cls.p256 = KmsKey(records[0]), KmsKey(records[1])
        cls.symmetric_arn, cls.p384_arn = records[2]["Arn"], records[3]["Arn"]

    @classmethod
    def tearDownClass(cls):
        if cls.emulator.poll() is None:
            os.kill(cls.emulator.pid, signal.SIGCONT)
            cls.emulator.kill()
            cls.emulator.wait()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.signers = []

    def tearDown(self):
        for s in self.signers:
            s.close()

    def signer(self, creds, keys, extra=None):
        s = Signer(self.endpoint, creds, keys, extra)
        self.signers.append(s)
        return s

    def new_keys(self, *specs):
        return [KmsKey(r) for r in kms_fixture.run_ops(self.kms, [("create-key", s) for s in specs])]

    def assert_signs(self, server, key, payloads):
        for m in payloads:
            status, body = server.sign(key.pkh, m)
            self.assertEqual(status, 200, body)
            s = key.verify(m, body["signature"])
            if key.secp256k1:
                self.assertLessEqual(s, SECP256K1_N // 2, "secp256k1 signature is high-S")

    # ---- tests -------------------------------------------------------------------------
    def test_cli_list_shows_both_curves_and_skips_the_rest(self):
        out = self.signer(self.user, [self.k1, self.p256]).cli_list()
        self.assertEqual(out.returncode, 0, out.stderr)
        # The layout (current or legacy columns) is the CLI's business; the values are ours.
        for key in (self.k1, self.p256):
            self.assertRegex(out.stdout, rf"Public Key Hash: +{key.pkh}\n")
            self.assertRegex(out.stdout, rf"(Reference|ID): +{re.escape(key.arn)}\n")
            if "Public Key: " in out.stdout:
                self.assertRegex(out.stdout, rf"Public Key: +{key.pk}\n")
        self.assertEqual(len(re.findall(r"Vault: +AWSKMS\n", out.stdout)),
                         out.stdout.count("Public Key Hash:"))
        self.assertNotIn(self.symmetric_arn, out.stdout)
        self.assertNotIn(self.p384_arn, out.stdout)
        # One warning each for the symmetric and the P-384 key, naming them.
        self.assertIn(self.symmetric_arn, out.stderr)
        self.assertIn(self.p384_arn, out.stderr)
        self.assertNotIn(self.user["secret_access_key"], out.stdout + out.stderr)

    def test_server_signs_twenty_payloads_per_key(self):
        server = self.signer(self.user, [self.k1, self.p256]).start()
        for i, key in enumerate((self.k1, self.p256)):
            self.assert_signs(server, key, transaction_payloads(20, seed=i))
        log = server.log()
        self.assertNotIn(self.user["secret_access_key"], log)

    def test_session_token_credentials(self):
        server = self.signer(self.session, [self.k1, self.p256]).start()
        for key in (self.k1, self.p256):
            self.assert_signs(server, key, transaction_payloads(3, seed=7))
        self.assertNotIn(self.session["session_token"], server.log())
        self.assertNotIn(self.session["secret_access_key"], server.log())

    def test_wrong_secret_is_refused_with_a_clear_error(self):
        bad = dict(self.user, secret_access_key="wrong" + self.user["secret_access_key"][5:])
        out = self.signer(bad, [self.k1]).cli_list()
        text = out.stdout + out.stderr
        self.assertIn("SignatureDoesNotMatch", text)
        self.assertNotIn(bad["secret_access_key"], text)
        # The server still starts (as Signatory, a vault that cannot list does not stop it),
        # logs why the listing failed, and a sign request gets a 403 naming the cause.
        server = self.signer(bad, [self.k1]).start()
        self.assertIn("SignatureDoesNotMatch", server.log())
        status, body = server.sign(self.k1.pkh, transaction_payloads(1, seed=3)[0])
        self.assertEqual(status, 403, body)
        self.assertIn("SignatureDoesNotMatch", error_msg(body))
        self.assertNotIn(bad["secret_access_key"], server.log())

    def test_disabled_and_pending_deletion_keys(self):
        disabled, pending, good = self.new_keys("ECC_NIST_P256", "ECC_SECG_P256K1", "ECC_NIST_P256")
        keys = [disabled, pending, good]
        server = self.signer(self.user, keys).start()
        payload = transaction_payloads(1, seed=11)[0]
        for key in keys:  # all usable, and listed (cached) by the server
            self.assert_signs(server, key, [payload])
        kms_fixture.run_ops(self.kms, [("disable-key", disabled.key_id),
                                       ("schedule-deletion", pending.key_id)])
        status, body = server.sign(disabled.pkh, payload)
        self.assertEqual(status, 403, body)
        self.assertIn("DisabledException", error_msg(body))
        status, body = server.sign(pending.pkh, payload)
        self.assertEqual(status, 403, body)
        self.assertIn("KMSInvalidStateException", error_msg(body))
        self.assert_signs(server, good, [payload])
        # A fresh listing skips both with a warning; the good key is still there.
        out = self.signer(self.user, keys).cli_list()
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(good.arn, out.stdout)
        self.assertNotIn(disabled.arn, out.stdout)
        self.assertNotIn(pending.arn, out.stdout)
        self.assertIn("DisabledException", out.stderr)
        self.assertIn("KMSInvalidStateException", out.stderr)

    def test_emulator_that_stops_answering(self):
        server = self.signer(self.user, [self.k1, self.p256]).start()
        payload = transaction_payloads(1, seed=5)[0]
        self.assert_signs(server, self.p256, [payload])
        os.kill(self.emulator.pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            status, body = server.sign(self.p256.pkh, payload)
            elapsed = time.monotonic() - started
        finally:
            os.kill(self.emulator.pid, signal.SIGCONT)
        self.assertEqual(status, 504, body)
        self.assertIn("did not answer in time", error_msg(body))
        self.assertLess(elapsed, 20)  # timeout 3 s × 2 attempts, plus backoff
        # Back to normal once it answers again; both keys still work.
        self.assert_signs(server, self.p256, [payload])
        self.assert_signs(server, self.k1, [payload])


if __name__ == "__main__":
    unittest.main()
