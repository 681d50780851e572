"""System tests of the `postgres` watermark backend: real `signatory` processes sharing one
private PostgreSQL 15 cluster (pg_cluster.py), driven over HTTP.

- Three signers started at once create the schema once and all serve.
- Three signers, many threads sending competing payloads (same slot, different bytes) to all
  three at once, over thousands of slots: for every (chain, key, kind, level, round) at most
  one payload is ever signed. Mid-run one signer is killed with SIGKILL (the others go on) and
  the database is stopped and restarted (requests get 503 meanwhile, then signing resumes).
- With the database down, /healthz is 503 with the reason and signing is 503; both recover.
- Bad `watermark.config` options stop the server with an error naming the key; the password
  never appears in a log.

Environment: SIGNATORY_PG_SLOTS (levels per kind in the race test, default 1000, i.e. 6000
slots and 18000 requests), and those of
../harness.py. Each test uses its own table; the cluster is shared by the class.
"""

import concurrent.futures
import itertools
import os
import signal
import sys
import threading
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import payloads  # noqa: E402
from harness import SignatoryServer, vectors, verify_with_taquito  # noqa: E402
from pg_cluster import PgCluster  # noqa: E402

KEYS = ("ed25519_0", "secp256k1_0", "p256_0")
POLICY = {"allow": {"block": None, "preattestation": None, "attestation": None,
                    "attestation_with_dal": None}}
MAKERS = {"attestation": payloads.attestation, "preattestation": payloads.preattestation,
          "block": payloads.block}
UNAVAILABLE = "watermark store unavailable: "


def _slots_per_kind():
    return int(os.environ.get("SIGNATORY_PG_SLOTS", "1000"))


class PostgresSystemTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.pg = PgCluster()
        cls.pg.create()
        cls.addClassCleanup(cls.pg.destroy)

    def setUp(self):
        self.table = "sys_" + self._testMethodName.lower()[5:40]
        self.v = vectors()

    def watermark(self, **extra):
        config = {"dsn": self.pg.dsn, "password_file": self.pg.password_file,
                  "table": self.table, "timeout": "1s", "connect_timeout": "1s"}
        config.update(extra)
        return {"driver": "postgres", "config": config}

    def new_server(self, log_level="info", **extra):
        keys = [self.v.key(k) for k in KEYS]
        server = SignatoryServer(keys, {k["public_key_hash"]: POLICY for k in keys},
                                 log_level=log_level, watermark=self.watermark(**extra))
        self.addCleanup(server.close)
        return server

    def start_servers(self, n):
        servers = [self.new_server() for _ in range(n)]
        errors = []

        def start(s):
            try:
                s.start()
            except Exception as e:  # reported below with every server's log
                errors.append(e)

        threads = [threading.Thread(target=start, args=(s,)) for s in servers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        return servers

    def ensure_db_running(self):
        if not self.pg.running():
            self.pg.start()

    def wait_for_health(self, server, status):
        """/healthz once it answers `status` (the store's answer is cached for up to a
        second); fails after 5 s."""
        r = None
        for _ in range(100):
            r = server.request("GET", "/healthz", utility=True)
            if r.status == status:
                break
            time.sleep(0.05)
        self.assertEqual(r.status, status, r)
        return r

    def pkh(self, key_id):
        return self.v.key(key_id)["public_key_hash"]

    # ------------------------------------------------------------------------------------
    def test_three_signers_starting_together_create_the_schema_once(self):
        servers = self.start_servers(3)
        self.assertEqual(self.pg.psql(f"SELECT id, version FROM {self.table}_schema").split(),
                         ["1|2"])
        for s in servers:
            r = s.request("GET", "/healthz", utility=True)
            self.assertEqual((r.status, r.json()), (200, {"ready": True}))
        created = sum(s.log_text().count("Watermark table created") for s in servers)
        self.assertEqual(created, 1)
        # All three share the marks.
        key = self.pkh("ed25519_0")
        self.assertEqual(servers[0].sign(key, payloads.attestation(500, 0, 1)).status, 200)
        for s in servers[1:]:
            self.assertEqual(s.sign(key, payloads.attestation(500, 0, 2)).status, 409)
        self.assertEqual(servers[2].sign(key, payloads.attestation(501, 0, 2)).status, 200)
        self.assertEqual(servers[0].sign(key, payloads.attestation(501, 0, 1)).status, 409)

    def test_database_down_gives_503_and_health_reason_then_recovers(self):
        self.addCleanup(self.ensure_db_running)
        server = self.new_server()
        server.start()
        key = self.pkh("ed25519_0")
        self.assertEqual(server.sign(key, payloads.preattestation(10)).status, 200)
        self.pg.stop()
        r = server.sign(key, payloads.preattestation(11))
        self.assertEqual(r.status, 503, r)
        self.assertTrue(r.error_msg().startswith(UNAVAILABLE + "reserving the mark: "),
                        r.error_msg())
        health = self.wait_for_health(server, 503)
        self.assertFalse(health.json()["ready"])
        self.assertTrue(health.json()["reason"].startswith(
            "watermark store: postgres unavailable: "), health.json())
        self.pg.start()
        r = server.sign(key, payloads.preattestation(11))
        self.assertEqual(r.status, 200, r)
        self.wait_for_health(server, 200)
        self.assertTrue(server.running())
        # The store's counters on /metrics saw the round trips and the refusals of the outage.
        stats = self.store_metrics(server)
        self.assertGreaterEqual(stats["signatory_watermark_store_round_trips_total"], 2, stats)
        self.assertGreaterEqual(stats["signatory_watermark_store_unavailable_total"], 1, stats)
        self.assertGreaterEqual(stats["signatory_watermark_store_connections_open"], 1, stats)

    def test_a_role_that_cannot_write_marks_is_refused_at_start_and_unready_while_running(self):
        # The table exists (created by the owner); then a role that may only read it.
        owner = self.new_server()
        owner.start()
        owner.stop()
        role = f"{self.table}_ro"
        self.pg.psql(f"DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN PASSWORD "
                     f"'{self.pg.password}'; GRANT SELECT ON {self.table}, {self.table}_schema "
                     f"TO {role}")
        self.addCleanup(self.pg.psql, f"REVOKE ALL ON {self.table}, {self.table}_schema FROM "
                                      f"{role}; DROP ROLE IF EXISTS {role}")
        dsn = self.pg.dsn.replace("user=signatory", f"user={role}")
        server = self.new_server(dsn=dsn)
        self.assertNotEqual(server.run_until_exit(), 0)
        self.assertIn(f"role {role} lacks INSERT and UPDATE on table {self.table}: it cannot "
                      "write marks", server.log_text())
        # Given the privileges it starts and is ready; losing one makes /healthz 503 with the
        # reason (a load balancer stops sending bakers there), and it recovers.
        self.pg.psql(f"GRANT INSERT, UPDATE ON {self.table} TO {role}")
        server = self.new_server(dsn=dsn)
        server.start()
        r = server.request("GET", "/healthz", utility=True)
        self.assertEqual((r.status, r.json()), (200, {"ready": True}))
        self.pg.psql(f"REVOKE INSERT ON {self.table} FROM {role}")
        r = self.wait_for_health(server, 503)
        self.assertEqual(r.json(), {"ready": False, "reason": (
            f"watermark store: postgres cannot take a mark: role {role} lacks INSERT on table "
            f"{self.table}: it cannot write marks")})
        self.pg.psql(f"GRANT INSERT ON {self.table} TO {role}")
        self.wait_for_health(server, 200)
        self.assertEqual(server.sign(self.pkh("ed25519_0"), payloads.block(9)).status, 200)

    def store_metrics(self, server):
        """The `signatory_watermark_store_*{backend="postgres"}` samples of /metrics."""
        r = server.request("GET", "/metrics", utility=True)
        self.assertEqual(r.status, 200, r)
        out = {}
        for line in r.body.decode("utf-8").splitlines():
            if line.startswith("signatory_watermark_store_"):
                name, value = line.rsplit(" ", 1)
                self.assertTrue(name.endswith('{backend="postgres"}'), line)
                out[name.split("{", 1)[0]] = float(value)
        return out

    def test_competing_payloads_on_three_signers_sign_one_payload_per_slot(self):
        self.addCleanup(self.ensure_db_running)
        servers = self.start_servers(3)
        keys = list(KEYS)
        kinds = list(MAKERS)
        per_kind = _slots_per_kind()
        variants = 3  # payloads per slot, one to each signer, sent at the same time
        lock = threading.Lock()
        signed = {}  # (key, kind, level, round) -> {variant: (message_hex, signature)}
        statuses = {}  # (status, message) -> count
        unexpected = []
        outcomes = []  # in completion order: "ok", "409", "503", "down"
        events = {"kill_at": None, "stop_at": None, "db_started": None}

        def send(slot, variant, server):
            key_id, kind, level, round_ = slot
            message = MAKERS[kind](level, round_, variant + 1)
            try:
                r = server.sign(self.pkh(key_id), message)
            except OSError:
                r = None  # the killed signer
            with lock:
                if r is None:
                    outcomes.append("down")
                elif r.status == 200:
                    signed.setdefault(slot, {})[variant] = (message, r.json()["signature"])
                    outcomes.append("ok")
                elif r.status == 409 and r.error_msg() == "watermark validation failed":
                    outcomes.append("409")
                elif r.status == 503 and r.error_msg().startswith(UNAVAILABLE):
                    outcomes.append("503")
                    reason = r.error_msg()[:70]
                    statuses[reason] = statuses.get(reason, 0) + 1
                else:
                    unexpected.append((slot, variant, r.status, r.body[:200]))
                    outcomes.append("unexpected")
                kill = events["kill_at"] is not None and len(outcomes) >= events["kill_at"]
                stop = events["stop_at"] is not None and len(outcomes) >= events["stop_at"]
                if kill:
                    events["kill_at"] = None
                if stop:
                    events["stop_at"] = None
            if kill:
                servers[2].proc.send_signal(signal.SIGKILL)  # mid-run, requests in flight
            if stop:
                threading.Thread(target=outage, daemon=True).start()

        def outage():
            self.pg.stop()
            time.sleep(2.0)  # requests go on meanwhile and must get 503
            self.pg.start()
            with lock:
                events["db_started"] = len(outcomes)

        # Slots in level order, in four quarters: all signers; one killed during the second;
        # the database stopped early in the third (and restarted 2 s later); the fourth runs
        # after the restart. The variants of one slot are queued together so that different
        # worker threads send them to the three signers at the same time.
        slots = [(key, kind, 1000 + i, i % 3)
                 for i in range(per_kind) for kind in kinds for key in keys[:1 + i % 3]]
        quarter = (len(slots) + 3) // 4
        with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
            for q in range(4):
                part = slots[q * quarter:(q + 1) * quarter]
                with lock:
                    if q == 1:
                        events["kill_at"] = len(outcomes) + len(part)  # half-way through
                    if q == 2:
                        events["stop_at"] = len(outcomes) + 100
                if q == 3:
                    deadline = time.monotonic() + 60
                    while events["db_started"] is None and time.monotonic() < deadline:
                        time.sleep(0.05)
                    self.assertIsNotNone(events["db_started"], "the database did not restart")
                    with lock:
                        last_quarter_from = len(outcomes)
                futures = [pool.submit(send, slot, v, servers[(n + v) % 3])
                           for n, slot in enumerate(part, q * quarter) for v in range(variants)]
                for f in futures:
                    f.result()
        after = [servers[0].sign(self.pkh(k), MAKERS[kind](1000 + per_kind + 5, 0, 1)).status
                 for k in keys for kind in kinds]
        self.assertEqual(after, [200] * len(after))

        self.assertEqual(unexpected, [])
        # The invariant: at most one payload signed per (chain, key, kind, level, round).
        doubles = {slot: sorted(v) for slot, v in signed.items() if len(v) > 1}
        self.assertEqual(doubles, {}, "slots signed for more than one payload")
        counts = {o: outcomes.count(o) for o in ("ok", "409", "503", "down")}
        # Every stage happened: signing, refusals, the killed signer, the outage.
        self.assertGreater(counts["ok"], len(slots) // 2, counts)
        self.assertGreater(counts["409"], len(slots) // 2, counts)
        self.assertGreater(counts["down"], 0, counts)
        self.assertGreater(counts["503"], 0, counts)
        self.assertTrue(servers[0].running() and servers[1].running())
        self.assertFalse(servers[2].running())
        # After the restart signing resumed by itself: the last quarter saw no 503.
        tail = outcomes[last_quarter_from:]
        self.assertGreater(tail.count("ok"), 0, counts)
        self.assertEqual(tail.count("503"), 0, counts)
        # A sample of the signatures, verified against the payload that was signed.
        sample = list(itertools.islice(signed.items(), 0, None, max(1, len(signed) // 40)))
        items = [(msg, self.v.key(slot[0])["public_key"], sig)
                 for slot, per in sample for msg, sig in per.values()]
        self.assertEqual(verify_with_taquito(items), [True] * len(items))
        # The table's marks are the highest levels signed (or reserved) per slot.
        rows = self.pg.psql(f"SELECT count(*), max(level) FROM {self.table}").split("|")
        self.assertEqual(int(rows[0]), len(keys) * len(kinds))
        self.assertEqual(int(rows[1]), 1000 + per_kind + 5)
        print(f"\n  race: {len(slots)} slots, {len(slots) * variants} requests, {counts}, "
              f"503 reasons {statuses}", file=sys.stderr)

    def test_bad_options_stop_the_server_and_the_password_is_never_logged(self):
        cases = [
            ({"pool_size": "0"},
             "watermark.config.pool_size: `0' is not a whole number from 1 to 64"),
            ({"tabel": "x"}, "watermark.config.tabel: unknown option"),
            ({"table": "Bad-Name"}, "watermark.config.table: `Bad-Name' is not a table name"),
        ]
        for extra, expected in cases:
            with self.subTest(extra=extra):
                server = self.new_server(**extra)
                self.assertNotEqual(server.run_until_exit(), 0)
                self.assertIn(expected, server.log_text())
        # A non-scalar option value: rewrite the config by hand.
        server = self.new_server()
        text = server.config_path.read_text().replace(
            "    timeout: \"1s\"", "    timeout: [1, 2]")
        server.config_path.write_text(text)
        self.assertNotEqual(server.run_until_exit(), 0)
        self.assertIn("watermark.config.timeout: must be a scalar", server.log_text())
        # Wrong password inside the DSN: refused at start, the password in no log line.
        secret = "Not-The-Password-93"
        server = self.new_server(log_level="debug",
                                 dsn=self.pg.dsn + f" password={secret}", password_file="")
        cfg = server.config_path.read_text().replace('    password_file: ""\n', "")
        server.config_path.write_text(cfg)
        self.assertNotEqual(server.run_until_exit(), 0)
        log = server.log_text()
        self.assertIn("password authentication failed", log)
        self.assertNotIn(secret, log)
        # The real password (from password_file) never appears either, after signing.
        server = self.new_server(log_level="debug")
        server.start()
        self.assertEqual(server.sign(self.pkh("ed25519_0"), payloads.block(7)).status, 200)
        server.stop()
        self.assertNotIn(self.pg.password, server.log_text())
        self.assertIn("Watermark store opened", server.log_text())


if __name__ == "__main__":
    unittest.main()
