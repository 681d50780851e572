"""Fault tests of the `awskms` vault: the real `signatory` server against our KMS emulator
(kms_emulator.py) while it throttles, answers 500, resets connections or hangs — for one key
only, switched on and off at run time through the emulator's `/_emulator/faults` route.

For each fault the signer must make a bounded number of attempts (counted at the emulator:
exactly `max_attempts`), answer a clear 5xx naming the cause, do so within the configured
deadline, keep signing with the other key meanwhile, and sign with the faulty key again as soon
as the fault clears. The config is `timeout: 1s`, `max_attempts: 3` (src/aws/kms_client.h:
full-jitter backoff from 100 ms), so the deadline of one sign request is
3 × 1 s + 100 ms + 200 ms of backoff; the elapsed-time checks allow DEADLINE_SLACK_S on top of
that because this is a deadline check on a noisy 2-core machine, not a benchmark.

Run:  tests/system/kms/run.sh BUILD_DIR   (skipped with the reason when moto/boto3 are missing)
Only loopback addresses are contacted.
"""

import sys
import threading
import time
import unittest
from pathlib import Path
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import test_kms_system as base  # noqa: E402  (Signer, KmsKey, payloads, skip reason)

MAX_ATTEMPTS = 3
TIMEOUT_S = 1.0
BACKOFF_S = (0.1, 0.2)  # the ceilings of the pauses between the 3 attempts
DEADLINE_S = MAX_ATTEMPTS * TIMEOUT_S + sum(BACKOFF_S)
DEADLINE_SLACK_S = 4.0
FAULTY_CONFIG = {"timeout": "1s", "connect_timeout": "1s", "max_attempts": MAX_ATTEMPTS}


@unittest.skipIf(base.MISSING is not None, base.MISSING or "")
class KmsFaultTest(base.EmulatorTestCase):
    TMP_PREFIX = "kms-faults-"
    KEY_SPECS = ("ECC_SECG_P256K1", "ECC_NIST_P256")
    server = None

    @classmethod
    def set_up_class(cls):
        cls.faulty, cls.healthy = cls.keys
        cls.server = base.Signer(cls.endpoint, cls.user, [cls.faulty, cls.healthy],
                                 FAULTY_CONFIG).start()

    @classmethod
    def tear_down_class(cls):
        if cls.server is not None:
            cls.server.close()

    def setUp(self):
        self.payload = base.transaction_payloads(1, seed=len(self.id()))[0]
        self.addCleanup(self.clear_faults)

    # ---- the emulator's control routes ------------------------------------------------
    def emulator_call(self, method, path, body=None):
        status, data = base.kms_fixture.control(self.endpoint, method, path, body)
        self.assertEqual(status, 200, data)
        return data

    def set_fault(self, mode, key, **extra):
        self.emulator_call("POST", "/_emulator/faults", dict(mode=mode, key_id=key.key_id, **extra))

    def clear_faults(self):
        self.emulator_call("POST", "/_emulator/faults", {"mode": "none"})

    def sign_calls(self, key):
        return self.emulator_call("GET", "/_emulator/requests").get("Sign", {}).get(key.key_id, 0)

    # ---- helpers -------------------------------------------------------------------------
    def timed_sign(self, key):
        """Signs self.payload with key; returns (status, body, seconds, Sign calls it made)."""
        before = self.sign_calls(key)
        started = time.monotonic()
        status, body = self.server.sign(key.pkh, self.payload)
        elapsed = time.monotonic() - started
        return status, body, elapsed, self.sign_calls(key) - before

    def assert_signed(self, key, status, body):
        self.assertEqual(status, 200, body)
        key.verify(self.payload, body["signature"])

    def assert_fault_handled(self, mode, status, text):
        """The faulty key fails with `status` and `text` after exactly MAX_ATTEMPTS attempts
        within the deadline, while the healthy key signs with one call; both sign once the
        fault clears."""
        self.set_fault(mode, self.faulty)
        got, body, elapsed, calls = self.timed_sign(self.faulty)
        self.assertEqual(got, status, body)
        msg = base.error_msg(body)
        self.assertIn(text, msg)
        self.assertIn(f"AWS KMS Sign at 127.0.0.1:{urlparse(self.endpoint).port}", msg)
        self.assertIn(self.faulty.arn, msg)  # names the key
        self.assertEqual(calls, MAX_ATTEMPTS, f"attempts made for one sign request: {msg}")
        self.assertLess(elapsed, DEADLINE_S + DEADLINE_SLACK_S, msg)
        for secret in (self.user["secret_access_key"], self.user["access_key_id"]):
            self.assertNotIn(secret, msg)
        # The other key is unaffected while the fault lasts: one call, a valid signature.
        got, body, _, calls = self.timed_sign(self.healthy)
        self.assert_signed(self.healthy, got, body)
        self.assertEqual(calls, 1)
        # Recovery without a restart.
        self.clear_faults()
        got, body, _, calls = self.timed_sign(self.faulty)
        self.assert_signed(self.faulty, got, body)
        self.assertEqual(calls, 1)
        return msg

    # ---- tests ---------------------------------------------------------------------------
    def test_throttling(self):
        self.assert_fault_handled("throttle", 503,
                                  f"failed: ThrottlingException: Rate exceeded (HTTP 400) after "
                                  f"{MAX_ATTEMPTS} attempts")

    def test_throttling_that_stops_within_the_attempts(self):
        # Two throttled replies, then a real one: the third attempt signs.
        self.set_fault("throttle", self.faulty, count=MAX_ATTEMPTS - 1)
        status, body, _, calls = self.timed_sign(self.faulty)
        self.assert_signed(self.faulty, status, body)
        self.assertEqual(calls, MAX_ATTEMPTS)

    def test_internal_failure(self):
        self.assert_fault_handled("internal", 503,
                                  f"failed: InternalFailure: The request processing has failed "
                                  f"because of an unknown error, exception or failure. (HTTP 500) "
                                  f"after {MAX_ATTEMPTS} attempts")

    def test_connection_reset(self):
        msg = self.assert_fault_handled("reset", 503, "is unreachable: ")
        # The transport's own words (curl: "Recv failure: Connection reset by peer"), then
        # the attempt count.
        self.assertRegex(msg, rf"is unreachable: .*[Rr]eset.* \({MAX_ATTEMPTS} attempts\)$")

    def test_hang_times_out_and_other_keys_keep_signing(self):
        # The faulty key's request waits for three timeouts; a request for the healthy key sent
        # while it waits is answered first (it does not queue behind the hanging one).
        self.set_fault("hang", self.faulty, hang_seconds=60)
        result = {}

        def hanging():
            result["faulty"] = self.timed_sign(self.faulty)
            result["faulty_done"] = time.monotonic()

        thread = threading.Thread(target=hanging)
        thread.start()
        try:
            time.sleep(0.3)  # let the faulty request reach the emulator
            status, body = self.server.sign(self.healthy.pkh, self.payload)
            healthy_done = time.monotonic()
            self.assert_signed(self.healthy, status, body)
        finally:
            thread.join(DEADLINE_S + DEADLINE_SLACK_S + 10)
        self.assertIn("faulty", result, "the hanging request never returned")
        status, body, elapsed, calls = result["faulty"]
        self.assertEqual(status, 504, body)
        self.assertRegex(base.error_msg(body),
                         rf"AWS KMS Sign at 127\.0\.0\.1:\d+ did not answer in time: .*"
                         rf"\({MAX_ATTEMPTS} attempts\)$")
        self.assertEqual(calls, MAX_ATTEMPTS)
        self.assertGreaterEqual(elapsed, MAX_ATTEMPTS * TIMEOUT_S * 0.95)  # it did wait
        self.assertLess(elapsed, DEADLINE_S + DEADLINE_SLACK_S)
        self.assertLess(healthy_done, result["faulty_done"])
        self.clear_faults()
        status, body, _, calls = self.timed_sign(self.faulty)
        self.assert_signed(self.faulty, status, body)
        self.assertEqual(calls, 1)


if __name__ == "__main__":
    unittest.main()
