// Tezos keys, public key hashes and signatures for the four key types (see keys.h). The curve
// arithmetic lives in crypto/; this file maps Tezos forms (prefixes, tags, digests) onto it.
#include "tezos/keys.h"

#include <sodium.h>

#include <algorithm>

#include "common/error.h"
#include "crypto/blake2b.h"
#include "crypto/bls12_381.h"
#include "crypto/ed25519.h"
#include "crypto/encrypted_key.h"
#include "crypto/p256.h"
#include "crypto/secp256k1.h"
#include "crypto/sodium_init.h"
#include "tezos/base58.h"

namespace signatory::tezos {

namespace {

constexpr std::size_t kSecretLength = 32;

struct TypeForms {
  const Prefix* pkh;
  const Prefix* pk;
  const Prefix* sk;
  const Prefix* esk;
  const Prefix* sig;
  std::string_view curve;
};

const TypeForms& forms(KeyType t) {
  static const TypeForms table[] = {
      {&prefix::tz1, &prefix::edpk, &prefix::edsk_seed, &prefix::edesk, &prefix::edsig, "ed25519"},
      {&prefix::tz2, &prefix::sppk, &prefix::spsk, &prefix::spesk, &prefix::spsig1, "secp256k1"},
      {&prefix::tz3, &prefix::p2pk, &prefix::p2sk, &prefix::p2esk, &prefix::p2sig, "p256"},
      {&prefix::tz4, &prefix::BLpk, &prefix::BLsk, &prefix::BLesk, &prefix::BLsig, "bls"},
  };
  const auto i = static_cast<std::size_t>(t);
  if (i >= std::size(table)) throw internal_error("unknown key type tag " + std::to_string(i));
  return table[i];
}

KeyType type_from_tag(std::uint8_t tag, std::string_view what) {
  if (tag > static_cast<std::uint8_t>(KeyType::Bls))
    throw bad_request("invalid " + std::string(what) + ": unknown key type tag " +
                      std::to_string(tag));
  return static_cast<KeyType>(tag);
}

constexpr KeyType kAllTypes[] = {KeyType::Ed25519, KeyType::Secp256k1, KeyType::P256, KeyType::Bls};

// The key type whose form `pick` is `p`.
template <typename Pick>
KeyType type_of(const Prefix* p, Pick pick) {
  for (KeyType t : kAllTypes)
    if (pick(forms(t)) == p) return t;
  throw internal_error("prefix " + std::string(p->name) + " names no key type");
}

std::size_t public_key_length(KeyType t) {
  switch (t) {
    case KeyType::Ed25519:
      return 32;
    case KeyType::Secp256k1:
    case KeyType::P256:
      return 33;
    case KeyType::Bls:
      return crypto::bls12_381::kPublicKeyLength;
  }
  return 0;
}

// Moves a decoded secret payload into SecretBytes and wipes the original.
crypto::SecretBytes take_secret(Bytes& payload, std::size_t offset, std::size_t length) {
  crypto::SecretBytes out(ByteView(payload).subspan(offset, length));
  sodium_memzero(payload.data(), payload.size());
  return out;
}

}  // namespace

std::string_view address_prefix(KeyType t) {
  return forms(t).pkh->name;
}

std::string_view curve_name(KeyType t) {
  return forms(t).curve;
}

KeyType parse_key_type(std::string_view name) {
  for (KeyType t : kAllTypes)
    if (name == address_prefix(t) || name == curve_name(t)) return t;
  throw bad_request("unknown key type \"" + std::string(name) +
                    "\" (expected tz1, tz2, tz3, tz4, ed25519, secp256k1, p256 or bls)");
}

// ---- PublicKeyHash ---------------------------------------------------------------------------

PublicKeyHash PublicKeyHash::parse(std::string_view text) {
  static const Prefix* const candidates[] = {&prefix::tz1, &prefix::tz2, &prefix::tz3,
                                             &prefix::tz4};
  Decoded d = b58check_decode_any(candidates, text, "public key hash");
  PublicKeyHash out;
  out.type = type_of(d.prefix, [](const TypeForms& f) { return f.pkh; });
  std::copy(d.payload.begin(), d.payload.end(), out.hash.begin());
  return out;
}

PublicKeyHash PublicKeyHash::from_tagged(ByteView tagged21) {
  if (tagged21.size() != 21)
    throw bad_request("invalid public key hash: " + std::to_string(tagged21.size()) +
                      " bytes, expected 21 (tag and hash)");
  PublicKeyHash out;
  out.type = type_from_tag(tagged21[0], "public key hash");
  std::copy(tagged21.begin() + 1, tagged21.end(), out.hash.begin());
  return out;
}

std::string PublicKeyHash::to_base58() const {
  return b58check_encode(*forms(type).pkh, hash);
}

Bytes PublicKeyHash::tagged() const {
  // Sized then filled: GCC 12 at -O2 misreads insert() into a one-byte vector (-Warray-bounds).
  Bytes out(1 + hash.size());
  out[0] = static_cast<std::uint8_t>(type);
  std::copy(hash.begin(), hash.end(), out.begin() + 1);
  return out;
}

// ---- PublicKey -------------------------------------------------------------------------------

PublicKey::PublicKey(KeyType type, Bytes bytes) : type_(type), bytes_(std::move(bytes)) {
  const std::size_t want = public_key_length(type_);
  if (bytes_.size() != want)
    throw bad_request("invalid " + std::string(curve_name(type_)) + " public key: " +
                      std::to_string(bytes_.size()) + " bytes, expected " + std::to_string(want));
  switch (type_) {
    case KeyType::Ed25519:
      break;
    case KeyType::Bls:
      if (!crypto::bls12_381::is_valid_public_key(bytes_))
        throw bad_request(
            "invalid bls public key: not a compressed point of the BLS12-381 G1 subgroup");
      break;
    case KeyType::Secp256k1:
    case KeyType::P256:
      if (bytes_[0] != 0x02 && bytes_[0] != 0x03)
        throw bad_request("invalid " + std::string(curve_name(type_)) +
                          " public key: not a compressed point (first byte must be 02 or 03)");
      if (type_ == KeyType::Secp256k1)
        crypto::secp256k1::compress(bytes_);  // throws if not on the curve
      else
        crypto::p256::compress(bytes_);
      break;
  }
}

PublicKey PublicKey::parse(std::string_view text) {
  static const Prefix* const candidates[] = {&prefix::edpk, &prefix::sppk, &prefix::p2pk,
                                             &prefix::BLpk};
  Decoded d = b58check_decode_any(candidates, text, "public key");
  return PublicKey(type_of(d.prefix, [](const TypeForms& f) { return f.pk; }),
                   std::move(d.payload));
}

PublicKey PublicKey::from_tagged(ByteView tagged) {
  if (tagged.empty()) throw bad_request("invalid public key: empty");
  const KeyType t = type_from_tag(tagged[0], "public key");
  return PublicKey(t, Bytes(tagged.begin() + 1, tagged.end()));
}

Bytes PublicKey::tagged() const {
  Bytes out(1 + bytes_.size());
  out[0] = static_cast<std::uint8_t>(type_);
  std::copy(bytes_.begin(), bytes_.end(), out.begin() + 1);
  return out;
}

std::string PublicKey::to_base58() const {
  return b58check_encode(*forms(type_).pk, bytes_);
}

PublicKeyHash PublicKey::hash() const {
  PublicKeyHash out;
  out.type = type_;
  out.hash = crypto::blake2b_160(bytes_);
  return out;
}

bool PublicKey::verify(ByteView message, const Signature& signature) const {
  const bool generic = signature.form() == Signature::Form::Generic;
  if (!generic && signature.form() != Signature::form_of(type_)) return false;
  if (type_ == KeyType::Bls) {
    if (generic) return false;  // Octez defines no generic form for BLS signatures
    return crypto::bls12_381::verify(bytes_, message, signature.bytes());
  }
  if (bytes_.empty()) return false;  // default-constructed key
  const crypto::Digest32 digest = crypto::blake2b_256(message);
  switch (type_) {
    case KeyType::Ed25519:
      return crypto::ed25519::verify(bytes_, digest, signature.bytes());
    case KeyType::Secp256k1:
      return crypto::secp256k1::verify(bytes_, digest, signature.bytes());
    case KeyType::P256:
      return crypto::p256::verify(bytes_, digest, signature.bytes());
    case KeyType::Bls:
      break;
  }
  return false;
}

bool PublicKey::verify(ByteView message, const Signature& signature, int version) const {
  if (type_ != KeyType::Bls || version >= 2) return verify(message, signature);
  if (version != 1 || signature.form() != Signature::Form::Bls) return false;
  return crypto::bls12_381::verify_augmented(bytes_, message, signature.bytes());
}

// ---- Signature -------------------------------------------------------------------------------

namespace {
const Prefix* signature_prefix(Signature::Form f) {
  switch (f) {
    case Signature::Form::Ed25519:
      return &prefix::edsig;
    case Signature::Form::Secp256k1:
      return &prefix::spsig1;
    case Signature::Form::P256:
      return &prefix::p2sig;
    case Signature::Form::Bls:
      return &prefix::BLsig;
    case Signature::Form::Generic:
      return &prefix::sig;
  }
  return &prefix::sig;
}
}  // namespace

Signature::Signature(Form form, Bytes bytes) : form_(form), bytes_(std::move(bytes)) {
  const std::size_t want = signature_prefix(form_)->payload_length;
  if (bytes_.size() != want)
    throw bad_request("invalid " + std::string(signature_prefix(form_)->name) + " signature: " +
                      std::to_string(bytes_.size()) + " bytes, expected " + std::to_string(want));
}

Signature Signature::parse(std::string_view text) {
  static const Prefix* const candidates[] = {&prefix::edsig, &prefix::spsig1, &prefix::p2sig,
                                             &prefix::sig, &prefix::BLsig};
  Decoded d = b58check_decode_any(candidates, text, "signature");
  for (Form f : {Form::Ed25519, Form::Secp256k1, Form::P256, Form::Bls, Form::Generic})
    if (signature_prefix(f) == d.prefix) return Signature(f, std::move(d.payload));
  throw internal_error("signature prefix without a form");
}

Signature::Form Signature::form_of(KeyType t) {
  switch (t) {
    case KeyType::Ed25519:
      return Form::Ed25519;
    case KeyType::Secp256k1:
      return Form::Secp256k1;
    case KeyType::P256:
      return Form::P256;
    case KeyType::Bls:
      return Form::Bls;
  }
  return Form::Generic;
}

std::string Signature::to_base58() const {
  return b58check_encode(*signature_prefix(form_), bytes_);
}

std::string Signature::to_generic_base58() const {
  if (form_ == Form::Bls) throw bad_request("BLS signatures have no generic sig… form");
  return b58check_encode(prefix::sig, bytes_);
}

// ---- SecretKey -------------------------------------------------------------------------------

SecretKey::SecretKey(KeyType type, crypto::SecretBytes secret)
    : type_(type), secret_(std::move(secret)) {
  if (secret_.size() != kSecretLength) throw internal_error("secret keys are 32 bytes");
  const std::string curve(curve_name(type_));
  switch (type_) {
    case KeyType::Ed25519: {
      const auto pk = crypto::ed25519::public_from_seed(secret_);
      public_key_ = PublicKey(type_, Bytes(pk.begin(), pk.end()));
      break;
    }
    case KeyType::Secp256k1: {
      if (!crypto::secp256k1::is_valid_secret(secret_.view()))
        throw bad_request(
            "invalid secp256k1 secret key: scalar is zero or not below the group order");
      const auto pk = crypto::secp256k1::public_from_secret(secret_);
      public_key_ = PublicKey(type_, Bytes(pk.begin(), pk.end()));
      break;
    }
    case KeyType::P256: {
      if (!crypto::p256::is_valid_secret(secret_.view()))
        throw bad_request("invalid p256 secret key: scalar is zero or not below the group order");
      const auto pk = crypto::p256::public_from_secret(secret_);
      public_key_ = PublicKey(type_, Bytes(pk.begin(), pk.end()));
      p256_signer_ = std::make_shared<const crypto::p256::SigningKey>(secret_);
      break;
    }
    case KeyType::Bls: {
      const auto pk = crypto::bls12_381::public_from_secret(secret_);
      public_key_ = PublicKey(type_, Bytes(pk.begin(), pk.end()));
      break;
    }
  }
}

bool SecretKey::is_encrypted(std::string_view text) {
  for (KeyType t : kAllTypes)
    if (text.starts_with(forms(t).esk->name)) return true;
  return false;
}

SecretKey SecretKey::parse(std::string_view text) {
  if (is_encrypted(text))
    throw bad_request("invalid secret key: it is encrypted and needs a password");
  static const Prefix* const candidates[] = {&prefix::edsk_seed, &prefix::edsk_64, &prefix::spsk,
                                             &prefix::p2sk, &prefix::BLsk};
  Decoded d = b58check_decode_any(candidates, text, "secret key");
  if (d.prefix == &prefix::edsk_64) {
    // seed ‖ public key: the public half must be the one the seed gives.
    const Bytes claimed(d.payload.begin() + kSecretLength, d.payload.end());
    SecretKey key(KeyType::Ed25519, take_secret(d.payload, 0, kSecretLength));
    if (key.public_key().bytes() != claimed)
      throw bad_request(
          "invalid secret key: the public key half of the 64-byte edsk does not match its seed");
    return key;
  }
  const KeyType t = type_of(d.prefix, [](const TypeForms& f) { return f.sk; });
  return SecretKey(t, take_secret(d.payload, 0, kSecretLength));
}

SecretKey SecretKey::decrypt(std::string_view text, std::string_view password) {
  if (!is_encrypted(text)) return parse(text);
  static const Prefix* const candidates[] = {&prefix::edesk, &prefix::spesk, &prefix::p2esk,
                                             &prefix::BLesk};
  Decoded d = b58check_decode_any(candidates, text, "encrypted secret key");
  const KeyType t = type_of(d.prefix, [](const TypeForms& f) { return f.esk; });
  return SecretKey(t, crypto::decrypt_secret_key(d.payload, password));
}

SecretKey SecretKey::generate(KeyType type) {
  crypto::ensure_sodium();
  crypto::SecretBytes secret(kSecretLength);
  // For EC curves a uniformly random 32-byte string is a valid scalar with probability
  // 1 − 2^-32 or better; a bounded retry keeps a broken RNG from looping forever.
  for (int attempt = 0; attempt < 64; ++attempt) {
    randombytes_buf(secret.data(), secret.size());
    // BLS scalars are little-endian and r < 2^255: clearing the top bit makes ~9 in 10 tries
    // valid without biasing the accepted ones.
    if (type == KeyType::Bls) secret.data()[kSecretLength - 1] &= 0x7f;
    const bool ok =
        type == KeyType::Ed25519 ||
        (type == KeyType::Secp256k1 && crypto::secp256k1::is_valid_secret(secret.view())) ||
        (type == KeyType::P256 && crypto::p256::is_valid_secret(secret.view())) ||
        (type == KeyType::Bls && crypto::bls12_381::is_valid_secret(secret.view()));
    if (ok) return SecretKey(type, std::move(secret));
  }
  throw internal_error("the random number generator keeps producing invalid scalars");
}

SecretKey SecretKey::from_secret(KeyType type, crypto::SecretBytes secret) {
  if (secret.size() != kSecretLength)
    throw bad_request("invalid " + std::string(curve_name(type)) + " secret key: " +
                      std::to_string(secret.size()) + " bytes instead of 32");
  return SecretKey(type, std::move(secret));
}

crypto::SecretBytes SecretKey::to_base58() const {
  std::string text = b58check_encode(*forms(type_).sk, secret_.view());
  crypto::SecretBytes out = crypto::SecretBytes::from_string(text);
  sodium_memzero(text.data(), text.size());
  return out;
}

std::string SecretKey::encrypt(std::string_view password) const {
  crypto::ensure_sodium();
  std::array<std::uint8_t, crypto::kEncryptedKeySaltLength> salt;
  randombytes_buf(salt.data(), salt.size());
  return encrypt(password, salt);
}

std::string SecretKey::encrypt(std::string_view password, ByteView salt) const {
  return b58check_encode(*forms(type_).esk, crypto::encrypt_secret_key(secret_, password, salt));
}

Signature SecretKey::sign(ByteView message, int version) const {
  switch (type_) {
    case KeyType::Bls: {
      const auto sig = crypto::bls12_381::sign(secret_, message, version);
      return Signature(Signature::Form::Bls, Bytes(sig.begin(), sig.end()));
    }
    case KeyType::Ed25519: {
      // The public key derived (and checked) at construction: no second derivation per call.
      const auto sig =
          crypto::ed25519::sign(secret_, public_key_.bytes(), crypto::blake2b_256(message));
      return Signature(Signature::Form::Ed25519, Bytes(sig.begin(), sig.end()));
    }
    case KeyType::Secp256k1: {
      const auto sig = crypto::secp256k1::sign(secret_, crypto::blake2b_256(message));
      return Signature(Signature::Form::Secp256k1, Bytes(sig.begin(), sig.end()));
    }
    case KeyType::P256: {
      if (!p256_signer_) throw internal_error("signing with a moved-from secret key");
      const auto sig = p256_signer_->sign(crypto::blake2b_256(message));
      return Signature(Signature::Form::P256, Bytes(sig.begin(), sig.end()));
    }
  }
  throw internal_error("unknown key type");
}

Signature SecretKey::prove_possession() const {
  if (type_ != KeyType::Bls)
    throw bad_request("proof of possession is only defined for tz4 (BLS12-381) keys");
  const auto proof = crypto::bls12_381::prove_possession(secret_);
  return Signature(Signature::Form::Bls, Bytes(proof.begin(), proof.end()));
}

}  // namespace signatory::tezos
