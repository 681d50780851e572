// ECDSA signature forms: strict DER `SEQUENCE { INTEGER r, INTEGER s }` (what KMS and HSMs
// return) ↔ the 64-byte r‖s Tezos uses, and low-S normalisation for secp256k1. Strict: no
// trailing bytes, no BER long forms where short ones fit, no negative or over-long integers;
// integers shorter than 32 bytes are left-padded. Pure; thread-safe.
#pragma once

#include <array>
#include <cstdint>

#include "common/bytes.h"

namespace signatory::crypto {

enum class Curve { Secp256k1, P256 };

using RawEcdsaSignature = std::array<std::uint8_t, 64>;

// Throws Error(UpstreamFailure) "invalid DER signature: <reason>" (the bytes come from a backend).
RawEcdsaSignature der_to_raw(ByteView der);
Bytes raw_to_der(const RawEcdsaSignature& raw);

// s > n/2 → n − s. Returns true if it changed the signature.
bool normalize_low_s(Curve curve, RawEcdsaSignature& raw);
bool is_low_s(Curve curve, const RawEcdsaSignature& raw);

}  // namespace signatory::crypto
