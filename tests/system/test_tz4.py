"""System tests of tz4 (BLS12-381) keys through the signer HTTP API.

Black box: a real `signatory serve` with a file vault holding tz4 keys (and one tz1 key) of
the test vectors. BLS signatures are deterministic, so every signature must equal the
signatures.json vector byte for byte, and is also verified by @taquito/utils 25's
verifySignature (verify.mjs; @taquito/remote-signer 21 cannot check tz4 signatures, so HTTP
is called directly). Covers the BLS-mode consensus requests (0x12 tag 40, 0x13 tag 41), a
generic operation, signing versions 0/1/2, and GET /bls_prove_possession allowed and refused.
"""

import json
import os
import subprocess
import unittest

import harness
from harness import SignatoryServer, vectors
from server_case import ServerCase

POP_KEY = "bls12_381_0"     # allow_proof_of_possession: true
NO_POP_KEY = "bls12_381_1"  # the flag absent: proof refused
TZ1_KEY = "ed25519_0"       # the flag set, but not a BLS key: proof not supported
CONSENSUS_KINDS = ("preattestation_bls_mode", "attestation_bls_mode")
GENERIC_KIND = "generic_operation"

POLICY = {"allow": {"generic": ["transaction", "reveal", "delegation", "failing_noop"],
                    "block": None, "preattestation": None, "attestation": None}}


class Tz4Server(SignatoryServer):
    """SignatoryServer whose config also sets `allow_proof_of_possession: true` for some keys
    (harness.render_policy does not write that field)."""

    def __init__(self, vault_keys, policies, pop_pkhs):
        self.pop_pkhs = set(pop_pkhs)
        super().__init__(vault_keys, policies)

    def write_files(self):
        super().write_files()
        out = []
        for line in self.config_path.read_text().splitlines():
            out.append(line)
            pkh = line.strip().rstrip(":")
            if line.startswith("  ") and not line.startswith("   ") and pkh in self.pop_pkhs:
                out.append("    allow_proof_of_possession: true")
        self.config_path.write_text("\n".join(out) + "\n")


class Tz4Test(ServerCase):
    alive_key_id = TZ1_KEY

    @classmethod
    def setUpClass(cls):
        v = vectors()
        keys = [v.key(k) for k in (POP_KEY, NO_POP_KEY, "bls12_381_2", TZ1_KEY)]
        policies = {k["public_key_hash"]: POLICY for k in keys}
        cls.server = Tz4Server(keys, policies,
                               [v.key(POP_KEY)["public_key_hash"],
                                v.key(TZ1_KEY)["public_key_hash"]])
        cls.start_class(cls.server)

    def sign_bls(self, key_id, kind, query=""):
        """Signs the signatures.json message of (key, kind); returns (vector, response)."""
        vec = vectors().signatures[(key_id, kind)]
        key = vectors().key(key_id)
        return vec, self.server.sign(key["public_key_hash"], vec["message_hex"], query)

    def assertBlsSigned(self, vec, resp):
        self.assertEqual(resp.status, 200, f"sign failed: {resp!r}\n{self.server.log_tail()}")
        doc = resp.json()
        self.assertEqual(list(doc.keys()), ["signature"], resp.body)
        self.assertTrue(doc["signature"].startswith("BLsig"), doc)
        self.assertEqual(doc["signature"], vec["signature"])  # deterministic: byte for byte
        self._to_verify.append((vec["message_hex"], vec["public_key"], doc["signature"]))

    def test_public_key(self):
        for key_id in (POP_KEY, NO_POP_KEY):
            key = vectors().key(key_id)
            resp = self.server.public_key(key["public_key_hash"])
            self.assertEqual(resp.status, 200, resp)
            self.assertEqual(resp.json(), {"public_key": key["public_key"]})

    def test_consensus_requests_bls_mode(self):
        for key_id in (POP_KEY, NO_POP_KEY, "bls12_381_2"):
            for kind in CONSENSUS_KINDS:
                with self.subTest(key=key_id, kind=kind):
                    vec, resp = self.sign_bls(key_id, kind)
                    # magic (1) ‖ chain id (4) ‖ branch (32) ‖ tag: hex offset 74.
                    tag = int(vec["message_hex"][74:76], 16)
                    self.assertEqual(tag, 40 if kind.startswith("pre") else 41)
                    self.assertBlsSigned(vec, resp)
                    # Same request again: the high-water mark allows the identical payload.
                    self.assertBlsSigned(vec, self.server.sign(
                        vectors().key(key_id)["public_key_hash"], vec["message_hex"]))

    def test_generic_operation(self):
        for key_id in (POP_KEY, NO_POP_KEY):
            with self.subTest(key=key_id):
                vec, resp = self.sign_bls(key_id, GENERIC_KIND)
                self.assertBlsSigned(vec, resp)
                vec, resp = self.sign_bls(key_id, GENERIC_KIND, "?version=2")
                self.assertBlsSigned(vec, resp)

    def test_signing_version_1_is_message_augmentation(self):
        vec, resp = self.sign_bls(NO_POP_KEY, GENERIC_KIND, "?version=1")
        self.assertEqual(resp.status, 200, resp)
        sig = resp.json()["signature"]
        self.assertTrue(sig.startswith("BLsig"), sig)
        self.assertNotEqual(sig, vec["signature"])
        # Taquito verifies the proof-of-possession ciphersuite only: the augmented signature
        # is not valid under it.
        self.assertEqual(harness.verify_with_taquito(
            [(vec["message_hex"], vec["public_key"], sig)]), [False])

    def test_a_retry_with_another_signing_version_is_refused_not_answered_with_the_other_scheme(self):
        # A server of its own: the slots start empty whatever the other tests signed.
        v = vectors()
        keys = [v.key(k) for k in (POP_KEY, NO_POP_KEY, TZ1_KEY)]
        server = self.start_test_server(keys, {k["public_key_hash"]: POLICY for k in keys})
        conflict = ("watermark validation failed: this payload was signed at this level and "
                    "round with another signing version; a signature for version {} would be a "
                    "second signature for the slot")
        # Version 2 (proof of possession) first, then the same bytes with version 1.
        vec = v.signatures[(POP_KEY, "attestation_bls_mode")]
        pkh = v.key(POP_KEY)["public_key_hash"]
        self.assertBlsSigned(vec, server.sign(pkh, vec["message_hex"], "?version=2"))
        self.assertTezosError(server.sign(pkh, vec["message_hex"], "?version=1"), 409,
                              conflict.format(1))
        self.assertBlsSigned(vec, server.sign(pkh, vec["message_hex"], "?version=2"))
        # Version 1 (message augmentation) first, then version 2.
        vec = v.signatures[(NO_POP_KEY, "attestation_bls_mode")]
        pkh = v.key(NO_POP_KEY)["public_key_hash"]
        first = server.sign(pkh, vec["message_hex"], "?version=1")
        self.assertEqual(first.status, 200, first)
        augmented = first.json()["signature"]
        self.assertNotEqual(augmented, vec["signature"])
        self.assertTezosError(server.sign(pkh, vec["message_hex"], "?version=2"), 409,
                              conflict.format(2))
        self.assertTezosError(server.sign(pkh, vec["message_hex"]), 409, conflict.format(2))
        again = server.sign(pkh, vec["message_hex"], "?version=1")
        self.assertEqual((again.status, again.json()), (200, {"signature": augmented}))
        self.assertAlive(server)

    def test_attestation_with_dal_is_refused_for_tz4(self):
        # A tag-23 request (made for a tz1 key in the vectors; the bytes do not name the key).
        vec = vectors().signatures[(TZ1_KEY, "attestation_with_dal")]
        resp = self.server.sign(vectors().key(NO_POP_KEY)["public_key_hash"], vec["message_hex"])
        self.assertTezosError(resp, 400, "a tz4 key does not sign attestation_with_dal (tag 23); "
                                         "tz4 bakers attest with tag 41")
        self.assertAlive()

    def test_signing_version_0_is_refused(self):
        _, resp = self.sign_bls(NO_POP_KEY, GENERIC_KIND, "?version=0")
        self.assertTezosError(resp, 400, "SigningVersion0 is not supported for BLS keys")
        self.assertAlive()

    def test_proof_of_possession_allowed(self):
        key = vectors().key(POP_KEY)
        resp = self.server.request("GET", f"/bls_prove_possession/{key['public_key_hash']}")
        self.assertEqual(resp.status, 200, f"{resp!r}\n{self.server.log_tail()}")
        self.assertEqual(resp.json(), {"bls_prove_possession": key["proof_of_possession"]})

    def test_proof_of_possession_not_allowed(self):
        key = vectors().key(NO_POP_KEY)
        resp = self.server.request("GET", f"/bls_prove_possession/{key['public_key_hash']}")
        self.assertTezosError(resp, 400, "proof of possession is not allowed")
        self.assertIn("allow_proof_of_possession", self.server.log_text())

    def test_proof_of_possession_not_supported_for_tz1(self):
        key = vectors().key(TZ1_KEY)
        resp = self.server.request("GET", f"/bls_prove_possession/{key['public_key_hash']}")
        self.assertTezosError(resp, 400, "proof of possession is not supported")
        self.assertAlive()

    def test_cli_list_shows_proof_of_possession(self):
        cli = os.environ.get("SIGNATORY_CLI_BIN",
                             str(harness.REPO / "build" / "signatory-cli"))
        if not os.access(cli, os.X_OK):
            self.skipTest(f"signatory-cli not found: {cli}")
        out = subprocess.run([cli, "-c", str(self.server.config_path), "--base-dir",
                              str(self.server.base_dir), "list", "--format", "current"],
                             stdin=subprocess.DEVNULL, capture_output=True, text=True,
                             timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        blocks = {}
        for block in out.stdout.split("\n\n"):
            fields = dict(line.split(":", 1) for line in block.splitlines() if ":" in line)
            if "Public Key Hash" in fields:
                blocks[fields["Public Key Hash"].strip()] = fields
        pop = {k: vectors().key(k)["public_key_hash"] for k in (POP_KEY, NO_POP_KEY, TZ1_KEY)}
        self.assertEqual(blocks[pop[POP_KEY]]["Allow Proof of Possession"].strip(), "true")
        self.assertEqual(blocks[pop[NO_POP_KEY]]["Allow Proof of Possession"].strip(), "false")
        self.assertEqual(blocks[pop[TZ1_KEY]]["Allow Proof of Possession"].strip(), "false")
        self.assertEqual(blocks[pop[POP_KEY]]["Public Key"].strip(),
                         vectors().key(POP_KEY)["public_key"])


if __name__ == "__main__":
    unittest.main()
