// BLAKE2b digests as Tezos uses them: 20 bytes for public key hashes, 32 bytes for the digest
// that Ed25519/ECDSA keys sign and that high-water marks record. Pure; thread-safe.
#pragma once

#include <array>
#include <cstdint>

#include "common/bytes.h"

namespace signatory::crypto {

using Digest32 = std::array<std::uint8_t, 32>;
using Digest20 = std::array<std::uint8_t, 20>;

Digest32 blake2b_256(ByteView data);
Digest20 blake2b_160(ByteView data);

}  // namespace signatory::crypto
