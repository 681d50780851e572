// Ed25519 through libsodium (see ed25519.h).
#include "crypto/ed25519.h"

#include <sodium.h>

#include "common/error.h"
#include "crypto/sodium_init.h"

namespace signatory::crypto::ed25519 {

namespace {
// The 64-byte libsodium secret key (seed ‖ public key) of `seed`, and the public key.
SecretBytes expand(const SecretBytes& seed, PublicKey& pk) {
  if (seed.size() != crypto_sign_SEEDBYTES) throw internal_error("ed25519 seed must be 32 bytes");
  ensure_sodium();
  SecretBytes sk(crypto_sign_SECRETKEYBYTES);
  if (crypto_sign_seed_keypair(pk.data(), sk.data(), seed.data()) != 0)
    throw internal_error("ed25519 key derivation failed");
  return sk;
}
}  // namespace

PublicKey public_from_seed(const SecretBytes& seed) {
  PublicKey pk{};
  expand(seed, pk);
  return pk;
}

Signature sign(const SecretBytes& seed, ByteView message) {
  PublicKey pk{};
  SecretBytes sk = expand(seed, pk);
  Signature sig{};
  if (crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), sk.data()) != 0)
    throw internal_error("ed25519 signing failed");
  return sig;
}

bool verify(ByteView public_key, ByteView message, ByteView signature) {
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES)
    return false;
  ensure_sodium();
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                     public_key.data()) == 0;
}

}  // namespace signatory::crypto::ed25519
