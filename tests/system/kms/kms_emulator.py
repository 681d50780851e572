#!/usr/bin/env python3
"""AWS KMS emulator for the signer's tests: moto's own server (moto 5.2.1, used as a library,
unchanged) with three fixes so that it answers as real KMS does (AWS KMS API
Reference: Sign, GetPublicKey):

* Sign with MessageType DIGEST signs the given bytes as a prehashed digest instead of hashing
  them again, and rejects a digest of the wrong length with ValidationException;
* Sign and GetPublicKey answer DisabledException for a disabled key and
  KMSInvalidStateException for a key pending deletion;
* GetPublicKey answers UnsupportedOperationException for symmetric and HMAC keys (moto would
  return an RSA public key for them).

SigV4 checking is moto's: set INITIAL_NO_AUTH_ACTION_COUNT=N in the environment to leave the
first N requests unchecked (enough to create an IAM user and its access key).

Fault injection (for tests/system/kms/test_kms_faults.py), switchable while it runs, through
two unauthenticated routes that never reach moto:

* `POST /_emulator/faults` with a JSON body
  `{"mode": M, "operation": "Sign", "key_id": ID, "count": N, "hang_seconds": S}` adds a rule:
  requests for `operation` (default Sign; "*" for any) on key `ID` (a key id or an ARN; absent:
  every key) get fault M, for the next N such requests (absent: until cleared). Modes:
  `throttle` (HTTP 400 ThrottlingException), `internal` (HTTP 500 InternalFailure), `reset`
  (the connection is closed with a TCP RST before any answer), `hang` (no answer for S seconds,
  default 60, or until the rules are cleared; then the real answer), `none` (clears all rules).
* `GET /_emulator/requests` answers how many requests reached the emulator, faulted or not:
  `{"<Operation>": {"<key id or empty>": count}}`.
* `POST /_emulator/phantom_keys` with `{"count": N}`: ListKeys answers, in one page, the real
  keys followed by N made-up key ids that exist nowhere (GetPublicKey and Sign on them answer
  moto's NotFoundException, as KMS does for a key the account cannot see); 0 turns it off.
  Such ListKeys answers are made here, without moto's SigV4 check.
Without rules the emulator behaves exactly as before.

Usage: python3 kms_emulator.py -H 127.0.0.1 -p PORT   (moto_server's flags: -H -p -s -c -k).
Binds 127.0.0.1 unless told otherwise; never contacts any other host.
Thread-safety: the fault rules and counters are guarded by one lock (werkzeug serves each
connection on its own thread).
"""

import base64
import io
import json
import os
import socket
import struct
import sys
import threading
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
from moto.core.exceptions import JsonRESTError
from moto.kms.exceptions import ValidationException
from moto.kms.responses import KmsResponse
from moto.kms.utils import ECDSAPrivateKey
import moto.server


class DisabledException(JsonRESTError):
    code = 400

    def __init__(self, message):
        super().__init__("DisabledException", message)


class KMSInvalidStateException(JsonRESTError):
    code = 400

    def __init__(self, message):
        super().__init__("KMSInvalidStateException", message)


class UnsupportedOperationException(JsonRESTError):
    code = 400

    def __init__(self, message):
        super().__init__("UnsupportedOperationException", message)


HASHES = {
    "ECDSA_SHA_256": hashes.SHA256,
    "ECDSA_SHA_384": hashes.SHA384,
    "ECDSA_SHA_512": hashes.SHA512,
}


def _usable_key(response, key_id):
    """The key behind key_id, after the state checks real KMS makes before Sign/GetPublicKey."""
    response._validate_key_id(key_id)
    key = response.kms_backend.describe_key(key_id)
    if key.key_state == "PendingDeletion":
        raise KMSInvalidStateException(f"{key.arn} is pending deletion.")
    if key.key_state == "Disabled" or not key.enabled:
        raise DisabledException(f"{key.arn} is disabled.")
    return key


_original_sign = KmsResponse.sign
_original_get_public_key = KmsResponse.get_public_key


def sign(self):
    key = _usable_key(self, self._get_param("KeyId"))
    if self._get_param("MessageType") != "DIGEST":
        return _original_sign(self)
    algorithm = self._get_param("SigningAlgorithm")
    message = self._get_param("Message")  # moto has already base64-decoded it
    if key.key_usage != "SIGN_VERIFY":
        raise ValidationException(
            f"1 validation error detected: Value '{key.id}' at 'KeyId' failed to satisfy "
            "constraint: Member must point to a key with usage: 'SIGN_VERIFY'"
        )
    if algorithm not in key.signing_algorithms:
        raise ValidationException(
            f"1 validation error detected: Value '{algorithm}' at 'SigningAlgorithm' failed to "
            f"satisfy constraint: Member must satisfy enum value set: {key.signing_algorithms}"
        )
    if not isinstance(key.private_key, ECDSAPrivateKey) or algorithm not in HASHES:
        raise ValidationException("this emulator signs DIGEST messages with ECC keys only")
    digest_algorithm = HASHES[algorithm]()
    if len(message) != digest_algorithm.digest_size:
        raise ValidationException(f"Digest is invalid length for algorithm {algorithm}.")
    signature = key.private_key.private_key.sign(
        message, ec.ECDSA(utils.Prehashed(digest_algorithm))
    )
    return json.dumps(
        {
            "KeyId": key.arn,
            "Signature": base64.b64encode(signature).decode("ascii"),
            "SigningAlgorithm": algorithm,
        }
    )


def get_public_key(self):
    key = _usable_key(self, self._get_param("KeyId"))
    if key.key_spec == "SYMMETRIC_DEFAULT" or key.key_spec.startswith("HMAC"):
        raise UnsupportedOperationException(
            f"{key.arn} key usage is {key.key_usage} which is not valid for GetPublicKey."
        )
    return _original_get_public_key(self)


KmsResponse.sign = sign
KmsResponse.get_public_key = get_public_key

FAULT_MODES = ("throttle", "internal", "reset", "hang", "none")


def _region_of(environ):
    """The region in the request's SigV4 credential scope (us-east-1 when absent)."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    try:
        return auth.split("Credential=", 1)[1].split("/")[2]
    except IndexError:
        return "us-east-1"


def _account_of(keys):
    """The account of the real keys' ARNs (moto's default account when there are none)."""
    for k in keys:
        return k["KeyArn"].split(":")[4]
    return "123456789012"


def _bare_key_id(key_id):
    """`arn:aws:kms:<region>:<account>:key/<id>` → `<id>`; a bare id is returned as it is."""
    return key_id.rsplit("key/", 1)[-1] if key_id else ""


class FaultInjector:
    """WSGI middleware in front of moto: counts KMS requests and applies the fault rules."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.rules = []  # dicts: mode, operation, key_id, remaining (None: unlimited), hang
        self.generation = 0  # bumped when the rules are cleared (ends hangs)
        self.counts = {}
        self.phantoms = 0

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/_emulator/faults" and environ.get("REQUEST_METHOD") == "POST":
            return self._set_fault(environ, start_response)
        if path == "/_emulator/phantom_keys" and environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            try:
                count = int(json.loads(environ["wsgi.input"].read(length) or b"{}")["count"])
            except (ValueError, KeyError, TypeError) as e:
                return self._answer(start_response, "400 Bad Request",
                                    json.dumps({"error": str(e)}), "application/json")
            with self.lock:
                self.phantoms = max(count, 0)
            return self._answer(start_response, "200 OK", json.dumps({"ok": True}),
                                "application/json")
        if path == "/_emulator/requests" and environ.get("REQUEST_METHOD") == "GET":
            with self.lock:
                body = json.dumps(self.counts)
            return self._answer(start_response, "200 OK", body, "application/json")
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith("TrentService."):
            return self.app(environ, start_response)
        operation = target.split(".", 1)[1]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        try:
            key_id = _bare_key_id(json.loads(raw or b"{}").get("KeyId", ""))
        except (ValueError, AttributeError):
            key_id = ""
        with self.lock:
            per_op = self.counts.setdefault(operation, {})
            per_op[key_id] = per_op.get(key_id, 0) + 1
            rule = self._match_locked(operation, key_id)
            generation = self.generation
        if rule is None:
            return self._answer_list_keys(environ, start_response, operation)
        mode = rule["mode"]
        if mode == "throttle":
            return self._kms_error(start_response, "400 Bad Request", "ThrottlingException",
                                   "Rate exceeded")
        if mode == "internal":
            return self._kms_error(start_response, "500 Internal Server Error", "InternalFailure",
                                   "The request processing has failed because of an unknown "
                                   "error, exception or failure.")
        if mode == "reset":
            self._reset_connection(environ)
            # werkzeug drops a request whose application raises ConnectionError, quietly.
            raise ConnectionResetError("fault injection: connection reset")
        # hang: no answer until the time is up or the rules are cleared, then the real one.
        deadline = time.monotonic() + rule["hang"]
        while time.monotonic() < deadline:
            with self.lock:
                if self.generation != generation:
                    break
            time.sleep(0.01)
        return self._answer_list_keys(environ, start_response, operation)

    def _answer_list_keys(self, environ, start_response, operation):
        """ListKeys with phantom keys when asked for (see the module doc); else moto."""
        with self.lock:
            phantoms = self.phantoms
        if operation != "ListKeys" or phantoms == 0:
            return self.app(environ, start_response)
        from moto.kms.models import kms_backends
        keys = []
        for account in list(kms_backends.keys()):
            backend = kms_backends[account].get(_region_of(environ))
            if backend is not None:
                keys += [{"KeyId": k.id, "KeyArn": k.arn} for k in backend.keys.values()]
        account = _account_of(keys)
        for i in range(phantoms):
            key_id = f"00000000-0000-4000-8000-{i:012d}"
            keys.append({"KeyId": key_id,
                         "KeyArn": f"arn:aws:kms:{_region_of(environ)}:{account}:key/{key_id}"})
        return self._answer(start_response, "200 OK",
                            json.dumps({"Keys": keys, "Truncated": False}),
                            "application/x-amz-json-1.1")

    def _match_locked(self, operation, key_id):
        for rule in self.rules:
            if rule["operation"] not in ("*", operation):
                continue
            if rule["key_id"] and rule["key_id"] != key_id:
                continue
            if rule["remaining"] is not None:
                if rule["remaining"] <= 0:
                    continue
                rule["remaining"] -= 1
            return rule
        return None

    def _set_fault(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            spec = json.loads(environ["wsgi.input"].read(length) or b"{}")
            mode = spec["mode"]
            if mode not in FAULT_MODES:
                raise ValueError(f"mode must be one of {FAULT_MODES}")
            count = spec.get("count")
            rule = {"mode": mode, "operation": spec.get("operation", "Sign"),
                    "key_id": _bare_key_id(spec.get("key_id", "")),
                    "remaining": None if count is None else int(count),
                    "hang": float(spec.get("hang_seconds", 60))}
        except (ValueError, KeyError, TypeError) as e:
            return self._answer(start_response, "400 Bad Request", json.dumps({"error": str(e)}),
                                "application/json")
        with self.lock:
            if mode == "none":
                self.rules.clear()
                self.generation += 1
            else:
                self.rules.append(rule)
        return self._answer(start_response, "200 OK", json.dumps({"ok": True}), "application/json")

    @staticmethod
    def _answer(start_response, status, body, content_type):
        data = body.encode()
        start_response(status, [("Content-Type", content_type),
                                ("Content-Length", str(len(data)))])
        return [data]

    def _kms_error(self, start_response, status, code, message):
        return self._answer(start_response, status,
                            json.dumps({"__type": code, "message": message}),
                            "application/x-amz-json-1.1")

    @staticmethod
    def _reset_connection(environ):
        """Aborts the client's TCP connection with an RST: SO_LINGER 0, then the socket's file
        descriptor is replaced by /dev/null (closing the socket without racing werkzeug for the
        descriptor number)."""
        sock = environ.get("werkzeug.socket")
        if sock is None:
            raise RuntimeError("werkzeug did not expose the connection socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        null = os.open(os.devnull, os.O_RDWR)
        try:
            os.dup2(null, sock.fileno())
        finally:
            os.close(null)


_run_simple = moto.server.run_simple


def _run_simple_with_faults(host, port, app, **kwargs):
    return _run_simple(host, port, FaultInjector(app), **kwargs)


moto.server.run_simple = _run_simple_with_faults

if __name__ == "__main__":
    moto.server.main(sys.argv[1:])
