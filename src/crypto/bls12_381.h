// BLS12-381 MinPk signatures (tz4) on supranational's blst: 48-byte compressed G1 public keys,
// 96-byte compressed G2 signatures, 32-byte little-endian secret scalars (the BLsk payload).
// Messages are signed as they are (no blake2b); the hash to G2 uses the ciphersuite of the
// signing version:
//   version 2 and up: proof-of-possession scheme, DST BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_
//   version 1:        message augmentation, DST BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_AUG_,
//                     the 48-byte public key prepended to the message
//   version 0:        refused (Octez's signature v0 has no BLS).
// A proof of possession signs the 48-byte public key with DST BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_.
// Verification decompresses and subgroup-checks both points and refuses the point at infinity.
// Pure; thread-safe (blst keeps no global state). Scalars copied out of SecretBytes are wiped.
#pragma once

#include <array>
#include <cstdint>

#include "common/bytes.h"
#include "crypto/secret_bytes.h"

namespace signatory::crypto::bls12_381 {

constexpr std::size_t kSecretLength = 32;
constexpr std::size_t kPublicKeyLength = 48;
constexpr std::size_t kSignatureLength = 96;

using PublicKey = std::array<std::uint8_t, kPublicKeyLength>;
using Signature = std::array<std::uint8_t, kSignatureLength>;

// The message of the error for signing version 0 (as Signatory words it).
inline constexpr const char* kVersion0Unsupported = "SigningVersion0 is not supported for BLS keys";

bool is_supported();
// 32 bytes, little-endian, 0 < scalar < r.
bool is_valid_secret(ByteView scalar_le);
// A compressed G1 point in the prime-order subgroup, not the point at infinity.
bool is_valid_public_key(ByteView public_key);

// Throw Error(BadRequest) "invalid BLS secret key: …" for a scalar that is not valid.
PublicKey public_from_secret(const SecretBytes& scalar_le);
// See the header comment for `version`; version 0 throws Error(BadRequest) kVersion0Unsupported.
Signature sign(const SecretBytes& scalar_le, ByteView message, int version);
Signature prove_possession(const SecretBytes& scalar_le);

// Proof-of-possession ciphersuite over the raw message. False for anything malformed.
bool verify(ByteView public_key, ByteView message, ByteView signature);
// Message-augmentation ciphersuite (signing version 1). False for anything malformed.
bool verify_augmented(ByteView public_key, ByteView message, ByteView signature);
// Checks a proof of possession of `public_key`. False for anything malformed.
bool verify_possession(ByteView public_key, ByteView proof);

}  // namespace signatory::crypto::bls12_381
