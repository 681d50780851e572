"""Crash test: SIGKILL the signer at random moments during a stream of consensus requests.

Several client threads send attestations, preattestations and blocks for three keys (tz1, tz2,
tz3) on two chains at rising and repeated levels, with competing payloads (several `variant`s of
the same level and round); one thread SIGKILLs the server after a random time, with requests in
flight; the server is restarted on the same base_dir and the stream goes on. Before one restart
in eight, an extra process is also killed 0–150 ms after it starts, before it listens (while it
opens and rewrites its watermark log); those kills come on top of KILLS.

The test keeps a ledger of every signature it received, across all restarts, and checks:
  * no two different payloads are ever signed for the same (chain, key, kind, level, round);
  * a signature returned for (level, round) is never followed, on the same (chain, key, kind),
    by one for a request sent after it was received at a lower (level, round), nor at the same
    one with other bytes (the high-water mark never goes back, kills included);
  * after every restart, other bytes at an already-signed slot are refused (409);
  * every answer is 200 or 409 `watermark validation failed` while the server runs, and the
    server always restarts (a torn last log record is tolerated, damage is not);
  * Ed25519 signatures of one payload are all identical, and a random sample of all signatures
    verifies with Taquito's `verifySignature`.

Env: KILLS (default 20, the CI short form; tests/system/long.sh uses 200), CRASH_SEED (default:
random, printed so that a failing run's schedule can be replayed as far as threads allow).
"""

import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
import unittest

import payloads
from harness import SignatoryServer, server_binary, vectors
from server_case import ServerCase

KILLS = int(os.environ.get("KILLS", "20"))
SEED = int(os.environ.get("CRASH_SEED", str(random.SystemRandom().randrange(1 << 32))))
WORKERS = 4
KEYS = ("ed25519_0", "secp256k1_0", "p256_0")
KINDS = {"attestation": payloads.attestation, "preattestation": payloads.preattestation,
         "block": payloads.block}
CHAINS = ("mainnet", "ghostnet")
VARIANTS = (0, 1, 2)  # competing payloads; REFUSAL_VARIANT is never sent by the stream
REFUSAL_VARIANT = 7
MAX_RUN_S = 0.6      # a kill comes after 0 … MAX_RUN_S s of traffic
STARTUP_KILL_EVERY = 8
REFUSED = "watermark validation failed"
VERIFY_SAMPLE = 400
POLICY = {"allow": {"block": None, "preattestation": None, "attestation": None}}


class Success:
    """One 200 answer: what was asked, when, and the signature."""

    __slots__ = ("stream", "level", "round", "message", "signature", "sent", "received")

    def __init__(self, stream, level, round_, message, signature, sent, received):
        self.stream, self.level, self.round = stream, level, round_
        self.message, self.signature = message, signature
        self.sent, self.received = sent, received


class CrashTest(ServerCase):

    def test_no_double_signing_across_sigkills(self):
        print(f"\ncrash test: KILLS={KILLS} CRASH_SEED={SEED}", file=sys.stderr)
        v = vectors()
        self.keys = [v.key(k) for k in KEYS]
        server = SignatoryServer(self.keys, {k["public_key_hash"]: POLICY for k in self.keys},
                                 log_level="info")
        self.addCleanup(server.close)
        self.rng = random.Random(SEED)
        self.lock = threading.Lock()
        self.successes = []
        self.level = 1000
        self.counts = {"sent": 0, "signed": 0, "refused": 0, "lost": 0, "startup_kills": 0,
                       "kills_in_flight": 0, "post_restart_refusals": 0}
        started = time.monotonic()
        for kill in range(KILLS):
            if kill % STARTUP_KILL_EVERY == STARTUP_KILL_EVERY - 1:
                self.kill_during_startup(server)
            server.start()
            self.check_refusals_after_restart(server)
            self.traffic_then_kill(server)
        server.start()
        self.check_refusals_after_restart(server)
        self.check_ledger()
        self.check_final_marks(server)
        self.queue_sample_for_verification()
        torn = server.log_text().count("incomplete record")
        elapsed = time.monotonic() - started
        print(f"crash test: {KILLS} kills in {elapsed:.1f} s; {json.dumps(self.counts)}; "
              f"torn last records tolerated at restart: {torn}", file=sys.stderr)
        self.assertGreater(self.counts["signed"], KILLS)
        self.assertGreater(self.counts["refused"], 0, "no competing payload was ever refused")
        self.assertGreater(self.counts["kills_in_flight"], 0, "no kill hit a request in flight")

    # ---- the stream ----------------------------------------------------------------------
    def next_request(self, rng):
        """Half the requests go to one hot stream (so that competing payloads meet), the rest
        anywhere; the level rises slowly and requests straddle it."""
        with self.lock:
            if rng.random() < 0.1:
                self.level += 1
            level = self.level + rng.choice((-1, 0, 0, 0, 1))
        if rng.random() < 0.5:
            key, kind, chain = self.keys[0], "attestation", CHAINS[0]
        else:
            key, kind, chain = rng.choice(self.keys), rng.choice(tuple(KINDS)), rng.choice(CHAINS)
        round_ = rng.choice((0, 0, 1, 2))
        message = KINDS[kind](level, round_, variant=rng.choice(VARIANTS), chain=chain)
        return (chain, key["public_key_hash"], kind), level, round_, message

    def traffic_then_kill(self, server):
        killing = threading.Event()
        failures = []
        in_flight = [0]

        def worker(seed):
            rng = random.Random(seed)
            while not killing.is_set():
                stream, level, round_, message = self.next_request(rng)
                with self.lock:
                    in_flight[0] += 1
                    self.counts["sent"] += 1
                sent = time.monotonic()
                try:
                    resp = server.sign(stream[1], message)
                except (OSError, http.client.HTTPException) as e:
                    with self.lock:
                        in_flight[0] -= 1
                        self.counts["lost"] += 1
                    if not killing.is_set():
                        failures.append(f"connection error while the server ran: {e!r}")
                    return
                received = time.monotonic()
                with self.lock:
                    in_flight[0] -= 1
                    if resp.status == 200:
                        self.counts["signed"] += 1
                        self.successes.append(Success(stream, level, round_, message,
                                                      json.loads(resp.body)["signature"], sent,
                                                      received))
                    elif resp.status == 409 and REFUSED.encode() in resp.body:
                        self.counts["refused"] += 1
                    else:
                        failures.append(f"unexpected answer {resp!r} to {stream} {level}/{round_}")
                        killing.set()

        def guarded(seed):
            try:
                worker(seed)
            except Exception as e:  # noqa: BLE001 - any crash of a client is a test failure
                failures.append(f"client thread crashed: {e!r}")
                killing.set()

        threads = [threading.Thread(target=guarded, args=(self.rng.randrange(1 << 32),))
                   for _ in range(WORKERS)]
        for t in threads:
            t.start()
        time.sleep(self.rng.uniform(0, MAX_RUN_S))
        with self.lock:
            if in_flight[0]:
                self.counts["kills_in_flight"] += 1
            killing.set()
        server.proc.kill()  # SIGKILL, with the workers' requests still going
        for t in threads:
            t.join(30)
        server.kill()  # reap
        self.assertFalse(any(t.is_alive() for t in threads), "a client thread hangs")
        self.assertEqual(failures, [], server.log_tail())

    def kill_during_startup(self, server):
        """SIGKILL a second process 0–150 ms after its start (while it opens, migrates or
        compacts the watermark log), without waiting for it to listen."""
        with open(server.log_path, "ab") as log:
            proc = subprocess.Popen(server.command(server_binary()), stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=log)
            time.sleep(self.rng.uniform(0, 0.15))
            proc.kill()
            proc.wait()
        self.counts["startup_kills"] += 1

    # ---- checks ---------------------------------------------------------------------------
    def signed_slots(self):
        """{(stream, level, round): {message: [signatures]}} from the ledger."""
        slots = {}
        for s in self.successes:
            slots.setdefault((s.stream, s.level, s.round), {}).setdefault(s.message, []).append(
                s.signature)
        return slots

    def check_refusals_after_restart(self, server):
        """Other bytes at (up to) five signed slots, including the newest ones, are refused."""
        slots = list(self.signed_slots())
        picks = slots[-2:] + self.rng.sample(slots, min(3, len(slots)))
        for stream, level, round_ in picks:
            chain, pkh, kind = stream
            other = KINDS[kind](level, round_, variant=REFUSAL_VARIANT, chain=chain)
            self.assertTezosError(server.sign(pkh, other), 409, REFUSED)
            self.counts["post_restart_refusals"] += 1

    def check_ledger(self):
        double = {slot: list(by_message) for slot, by_message in self.signed_slots().items()
                  if len(by_message) > 1}
        self.assertEqual(double, {}, "different payloads signed for the same slot")
        # The mark never goes back: sweep the successes in the order they were sent, knowing
        # every success received before that moment.
        by_received = sorted(self.successes, key=lambda s: s.received)
        highest = {}  # stream → (level, round, message) of the highest acknowledged mark
        i = 0
        for s in sorted(self.successes, key=lambda s: s.sent):
            while i < len(by_received) and by_received[i].received < s.sent:
                r = by_received[i]
                h = highest.get(r.stream)
                if h is None or (r.level, r.round) > h[:2]:
                    highest[r.stream] = (r.level, r.round, r.message)
                i += 1
            h = highest.get(s.stream)
            if h is None:
                continue
            ok = (s.level, s.round) > h[:2] or ((s.level, s.round) == h[:2] and s.message == h[2])
            self.assertTrue(ok, f"{s.stream} signed {s.level}/{s.round} after {h[0]}/{h[1]} "
                                f"had been acknowledged")
        for (stream, _, _), by_message in self.signed_slots().items():
            if stream[1] == vectors().key("ed25519_0")["public_key_hash"]:
                for message, signatures in by_message.items():
                    self.assertEqual(len(set(signatures)), 1, "Ed25519 signatures differ")

    def check_final_marks(self, server):
        """After the last restart, below and beside every stream's highest acknowledged mark
        is refused."""
        highest = {}
        for s in self.successes:
            h = highest.get(s.stream)
            if h is None or (s.level, s.round) > (h.level, h.round):
                highest[s.stream] = s
        for (chain, pkh, kind), s in highest.items():
            make = KINDS[kind]
            for message in (make(s.level, s.round, variant=REFUSAL_VARIANT, chain=chain),
                            make(s.level - 1, 5, chain=chain)):
                self.assertTezosError(server.sign(pkh, message), 409, REFUSED)

    def queue_sample_for_verification(self):
        keys = {k["public_key_hash"]: k for k in self.keys}
        sample = random.Random(SEED).sample(self.successes,
                                            min(VERIFY_SAMPLE, len(self.successes)))
        for s in sample:
            self._to_verify.append((s.message, keys[s.stream[1]]["public_key"], s.signature))


if __name__ == "__main__":
    unittest.main()
