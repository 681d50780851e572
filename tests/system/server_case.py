"""unittest base class for tests that talk to one `SignatoryServer`.

Gives the assertions every system test uses: a Tezos JSON error with an exact status and
message, a successful signature with the right prefix (collected for cryptographic
verification by Taquito), and "the server still answers" after a malformed request.
Subclasses set `self.server` (in setUpClass or setUp); cleanup always stops it.
"""

import unittest

from harness import SignatoryServer, verify_with_taquito, vectors

SIGNATURE_PREFIX = {"ed25519": "edsig", "secp256k1": "spsig1", "p256": "p2sig"}
PUBLIC_KEY_PREFIX = {"ed25519": "edpk", "secp256k1": "sppk", "p256": "p2pk"}


class ServerCase(unittest.TestCase):
    server = None
    # A key that is in the vault and in the config of every server (used by assertAlive).
    alive_key_id = "ed25519_0"

    @classmethod
    def start_class_server(cls, vault_keys, policies):
        cls.start_class(SignatoryServer(vault_keys, policies))

    @classmethod
    def start_class(cls, server):
        """Starts `server` as the class's `server`; it is closed after the class, or at once if
        it fails to start."""
        cls.server = server
        try:
            server.start()
        except BaseException:
            server.close()
            raise
        cls.addClassCleanup(server.close)

    def start_test_server(self, vault_keys, policies, workdir=None):
        server = SignatoryServer(vault_keys, policies, workdir=workdir)
        self.addCleanup(server.close)
        server.start()
        return server

    def setUp(self):
        self._to_verify = []

    def tearDown(self):
        # Cryptographic check of every signature the test obtained (batch: one node run).
        items, self._to_verify = self._to_verify, []
        if items and not self._outcome_failed():
            results = verify_with_taquito(items)
            bad = [(m[:40] + "…", p, s) for (m, p, s), ok in zip(items, results) if not ok]
            self.assertEqual(bad, [], "signatures that Taquito's verifySignature rejects")

    def _outcome_failed(self):
        # unittest (3.11+) marks the running test's outcome unsuccessful on failure.
        return not getattr(getattr(self, "_outcome", None), "success", True)

    # ---- assertions ---------------------------------------------------------------
    def assertTezosError(self, resp, status, msg=None, server=None):
        self.assertEqual(resp.status, status, f"expected {status}, got {resp!r}")
        self.assertTrue(resp.headers.get("content-type", "").startswith("application/json"),
                        f"error content-type: {resp.headers.get('content-type')}")
        got = resp.error_msg()
        if msg is not None:
            self.assertEqual(got, msg)
        else:
            self.assertTrue(got, "empty error message")
        return got

    def assertSigned(self, resp, key, message_hex):
        """resp must be 200 {"signature": <prefix for key's curve>…}; queues a Taquito check."""
        self.assertEqual(resp.status, 200, f"sign failed: {resp!r}")
        self.assertTrue(resp.headers.get("content-type", "").startswith("application/json"),
                        f"content-type: {resp.headers.get('content-type')}")
        doc = resp.json()
        self.assertEqual(list(doc.keys()), ["signature"], resp.body)
        sig = doc["signature"]
        prefix = SIGNATURE_PREFIX[key["curve"]]
        self.assertTrue(sig.startswith(prefix), f"{sig} should start with {prefix}")
        self._to_verify.append((message_hex, key["public_key"], sig))
        return sig

    def sign_ok(self, key, message_hex, server=None):
        server = server or self.server
        return self.assertSigned(server.sign(key["public_key_hash"], message_hex), key,
                                 message_hex)

    def assertAlive(self, server=None):
        server = server or self.server
        self.assertTrue(server.running(), f"server died:\n{server.log_tail()}")
        key = vectors().key(self.alive_key_id)
        resp = server.public_key(key["public_key_hash"])
        self.assertEqual(resp.status, 200, f"server no longer answers: {resp!r}")
        self.assertEqual(resp.json(), {"public_key": key["public_key"]})
