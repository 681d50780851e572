// Ed25519 through libsodium (see ed25519.h).
#include "crypto/ed25519.h"

#include <sodium.h>

#include <cstring>

#include "common/error.h"
#include "crypto/sodium_init.h"

namespace signatory::crypto::ed25519 {

namespace {
// libsodium's 64-byte secret key (seed ‖ public key) on the stack, wiped when it goes out of
// scope. Signing is hot (every sign request), so the expanded key is not put on the guarded heap
// (sodium_malloc costs an mmap, mprotects, an mlock and an munmap per call, and the munmap a TLB
// shoot-down on every core); the seed itself stays in its SecretBytes.
struct ExpandedKey {
  std::uint8_t bytes[crypto_sign_SECRETKEYBYTES];
  ExpandedKey() = default;
  ExpandedKey(const ExpandedKey&) = delete;
  ExpandedKey& operator=(const ExpandedKey&) = delete;
  ~ExpandedKey() { sodium_memzero(bytes, sizeof bytes); }
};

void check_seed(const SecretBytes& seed) {
  if (seed.size() != crypto_sign_SEEDBYTES) throw internal_error("ed25519 seed must be 32 bytes");
  ensure_sodium();
}

Signature sign_expanded(const ExpandedKey& sk, ByteView message) {
  Signature sig{};
  if (crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), sk.bytes) != 0)
    throw internal_error("ed25519 signing failed");
  return sig;
}
}  // namespace

PublicKey public_from_seed(const SecretBytes& seed) {
  check_seed(seed);
  PublicKey pk{};
  ExpandedKey sk;
  if (crypto_sign_seed_keypair(pk.data(), sk.bytes, seed.data()) != 0)
    throw internal_error("ed25519 key derivation failed");
  return pk;
}

Signature sign(const SecretBytes& seed, ByteView message) {
  check_seed(seed);
  PublicKey pk{};
  ExpandedKey sk;
  if (crypto_sign_seed_keypair(pk.data(), sk.bytes, seed.data()) != 0)
    throw internal_error("ed25519 key derivation failed");
  return sign_expanded(sk, message);
}

Signature sign(const SecretBytes& seed, ByteView public_key, ByteView message) {
  check_seed(seed);
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES)
    throw internal_error("ed25519 public key must be 32 bytes");
  ExpandedKey sk;
  std::memcpy(sk.bytes, seed.data(), crypto_sign_SEEDBYTES);
  std::memcpy(sk.bytes + crypto_sign_SEEDBYTES, public_key.data(), public_key.size());
  return sign_expanded(sk, message);
}

bool verify(ByteView public_key, ByteView message, ByteView signature) {
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES)
    return false;
  ensure_sodium();
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                     public_key.data()) == 0;
}

}  // namespace signatory::crypto::ed25519
