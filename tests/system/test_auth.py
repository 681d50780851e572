"""System tests of octez client authentication (`server.authorized_keys`, Signatory's GET /authorized_keys and octez's authentication).

Black box: a real `signatory serve` whose config lists authorized client keys. Every one of
the 16 request-authentication vectors of signatures.json (4 client key types x 4 signing key
types, made by Taquito) must sign; then each outcome has its exact status and message:
missing (401), not parseable (400), a key that is not authorized (403), a key that is
authorized but not for this pkh (403 `client … is not allowed`), and good (200, the signature
verified by Taquito). GET /authorized_keys lists the hashes, and every refusal is counted in
`authentication_failure_total` and logged without the signature.
"""

import json
import re

from harness import SignatoryServer, testdata_dir, vectors
from server_case import ServerCase

SIGNERS = ("ed25519_0", "secp256k1_0", "p256_0", "bls12_381_0")
CLIENTS = ("ed25519_3", "secp256k1_3", "p256_3", "bls12_381_3")
POLICY = {"allow": {"generic": ["transaction"], "block": None, "attestation": None}}


def auth_vectors():
    with open(testdata_dir() / "tezos" / "signatures.json", encoding="utf-8") as f:
        return json.load(f)["authentication"]["vectors"]


def auth_vector(vector_id):
    return next(v for v in auth_vectors() if v["id"] == vector_id)


def signer_key(vector):
    return next(vectors().key(k) for k in SIGNERS
                if vectors().key(k)["public_key_hash"] == vector["request_pkh"])


class AuthCase(ServerCase):

    def assertSignedAny(self, resp, key, message_hex):
        """assertSigned for every curve, tz4 included (verified by Taquito in tearDown)."""
        if key["curve"] != "bls12_381":
            return self.assertSigned(resp, key, message_hex)
        self.assertEqual(resp.status, 200, f"sign failed: {resp!r}")
        sig = resp.json()["signature"]
        self.assertTrue(sig.startswith("BLsig"), sig)
        self._to_verify.append((message_hex, key["public_key"], sig))
        return sig

    def sign_with(self, vector, authentication=None, server=None):
        server = server or self.server
        query = "" if authentication is None else f"?authentication={authentication}"
        return server.sign(vector["request_pkh"], vector["data_hex"], query)


class AllVectorsTest(AuthCase):
    """Every client key type authenticates requests for every signing key type."""

    @classmethod
    def setUpClass(cls):
        v = vectors()
        lines = ["  authorized_keys:"] + [f"    - {v.key(c)['public_key']}" for c in CLIENTS]
        cls.server = SignatoryServer([v.key(k) for k in SIGNERS],
                                     {v.key(k)["public_key_hash"]: POLICY for k in SIGNERS},
                                     server_lines=lines)
        cls.start_class(cls.server)

    def test_all_sixteen_vectors_sign(self):
        vecs = auth_vectors()
        self.assertEqual(len(vecs), 16)
        for vec in vecs:
            with self.subTest(vec["id"]):
                resp = self.sign_with(vec, vec["authentication_signature"])
                self.assertSignedAny(resp, signer_key(vec), vec["data_hex"])

    def test_authorized_keys_route_lists_the_hashes_in_config_order(self):
        resp = self.server.request("GET", "/authorized_keys")
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.json(), {"authorized_keys": [vectors().key(c)["public_key_hash"]
                                                           for c in CLIENTS]})

    def test_the_startup_log_names_the_authorized_keys(self):
        hashes = " ".join(vectors().key(c)["public_key_hash"] for c in CLIENTS)
        self.assertIn(f"Authorized keys: [{hashes}]", self.server.log_text())


class OutcomesTest(AuthCase):
    """ed25519_3 and p256_3 are authorized (one YAML anchor, one nested list); the ed25519_0
    key accepts only ed25519_3 (through a YAML alias of the anchor), secp256k1_0 any of them."""

    @classmethod
    def setUpClass(cls):
        v = vectors()
        ed0, sp0 = v.key("ed25519_0"), v.key("secp256k1_0")
        policies = {ed0["public_key_hash"]: dict(POLICY, authorized_keys=["ALIAS"]),
                    sp0["public_key_hash"]: POLICY}
        lines = ["  authorized_keys:",
                 f"    - &client_ed {v.key('ed25519_3')['public_key']}",
                 f"    - [{v.key('p256_3')['public_key']}]"]
        cls.server = SignatoryServer([ed0, sp0], policies, server_lines=lines)
        text = cls.server.config_path.read_text()
        cls.server.config_path.write_text(text.replace('authorized_keys: ["ALIAS"]',
                                                       "authorized_keys: [*client_ed]"))
        cls.start_class(cls.server)

    def test_missing_authentication_is_401(self):
        vec = auth_vector("auth/ed25519_3/ed25519_0")
        self.assertTezosError(self.sign_with(vec), 401, "missing authentication signature field")
        self.assertTezosError(self.sign_with(vec, ""), 401,
                              "missing authentication signature field")

    def test_unparseable_signature_is_400(self):
        vec = auth_vector("auth/ed25519_3/ed25519_0")
        self.assertTezosError(self.sign_with(vec, "edsigNotABase58Signature"), 400)
        self.assertAlive()

    def test_a_key_that_is_not_authorized_is_403(self):
        # A genuine signature by secp256k1_3, which this server does not list.
        vec = auth_vector("auth/secp256k1_3/ed25519_0")
        self.assertTezosError(self.sign_with(vec, vec["authentication_signature"]), 403,
                              "invalid authentication signature")

    def test_a_signature_replayed_for_another_request_is_403(self):
        good = auth_vector("auth/ed25519_3/ed25519_0")
        other = auth_vector("auth/ed25519_3/secp256k1_0")
        self.assertTezosError(self.sign_with(other, good["authentication_signature"]), 403,
                              "invalid authentication signature")

    def test_an_authorized_key_not_allowed_for_this_pkh_is_403(self):
        vec = auth_vector("auth/p256_3/ed25519_0")
        client = vectors().key("p256_3")["public_key_hash"]
        self.assertTezosError(self.sign_with(vec, vec["authentication_signature"]), 403,
                              f"client `{client}' is not allowed")
        # The same client is fine for the key without a restriction.
        vec = auth_vector("auth/p256_3/secp256k1_0")
        self.assertSignedAny(self.sign_with(vec, vec["authentication_signature"]),
                             signer_key(vec), vec["data_hex"])

    def test_good_authentication_signs(self):
        vec = auth_vector("auth/ed25519_3/ed25519_0")
        self.assertSignedAny(self.sign_with(vec, vec["authentication_signature"]),
                             signer_key(vec), vec["data_hex"])

    def test_public_key_route_needs_no_authentication(self):
        key = vectors().key("ed25519_0")
        self.assertEqual(self.server.public_key(key["public_key_hash"]).json(),
                         {"public_key": key["public_key"]})

    def test_refusals_are_counted_and_logged_without_the_signature(self):
        def failures():
            text = self.server.request("GET", "/metrics", utility=True).body.decode()
            out = {}
            for m in re.finditer(r'^authentication_failure_total\{auth_method="authentication",'
                                 r'client_ip="127\.0\.0\.1",status="(\d+)"\} (\S+)$', text, re.M):
                out[m.group(1)] = float(m.group(2))
            return out

        before = failures()
        vec = auth_vector("auth/secp256k1_3/ed25519_0")
        self.sign_with(vec)                                  # 401
        self.sign_with(vec, "edsigNotABase58Signature")      # 400
        self.sign_with(vec, vec["authentication_signature"])  # 403
        self.sign_with(vec, vec["authentication_signature"])  # 403
        after = failures()
        for status, n in (("401", 1), ("400", 1), ("403", 2)):
            self.assertEqual(after.get(status, 0) - before.get(status, 0), n, status)
        log = self.server.log_text()
        self.assertIn("Client authentication failed: invalid authentication signature", log)
        self.assertNotIn(vec["authentication_signature"], log)
