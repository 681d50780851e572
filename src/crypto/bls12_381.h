// BLS12-381 MinPk signatures (tz4): 48-byte compressed G1 public keys, 96-byte compressed G2
// signatures, 32-byte little-endian secret scalars (the BLsk payload). Not implemented yet:
// every function throws Error(400) "tz4 (BLS12-381) keys are not supported yet". The day blst
// lands only bls12_381.cpp changes; tezos::keys already routes tz4 keys here.
// Pure; thread-safe.
#pragma once

#include <array>
#include <cstdint>

#include "common/bytes.h"
#include "crypto/secret_bytes.h"

namespace signatory::crypto::bls12_381 {

constexpr std::size_t kPublicKeyLength = 48;
constexpr std::size_t kSignatureLength = 96;

using PublicKey = std::array<std::uint8_t, kPublicKeyLength>;
using Signature = std::array<std::uint8_t, kSignatureLength>;

// The message of the error every function throws for now.
inline constexpr const char* kUnsupported = "tz4 (BLS12-381) keys are not supported yet";

bool is_supported();
PublicKey public_from_secret(const SecretBytes& scalar_le);
// version 2+: proof-of-possession ciphersuite over the raw message; version 1: message
// augmentation (public key ‖ message); version 0 is refused.
Signature sign(const SecretBytes& scalar_le, ByteView message, int version);
bool verify(ByteView public_key, ByteView message, ByteView signature);

}  // namespace signatory::crypto::bls12_381
