// DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7, RFC 5480) of the EC keys the signer can use:
// id-ecPublicKey with named curve secp256k1 (1.3.132.0.10, tz2) or prime256v1 / P-256
// (1.2.840.10045.3.1.7, tz3), as AWS KMS GetPublicKey and HSMs return them. The point may be
// uncompressed (04‖X‖Y) or compressed (02|03‖X); it is checked to lie on the curve and returned
// in the 33-byte compressed form Tezos uses.
//
// Parsing is strict DER (definite minimal lengths, nothing after the structure). Any other
// algorithm or curve is rejected with a message naming it: "unsupported EC curve P-384
// (1.3.132.0.34)", "unsupported public key algorithm Ed25519 (1.3.101.112)", "… RSA
// (1.2.840.113549.1.1.1)". Pure; thread-safe.
#pragma once

#include <array>
#include <cstdint>

#include "common/bytes.h"
#include "crypto/ecdsa_der.h"

namespace signatory::crypto {

struct EcPublicKey {
  Curve curve = Curve::P256;
  std::array<std::uint8_t, 33> compressed{};
};

// Throws Error(BadRequest) "invalid SubjectPublicKeyInfo: <reason>" for malformed DER or a point
// not on the curve, and Error(BadRequest) "unsupported …" for another algorithm or curve.
EcPublicKey parse_ec_spki(ByteView der);

}  // namespace signatory::crypto
