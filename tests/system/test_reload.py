"""System tests of config reload (SIGHUP) and `signatory-cli config check` (docs/reload.md).

A real `signatory serve` on 127.0.0.1 gets SIGHUP after its config file was rewritten:
  - a changed policy is followed by the next request, while a request that was in flight
    (its body half sent when the signal came) completes on the same connection;
  - a config that does not load is refused: the old policy stays, the log names the file and
    line of the problem, and signatory_config_reloads_total{result="failure"} is 1;
  - a key added to the file vault is listed (GET /keys) and signs (checked by Taquito);
  - keep-alive connections opened before the reload keep working after it;
  - a changed listen address is not applied, and the log says so;
  - authorized keys and JWT users change (a token issued before stays valid while its user's
    secret is unchanged; a weak new user refuses the reload).
`signatory-cli config check` on the same files: exit 0 on the good config, 1 on the broken one
with each problem as <file>:<line>.
"""

import signal
import socket
import subprocess
import time
import unittest

from harness import HTTP_TIMEOUT_S, KeepAliveClient, SignatoryServer, vectors
from server_case import ServerCase
from test_jwt import ALICE, BOB, jwt_lines
from test_metrics import parse_exposition
from test_watermark_cli import cli_binary

TRANSACTIONS = {"allow": {"generic": ["transaction"], "block": None, "attestation": None}}
BLOCKS_ONLY = {"allow": {"block": None, "attestation": None}}
RELOAD_TIMEOUT_S = 15.0


def pkh_of(key_id):
    return vectors().key(key_id)["public_key_hash"]


class ReloadCase(ServerCase):
    """Helpers: SIGHUP and wait for its outcome, the reload counters."""

    def hangup(self, outcome="Config reloaded"):
        """SIGHUP, then wait for the log line of the reload's outcome; returns the log lines
        written since the signal."""
        start = len(self.server.log_text())
        self.server.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + RELOAD_TIMEOUT_S
        while time.monotonic() < deadline:
            text = self.server.log_text()[start:]
            if "Config reloaded" in text or "Config reload failed" in text:
                self.assertIn(outcome, text, text)
                return text
            time.sleep(0.05)
        self.fail(f"no reload outcome logged after SIGHUP:\n{self.server.log_tail()}")

    def reloads(self):
        resp = self.server.request("GET", "/metrics", utility=True)
        self.assertEqual(resp.status, 200)
        family = parse_exposition(resp.body.decode())["signatory_config_reloads_total"]
        self.assertEqual(family["type"], "counter")
        return {labels["result"]: value for _, labels, value in family["samples"]}



class ReloadTest(ReloadCase):

    def setUp(self):
        super().setUp()
        v = vectors()
        self.tx = v.op_hex("transaction_tz1_to_tz1")
        self.server = self.start_test_server(
            [v.key("ed25519_0"), v.key("ed25519_1")],
            {pkh_of("ed25519_0"): TRANSACTIONS, pkh_of("ed25519_1"): TRANSACTIONS})

    def set_policy(self, key_id, policy):
        self.server.policies[pkh_of(key_id)] = policy
        self.server.write_files()

    def check(self):
        return subprocess.run([cli_binary(), "-c", str(self.server.config_path), "config",
                               "check"], capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL)

    # ---- tests ---------------------------------------------------------------------
    def test_a_new_policy_is_followed_after_hup_and_a_request_in_flight_completes(self):
        self.sign_ok(vectors().key("ed25519_0"), self.tx)
        # A request in flight: its head and half its body are sent before the signal.
        body = ('"' + self.tx + '"').encode()
        sock = socket.create_connection(("127.0.0.1", self.server.port), timeout=HTTP_TIMEOUT_S)
        self.addCleanup(sock.close)
        sock.sendall((f"POST /keys/{pkh_of('ed25519_1')} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                      ).encode() + body[:len(body) // 2])
        self.set_policy("ed25519_0", BLOCKS_ONLY)
        self.hangup()
        sock.sendall(body[len(body) // 2:])
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        self.assertTrue(answer.startswith(b"HTTP/1.1 200 "), answer)
        self.assertIn(b'"signature":"edsig', answer)
        # The next request follows the new policy.
        self.assertTezosError(self.server.sign(pkh_of("ed25519_0"), self.tx), 403,
                              "request kind `generic' is not allowed")
        self.assertEqual(self.reloads(), {"success": 1, "failure": 0})

    def test_a_broken_config_is_refused_and_the_old_policy_stays(self):
        text = self.server.config_path.read_text()
        broken = text.replace("generic: [\"transaction\"]", "generic: [\"no_such_op\"]", 1)
        self.assertNotEqual(broken, text)
        line = next(n for n, l in enumerate(broken.splitlines(), 1) if "no_such_op" in l)
        self.server.config_path.write_text(broken)
        logged = self.hangup("Config reload failed")
        self.assertIn(f"{self.server.config_path}:{line}: ", logged)
        self.assertIn("invalid operation kind `no_such_op'", logged)
        self.sign_ok(vectors().key("ed25519_0"), self.tx)  # the old policy
        self.assertEqual(self.reloads(), {"success": 0, "failure": 1})
        # config check says the same, with the same file:line.
        r = self.check()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(f"{self.server.config_path}:{line}: ", r.stdout)
        self.assertIn(f"{self.server.config_path}: 1 problem\n", r.stdout)
        # Fixed: the next HUP applies it.
        self.server.config_path.write_text(text)
        self.hangup()
        self.assertEqual(self.reloads(), {"success": 1, "failure": 1})

    def test_a_key_added_to_the_file_vault_is_listed_and_signs(self):
        key = vectors().key("secp256k1_0")
        self.assertEqual(self.server.public_key(key["public_key_hash"]).status, 404)
        self.server.vault_keys.append(key)
        self.set_policy("secp256k1_0", TRANSACTIONS)
        logged = self.hangup()
        self.assertIn(key["public_key_hash"], logged)  # the key list of the new config
        resp = self.server.public_key(key["public_key_hash"])
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.json(), {"public_key": key["public_key"]})
        self.sign_ok(key, self.tx)

    def test_keep_alive_connections_survive_the_reload(self):
        clients = [KeepAliveClient(self.server.port) for _ in range(3)]
        for c in clients:
            self.addCleanup(c.close)
            self.assertSigned(c.sign(pkh_of("ed25519_0"), self.tx), vectors().key("ed25519_0"),
                              self.tx)
        sockets = [c.conn.sock for c in clients]
        self.set_policy("ed25519_0", BLOCKS_ONLY)
        self.hangup()
        for c, sock in zip(clients, sockets):
            self.assertTezosError(c.sign(pkh_of("ed25519_0"), self.tx), 403)
            self.assertSigned(c.sign(pkh_of("ed25519_1"), self.tx), vectors().key("ed25519_1"),
                              self.tx)
            self.assertIs(c.conn.sock, sock, "the connection was reopened")

    def test_listen_addresses_are_not_reloaded(self):
        old_port = self.server.port
        text = self.server.config_path.read_text()
        self.server.config_path.write_text(
            text.replace(f"address: 127.0.0.1:{old_port}", "address: 127.0.0.1:1", 1))
        logged = self.hangup()
        self.assertIn("server.address differs in the config file but is not reloaded", logged)
        self.assertAlive()

    def test_config_check_passes_on_the_running_config(self):
        r = self.check()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("vault `local' (file): 2 keys", r.stdout)
        self.assertTrue(r.stdout.endswith(f"{self.server.config_path}: OK\n"), r.stdout)

    def test_config_check_reports_every_problem(self):
        text = self.server.config_path.read_text()
        broken = (text.replace("driver: file", "driver: nosuch", 1)
                      .replace("generic: [\"transaction\"]", "generic: [\"no_such_op\"]", 1))
        self.server.config_path.write_text(broken)
        lines = broken.splitlines()
        vault_line = next(n for n, l in enumerate(lines, 1) if l.strip() == "local:")
        op_line = next(n for n, l in enumerate(lines, 1) if "no_such_op" in l)
        r = self.check()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(f"{self.server.config_path}:{vault_line}: vaults.local: ", r.stdout)
        self.assertIn(f"{self.server.config_path}:{op_line}: ", r.stdout)
        self.assertIn(f"{self.server.config_path}: 2 problems\n", r.stdout)


class ReloadAuthTest(ReloadCase):
    """Authorized keys and JWT users change on reload."""

    def start(self, server_lines):
        v = vectors()
        self.tx = v.op_hex("transaction_tz1_to_tz1")
        policy = dict(TRANSACTIONS)
        self.server = SignatoryServer([v.key("ed25519_0")], {pkh_of("ed25519_0"): policy},
                                      server_lines=server_lines)
        self.addCleanup(self.server.close)
        self.server.start()

    def rewrite(self, server_lines):
        self.server.server_lines = list(server_lines)
        self.server.write_files()

    def test_authorized_keys_change(self):
        v = vectors()
        one = ["  authorized_keys:", f"    - {v.key('ed25519_3')['public_key']}"]
        self.start(one)
        resp = self.server.request("GET", "/authorized_keys")
        self.assertEqual(resp.json(), {"authorized_keys": [pkh_of("ed25519_3")]})
        self.rewrite(one + [f"    - {v.key('ed25519_2')['public_key']}"])
        self.hangup()
        resp = self.server.request("GET", "/authorized_keys")
        self.assertEqual(resp.json(), {"authorized_keys": [pkh_of("ed25519_3"),
                                                           pkh_of("ed25519_2")]})

    def test_jwt_users_change_and_tokens_of_unchanged_users_stay_valid(self):
        self.start(jwt_lines([ALICE]))
        login = self.server.request("POST", "/login",
                                    headers={"username": ALICE[0], "password": ALICE[1]})
        self.assertEqual(login.status, 201, login)
        token = login.body.decode()
        bob = {"username": BOB[0], "password": BOB[1]}
        self.assertEqual(self.server.request("POST", "/login", headers=bob).status, 401)
        self.rewrite(jwt_lines([ALICE, BOB]))
        self.hangup()
        self.assertEqual(self.server.request("POST", "/login", headers=bob).status, 201)
        # alice's token, issued before the reload, still signs (her secret did not change).
        resp = self.server.sign(pkh_of("ed25519_0"), self.tx,
                                headers={"Authorization": f"Bearer {token}",
                                         "username": ALICE[0]})
        self.assertSigned(resp, vectors().key("ed25519_0"), self.tx)
        # A weak new user: refused, the old users stay.
        self.rewrite(jwt_lines([ALICE, BOB, ("carol", "short", "short")]))
        logged = self.hangup("Config reload failed")
        self.assertIn(f"{self.server.config_path}:", logged)
        self.assertIn("JWT: config validation failed for user carol", logged)
        self.assertEqual(self.server.request("POST", "/login", headers=bob).status, 201)
        self.assertEqual(self.reloads(), {"success": 1, "failure": 1})


if __name__ == "__main__":
    unittest.main()
