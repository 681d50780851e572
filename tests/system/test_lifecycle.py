"""System tests of the server process itself: startup, readiness, graceful stop, bad config.

A bad config must make `signatory serve` exit non-zero promptly with a message naming the
problem (never hang, never listen); SIGTERM must stop it cleanly with exit code 0.
"""

import socket
import time
import unittest

from harness import SignatoryServer, vectors
from server_case import ServerCase

POLICY = {"allow": {"generic": ["transaction"], "block": None}}


def _port_closed(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return False
    except OSError:
        return True


class LifecycleTest(ServerCase):

    def test_startup_logs_listening_address_and_health(self):
        key = vectors().key("ed25519_0")
        server = self.start_test_server([key], {key["public_key_hash"]: POLICY})
        self.assertIn(f"HTTP server is listening for connections on 127.0.0.1:{server.port}",
                      server.log_text())
        resp = server.request("GET", "/healthz", utility=True)
        self.assertEqual((resp.status, resp.json()), (200, {"ready": True}))
        self.assertAlive(server)

    def test_global_flags_after_serve(self):
        # `signatory serve -c cfg --base-dir dir --log debug` (persistent flags, as in cobra).
        key = vectors().key("ed25519_0")
        server = SignatoryServer([key], {key["public_key_hash"]: POLICY})
        self.addCleanup(server.close)
        server.flags_after_subcommand = True
        server.start()
        self.assertAlive(server)

    def test_sigterm_stops_gracefully(self):
        key = vectors().key("ed25519_0")
        server = self.start_test_server([key], {key["public_key_hash"]: POLICY})
        self.sign_ok(key, vectors().op_hex("transaction_tz1_to_tz1"), server)
        started = time.monotonic()
        self.assertEqual(server.stop(), 0, server.log_tail())
        self.assertLess(time.monotonic() - started, 11)
        self.assertTrue(_port_closed(server.port))
        self.assertTrue(_port_closed(server.utility_port))
        # The listening ports can be reused at once by a new instance.
        server.start()
        self.assertAlive(server)

    def test_secret_key_never_logged(self):
        v = vectors()
        keys = [v.key(k) for k in ("ed25519_0", "secp256k1_0", "p256_0")]
        server = self.start_test_server(keys, {k["public_key_hash"]: POLICY for k in keys})
        for key in keys:
            self.sign_ok(key, v.op_hex("transaction_tz1_to_tz1"), server)
        server.stop()
        log = server.log_text()
        for key in keys:
            self.assertNotIn(key["secret_key"], log)
            self.assertNotIn(key["secret_key_hex"], log)


class BadConfigTest(unittest.TestCase):

    def refuse(self, policies, expected_words):
        key = vectors().key("ed25519_0")
        server = SignatoryServer([key], policies)
        self.addCleanup(server.close)
        rc = server.run_until_exit(10)
        self.assertIsNotNone(rc, "server kept running with an invalid config")
        self.assertNotEqual(rc, 0, server.log_tail())
        log = server.log_text()
        for word in expected_words:
            self.assertIn(word, log)

    def test_unknown_request_kind_is_fatal(self):
        pkh = vectors().key("ed25519_0")["public_key_hash"]
        self.refuse({pkh: {"allow": {"bloc": None}}}, ["bloc"])

    def test_unknown_operation_kind_is_fatal(self):
        pkh = vectors().key("ed25519_0")["public_key_hash"]
        self.refuse({pkh: {"allow": {"generic": ["transfer"]}}}, ["transfer"])

    def test_invalid_pkh_in_tezos_section_is_fatal(self):
        self.refuse({"tz1NotAValidKeyHash": POLICY}, [])


if __name__ == "__main__":
    unittest.main()
