"""System tests of double-signing protection (high-water marks) through the HTTP API.

Each test gets a fresh server and base_dir (marks persist inside one server). Requests are
derived from consensus.json vectors at chosen (level, round) by payloads.py. Rules checked
(Signatory's pkg/signatory/request): lower level, same level with lower or equal round and
different bytes → 409 `watermark validation failed`; identical bytes → 200 with the same
signature; marks are per (chain, key, request kind); concurrent conflicting requests sign
exactly one payload; marks survive a restart.
"""

import json
import threading
import unittest

import payloads
from harness import SignatoryServer, vectors
from server_case import ServerCase

KEYS = ("ed25519_0", "secp256k1_0", "p256_0", "ed25519_1")
POLICY = {"allow": {"generic": ["transaction"], "block": None, "preattestation": None,
                    "attestation": None, "attestation_with_dal": None}}
REFUSED = "watermark validation failed"


def _server():
    v = vectors()
    return SignatoryServer([v.key(k) for k in KEYS],
                           {v.key(k)["public_key_hash"]: POLICY for k in KEYS})


class WatermarkTest(ServerCase):

    def setUp(self):
        super().setUp()
        self.server = _server()
        self.addCleanup(self.server.close)
        self.server.start()

    def key(self, key_id="ed25519_0"):
        return vectors().key(key_id)

    def refused(self, key, message_hex):
        self.assertTezosError(self.server.sign(key["public_key_hash"], message_hex), 409, REFUSED)

    def test_lower_level_refused_higher_level_signed(self):
        for make in (payloads.attestation, payloads.preattestation, payloads.block):
            key = self.key()
            with self.subTest(kind=make.__name__):
                self.sign_ok(key, make(1000))
                self.refused(key, make(999))
                self.refused(key, make(1, 5))
                self.sign_ok(key, make(1001))
                self.refused(key, make(1000))
                self.sign_ok(key, make(5000, 3))

    def test_same_level_lower_round_refused(self):
        key = self.key()
        self.sign_ok(key, payloads.attestation(2000, 2))
        self.refused(key, payloads.attestation(2000, 1))
        self.refused(key, payloads.attestation(2000, 0))
        self.sign_ok(key, payloads.attestation(2000, 3))

    def test_block_round_is_the_fitness_round(self):
        # Re-proposal: same level, higher fitness round (payload_round unchanged) is allowed.
        key = self.key()
        self.sign_ok(key, payloads.block(3000, 0))
        self.sign_ok(key, payloads.block(3000, 1))
        self.refused(key, payloads.block(3000, 0, variant=1))

    def test_same_level_and_round_different_payload_refused(self):
        for key_id in ("ed25519_0", "secp256k1_0", "p256_0"):
            key = self.key(key_id)
            for make in (payloads.attestation, payloads.block):
                with self.subTest(key=key_id, kind=make.__name__):
                    self.sign_ok(key, make(4000, 1))
                    self.refused(key, make(4000, 1, variant=1))
                    self.refused(key, make(4000, 1, variant=2))

    def test_same_bytes_again_gives_same_signature(self):
        for key_id in ("ed25519_0", "secp256k1_0", "p256_0"):
            key = self.key(key_id)
            for make in (payloads.attestation, payloads.preattestation, payloads.block):
                with self.subTest(key=key_id, kind=make.__name__):
                    message = make(5000, 2)
                    first = self.sign_ok(key, message)
                    self.refused(key, make(5000, 2, variant=3))
                    self.assertEqual(self.sign_ok(key, message), first)
                    self.assertEqual(self.sign_ok(key, message), first)

    def test_identical_bytes_below_a_newer_mark_refused(self):
        key = self.key()
        old = payloads.attestation(6000)
        self.sign_ok(key, old)
        self.sign_ok(key, payloads.attestation(6001))
        self.refused(key, old)

    def test_marks_are_per_key_kind_and_chain(self):
        a, b = self.key("ed25519_0"), self.key("ed25519_1")
        self.sign_ok(a, payloads.attestation(7000))
        # Another key, another kind, another chain: independent marks.
        self.sign_ok(b, payloads.attestation(10))
        self.sign_ok(a, payloads.preattestation(10))
        self.sign_ok(a, payloads.block(10))
        self.sign_ok(a, payloads.attestation(10, chain="ghostnet"))
        self.sign_ok(a, payloads.attestation(10, chain="sandbox"))
        # And the first mark is still in force.
        self.refused(a, payloads.attestation(6999))

    def test_generic_operations_are_not_watermarked(self):
        v = vectors()
        key = self.key()
        self.sign_ok(key, payloads.attestation(8000))
        for _ in range(2):
            self.sign_ok(key, v.op_hex("transaction_tz1_to_tz1"))
            self.sign_ok(key, v.op_hex("transaction_to_tz2"))

    def test_refused_or_invalid_requests_do_not_move_the_mark(self):
        key = self.key()
        self.sign_ok(key, payloads.attestation(9000))
        self.refused(key, payloads.attestation(8999))
        # Truncated request at a higher level: 400, mark unchanged.
        self.assertTezosError(self.server.sign(key["public_key_hash"],
                                               payloads.attestation(9500)[:-2]), 400)
        self.sign_ok(key, payloads.attestation(9001))


class WatermarkConcurrencyTest(ServerCase):
    """10 concurrent requests at one (level, round): 5 × payload A, 5 × payload B."""

    def test_exactly_one_payload_signed(self):
        server = _server()
        self.addCleanup(server.close)
        server.start()
        for key_id in ("ed25519_0", "secp256k1_0", "p256_0"):
            key = vectors().key(key_id)
            for attempt, make in enumerate((payloads.attestation, payloads.block,
                                            payloads.attestation, payloads.preattestation)):
                level = 10000 + attempt
                with self.subTest(key=key_id, kind=make.__name__, level=level):
                    messages = [make(level, 0, variant=1), make(level, 0, variant=2)]
                    self._race(server, key, messages)

    def _race(self, server, key, messages):
        barrier = threading.Barrier(10)
        results = [None] * 10

        def worker(i):
            message = messages[i % 2]
            barrier.wait(10)
            results[i] = (message, server.sign(key["public_key_hash"], message))

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertTrue(all(r is not None for r in results), "a request did not complete")
        ok = [(m, r) for m, r in results if r.status == 200]
        refused = [(m, r) for m, r in results if r.status != 200]
        self.assertEqual(len(ok), 5, [(m[-4:], r) for m, r in results])
        self.assertEqual(len({m for m, _ in ok}), 1, "both payloads were signed")
        signatures = {self.assertSigned(r, key, m) for m, r in ok}
        self.assertEqual(len(signatures), 1, signatures)
        for _, r in refused:
            self.assertTezosError(r, 409, REFUSED)
        self.assertNotEqual(ok[0][0], refused[0][0])


class WatermarkRestartTest(ServerCase):
    """Marks are durable: a restarted server with the same base_dir keeps them."""

    def test_marks_survive_restart(self):
        v = vectors()
        server = _server()
        self.addCleanup(server.close)
        server.start()
        signed = {}
        for key_id in ("ed25519_0", "secp256k1_0", "p256_0"):
            key = v.key(key_id)
            for make in (payloads.attestation, payloads.block):
                message = make(20000, 4)
                signed[(key_id, make.__name__)] = (message, self.sign_ok(key, message, server))
        self.assertEqual(server.stop(), 0, server.log_tail())
        base_files = [p for p in server.base_dir.rglob("*") if p.is_file()]
        self.assertTrue(base_files, "nothing persisted under base_dir")

        server.start()
        for (key_id, kind), (message, first) in signed.items():
            key = v.key(key_id)
            make = getattr(payloads, kind)
            with self.subTest(key=key_id, kind=kind):
                for lower in (make(19999, 4), make(20000, 3), make(20000, 4, variant=1)):
                    self.assertTezosError(server.sign(key["public_key_hash"], lower), 409,
                                          REFUSED)
                self.assertEqual(self.sign_ok(key, message, server), first)
                self.sign_ok(key, make(20001, 0), server)
        self.assertEqual(server.stop(), 0, server.log_tail())

    def test_marks_survive_sigkill(self):
        # A mark is durable before the signature is returned: killing the process right
        # after the answer (no graceful shutdown) must not lose it.
        v = vectors()
        server = _server()
        self.addCleanup(server.close)
        server.start()
        key = v.key("secp256k1_0")
        message = payloads.block(25000, 1)
        first = self.sign_ok(key, message, server)
        server.kill()
        server.start()
        self.assertTezosError(server.sign(key["public_key_hash"], payloads.block(25000, 1, 5)),
                              409, REFUSED)
        self.assertTezosError(server.sign(key["public_key_hash"], payloads.block(24999, 9)),
                              409, REFUSED)
        self.assertEqual(self.sign_ok(key, message, server), first)

    def test_mark_advanced_after_restart_is_durable(self):
        key = vectors().key("ed25519_0")
        server = _server()
        self.addCleanup(server.close)
        for level in (30000, 30001, 30002):
            server.start()
            if level > 30000:
                # The previous run signed (level - 1); other bytes at that level are refused.
                self.assertTezosError(server.sign(key["public_key_hash"],
                                                  payloads.attestation(level - 1, 0, variant=9)),
                                      409, REFUSED)
            self.sign_ok(key, payloads.attestation(level), server)
            self.assertEqual(server.stop(), 0, server.log_tail())



class SignatoryWatermarkImportTest(ServerCase):
    """An existing Signatory `watermark_v2/` directory in base_dir is honoured at startup."""

    def test_signatory_marks_are_imported(self):
        v = vectors()
        a, b = v.key("ed25519_0"), v.key("secp256k1_0")
        server = _server()
        self.addCleanup(server.close)
        v2 = server.base_dir / "watermark_v2"
        v2.mkdir(parents=True)
        mainnet = v.chains["mainnet"]["chain_id"]
        # Signatory's layout: one file per chain, {pkh: {kind: {level, round[, hash]}}},
        # 4-space indentation; `round` and `hash` may be absent.
        (v2 / f"{mainnet}.json").write_text(json.dumps({
            a["public_key_hash"]: {"attestation": {"level": 40000, "round": 2},
                                   "block": {"level": 40010}},
            b["public_key_hash"]: {"preattestation": {"level": 50000, "round": 0}},
        }, indent=4))
        server.start()
        for key, message in ((a, payloads.attestation(40000, 1)),
                             (a, payloads.attestation(39999, 7)),
                             (a, payloads.attestation(40000, 2)),
                             (a, payloads.block(40010, 0)),
                             (b, payloads.preattestation(50000, 0)),
                             (b, payloads.preattestation(49999, 3))):
            with self.subTest(pkh=key["public_key_hash"], message=message[:8]):
                self.refused_on(server, key, message)
        self.sign_ok(a, payloads.attestation(40000, 3), server)
        self.sign_ok(a, payloads.block(40011, 0), server)
        self.sign_ok(a, payloads.preattestation(1), server)  # no mark for that kind
        self.sign_ok(b, payloads.preattestation(50001, 0), server)
        self.sign_ok(b, payloads.attestation(1, chain="ghostnet"), server)  # other chain

    def refused_on(self, server, key, message):
        self.assertTezosError(server.sign(key["public_key_hash"], message), 409, REFUSED)


if __name__ == "__main__":
    unittest.main()
