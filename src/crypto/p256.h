// ECDSA on NIST P-256 (tz3) through OpenSSL 3: public key from a 32-byte big-endian scalar,
// signing of a 32-byte digest (OpenSSL's nonce; the signature is left as produced, high or
// low S, as Signatory does) and verification, which accepts high-S as Octez (HACL) does
// (public keys loaded for verification are kept in a small cache). Signatures are the 64-byte
// r‖s. Thread-safe: calls share only that cache (locked) and read-only OpenSSL key objects.
#pragma once

#include <array>
#include <cstdint>

#include "common/bytes.h"
#include "crypto/blake2b.h"
#include "crypto/ecdsa_der.h"
#include "crypto/secret_bytes.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace signatory::crypto::p256 {

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

// A secret scalar made ready for signing once: OpenSSL's key object (with its group and
// Montgomery tables) is built at construction, so that each signature costs only the ECDSA
// computation — about half the work of sign() above, which builds the key on every call. The
// scalar is held by OpenSSL (wiped when the key is freed). sign() is const and may be called
// from several threads at once; the object is move-only.
class SigningKey {
 public:
  // Throws Error(Internal) if the scalar is invalid.
  explicit SigningKey(const SecretBytes& scalar);
  ~SigningKey();
  SigningKey(SigningKey&&) noexcept;
  SigningKey& operator=(SigningKey&&) noexcept;
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;

  RawEcdsaSignature sign(const Digest32& digest) const;

 private:
  evp_pkey_st* key_ = nullptr;
};
bool verify(ByteView compressed_public_key, const Digest32& digest, ByteView raw_signature);

}  // namespace signatory::crypto::p256
