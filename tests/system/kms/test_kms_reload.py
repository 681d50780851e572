"""Config reload (SIGHUP) with an `awskms` vault: the real `signatory` server against our KMS
emulator (kms_emulator.py) on 127.0.0.1 (docs/reload.md).

A sign request is held inside the vault (the emulator hangs its KMS Sign call) when the policy of
its key is tightened and SIGHUP sent: the reload completes while the request waits, the next
request for that key follows the new policy (403), and the request that was in flight then
completes with a valid signature under the policy it started with. The KMS vault, whose
settings did not change, is kept as it is (logged) rather than opened again. Signatures are
verified with Python `cryptography`.

Run:  tests/system/kms/run.sh BUILD_DIR   (skipped with the reason when moto/boto3 are missing)
Only loopback addresses are contacted.
"""

import signal
import sys
import threading
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import test_kms_system as base  # noqa: E402  (Signer, KmsKey, payloads, skip reason)

HANG_S = 6.0  # how long the emulator holds the in-flight Sign call
RELOAD_TIMEOUT_S = 15.0


@unittest.skipIf(base.MISSING is not None, base.MISSING or "")
class KmsReloadTest(base.EmulatorTestCase):
    TMP_PREFIX = "kms-reload-"
    KEY_SPECS = ("ECC_SECG_P256K1", "ECC_NIST_P256")

    @classmethod
    def set_up_class(cls):
        cls.slow, cls.other = cls.keys

    def setUp(self):
        self.server = base.Signer(self.endpoint, self.user, [self.slow, self.other],
                                  {"timeout": f"{HANG_S + 6:.0f}s", "max_attempts": 1})
        self.addCleanup(self.server.close)
        self.server.start()
        self.addCleanup(self.set_fault, "none")
        self.payload = base.transaction_payloads(1, seed=7)[0]

    def set_fault(self, mode, **extra):
        status, data = base.kms_fixture.control(self.endpoint, "POST", "/_emulator/faults",
                                                      dict(mode=mode, **extra))
        self.assertEqual(status, 200, data)

    def sign_calls(self, key):
        status, data = base.kms_fixture.control(self.endpoint, "GET", "/_emulator/requests")
        self.assertEqual(status, 200, data)
        return data.get("Sign", {}).get(key.key_id, 0)

    def assert_signed(self, key, status, body):
        self.assertEqual(status, 200, body)
        key.verify(self.payload, body["signature"])  # raises InvalidSignature if wrong

    def test_a_request_in_flight_completes_while_the_next_follows_the_new_policy(self):
        status, body = self.server.sign(self.slow.pkh, self.payload)
        self.assert_signed(self.slow, status, body)
        self.set_fault("hang", key_id=self.slow.key_id, count=1, hang_seconds=HANG_S)
        before = self.sign_calls(self.slow)
        result = {}
        thread = threading.Thread(
            target=lambda: result.update(answer=self.server.sign(self.slow.pkh, self.payload)))
        thread.start()
        try:
            deadline = time.monotonic() + 10
            while self.sign_calls(self.slow) == before:  # the request is inside the vault
                self.assertLess(time.monotonic(), deadline, "the Sign call never reached KMS")
                time.sleep(0.05)
            # Tighten the slow key's policy: no generic operations any more.
            text = self.server.config.read_text()
            block = f"  {self.slow.pkh}:\n    allow:\n      generic: [transaction]\n"
            self.assertIn(block, text)
            self.server.config.write_text(
                text.replace(block, f"  {self.slow.pkh}:\n    allow:\n      block:\n"))
            start = len(self.server.log())
            self.server.proc.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + RELOAD_TIMEOUT_S
            while "Config reload" not in self.server.log()[start:]:
                self.assertLess(time.monotonic(), deadline, self.server.log())
                time.sleep(0.05)
            while ("Config reloaded" not in self.server.log()[start:] and
                   "Config reload failed" not in self.server.log()[start:]):
                self.assertLess(time.monotonic(), deadline, self.server.log())
                time.sleep(0.05)
            logged = self.server.log()[start:]
            self.assertIn("Config reloaded", logged)
            self.assertIn("Keeping vault (its config is unchanged)", logged)
            status, body = self.server.sign(self.slow.pkh, self.payload)
            self.assertEqual(status, 403, body)
            self.assertEqual(base.error_msg(body), "request kind `generic' is not allowed")
            self.assertTrue(thread.is_alive(), "the held request returned before the reload was "
                                               "done: the test proves nothing")
            status, body = self.server.sign(self.other.pkh, self.payload)
            self.assert_signed(self.other, status, body)
        finally:
            thread.join(HANG_S + 20)
        self.assertIn("answer", result, "the request in flight never returned")
        self.assert_signed(self.slow, *result["answer"])


if __name__ == "__main__":
    unittest.main()
