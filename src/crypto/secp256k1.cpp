// secp256k1 ECDSA through libsecp256k1 0.2 (see secp256k1.h).
#include "crypto/secp256k1.h"

#include <secp256k1.h>
#include <sodium.h>

#include "common/error.h"
#include "crypto/sodium_init.h"

namespace signatory::crypto::secp256k1 {

namespace {

// One context for the process: creation and randomisation happen once (thread-safe static
// init); afterwards every call takes it as const, which libsecp256k1 allows from any thread.
const secp256k1_context* context() {
  static secp256k1_context* ctx = [] {
    ensure_sodium();
    secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (c == nullptr) throw internal_error("cannot create the secp256k1 context");
    unsigned char seed[32];
    randombytes_buf(seed, sizeof seed);
    const int ok = secp256k1_context_randomize(c, seed);
    sodium_memzero(seed, sizeof seed);
    if (!ok) throw internal_error("cannot randomise the secp256k1 context");
    return c;
  }();
  return ctx;
}

secp256k1_pubkey parse_point(ByteView sec1) {
  secp256k1_pubkey pk;
  if ((sec1.size() != 33 && sec1.size() != 65) ||
      !secp256k1_ec_pubkey_parse(context(), &pk, sec1.data(), sec1.size()))
    throw bad_request("invalid secp256k1 public key: not a point of the curve");
  return pk;
}

template <std::size_t N>
std::array<std::uint8_t, N> serialize(const secp256k1_pubkey& pk) {
  std::array<std::uint8_t, N> out{};
  std::size_t len = N;
  secp256k1_ec_pubkey_serialize(context(), out.data(), &len, &pk,
                                N == 33 ? SECP256K1_EC_COMPRESSED : SECP256K1_EC_UNCOMPRESSED);
  return out;
}

}  // namespace

bool is_valid_secret(ByteView scalar) {
  return scalar.size() == 32 && secp256k1_ec_seckey_verify(context(), scalar.data()) == 1;
}

CompressedPoint public_from_secret(const SecretBytes& scalar) {
  secp256k1_pubkey pk;
  if (!is_valid_secret(scalar.view()) || !secp256k1_ec_pubkey_create(context(), &pk, scalar.data()))
    throw internal_error("invalid secp256k1 secret key");
  return serialize<33>(pk);
}

CompressedPoint compress(ByteView sec1) {
  return serialize<33>(parse_point(sec1));
}

std::array<std::uint8_t, 65> uncompress(ByteView sec1) {
  return serialize<65>(parse_point(sec1));
}

RawEcdsaSignature sign(const SecretBytes& scalar, const Digest32& digest) {
  if (!is_valid_secret(scalar.view())) throw internal_error("invalid secp256k1 secret key");
  secp256k1_ecdsa_signature sig;
  // Default nonce function: RFC 6979 (HMAC-SHA256). The result is always low-S.
  if (!secp256k1_ecdsa_sign(context(), &sig, digest.data(), scalar.data(), nullptr, nullptr))
    throw internal_error("secp256k1 signing failed");
  RawEcdsaSignature raw{};
  secp256k1_ecdsa_signature_serialize_compact(context(), raw.data(), &sig);
  return raw;
}

bool verify(ByteView compressed_public_key, const Digest32& digest, ByteView raw_signature) {
  if (raw_signature.size() != 64) return false;
  secp256k1_pubkey pk;
  if ((compressed_public_key.size() != 33 && compressed_public_key.size() != 65) ||
      !secp256k1_ec_pubkey_parse(context(), &pk, compressed_public_key.data(),
                                 compressed_public_key.size()))
    return false;
  secp256k1_ecdsa_signature sig;
  // Refuses r or s ≥ n.
  if (!secp256k1_ecdsa_signature_parse_compact(context(), &sig, raw_signature.data())) return false;
  // Refuses high-S (libsecp256k1 verifies lower-S signatures only) and r = 0 or s = 0.
  return secp256k1_ecdsa_verify(context(), &sig, digest.data(), &pk) == 1;
}

}  // namespace signatory::crypto::secp256k1
