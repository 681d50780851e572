"""System tests of the signer HTTP API: routes, keys, signing and malformed requests.

Black box: a real `signatory serve` with a file vault of tz1/tz2/tz3 keys from the shared
vectors. Ed25519 signatures must equal the deterministic vectors of signatures.json;
ECDSA signatures are verified by Taquito (see server_case.py). After every malformed
request the server must still answer.
"""

import http.client
import json
import socket
import threading
import unittest

import harness
from harness import vectors
from server_case import PUBLIC_KEY_PREFIX, ServerCase

SIGNING_KEYS = ("ed25519_0", "secp256k1_0", "p256_0")
CONFIG_ONLY_KEY = "ed25519_1"  # listed in `tezos:` but in no vault
VAULT_ONLY_KEY = "ed25519_2"   # in the vault but not listed in `tezos:`
# A valid tz1 that is nowhere (bootstrap-style key from http.json's unknown_key scenario).
UNKNOWN_PKH = "tz1XaWzTdY8fZ9BDBuUnHcF1J15a4qiyErQ4"

GENERIC_OPS = ["transaction", "reveal", "delegation", "origination", "failing_noop"]
FULL_POLICY = {"allow": {"generic": GENERIC_OPS, "block": None, "preattestation": None,
                         "attestation": None, "attestation_with_dal": None}}


def raw_http(port, head, body_chunks=(), timeout=10.0):
    """Send raw bytes; if the server has not answered after the head, send the body.
    Returns (status or None, raw response bytes). Tolerates the server closing early."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    data = b""
    try:
        sock.sendall(head)
        sock.settimeout(0.5)
        early = None
        try:
            early = sock.recv(65536)
        except socket.timeout:
            pass
        except ConnectionResetError:
            early = b""
        if early is None:
            try:
                for chunk in body_chunks:
                    sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
        else:
            data = early
        sock.settimeout(timeout)
        while True:
            if _complete(data):
                break
            try:
                more = sock.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not more:
                break
            data += more
    finally:
        sock.close()
    status = None
    if data.startswith(b"HTTP/1."):
        status = int(data.split(b" ", 2)[1])
    return status, data


def _complete(data):
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value.strip())
        if name.strip().lower() == b"transfer-encoding" and b"chunked" in value.lower():
            return body.endswith(b"0\r\n\r\n")
    return False


class KeysAndRoutesTest(ServerCase):
    """GET /keys, POST /keys for every curve, /authorized_keys, unknown routes and methods."""

    @classmethod
    def setUpClass(cls):
        v = vectors()
        vault = [v.key(k) for k in SIGNING_KEYS + (VAULT_ONLY_KEY,)]
        policies = {v.key(k)["public_key_hash"]: FULL_POLICY
                    for k in SIGNING_KEYS + (CONFIG_ONLY_KEY,)}
        cls.start_class_server(vault, policies)

    def test_get_public_key_every_curve(self):
        for key_id in SIGNING_KEYS:
            key = vectors().key(key_id)
            with self.subTest(key=key_id):
                resp = self.server.public_key(key["public_key_hash"])
                self.assertEqual(resp.status, 200, resp)
                self.assertTrue(resp.headers["content-type"].startswith("application/json"))
                self.assertEqual(resp.json(), {"public_key": key["public_key"]})
                self.assertTrue(resp.json()["public_key"].startswith(
                    PUBLIC_KEY_PREFIX[key["curve"]]))

    def test_get_public_key_with_json_content_type(self):
        # Taquito sends Content-Type: application/json on GET too.
        key = vectors().key("ed25519_0")
        resp = self.server.request("GET", f"/keys/{key['public_key_hash']}",
                                   headers={"Content-Type": "application/json"})
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.json(), {"public_key": key["public_key"]})

    def test_get_public_key_of_vault_key_not_in_config(self):
        # No policy check on GET: any key of any vault is returned.
        key = vectors().key(VAULT_ONLY_KEY)
        resp = self.server.public_key(key["public_key_hash"])
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.json(), {"public_key": key["public_key"]})

    def test_get_public_key_not_in_any_vault(self):
        for pkh in (vectors().key(CONFIG_ONLY_KEY)["public_key_hash"], UNKNOWN_PKH):
            with self.subTest(pkh=pkh):
                self.assertTezosError(self.server.public_key(pkh), 404,
                                      "this key not found in any vault")

    def test_sign_generic_operation_every_curve(self):
        v = vectors()
        message = v.op_hex("transaction_tz1_to_tz1")
        other = v.op_hex("transaction_to_tz2")
        for key_id in SIGNING_KEYS:
            key = v.key(key_id)
            with self.subTest(key=key_id):
                sig = self.sign_ok(key, message)
                sig_other = self.sign_ok(key, other)
                self.assertNotEqual(sig, sig_other, "two payloads, one signature")
                expected = v.signatures[(key_id, "generic_operation")]
                self.assertEqual(expected["message_hex"], message)
                if expected["deterministic"]:
                    self.assertEqual(sig, expected["signature"])

    def test_sign_accepts_uppercase_hex_and_surrounding_whitespace(self):
        key = vectors().key("ed25519_0")
        expected = vectors().signatures[("ed25519_0", "generic_operation")]
        pkh = key["public_key_hash"]
        for body in (json.dumps(expected["message_hex"].upper()),
                     " " + json.dumps(expected["message_hex"]) + "\n"):
            with self.subTest(body=body[:12]):
                resp = self.server.request("POST", f"/keys/{pkh}", body)
                self.assertEqual(self.assertSigned(resp, key, expected["message_hex"]),
                                 expected["signature"])

    def test_sign_version_query_does_not_change_non_bls_signature(self):
        key = vectors().key("ed25519_0")
        expected = vectors().signatures[("ed25519_0", "generic_operation")]
        for query in ("?version=0", "?version=1", "?version=2", "?version=junk"):
            with self.subTest(query=query):
                resp = self.server.sign(key["public_key_hash"], expected["message_hex"], query)
                self.assertEqual(self.assertSigned(resp, key, expected["message_hex"]),
                                 expected["signature"])

    def test_sign_key_not_listed_in_config(self):
        v = vectors()
        message = v.op_hex("transaction_tz1_to_tz1")
        for pkh in (v.key(VAULT_ONLY_KEY)["public_key_hash"], UNKNOWN_PKH):
            with self.subTest(pkh=pkh):
                self.assertTezosError(self.server.sign(pkh, message), 403,
                                      f"{pkh} is not listed in config")

    def test_sign_key_listed_but_in_no_vault(self):
        v = vectors()
        pkh = v.key(CONFIG_ONLY_KEY)["public_key_hash"]
        self.assertTezosError(self.server.sign(pkh, v.op_hex("transaction_tz1_to_tz1")), 404,
                              "this key not found in any vault")

    def test_authorized_keys_empty(self):
        resp = self.server.request("GET", "/authorized_keys")
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.json(), {})

    def test_unknown_routes_are_404(self):
        pkh = vectors().key("ed25519_0")["public_key_hash"]
        for path in ("/", "/nope", "/keys", "/keys/", f"/keys/{pkh}/deterministic_nonce",
                     "/known_keys", "/healthz"):
            with self.subTest(path=path):
                resp = self.server.request("GET", path)
                self.assertEqual(resp.status, 404, resp)
        self.assertAlive()

    def test_wrong_method_is_405(self):
        pkh = vectors().key("ed25519_0")["public_key_hash"]
        for method, path in (("PUT", f"/keys/{pkh}"), ("DELETE", f"/keys/{pkh}"),
                             ("PATCH", f"/keys/{pkh}"), ("POST", "/authorized_keys"),
                             ("DELETE", "/authorized_keys")):
            with self.subTest(method=method, path=path):
                resp = self.server.request(method, path, "" if method != "DELETE" else None)
                self.assertEqual(resp.status, 405, resp)
        self.assertAlive()

    def test_keep_alive_serves_several_requests_on_one_connection(self):
        key = vectors().key("ed25519_0")
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        try:
            for _ in range(3):
                conn.request("GET", f"/keys/{key['public_key_hash']}")
                resp = conn.getresponse()
                self.assertEqual(resp.status, 200)
                self.assertEqual(json.loads(resp.read()), {"public_key": key["public_key"]})
        finally:
            conn.close()

    def test_stalled_client_does_not_block_others(self):
        # A client that sends half a request head and stops must not stall the server.
        stalled = socket.create_connection(("127.0.0.1", self.server.port), timeout=5)
        try:
            stalled.sendall(b"POST /keys/tz1 HTTP/1.1\r\nHost: x\r\nContent-Le")
            results = []
            threads = [threading.Thread(target=lambda: results.append(
                self.server.public_key(vectors().key("ed25519_0")["public_key_hash"]).status))
                for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(15)
            self.assertEqual(results, [200] * 4)
        finally:
            stalled.close()

    def test_utility_healthz(self):
        resp = self.server.request("GET", "/healthz", utility=True)
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.json(), {"ready": True})
        self.assertEqual(self.server.request("GET", "/nope", utility=True).status, 404)


class SignatureVectorsTest(ServerCase):
    """Every signable message of signatures.json, for one key of each curve: ed25519 must
    match byte for byte, ECDSA must verify."""

    @classmethod
    def setUpClass(cls):
        v = vectors()
        cls.start_class_server([v.key(k) for k in SIGNING_KEYS],
                               {v.key(k)["public_key_hash"]: FULL_POLICY for k in SIGNING_KEYS})

    def test_signatures_match_vectors(self):
        v = vectors()
        kinds = ("generic_operation", "generic_operation_batch",
                 "generic_failing_noop_1000_bytes", "block", "block_with_seed_nonce_hash",
                 "preattestation", "attestation", "attestation_with_dal")
        for key_id in SIGNING_KEYS:
            key = v.key(key_id)
            for kind in kinds:
                vec = v.signatures[(key_id, kind)]
                with self.subTest(key=key_id, kind=kind):
                    sig = self.sign_ok(key, vec["message_hex"])
                    if vec["deterministic"]:
                        self.assertEqual(sig, vec["signature"])


class MalformedRequestTest(ServerCase):
    """Bad paths, bodies and payloads get a clear 4xx and never hurt the server."""

    @classmethod
    def setUpClass(cls):
        v = vectors()
        key = v.key("ed25519_0")
        cls.pkh = key["public_key_hash"]
        cls.start_class_server([key], {cls.pkh: FULL_POLICY})

    def post_raw(self, body, pkh=None):
        return self.server.request("POST", f"/keys/{pkh or self.pkh}", body)

    def test_bad_pkh(self):
        good = self.pkh
        bad_checksum = good[:-1] + ("a" if good[-1] != "a" else "b")
        message = vectors().op_hex("transaction_tz1_to_tz1")
        for pkh in ("tz1", "tz1abc", bad_checksum, "KT1PWx2mnDueood7fEmfbBDKx1D9BAnnXitn",
                    "edpkv97WyywyqE3fcJNQLGAuNe1rx5yBP8dk6aWspcNhxskhB8qF2P", "0" * 36,
                    "tz1%00", "tz1" + "1" * 200):
            with self.subTest(pkh=pkh):
                self.assertTezosError(self.server.sign(pkh, message), 400)
                self.assertTezosError(self.server.public_key(pkh), 400)
                self.assertAlive()

    def test_bad_json_body(self):
        for body in (b"", b"03", b"{}", b'{"a":1}', b"[]", b"null", b"123", b'"03',
                     b'"0300" x', b"\xff\xfe", b'["03"]', b'"\\u0030\\u0033'):
            with self.subTest(body=body):
                self.assertTezosError(self.post_raw(body), 400)
                self.assertAlive()

    def test_bad_hex(self):
        for body in ('"zz"', '"0"', '"03a"', '"0x03"', '"03 00"', '"gg00"', '""'):
            with self.subTest(body=body):
                self.assertTezosError(self.post_raw(body), 400)
                self.assertAlive()

    def test_unsignable_magic_bytes(self):
        v = vectors()
        raw = [v.signatures[("ed25519_0", k)]["message_hex"]
               for k in ("raw_ascii", "raw_single_byte_ff", "raw_4096_bytes")]
        # 0x01/0x02: legacy Emmy; 0x04: client-authentication bytes; others unknown.
        tail = v.op_hex("transaction_tz1_to_tz1")[2:]
        for message in raw + ["01" + tail, "02" + tail, "04" + tail, "00" + tail, "06" + tail,
                              "03", "11", "12", "13"]:
            with self.subTest(message=message[:10]):
                self.assertTezosError(self.server.sign(self.pkh, message), 400)
                self.assertAlive()

    def test_malformed_operations_from_vectors(self):
        v = vectors()
        cases = [(n["id"], n["hex"]) for n in v.malformed]
        cases += [(o["id"], o["signing_bytes_hex"]) for o in v.operations.values()
                  if o.get("octez_rejects")]
        self.assertGreater(len(cases), 30)
        for case_id, message in cases:
            with self.subTest(case=case_id):
                self.assertTezosError(self.server.sign(self.pkh, message), 400)
        self.assertAlive()

    def test_truncated_consensus_requests(self):
        v = vectors()
        for message in (v.consensus["attestation_mainnet_r0"]["sign_request_hex"],
                        v.consensus["preattestation_mainnet_r0"]["sign_request_hex"],
                        v.blocks["block_mainnet_12180922_shape"]["sign_request_hex"]):
            for cut in (2, 10, 41 * 2, len(message) - 2):
                with self.subTest(magic=message[:2], cut=cut):
                    self.assertTezosError(self.server.sign(self.pkh, message[:cut]), 400)
        self.assertAlive()

    def test_body_over_limit_is_413(self):
        limit = harness.body_limit()
        body = b'"' + b"0" * (limit - 1) + b'"'  # limit + 1 bytes
        head = (f"POST /keys/{self.pkh} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        chunks = [body[i:i + 65536] for i in range(0, len(body), 65536)]
        status, data = raw_http(self.server.port, head, chunks)
        self.assertEqual(status, 413, data[:300])
        self.assertAlive()

    def test_chunked_body_over_limit_is_413(self):
        limit = harness.body_limit()
        head = (f"POST /keys/{self.pkh} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
        piece = b"0" * 65536
        n = limit // len(piece) + 2
        chunks = [b'1\r\n"\r\n'] + [b"10000\r\n" + piece + b"\r\n"] * n + [b"0\r\n\r\n"]
        status, data = raw_http(self.server.port, head, chunks)
        self.assertEqual(status, 413, data[:300])
        self.assertAlive()

    def test_body_under_limit_is_not_413(self):
        # A large but allowed body reaches the decoder (0x03 + zeros is not a valid operation).
        limit = harness.body_limit()
        hex_len = (limit - 4096) // 2 * 2
        resp = self.post_raw(json.dumps("03" + "0" * (hex_len - 2)))
        self.assertTezosError(resp, 400)
        self.assertAlive()

    def test_chunked_body_is_accepted(self):
        v = vectors()
        expected = v.signatures[("ed25519_0", "generic_operation")]
        body = json.dumps(expected["message_hex"]).encode()
        half = len(body) // 2
        head = (f"POST /keys/{self.pkh} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
        chunks = [f"{half:x}\r\n".encode() + body[:half] + b"\r\n",
                  f"{len(body) - half:x}\r\n".encode() + body[half:] + b"\r\n", b"0\r\n\r\n"]
        status, data = raw_http(self.server.port, head, chunks)
        self.assertEqual(status, 200, data[:300])
        self.assertIn(expected["signature"].encode(), data)

    def test_garbage_http(self):
        for raw in (b"GARBAGE\r\n\r\n", b"\x00\x01\x02\x03\r\n\r\n",
                    b"GET /keys HTTP/9.9\r\n\r\n",
                    b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"a" * 200000 + b"\r\n\r\n",
                    b"POST /keys/" + self.pkh.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                    b"Content-Length: -5\r\n\r\n",
                    b"POST /keys/" + self.pkh.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                    b"Content-Length: 99999999999999999999999\r\n\r\n"):
            with self.subTest(raw=raw[:30]):
                status, _ = raw_http(self.server.port, raw)
                # A 4xx, 505 (version not supported) or a closed connection are all fine.
                self.assertTrue(status is None or 400 <= status < 500 or status == 505, status)
                self.assertAlive()

    def test_very_long_path(self):
        status, _ = raw_http(self.server.port,
                             b"GET /keys/" + b"x" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertTrue(status is None or 400 <= status < 500, status)
        self.assertAlive()


if __name__ == "__main__":
    unittest.main()
