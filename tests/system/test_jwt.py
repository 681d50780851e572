"""System tests of JWT authentication (`server.jwt`, Signatory's POST /login and pkg/middlewares/jwt.go).

Black box: a real `signatory serve` with JWT users. Tokens the server issues are checked
independently here (Python's hmac with the configured secret), and forged tokens are built
the same way: expired, tampered, `alg: none`, signed for another user, no token. Each has its
401 and Signatory's plain-text message; a user missing from a key's `jwt_users` gets 403.
Rotation (`new_data`, `old_cred_exp`) is checked for an immediate switch, an overlap window and
a switch that happens while the server runs. Weak credentials and JWT together with
authorized keys stop the server at start. No password, secret or token reaches the log.
"""

import base64
import hashlib
import hmac
import json
import time
import unittest

from harness import SignatoryServer, vectors
from server_case import ServerCase

ALICE = ("alice", "Alice-Passw0rd!xx", "Alice-S3cret!Alice-S3cret!Alice-S3cret!")
BOB = ("bob", "B0b-Passw0rd!Passw0rd!", "B0b-S3cret!B0b-S3cret!B0b-S3cret!xx")
ALICE_NEW = ("alice", "Alice-N3w-Passw0rd!", "Alice-N3w-S3cret!Alice-N3w-S3cret!xx")
POLICY = {"allow": {"generic": ["transaction"]}}
TX = "transaction_tz1_to_tz1"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def forge(claims, secret, header=None):
    """An HS256 token computed here, independently of the server."""
    head = b64url(json.dumps(header or {"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    mac = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(mac)}"


def jwt_lines(users, rotation=None):
    """`server.jwt` YAML lines; rotation: {"old_cred_exp": str or None} adds alice's new_data."""
    lines = ["  jwt:", "    users:"]
    for name, password, secret in users:
        lines += [f"      {name}:", f"        password: {json.dumps(password)}",
                  f"        secret: {json.dumps(secret)}"]
        if rotation is not None and name == "alice":
            if rotation.get("old_cred_exp"):
                lines.append(f"        old_cred_exp: {json.dumps(rotation['old_cred_exp'])}")
            lines += ["        new_data:", f"          password: {json.dumps(ALICE_NEW[1])}",
                      f"          secret: {json.dumps(ALICE_NEW[2])}", "          jwt_exp: 5"]
    return lines


def utc(seconds):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds))


class JwtCase(ServerCase):

    def start_jwt_server(self, users=(ALICE, BOB), rotation=None):
        v = vectors()
        ed0, sp0 = v.key("ed25519_0"), v.key("secp256k1_0")
        policies = {ed0["public_key_hash"]: dict(POLICY, jwt_users=["alice"]),
                    sp0["public_key_hash"]: POLICY}
        server = SignatoryServer([ed0, sp0], policies,
                                 server_lines=jwt_lines(users, rotation))
        self.addCleanup(server.close)
        server.start()
        return server

    def login(self, server, user, password):
        return server.request("POST", "/login", headers={"username": user, "password": password})

    def token(self, server, user, password):
        resp = self.login(server, user, password)
        self.assertEqual(resp.status, 201, resp)
        return resp.body.decode()

    def sign_as(self, server, user, token, key_id="ed25519_0"):
        key = vectors().key(key_id)
        headers = {"username": user}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return server.sign(key["public_key_hash"], vectors().op_hex(TX), headers=headers)

    def assertUnauthorized(self, resp, text):
        self.assertEqual(resp.status, 401, resp)
        self.assertTrue(resp.headers.get("content-type", "").startswith("text/plain"), resp.headers)
        self.assertEqual(resp.body.decode(), text)


class JwtTest(JwtCase):

    @classmethod
    def setUpClass(cls):
        v = vectors()
        ed0, sp0 = v.key("ed25519_0"), v.key("secp256k1_0")
        policies = {ed0["public_key_hash"]: dict(POLICY, jwt_users=["alice"]),
                    sp0["public_key_hash"]: POLICY}
        cls.server = SignatoryServer([ed0, sp0], policies, server_lines=jwt_lines([ALICE, BOB]))
        cls.start_class(cls.server)

    def test_login_issues_an_hs256_token_signed_with_the_users_secret(self):
        before = int(time.time())
        token = self.token(self.server, *ALICE[:2])
        head, body, sig = token.split(".")
        self.assertEqual(json.loads(unb64url(head)), {"alg": "HS256", "typ": "JWT"})
        claims = json.loads(unb64url(body))
        self.assertEqual(claims["user"], "alice")
        # jwt_exp absent: 60 minutes from the login.
        self.assertGreaterEqual(claims["exp"], before + 3600)
        self.assertLessEqual(claims["exp"], int(time.time()) + 3600)
        expected = hmac.new(ALICE[2].encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
        self.assertEqual(unb64url(sig), expected)
        self.assertSigned(self.sign_as(self.server, "alice", token), vectors().key("ed25519_0"),
                          vectors().op_hex(TX))

    def test_bad_password_and_missing_headers_are_refused(self):
        self.assertUnauthorized(self.login(self.server, "alice", BOB[1]), "Access denied")
        self.assertUnauthorized(self.login(self.server, "mallory", ALICE[1]), "Access denied")
        self.assertUnauthorized(self.server.request("POST", "/login", headers={"username": "alice"}),
                                "username and password required")
        self.assertEqual(self.server.request("GET", "/login").status, 405)

    def test_missing_token(self):
        self.assertUnauthorized(self.sign_as(self.server, "alice", None), "token required")
        key = vectors().key("ed25519_0")
        self.assertUnauthorized(self.server.public_key(key["public_key_hash"]), "token required")

    def test_expired_token(self):
        token = forge({"exp": int(time.time()) - 5, "user": "alice"}, ALICE[2])
        self.assertUnauthorized(self.sign_as(self.server, "alice", token),
                                "token has invalid claims: token is expired")

    def test_tampered_token(self):
        token = self.token(self.server, *ALICE[:2])
        head, body, sig = token.split(".")
        claims = json.loads(unb64url(body))
        claims["exp"] += 3600  # a longer life, same signature
        tampered = f"{head}.{b64url(json.dumps(claims).encode())}.{sig}"
        self.assertUnauthorized(self.sign_as(self.server, "alice", tampered),
                                "token signature is invalid: signature is invalid")
        flipped = f"{head}.{body}.{sig[:-2]}{'A' if sig[-2] != 'A' else 'B'}{sig[-1]}"
        self.assertUnauthorized(self.sign_as(self.server, "alice", flipped),
                                "token signature is invalid: signature is invalid")

    def test_alg_none_and_other_algorithms_are_refused(self):
        claims = {"exp": int(time.time()) + 600, "user": "alice"}
        none = (b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode()) + "." +
                b64url(json.dumps(claims).encode()) + ".")
        self.assertUnauthorized(self.sign_as(self.server, "alice", none),
                                "token signature is invalid: 'none' signature type is not allowed")
        hs512 = forge(claims, ALICE[2], header={"alg": "HS512", "typ": "JWT"})
        self.assertUnauthorized(self.sign_as(self.server, "alice", hs512),
                                "token is unverifiable: signing method HS512 is not accepted "
                                "(only HS256)")

    def test_token_of_another_user(self):
        bob = self.token(self.server, *BOB[:2])
        # Bob's token presented as alice: checked with alice's secret.
        self.assertUnauthorized(self.sign_as(self.server, "alice", bob),
                                "token signature is invalid: signature is invalid")
        # Signed with alice's secret but claiming bob, presented as alice.
        claims_bob = forge({"exp": int(time.time()) + 600, "user": "bob"}, ALICE[2])
        self.assertUnauthorized(self.sign_as(self.server, "alice", claims_bob), "JWT: invalid token")
        self.assertIn("Suspicious activity detected", self.server.log_text())
        self.assertUnauthorized(self.sign_as(self.server, "carol", bob), "JWT: user not found")

    def test_per_key_jwt_users(self):
        bob = self.token(self.server, *BOB[:2])
        ed0, sp0 = vectors().key("ed25519_0"), vectors().key("secp256k1_0")
        self.assertTezosError(self.sign_as(self.server, "bob", bob), 403,
                              f"user `bob' is not authorized to access {ed0['public_key_hash']}")
        self.assertSigned(self.sign_as(self.server, "bob", bob, "secp256k1_0"), sp0,
                          vectors().op_hex(TX))

    def test_no_password_secret_or_token_in_the_log(self):
        tokens = [self.token(self.server, *ALICE[:2]), self.token(self.server, *BOB[:2])]
        self.sign_as(self.server, "alice", tokens[0])
        self.login(self.server, "alice", "Wrong-Passw0rd!xxx")
        log = self.server.log_text()
        for text in (ALICE[1], ALICE[2], BOB[1], BOB[2], "Wrong-Passw0rd!xxx", *tokens):
            self.assertNotIn(text, log)
        for token in tokens:
            self.assertNotIn(token.split(".")[2], log)
        self.assertIn("POST /login", log)


class RotationTest(JwtCase):

    def test_no_old_cred_exp_switches_at_start(self):
        server = self.start_jwt_server(rotation={})
        self.assertUnauthorized(self.login(server, *ALICE[:2]), "Access denied")
        token = self.token(server, *ALICE_NEW[:2])
        claims = json.loads(unb64url(token.split(".")[1]))
        self.assertLessEqual(claims["exp"], int(time.time()) + 5 * 60)  # new jwt_exp: 5
        self.assertEqual(self.sign_as(server, "alice", token).status, 200)
        old = forge({"exp": int(time.time()) + 600, "user": "alice"}, ALICE[2])
        self.assertUnauthorized(self.sign_as(server, "alice", old),
                                "token signature is invalid: signature is invalid")
        self.assertIn("JWT: Applied new credentials for user alice", server.log_text())

    def test_both_credentials_work_until_old_cred_exp(self):
        server = self.start_jwt_server(rotation={"old_cred_exp": utc(time.time() + 3600)})
        old = self.token(server, *ALICE[:2])
        new = self.token(server, *ALICE_NEW[:2])
        self.assertEqual(unb64url(old.split(".")[2]),
                         hmac.new(ALICE[2].encode(), old.rsplit(".", 1)[0].encode(),
                                  hashlib.sha256).digest())
        self.assertEqual(unb64url(new.split(".")[2]),
                         hmac.new(ALICE_NEW[2].encode(), new.rsplit(".", 1)[0].encode(),
                                  hashlib.sha256).digest())
        for token in (old, new):
            self.assertEqual(self.sign_as(server, "alice", token).status, 200)
        self.assertIn("JWT: Scheduled credential rotation for user alice in", server.log_text())

    def test_the_switch_happens_while_running(self):
        switch_at = int(time.time()) + 3
        server = self.start_jwt_server(rotation={"old_cred_exp": utc(switch_at)})
        if time.time() < switch_at - 1:  # the machine may be slow: only checked when in time
            self.assertEqual(self.login(server, *ALICE[:2]).status, 201)
        deadline = time.monotonic() + 60
        while self.login(server, *ALICE[:2]).status == 201:
            self.assertLess(time.monotonic(), deadline, "old credentials still accepted")
            time.sleep(0.2)
        self.assertGreaterEqual(time.time(), switch_at - 1)
        self.assertUnauthorized(self.login(server, *ALICE[:2]), "Access denied")
        token = self.token(server, *ALICE_NEW[:2])
        self.assertEqual(self.sign_as(server, "alice", token).status, 200)
        old = forge({"exp": int(time.time()) + 600, "user": "alice"}, ALICE[2])
        self.assertUnauthorized(self.sign_as(server, "alice", old),
                                "token signature is invalid: signature is invalid")


class JwtConfigTest(unittest.TestCase):

    def refused(self, server_lines, words):
        key = vectors().key("ed25519_0")
        server = SignatoryServer([key], {key["public_key_hash"]: POLICY}, server_lines=server_lines)
        self.addCleanup(server.close)
        rc = server.run_until_exit(10)
        self.assertIsNotNone(rc, "server kept running")
        self.assertNotEqual(rc, 0)
        self.assertIn(words, server.log_text())
        return server.log_text()

    def test_weak_password_stops_the_server(self):
        log = self.refused(jwt_lines([("alice", "password", ALICE[2])]),
                           "JWT: config validation failed for user alice: password should be at "
                           "least 16 characters")
        self.assertNotIn(ALICE[2], log)

    def test_weak_secret_stops_the_server(self):
        self.refused(jwt_lines([("alice", ALICE[1], "short-S3cret!")]),
                     "JWT: config validation failed for user alice: secret should be at least 32 "
                     "characters")

    def test_jwt_and_authorized_keys_together_stop_the_server(self):
        lines = jwt_lines([ALICE]) + ["  authorized_keys:",
                                      f"    - {vectors().key('ed25519_3')['public_key']}"]
        self.refused(lines, "cannot use both JWT and static authorized keys")
