"""System tests of `signatory-cli watermark set-floor | export | import` against the real server.

The CLI works on a server's base_dir while that server is stopped (the `file` store is locked
while it runs). Checked end to end: a floor set with the CLI refuses every request at or below
its level (any round, each kind) and lets level floor+1 through; marks exported from one
signer and imported into another make the second refuse what the first signed (identical
bytes get the first signer's very signature back); octez-signer `*_high_watermark` files and a
Signatory `watermark_v2/` directory imported with the CLI hold on the server; the CLI refuses
to touch the store of a running server. Requests come from payloads.py (consensus.json);
octez files are written here in octez's layout with hashlib's blake2b of the request.
"""

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

import payloads
from harness import REPO, SignatoryServer, server_binary, vectors
from server_case import ServerCase

KEYS = ("ed25519_0", "secp256k1_0", "p256_0", "ed25519_1")
POLICY = {"allow": {"generic": ["transaction"], "block": None, "preattestation": None,
                    "attestation": None, "attestation_with_dal": None}}
REFUSED = "watermark validation failed"
CLI_TIMEOUT_S = 60


def cli_binary():
    env = os.environ.get("SIGNATORY_CLI_BIN")
    if env:
        return env
    sibling = Path(server_binary()).with_name("signatory-cli")
    return str(sibling if sibling.exists() else REPO / "build" / "signatory-cli")


def _server():
    v = vectors()
    return SignatoryServer([v.key(k) for k in KEYS],
                           {v.key(k)["public_key_hash"]: POLICY for k in KEYS})


def mainnet():
    return vectors().chains["mainnet"]["chain_id"]


class WatermarkCliCase(ServerCase):

    def setUp(self):
        super().setUp()
        if not os.access(cli_binary(), os.X_OK):
            self.skipTest(f"signatory-cli not found: {cli_binary()} (set SIGNATORY_CLI_BIN)")

    def cli(self, server, *args, check=True):
        """Runs signatory-cli on `server`'s config and base_dir; returns CompletedProcess."""
        cmd = [cli_binary(), "-c", str(server.config_path), "--base-dir", str(server.base_dir),
               "--log", "warn", *args]
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=CLI_TIMEOUT_S)
        if check:
            self.assertEqual(proc.returncode, 0, f"{cmd}: {proc.stderr}")
        return proc

    def server(self):
        server = _server()
        self.addCleanup(server.close)
        return server

    def refused(self, server, key, message_hex):
        self.assertTezosError(server.sign(key["public_key_hash"], message_hex), 409, REFUSED)


class SetFloorTest(WatermarkCliCase):

    def test_floor_holds_on_the_server(self):
        v = vectors()
        key, other = v.key("secp256k1_0"), v.key("ed25519_1")
        server = self.server()
        out = self.cli(server, "watermark", "set-floor", "--pkh", key["public_key_hash"],
                       "--chain", mainnet(), "--level", "5000").stdout
        self.assertEqual(out.count("floor set"), 3, out)
        server.start()
        for make in (payloads.attestation, payloads.preattestation, payloads.block):
            with self.subTest(kind=make.__name__):
                for level, round_ in ((5000, 0), (5000, 1), (5000, 99999), (4999, 7), (1, 0)):
                    self.refused(server, key, make(level, round_))
                self.sign_ok(key, make(5001, 0), server)
        # Other key, other chain: no floor.
        self.sign_ok(other, payloads.attestation(5000), server)
        self.sign_ok(key, payloads.attestation(5000, chain="ghostnet"), server)

    def test_floor_of_one_kind_and_floor_over_an_existing_mark(self):
        v = vectors()
        key = v.key("p256_0")
        server = self.server()
        server.start()
        self.sign_ok(key, payloads.block(7000, 2), server)
        self.sign_ok(key, payloads.attestation(100), server)
        # The CLI refuses to touch the store of a running signer, and says what to do.
        proc = self.cli(server, "watermark", "set-floor", "--pkh", key["public_key_hash"],
                        "--chain", mainnet(), "--level", "7000", "--kind", "block", check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("is in use by another signer", proc.stderr)
        self.assertIn("Stop the signer", proc.stderr)
        self.assertEqual(server.stop(), 0, server.log_tail())

        self.cli(server, "watermark", "set-floor", "--pkh", key["public_key_hash"], "--chain",
                 mainnet(), "--level", "7000", "--kind", "block")
        server.start()
        # The signed (7000, 2) mark was raised to the whole level 7000...
        self.refused(server, key, payloads.block(7000, 3))
        self.refused(server, key, payloads.block(7000, 2))
        self.sign_ok(key, payloads.block(7001, 0), server)
        # ...and attestations keep their own mark.
        self.sign_ok(key, payloads.attestation(101), server)


class ExportImportTest(WatermarkCliCase):

    def test_second_signer_refuses_what_the_first_signed(self):
        v = vectors()
        first, second = self.server(), self.server()
        first.start()
        signed = {}
        for key_id in ("ed25519_0", "secp256k1_0", "p256_0"):
            key = v.key(key_id)
            for make in (payloads.attestation, payloads.preattestation, payloads.block):
                message = make(8000, 1)
                signed[(key_id, make.__name__)] = (message, self.sign_ok(key, message, first))
        self.assertEqual(first.stop(), 0, first.log_tail())

        document = first.dir / "marks.json"
        self.cli(first, "watermark", "export", "-o", str(document))
        exported = json.loads(document.read_text())
        self.assertEqual(len(exported["marks"]), 9)
        out = self.cli(second, "watermark", "import", str(document)).stdout
        self.assertIn("raised 9, 0 already at or below", out)
        # The second store now exports the same document.
        self.assertEqual(self.cli(second, "watermark", "export").stdout, document.read_text())

        second.start()
        for (key_id, kind), (message, signature) in signed.items():
            key = v.key(key_id)
            make = getattr(payloads, kind)
            with self.subTest(key=key_id, kind=kind):
                # Identical bytes: the first signer's signature, not a new one.
                self.assertEqual(self.sign_ok(key, message, second), signature)
                for other in (make(8000, 1, variant=1), make(8000, 0), make(7999, 5)):
                    self.refused(second, key, other)
                self.sign_ok(key, make(8000, 2), second)


class ForeignImportTest(WatermarkCliCase):

    def test_octez_signer_files(self):
        v = vectors()
        key, key2 = v.key("ed25519_0"), v.key("ed25519_1")
        # A request octez-signer signed: a vector with its signature in signatures.json.
        vec = v.signatures[("ed25519_0", "attestation")]
        message = payloads.attestation(12180923, 0)
        self.assertEqual(message, vec["message_hex"])
        octez = Path(tempfile.mkdtemp(prefix="octez-signer-"))
        self.addCleanup(shutil.rmtree, octez, True)
        # octez's High_watermark.encoding: {chain: {pkh: {level, round, hash, signature}}},
        # hash = hex blake2b-256 of the whole signed bytes.
        (octez / "attestation_high_watermark").write_text(json.dumps({mainnet(): {
            key["public_key_hash"]: {
                "level": 12180923, "round": 0,
                "hash": hashlib.blake2b(bytes.fromhex(message), digest_size=32).hexdigest(),
                "signature": vec["signature"]}}}))
        block = payloads.block(9000, 3)
        (octez / "block_high_watermark").write_text(json.dumps({mainnet(): {
            key2["public_key_hash"]: {
                "level": 9000, "round": 3,
                "hash": hashlib.blake2b(bytes.fromhex(block), digest_size=32).hexdigest()}}}))
        (octez / "secret_keys").write_text("[]")

        server = self.server()
        out = self.cli(server, "watermark", "import", str(octez)).stdout
        self.assertEqual(out, f"Read 2 marks from {octez} (octez-signer high watermark files): "
                              "raised 2, 0 already at or below the stored marks\n")
        server.start()
        # The identical retried request gets octez's own signature.
        self.assertEqual(self.sign_ok(key, message, server), vec["signature"])
        self.refused(server, key, payloads.attestation(12180923, 0, variant=4))
        self.refused(server, key, payloads.attestation(12180922, 9))
        self.sign_ok(key, payloads.attestation(12180923, 1), server)
        # Block mark imported without signature: other bytes refused, higher round signed.
        self.refused(server, key2, payloads.block(9000, 3, variant=2))
        self.refused(server, key2, payloads.block(8999, 0))
        self.sign_ok(key2, payloads.block(9000, 4), server)

    def test_signatory_watermark_v2_into_a_used_store(self):
        v = vectors()
        key = v.key("secp256k1_0")
        server = self.server()
        server.start()
        self.sign_ok(key, payloads.preattestation(100), server)
        self.assertEqual(server.stop(), 0, server.log_tail())
        # A Signatory base_dir from another machine (the first-start import no longer runs).
        other = Path(tempfile.mkdtemp(prefix="signatory-base-"))
        self.addCleanup(shutil.rmtree, other, True)
        (other / "watermark_v2").mkdir()
        (other / "watermark_v2" / f"{mainnet()}.json").write_text(json.dumps({
            key["public_key_hash"]: {"preattestation": {"level": 60000, "round": 2},
                                     "attestation": {"level": 60001}}}, indent=4))
        out = self.cli(server, "watermark", "import", str(other)).stdout
        self.assertIn("(Signatory watermark_v2 files): raised 2, 0 already", out)
        server.start()
        self.refused(server, key, payloads.preattestation(60000, 2))
        self.refused(server, key, payloads.preattestation(59999, 0))
        self.refused(server, key, payloads.attestation(60001, 0))
        self.sign_ok(key, payloads.preattestation(60000, 3), server)
        self.sign_ok(key, payloads.attestation(60001, 1), server)


if __name__ == "__main__":
    unittest.main()
