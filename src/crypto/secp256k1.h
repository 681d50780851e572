// ECDSA on secp256k1 (tz2) through libsecp256k1: public key from a 32-byte big-endian scalar,
// RFC 6979 signing of a 32-byte digest (the signature is always low-S), and verification that
// refuses high-S signatures, r or s out of range, and points not on the curve — as Octez
// (libsecp256k1) and Taquito do. Signatures are the 64-byte r‖s. Thread-safe: the shared
// context is created and randomised once, then only used read-only.
#pragma once

#include <array>
#include <cstdint>

#include "common/bytes.h"
#include "crypto/blake2b.h"
#include "crypto/ecdsa_der.h"
#include "crypto/secret_bytes.h"

namespace signatory::crypto::secp256k1 {

using CompressedPoint = std::array<std::uint8_t, 33>;

// 0 < scalar < n.
bool is_valid_secret(ByteView scalar);
// Throws Error(Internal) if the scalar is invalid.
CompressedPoint public_from_secret(const SecretBytes& scalar);
// Accepts a 33-byte compressed or 65-byte uncompressed SEC1 point; throws Error(BadRequest) if it
// is not a point of the curve.
CompressedPoint compress(ByteView sec1);
std::array<std::uint8_t, 65> uncompress(ByteView sec1);
RawEcdsaSignature sign(const SecretBytes& scalar, const Digest32& digest);
bool verify(ByteView compressed_public_key, const Digest32& digest, ByteView raw_signature);

}  // namespace signatory::crypto::secp256k1
