// Octez encrypted secret keys (edesk…/spesk…/p2esk…/BLesk… payloads): 56 bytes = salt (8) ‖
// NaCl secretbox (XSalsa20-Poly1305, all-zero 24-byte nonce) of the 32-byte raw secret key,
// under key = PBKDF2-HMAC-SHA512(password, salt, 32768 iterations, 32 bytes). Pure;
// thread-safe. Deliberately slow (the PBKDF2 rounds): about 30 ms per call.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "common/bytes.h"
#include "crypto/secret_bytes.h"

namespace signatory::crypto {

constexpr std::size_t kEncryptedKeyPayloadLength = 56;
constexpr std::size_t kEncryptedKeySaltLength = 8;
constexpr unsigned kEncryptedKeyIterations = 32768;

// The 32-byte secretbox key for `password` and `salt`.
SecretBytes derive_encryption_key(std::string_view password, ByteView salt);

// Returns the 32-byte raw secret. Throws Error(Forbidden) "wrong password for encrypted key" when
// the secretbox does not open, Error(BadRequest) on a payload of the wrong length.
SecretBytes decrypt_secret_key(ByteView payload, std::string_view password);

// The inverse, for key export and tests; `salt` must be 8 bytes (random in real use).
Bytes encrypt_secret_key(const SecretBytes& secret, std::string_view password, ByteView salt);

}  // namespace signatory::crypto
