// Octez encrypted secret keys: PBKDF2-HMAC-SHA512 (OpenSSL) + NaCl secretbox (libsodium)
// (see encrypted_key.h).
#include "crypto/encrypted_key.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "common/error.h"
#include "crypto/sodium_init.h"

namespace signatory::crypto {

namespace {
constexpr std::size_t kSecretLength = 32;
static_assert(kEncryptedKeyPayloadLength ==
              kEncryptedKeySaltLength + crypto_secretbox_MACBYTES + kSecretLength);
}  // namespace

SecretBytes derive_encryption_key(std::string_view password, ByteView salt) {
  SecretBytes key(crypto_secretbox_KEYBYTES);
  // An empty password is valid in the Octez scheme; OpenSSL wants a non-null pointer for it.
  const char* pw = password.empty() ? "" : password.data();
  const int ok = PKCS5_PBKDF2_HMAC(pw, static_cast<int>(password.size()), salt.data(),
                                   static_cast<int>(salt.size()), kEncryptedKeyIterations,
                                   EVP_sha512(), static_cast<int>(key.size()), key.data());
  if (ok != 1) {
    ERR_clear_error();
    throw internal_error("PBKDF2 key derivation failed");
  }
  return key;
}

SecretBytes decrypt_secret_key(ByteView payload, std::string_view password) {
  if (payload.size() != kEncryptedKeyPayloadLength)
    throw bad_request("invalid encrypted key: payload is " + std::to_string(payload.size()) +
                      " bytes, expected " + std::to_string(kEncryptedKeyPayloadLength));
  ensure_sodium();
  const ByteView salt = payload.first(kEncryptedKeySaltLength);
  const ByteView box = payload.subspan(kEncryptedKeySaltLength);
  const SecretBytes key = derive_encryption_key(password, salt);
  const unsigned char nonce[crypto_secretbox_NONCEBYTES] = {};
  SecretBytes secret(kSecretLength);
  if (crypto_secretbox_open_easy(secret.data(), box.data(), box.size(), nonce, key.data()) != 0)
    throw forbidden("wrong password for encrypted key");
  return secret;
}

Bytes encrypt_secret_key(const SecretBytes& secret, std::string_view password, ByteView salt) {
  if (secret.size() != kSecretLength) throw internal_error("encrypted keys hold 32-byte secrets");
  if (salt.size() != kEncryptedKeySaltLength)
    throw internal_error("encrypted keys use an 8-byte salt");
  ensure_sodium();
  const SecretBytes key = derive_encryption_key(password, salt);
  const unsigned char nonce[crypto_secretbox_NONCEBYTES] = {};
  Bytes out(salt.begin(), salt.end());
  out.resize(kEncryptedKeyPayloadLength);
  crypto_secretbox_easy(out.data() + kEncryptedKeySaltLength, secret.data(), secret.size(), nonce,
                        key.data());
  return out;
}

}  // namespace signatory::crypto
