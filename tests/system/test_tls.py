"""System tests of native TLS (`server.tls: {cert, key, client_ca}`) on both servers.

A test CA, a server certificate for 127.0.0.1 and client certificates are made with the
`openssl` command in a temporary directory at the start of the run. Without `client_ca` the
signer API and the utility server speak HTTPS only (a plain HTTP request gets no answer). With
`client_ca` (mutual TLS) a client without a certificate, or with one from another CA, is
refused during the handshake; a verified certificate whose CN or DNS name is the tz… hash of an
authorized key authenticates sign requests as that key (no `authentication` parameter needed),
and the key's own `authorized_keys` restriction still applies.

Sessions resume on both servers, with and without client certificates: `openssl s_client
-sess_out` then `-sess_in` (TLS 1.2 and 1.3) must say `Reused` and get an answer, and `curl`
with several URLs (it resumes its own sessions) gets 200 for each. TLS 1.2 offers only AEAD
suites: a client offering only CBC-SHA1 (`ECDHE-ECDSA-AES128-SHA`) is refused.
"""

import http.client
import json
import shutil
import ssl
import subprocess
import tempfile
import unittest
from pathlib import Path

from harness import SignatoryServer, vectors
from server_case import ServerCase

POLICY = {"allow": {"generic": ["transaction"]}}
TX = "transaction_tz1_to_tz1"


class TestPki:
    """A CA (and a second, unrelated one) with server and client certificates (EC P-256)."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="signatory-tls-"))
        self._ca("ca")
        self._ca("rogue_ca")
        self.issue("server", "ca", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1",
                   "extendedKeyUsage=serverAuth")

    def path(self, name):
        return str(self.dir / name)

    def _openssl(self, *args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=self.dir)

    def _ca(self, name):
        self._openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                      "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2",
                      "-subj", f"/CN=signatory test {name}",
                      "-addext", "basicConstraints=critical,CA:TRUE",
                      "-addext", "keyUsage=critical,keyCertSign,cRLSign")

    def issue(self, name, ca, subject, *extensions):
        """Makes <name>.key/<name>.pem signed by `ca`."""
        self._openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                      "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", subject)
        ext = self.dir / f"{name}.ext"
        ext.write_text("\n".join(extensions) + "\n")
        self._openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey",
                      f"{ca}.key", "-CAcreateserial", "-out", f"{name}.pem", "-days", "2",
                      "-extfile", ext.name)
        return name

    def client_context(self, cert=None):
        ctx = ssl.create_default_context(cafile=self.path("ca.pem"))
        if cert:
            ctx.load_cert_chain(self.path(f"{cert}.pem"), self.path(f"{cert}.key"))
        return ctx

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


_PKI = None


def pki():
    global _PKI
    if _PKI is None:
        _PKI = TestPki()
        unittest.addModuleCleanup(_close_pki)
    return _PKI


def _close_pki():
    global _PKI
    if _PKI is not None:
        _PKI.close()
        _PKI = None


def tls_lines(client_ca=False):
    p = pki()
    lines = ["  tls:", f"    cert: {p.path('server.pem')}", f"    key: {p.path('server.key')}"]
    if client_ca:
        lines.append(f"    client_ca: {p.path('ca.pem')}")
    return lines


class SessionResumptionMixin:
    """Resumption and cipher checks with the real `openssl` and `curl` commands."""

    def s_client(self, port, *args, cert=None):
        """One connection with `openssl s_client`, one GET (/authorized_keys on the signer
        API, /healthz on the utility server); (rc, output)."""
        path = "/healthz" if port == self.server.utility_port else "/authorized_keys"
        cmd = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile",
               pki().path("ca.pem"), "-verify_return_error", "-ign_eof", *args]
        if cert:
            cmd += ["-cert", pki().path(f"{cert}.pem"), "-key", pki().path(f"{cert}.key")]
        r = subprocess.run(cmd, input=(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                  "Connection: close\r\n\r\n").encode(),
                           capture_output=True, timeout=20)
        return r.returncode, r.stdout.decode("utf-8", "replace") + r.stderr.decode("utf-8", "replace")

    def assertResumes(self, port, cert=None):
        for version in ("-tls1_2", "-tls1_3"):
            with self.subTest(version=version, port=port):
                sess = Path(tempfile.mkdtemp(prefix="signatory-sess-")) / "session.pem"
                self.addCleanup(shutil.rmtree, sess.parent, True)
                rc, out = self.s_client(port, version, "-sess_out", str(sess), cert=cert)
                self.assertEqual(rc, 0, out)
                self.assertIn("New, TLSv1.", out)
                self.assertIn("HTTP/1.1 200", out)
                self.assertTrue(sess.exists(), out)
                rc, out = self.s_client(port, version, "-sess_in", str(sess), cert=cert)
                self.assertEqual(rc, 0, out)
                self.assertIn("Reused, TLSv1.", out)
                self.assertIn("HTTP/1.1 200", out)
        self.assertAlive()

    def curl_codes(self, url, n=3, cert=None):
        """`curl URL URL …` (one process: later connections resume the first one's session);
        the HTTP status of each."""
        cmd = ["curl", "-sS", "--cacert", pki().path("ca.pem"), "-H", "Connection: close",
               "-w", "%{http_code}\n"]
        if cert:
            cmd += ["--cert", pki().path(f"{cert}.pem"), "--key", pki().path(f"{cert}.key")]
        r = subprocess.run(cmd + ["-o", "/dev/null"] * n + [url] * n, capture_output=True,
                           timeout=30)
        return r.stdout.decode().split(), r.stderr.decode()

    def assertCbcSha1Refused(self, port, cert=None):
        rc, out = self.s_client(port, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA", cert=cert)
        self.assertNotEqual(rc, 0, out)
        self.assertNotIn("HTTP/1.1 200", out)
        rc, out = self.s_client(port, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256",
                                cert=cert)
        self.assertEqual(rc, 0, out)
        self.assertIn("HTTP/1.1 200", out)
        self.assertAlive()


class TlsTest(SessionResumptionMixin, ServerCase):
    """server.tls without client_ca: HTTPS on both servers, any client."""

    @classmethod
    def setUpClass(cls):
        key = vectors().key("ed25519_0")
        cls.server = SignatoryServer([key], {key["public_key_hash"]: POLICY},
                                     server_lines=tls_lines())
        cls.server.tls_context = pki().client_context()
        cls.start_class(cls.server)

    def test_signs_over_https_with_a_certificate_the_client_verifies(self):
        self.sign_ok(vectors().key("ed25519_0"), vectors().op_hex(TX))
        self.assertAlive()

    def test_utility_server_is_https_too(self):
        resp = self.server.request("GET", "/healthz", utility=True)
        self.assertEqual((resp.status, resp.json()), (200, {"ready": True}))

    def test_plain_http_gets_no_answer(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=5)
        try:
            with self.assertRaises((ConnectionError, http.client.HTTPException, OSError)):
                conn.request("GET", "/authorized_keys")
                conn.getresponse().read()
        finally:
            conn.close()
        self.assertAlive()

    def test_a_client_that_does_not_trust_the_ca_refuses_the_server(self):
        ctx = ssl.create_default_context(cafile=pki().path("rogue_ca.pem"))
        with self.assertRaises(ssl.SSLCertVerificationError):
            self.server.request("GET", "/authorized_keys", tls_context=ctx)

    def test_sessions_resume_on_both_servers(self):
        self.assertResumes(self.server.port)
        self.assertResumes(self.server.utility_port)
        codes, err = self.curl_codes(f"https://127.0.0.1:{self.server.utility_port}/healthz")
        self.assertEqual(codes, ["200"] * 3, err)

    def test_cbc_sha1_suites_are_refused(self):
        self.assertCbcSha1Refused(self.server.port)
        self.assertCbcSha1Refused(self.server.utility_port)


class MutualTlsTest(SessionResumptionMixin, ServerCase):
    """server.tls with client_ca, and authorized keys ed25519_3 and p256_3; ed25519_0 accepts
    only ed25519_3, secp256k1_0 any authorized client."""

    @classmethod
    def setUpClass(cls):
        v = vectors()
        p = pki()
        cls.ed3 = v.key("ed25519_3")["public_key_hash"]
        cls.p3 = v.key("p256_3")["public_key_hash"]
        p.issue("client_ed3", "ca", f"/CN={cls.ed3}/O=baker", "extendedKeyUsage=clientAuth")
        p.issue("client_p3_san", "ca", "/CN=baker-two", f"subjectAltName=DNS:{cls.p3}",
                "extendedKeyUsage=clientAuth")
        p.issue("client_other", "ca", "/CN=monitoring", "extendedKeyUsage=clientAuth")
        p.issue("client_rogue", "rogue_ca", f"/CN={cls.ed3}", "extendedKeyUsage=clientAuth")
        ed0, sp0 = v.key("ed25519_0"), v.key("secp256k1_0")
        policies = {ed0["public_key_hash"]: dict(POLICY, authorized_keys=[v.key("ed25519_3")["public_key"]]),
                    sp0["public_key_hash"]: POLICY}
        lines = tls_lines(client_ca=True) + [
            "  authorized_keys:", f"    - {v.key('ed25519_3')['public_key']}",
            f"    - {v.key('p256_3')['public_key']}"]
        cls.server = SignatoryServer([ed0, sp0], policies, server_lines=lines)
        cls.server.tls_context = p.client_context("client_other")
        cls.start_class(cls.server)

    def sign(self, cert, key_id, query=""):
        key = vectors().key(key_id)
        return self.server.request("POST", f"/keys/{key['public_key_hash']}{query}",
                                   f'"{vectors().op_hex(TX)}"',
                                   tls_context=pki().client_context(cert))

    def assertRefusedAtHandshake(self, ctx):
        with self.assertRaises((ssl.SSLError, ConnectionError)):
            self.server.request("GET", "/authorized_keys", tls_context=ctx)
        self.assertAlive()

    def test_no_client_certificate_is_refused(self):
        self.assertRefusedAtHandshake(pki().client_context())

    def test_a_certificate_from_another_ca_is_refused(self):
        ctx = pki().client_context()
        ctx.load_cert_chain(pki().path("client_rogue.pem"), pki().path("client_rogue.key"))
        self.assertRefusedAtHandshake(ctx)

    def test_a_certificate_naming_an_authorized_key_authenticates(self):
        self.assertSigned(self.sign("client_ed3", "ed25519_0"), vectors().key("ed25519_0"),
                          vectors().op_hex(TX))

    def test_a_dns_name_works_as_well_and_per_key_restrictions_apply(self):
        self.assertTezosError(self.sign("client_p3_san", "ed25519_0"), 403,
                              f"client `{self.p3}' is not allowed")
        self.assertSigned(self.sign("client_p3_san", "secp256k1_0"),
                          vectors().key("secp256k1_0"), vectors().op_hex(TX))

    def test_a_certificate_naming_no_authorized_key_still_needs_the_signature(self):
        self.assertTezosError(self.sign("client_other", "ed25519_0"), 401,
                              "missing authentication signature field")

    def test_utility_server_needs_no_client_certificate(self):
        resp = self.server.request("GET", "/metrics", utility=True,
                                   tls_context=pki().client_context())
        self.assertEqual(resp.status, 200)

    def test_sessions_resume_with_client_certificates(self):
        self.assertResumes(self.server.port, cert="client_ed3")
        self.assertResumes(self.server.utility_port, cert="client_ed3")
        self.assertResumes(self.server.utility_port)

    def test_curl_resumes_and_every_request_is_answered_on_both_servers(self):
        codes, err = self.curl_codes(f"https://127.0.0.1:{self.server.port}/authorized_keys",
                                     cert="client_ed3")
        self.assertEqual(codes, ["200"] * 3, err)
        codes, err = self.curl_codes(f"https://127.0.0.1:{self.server.utility_port}/healthz")
        self.assertEqual(codes, ["200"] * 3, err)
        # Signing on resumed connections: the certificate still authenticates each request.
        key = vectors().key("ed25519_0")
        op = vectors().op_hex(TX)
        url = f"https://127.0.0.1:{self.server.port}/keys/{key['public_key_hash']}"
        r = subprocess.run(["curl", "-sS", "--cacert", pki().path("ca.pem"),
                            "--cert", pki().path("client_ed3.pem"),
                            "--key", pki().path("client_ed3.key"), "-H", "Connection: close",
                            "-H", "Content-Type: application/json", "-d", f'"{op}"',
                            "-w", "\n%{http_code}\n", url, url, url],
                           capture_output=True, timeout=30)
        lines = r.stdout.decode().split()
        self.assertEqual(lines[1::2], ["200"] * 3, r.stdout.decode() + r.stderr.decode())
        for body in lines[0::2]:
            sig = json.loads(body)["signature"]
            self.assertTrue(sig.startswith("edsig"), body)
            self._to_verify.append((op, key["public_key"], sig))  # checked by Taquito

    def test_cbc_sha1_suites_are_refused(self):
        self.assertCbcSha1Refused(self.server.port, cert="client_ed3")
        self.assertCbcSha1Refused(self.server.utility_port)
