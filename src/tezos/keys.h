// Tezos keys and signatures: the four key types (tz1 Ed25519, tz2 secp256k1, tz3 P-256, tz4
// BLS12-381), their public key hashes, public keys, secret keys and signatures, each with its
// base58check text form and its binary form as it appears inside operations.
//
// Callers never branch on the curve: `SecretKey::sign` takes the raw message and does what the
// key type requires (blake2b-256 then Ed25519/ECDSA; BLS over the raw bytes), and
// `PublicKey::verify` mirrors it (for tz4: the proof-of-possession ciphersuite, see
// crypto/bls12_381.h).
//
// Value types; immutable after construction; safe to share across threads. SecretKey holds its
// scalar in SecretBytes and is move-only.
#pragma once

#include <array>
#include <compare>
#include <memory>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "crypto/p256.h"
#include "crypto/secret_bytes.h"

namespace signatory::tezos {

enum class KeyType : std::uint8_t { Ed25519 = 0, Secp256k1 = 1, P256 = 2, Bls = 3 };

// "tz1".."tz4"
std::string_view address_prefix(KeyType t);
// "ed25519", "secp256k1", "p256", "bls"
std::string_view curve_name(KeyType t);
// Parses -t values of `generate`: tz1|tz2|tz3|tz4|ed25519|secp256k1|p256|bls.
KeyType parse_key_type(std::string_view name);

struct PublicKeyHash {
  KeyType type = KeyType::Ed25519;
  std::array<std::uint8_t, 20> hash{};

  // Throws Error(BadRequest) with the base58 reason; accepts tz1..tz4 only.
  static PublicKeyHash parse(std::string_view text);
  // 21 bytes: tag (0 tz1, 1 tz2, 2 tz3, 3 tz4) ‖ hash.
  static PublicKeyHash from_tagged(ByteView tagged21);
  std::string to_base58() const;
  Bytes tagged() const;

  auto operator<=>(const PublicKeyHash&) const = default;
};

class Signature;

class PublicKey {
 public:
  PublicKey() = default;
  PublicKey(KeyType type, Bytes bytes);  // validates the point; throws Error(BadRequest)

  // edpk…/sppk…/p2pk…/BLpk…
  static PublicKey parse(std::string_view text);
  // Binary form inside operations: tag (0,1,2,3) ‖ key bytes.
  static PublicKey from_tagged(ByteView tagged);

  KeyType type() const { return type_; }
  const Bytes& bytes() const { return bytes_; }  // 32 (Ed25519), 33 (compressed EC), 48 (BLS)
  Bytes tagged() const;
  std::string to_base58() const;
  PublicKeyHash hash() const;

  // Verifies `signature` over the raw `message` as this key type requires. A generic `sig…`
  // signature is read as this key's type. Returns false on any mismatch; never throws for a
  // well-formed key.
  bool verify(ByteView message, const Signature& signature) const;
  // The same under the scheme of signing `version` (as SecretKey::sign): for BLS, version 1 is
  // the message-augmentation scheme and 2 and up proof of possession (0: false); other key
  // types have one scheme.
  bool verify(ByteView message, const Signature& signature, int version) const;

  bool operator==(const PublicKey&) const = default;

 private:
  KeyType type_ = KeyType::Ed25519;
  Bytes bytes_;
};

class Signature {
 public:
  enum class Form { Ed25519, Secp256k1, P256, Bls, Generic };
  Signature() = default;
  Signature(Form form, Bytes bytes);  // 64 bytes (96 for BLS); throws Error(BadRequest)

  // edsig…/spsig1…/p2sig…/sig…/BLsig…
  static Signature parse(std::string_view text);
  static Form form_of(KeyType t);

  Form form() const { return form_; }
  const Bytes& bytes() const { return bytes_; }
  std::string to_base58() const;
  std::string to_generic_base58() const;  // sig… (not for BLS)

  bool operator==(const Signature&) const = default;

 private:
  Form form_ = Form::Generic;
  Bytes bytes_;
};

class SecretKey {
 public:
  // edsk… (32-byte seed or 64-byte seed‖pk form), spsk…, p2sk…, BLsk…. Throws Error(BadRequest)
  // naming the problem, never echoing the key text.
  static SecretKey parse(std::string_view text);
  static bool is_encrypted(std::string_view text);  // edesk…/spesk…/p2esk…/BLesk…
  // Decrypts an encrypted key; throws Error(Forbidden) "wrong password for encrypted key" on a bad
  // password.
  static SecretKey decrypt(std::string_view text, std::string_view password);
  static SecretKey generate(KeyType type);
  // A key of `type` from its 32 secret bytes, the payload of the base58 forms (Ed25519 seed, EC
  // scalar big-endian, BLS scalar little-endian), e.g. read from a PKCS#8 file. Throws
  // Error(400) for another length or a scalar out of range.
  static SecretKey from_secret(KeyType type, crypto::SecretBytes secret);

  KeyType type() const { return type_; }
  const PublicKey& public_key() const { return public_key_; }
  // edsk… (32-byte seed form) and friends. The result is secret: don't log it.
  crypto::SecretBytes to_base58() const;
  // The key encrypted with `password` as octez-client writes it: edesk…, spesk…, p2esk…,
  // BLesk… (crypto/encrypted_key.h), under a random 8-byte salt, or `salt` (tests). Not
  // secret without the password; decrypt() reads it back.
  std::string encrypt(std::string_view password) const;
  std::string encrypt(std::string_view password, ByteView salt) const;

  // Signs the raw message. `version` is the signing version of the request (only BLS uses it).
  Signature sign(ByteView message, int version = 2) const;
  // BLS proof of possession (a signature of the 48-byte public key under the POP DST). Throws
  // Error(BadRequest) for key types other than tz4.
  Signature prove_possession() const;

 private:
  SecretKey(KeyType type, crypto::SecretBytes secret);
  KeyType type_ = KeyType::Ed25519;
  crypto::SecretBytes secret_;  // 32 bytes: Ed25519 seed, EC scalar (BE), BLS scalar (LE)
  PublicKey public_key_;
  // P-256 only: the scalar made ready for signing once (an OpenSSL key object), see p256.h.
  std::shared_ptr<const crypto::p256::SigningKey> p256_signer_;
};

}  // namespace signatory::tezos
