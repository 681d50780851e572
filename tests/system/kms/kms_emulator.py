#!/usr/bin/env python3
"""AWS KMS emulator for the signer's tests: moto's own server (moto 5.2.1, used as a library,
unchanged) with three fixes so that it answers as real KMS does (shared/reference/aws-kms.md
§4.2):

* Sign with MessageType DIGEST signs the given bytes as a prehashed digest instead of hashing
  them again, and rejects a digest of the wrong length with ValidationException;
* Sign and GetPublicKey answer DisabledException for a disabled key and
  KMSInvalidStateException for a key pending deletion;
* GetPublicKey answers UnsupportedOperationException for symmetric and HMAC keys (moto would
  return an RSA public key for them).

SigV4 checking is moto's: set INITIAL_NO_AUTH_ACTION_COUNT=N in the environment to leave the
first N requests unchecked (enough to create an IAM user and its access key).

Usage: python3 kms_emulator.py -H 127.0.0.1 -p PORT   (moto_server's flags: -H -p -s -c -k).
Binds 127.0.0.1 unless told otherwise; never contacts any other host.
"""

import base64
import json
import sys

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

if __name__ == "__main__":
    moto.server.main(sys.argv[1:])
