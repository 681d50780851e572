"""Soak: SOAK_SECONDS (default 60, the CI short form; tests/system/long.sh uses 600) of mixed
traffic against one server, with zero unexpected answers and flat memory.

WORKERS client threads, each on a keep-alive connection (one request in twenty on a new
connection), send a weighted mix: consensus requests at rising levels on the thread's own
(key, kind) stream, generic transactions for tz1/tz2/tz3, GET /keys, /healthz, and requests
that must be refused — a level below the thread's mark (409), a delegation the policy does not
allow (403), a key in no vault (404), bytes that are not hex (400). Every answer must have its
expected status (and, for signatures, the key's prefix; a sample is verified with Taquito);
any other answer or a connection error is an unexpected error, and there must be none.

Memory: the server's VmRSS is read from /proc/<pid>/status every RSS_PERIOD_S and the samples
are cut in thirds: the first is warm-up, and the largest RSS of the last third must be within
RSS_GROWTH × the largest of the middle third + RSS_SLACK_KB (about 2.7 MB here): a leak of
~100 bytes per request fails the short form, ~10 bytes per request the long one (at ~1200
requests/s). The warm-up is long on
purpose: each rewrite of the watermark log (every 4096 new marks, every ~10 s here) allocates
a ~700 kB image, and glibc keeps one such freed block in the arena of each server thread that
did a rewrite, so RSS climbs in ~700 kB steps until every one of the 4 server threads has done
one, then stays flat (with MALLOC_ARENA_MAX=1 it is flat after the first rewrite): bounded
allocator caching, not a leak.
"""

import http.client
import json
import os
import random
import sys
import threading
import time
import unittest

import payloads
from harness import KeepAliveClient, SignatoryServer, vectors
from server_case import SIGNATURE_PREFIX, ServerCase

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "60"))
WORKERS = 4
RSS_PERIOD_S = 2.0
RSS_GROWTH = 1.10
RSS_SLACK_KB = 1024
VERIFY_EVERY = 500
KEYS = ("ed25519_0", "secp256k1_0", "p256_0")
NO_VAULT_KEY = "p256_2"  # in keys.json, in no vault of this server
POLICY = {"allow": {"generic": ["transaction"], "block": None, "preattestation": None,
                    "attestation": None}}
STREAMS = (("ed25519_0", payloads.attestation), ("secp256k1_0", payloads.preattestation),
           ("p256_0", payloads.block), ("ed25519_0", payloads.block))
MIX = (("consensus", 35), ("generic", 25), ("get_key", 15), ("healthz", 5), ("below_mark", 8),
       ("not_allowed", 5), ("no_vault", 4), ("not_hex", 3))


class SoakTest(ServerCase):

    def test_mixed_traffic(self):
        v = vectors()
        keys = [v.key(k) for k in KEYS]
        server = SignatoryServer(keys, {k["public_key_hash"]: POLICY for k in keys},
                                 log_level="error")
        self.addCleanup(server.close)
        server.start()
        pid = server.proc.pid
        stop = threading.Event()
        lock = threading.Lock()
        counts = {name: 0 for name, _ in MIX}
        unexpected = []
        rss = []

        def sample_rss():
            while not stop.wait(RSS_PERIOD_S):
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            rss.append(int(line.split()[1]))

        def worker(index):
            rng = random.Random(index)
            key_id, make = STREAMS[index]
            key = v.key(key_id)
            pkh = key["public_key_hash"]
            conn = KeepAliveClient(server.port)
            level, signed = 1000, 0
            names, weights = zip(*MIX)
            generic = [v.op_hex(op) for op in ("transaction_tz1_to_tz1", "transaction_to_tz2",
                                               "transaction_to_tz3")]
            while not stop.is_set():
                name = rng.choices(names, weights)[0]
                target = keys[rng.randrange(len(keys))]
                message = None
                if name == "consensus":
                    level += 1
                    target, message = key, make(level)
                    request, expect = ("POST", f"/keys/{pkh}", json.dumps(message)), 200
                elif name == "generic":
                    message = rng.choice(generic)
                    request = ("POST", f"/keys/{target['public_key_hash']}", json.dumps(message))
                    expect = 200
                elif name == "get_key":
                    request, expect = ("GET", f"/keys/{target['public_key_hash']}", None), 200
                elif name == "healthz":
                    request, expect = None, 200
                elif name == "below_mark":
                    target = key
                    request = ("POST", f"/keys/{pkh}",
                               json.dumps(make(level - 1 - rng.randrange(3))))
                    expect = 409 if level > 1000 else 200
                elif name == "not_allowed":
                    request = ("POST", f"/keys/{target['public_key_hash']}",
                               json.dumps(v.op_hex("delegation_set")))
                    expect = 403
                elif name == "no_vault":
                    request, expect = ("GET", f"/keys/{v.key(NO_VAULT_KEY)['public_key_hash']}",
                                       None), 404
                else:
                    request = ("POST", f"/keys/{pkh}", json.dumps("zz" + make(level)[2:]))
                    expect = 400
                try:
                    if request is None:
                        resp = server.request("GET", "/healthz", utility=True)
                    elif rng.random() < 0.05:
                        resp = server.request(*request)
                    else:
                        resp = conn.request(*request)
                except (OSError, http.client.HTTPException) as e:
                    conn.close()
                    resp = e
                problem = self.check(resp, expect, name, target, v)
                with lock:
                    counts[name] += 1
                    if problem:
                        unexpected.append(problem)
                if message is not None and not problem and expect == 200:
                    signed += 1
                    if signed % VERIFY_EVERY == 1:
                        with lock:
                            self._to_verify.append((message, target["public_key"],
                                                    resp.json()["signature"]))
            conn.close()

        def guarded(index):
            try:
                worker(index)
            except Exception as e:  # noqa: BLE001 - any crash of a client is a test failure
                with lock:
                    unexpected.append(f"client thread {index} crashed: {e!r}")

        threads = [threading.Thread(target=guarded, args=(i,)) for i in range(WORKERS)]
        sampler = threading.Thread(target=sample_rss)
        started = time.monotonic()
        for t in threads + [sampler]:
            t.start()
        try:
            while time.monotonic() - started < SOAK_SECONDS and server.running():
                time.sleep(0.5)
        finally:
            stop.set()
            for t in threads + [sampler]:
                t.join(60)
        elapsed = time.monotonic() - started
        total = sum(counts.values())
        self.assertTrue(server.running(), f"the server died:\n{server.log_tail()}")
        self.assertAlive(server)

        third = len(rss) // 3
        self.assertGreaterEqual(third, 1, "too few RSS samples: soak too short")
        middle, last = max(rss[third:-third]), max(rss[-third:])
        print(f"\nsoak: {elapsed:.0f} s, {total} requests ({total / elapsed:.0f}/s) "
              f"{json.dumps(counts)}; unexpected: {len(unexpected)}; VmRSS kB: start "
              f"{rss[0]}, middle-third max {middle}, last-third max {last}, overall max "
              f"{max(rss)} ({len(rss)} samples)", file=sys.stderr)
        self.assertEqual(unexpected[:20], [], f"{len(unexpected)} unexpected answers")
        self.assertGreater(min(counts.values()), 0, counts)
        self.assertLessEqual(last, middle * RSS_GROWTH + RSS_SLACK_KB,
                             f"RSS grows: {rss}")

    @staticmethod
    def check(resp, expect, name, key, v):
        """None if resp is the expected answer, else a description of what is wrong."""
        if isinstance(resp, Exception):
            return f"{name}: connection error {resp!r}"
        if resp.status != expect:
            return f"{name}: expected {expect}, got {resp!r}"
        try:
            body = resp.json()
            if expect != 200:
                msg = resp.error_msg()
                wanted = {409: "watermark validation failed",
                          403: "operation `delegation' is not allowed",
                          404: "this key not found in any vault"}.get(expect)
                if (wanted and msg != wanted) or not msg:
                    return f"{name}: unexpected message {msg!r}"
            elif name == "get_key":
                if body != {"public_key": key["public_key"]}:
                    return f"{name}: wrong key {body}"
            elif name == "healthz":
                if body != {"ready": True}:
                    return f"{name}: {body}"
            elif not body.get("signature", "").startswith(SIGNATURE_PREFIX[key["curve"]]):
                return f"{name}: not a {key['curve']} signature: {body}"
        except (ValueError, AssertionError, KeyError, AttributeError) as e:
            return f"{name}: bad body {resp!r}: {e}"
        return None


if __name__ == "__main__":
    unittest.main()
