"""A slow `postgres` watermark store delays only the requests that need it (issue 22.1,
docs/isolation.md): a real `signatory` with a file vault and the postgres store, whose table
gets a trigger that sleeps 5 s on every write (`timeout: 1s`, `pool_size: 2`, so at most 16
consensus requests wait on the store at once: 4 × the pool, at least 16).

While 24 attestations hang on the store: 16 end with 503 within the store's timeout (plus
slack for a noisy machine), the 8 others are refused at once with 503 naming the store, and a
generic request (which needs no store), /healthz and /metrics keep their quiet latency
(median within 2× + 5 ms, none over a second). The trigger dropped, attestations sign again.
Run: tests/system/postgres/run.sh BUILD_DIR.
"""

import statistics
import sys
import threading
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import payloads  # noqa: E402
from harness import KeepAliveClient, SignatoryServer, everything_policy, vectors  # noqa: E402
from pg_cluster import PgCluster  # noqa: E402

KEYS = ("ed25519_0", "secp256k1_0", "p256_0")
TIMEOUT_S = 1.0
SLACK_S = 3.0
POOL = 2
STORE_LIMIT = 16  # max(16, 4 × POOL): PostgresWatermark::max_concurrent_calls
ATTESTATIONS = 24


class PostgresIsolationTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.pg = PgCluster()
        cls.pg.create()
        cls.addClassCleanup(cls.pg.destroy)

    def test_a_slow_store_delays_only_consensus_requests(self):
        table = "iso_slow_store"
        keys = [vectors().key(k) for k in KEYS]
        server = SignatoryServer(
            keys, {k["public_key_hash"]: everything_policy(("transaction",)) for k in keys},
            log_level="info",
            watermark={"driver": "postgres",
                       "config": {"dsn": self.pg.dsn, "password_file": self.pg.password_file,
                                  "table": table, "timeout": f"{TIMEOUT_S}s",
                                  "connect_timeout": "1s", "pool_size": POOL}})
        self.addCleanup(server.close)
        server.start()
        generic_key = keys[0]["public_key_hash"]
        transaction = vectors().op_hex("transaction_tz1_to_tz1")

        def generic_latencies(count):
            client = KeepAliveClient(server.port)
            out = []
            try:
                for _ in range(count):
                    t0 = time.monotonic()
                    r = client.sign(generic_key, transaction)
                    out.append(time.monotonic() - t0)
                    self.assertEqual(r.status, 200, r)
            finally:
                client.close()
            return out

        def latencies(path, count):
            out = []
            for _ in range(count):
                t0 = time.monotonic()
                r = server.request("GET", path, utility=True)
                out.append(time.monotonic() - t0)
                self.assertEqual(r.status, 200, r)
            return out

        # Every key has a mark, so that the trigger below slows writes, not the first insert.
        for k in keys:
            self.assertEqual(server.sign(k["public_key_hash"], payloads.attestation(10)).status,
                             200)
        quiet = {"generic": generic_latencies(30), "/healthz": latencies("/healthz", 20),
                 "/metrics": latencies("/metrics", 10)}

        self.pg.psql(
            f"CREATE FUNCTION {table}_slow() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM pg_sleep(5); RETURN NEW; END $$; "
            f"CREATE TRIGGER {table}_slow BEFORE INSERT OR UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_slow();")
        results = []
        lock = threading.Lock()

        def attest(key, level):
            t0 = time.monotonic()
            try:
                r = server.sign(key, payloads.attestation(level))
                out = (r.status, r.error_msg() if r.status != 200 else "")
            except OSError as e:
                out = (0, str(e))
            with lock:
                results.append((*out, time.monotonic() - t0))

        threads = [threading.Thread(target=attest, args=(keys[i % 3]["public_key_hash"],
                                                         20 + i))
                   for i in range(ATTESTATIONS)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        loaded = {"generic": generic_latencies(30), "/healthz": latencies("/healthz", 20),
                  "/metrics": latencies("/metrics", 10)}
        for t in threads:
            t.join(TIMEOUT_S + SLACK_S + 30)
        self.pg.psql(f"DROP TRIGGER {table}_slow ON {table};")

        print(f"\n  slow store: generic median quiet {statistics.median(quiet['generic']) * 1e3:.1f}"
              f" ms, loaded {statistics.median(loaded['generic']) * 1e3:.1f} ms (max "
              f"{max(loaded['generic']) * 1e3:.1f}); attestations "
              f"{sorted((s, round(e, 2)) for s, _, e in results)}", file=sys.stderr)
        for name in quiet:
            q, l = statistics.median(quiet[name]), statistics.median(loaded[name])
            self.assertLessEqual(l, 2 * q + 0.005, f"{name}: median {l:.4f} s, quiet {q:.4f} s")
            self.assertLess(max(loaded[name]), 1.0, f"{name} waited behind the slow store")
        self.assertEqual(len(results), ATTESTATIONS, results)
        busy = [r for r in results if r[0] == 503 and "watermark store `postgres' is busy" in r[1]]
        waited = [r for r in results if r not in busy]
        self.assertEqual(len(busy), ATTESTATIONS - STORE_LIMIT, results)
        for status, msg, elapsed in busy:
            self.assertLess(elapsed, 1.0, "a refusal must not wait")
        for status, msg, elapsed in waited:
            self.assertEqual(status, 503, (status, msg))
            self.assertLess(elapsed, TIMEOUT_S + SLACK_S, (status, msg, elapsed))
        # The store is fast again: attestations sign.
        for k in keys:
            self.assertEqual(server.sign(k["public_key_hash"], payloads.attestation(100)).status,
                             200)


if __name__ == "__main__":
    unittest.main()
