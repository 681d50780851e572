// Ed25519 (RFC 8032, pure) through libsodium: public key from a 32-byte seed, signing and
// strict verification (non-canonical S and small-order points are refused, as libsodium does
// by default). Tezos signs the blake2b-256 digest of a message; callers pass that digest as
// `message`. Pure; thread-safe.
#pragma once

#include <array>
#include <cstdint>

#include "common/bytes.h"
#include "crypto/secret_bytes.h"

namespace signatory::crypto::ed25519 {

using PublicKey = std::array<std::uint8_t, 32>;
using Signature = std::array<std::uint8_t, 64>;

// `seed` must be 32 bytes; throws Error(Internal) otherwise.
PublicKey public_from_seed(const SecretBytes& seed);
Signature sign(const SecretBytes& seed, ByteView message);
// The same signature without deriving the public key again (half the work). `public_key` MUST
// be the one public_from_seed(seed) returned: Ed25519 hashes it into the challenge, and two
// signatures of one message under different public keys reveal the secret scalar. Callers
// pass the key they derived and stored themselves, never one from outside.
Signature sign(const SecretBytes& seed, ByteView public_key, ByteView message);
bool verify(ByteView public_key, ByteView message, ByteView signature);

}  // namespace signatory::crypto::ed25519
