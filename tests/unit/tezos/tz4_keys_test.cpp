// Tests of tz4 (BLS12-381) keys at the Tezos level: proofs of possession of every keys.json
// record (plain and BLesk-encrypted) byte for byte, generated keys, signing versions through
// SecretKey, and refusal of BLpk values that are not G1 points. (The same proofs through the
// vault interface: tests/unit/vault/local_key_test.cpp.)
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "crypto/bls12_381.h"
#include "test_support.h"
#include "tezos/base58.h"
#include "tezos/keys.h"

namespace signatory::tezos {
namespace {

using nlohmann::json;

const json& load(const char* file) { return testing::tezos_vectors(file); }

const json& keys_json() {
  static const json v = load("keys.json");
  return v;
}

std::string s(const json& rec, const char* field) {
  return rec.at(field).get<std::string>();
}

std::vector<json> bls_records() {
  std::vector<json> out;
  for (const char* group : {"keys", "edge_case_keys", "octez_reference_keys", "hd_keys"})
    for (const auto& rec : keys_json().at(group))
      if (s(rec, "curve") == "bls12_381") out.push_back(rec);
  return out;
}

const json& record_by_pkh(const std::string& pkh) {
  static const std::vector<json> all = bls_records();
  for (const auto& rec : all)
    if (s(rec, "public_key_hash") == pkh) return rec;
  throw std::runtime_error("no tz4 record for " + pkh);
}

std::string error_of(const std::function<void()>& f, ErrorCode code) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error thrown";
  return {};
}

TEST(Tz4Keys, ProofOfPossessionOfEveryKey) {
  std::size_t n = 0;
  for (const auto& rec : bls_records()) {
    SCOPED_TRACE(s(rec, "id"));
    const auto sk = SecretKey::parse(s(rec, "secret_key"));
    EXPECT_EQ(sk.type(), KeyType::Bls);
    EXPECT_EQ(sk.public_key().hash().to_base58(), s(rec, "public_key_hash"));
    const Signature proof = sk.prove_possession();
    EXPECT_EQ(proof.form(), Signature::Form::Bls);
    EXPECT_EQ(proof.to_base58(), s(rec, "proof_of_possession"));
    ++n;
  }
  EXPECT_EQ(n, 7u);
}

TEST(Tz4Keys, EncryptedKeysDecryptAndProve) {
  std::size_t n = 0;
  for (const auto& rec : keys_json().at("encrypted_keys")) {
    if (s(rec, "curve") != "bls12_381") continue;
    SCOPED_TRACE(s(rec, "id"));
    const std::string text = s(rec, "encrypted_secret_key");
    ASSERT_TRUE(text.starts_with("BLesk"));
    const auto sk = SecretKey::decrypt(text, s(rec, "password"));
    EXPECT_EQ(sk.type(), KeyType::Bls);
    EXPECT_EQ(sk.to_base58().as_string(), s(rec, "decrypted_secret_key"));
    EXPECT_EQ(sk.public_key().hash().to_base58(), s(rec, "public_key_hash"));
    if (rec.contains("decrypted_key_id")) {
      EXPECT_EQ(sk.prove_possession().to_base58(),
                s(record_by_pkh(s(rec, "public_key_hash")), "proof_of_possession"));
    }
    const std::string pw = s(rec, "password");
    EXPECT_EQ(error_of([&] { SecretKey::decrypt(text, pw + "!"); }, ErrorCode::Forbidden),
              "wrong password for encrypted key");
    ++n;
  }
  EXPECT_EQ(n, 5u);
}

TEST(Tz4Keys, OtherKeyTypesHaveNoProof) {
  const auto& rec = keys_json().at("keys").at(0);
  ASSERT_EQ(s(rec, "curve"), "ed25519");
  const auto sk = SecretKey::parse(s(rec, "secret_key"));
  EXPECT_EQ(error_of([&] { sk.prove_possession(); }, ErrorCode::BadRequest),
            "proof of possession is only defined for tz4 (BLS12-381) keys");
}

TEST(Tz4Keys, GeneratedKeysWork) {
  const Bytes msg = from_hex("13aabbccdd");
  for (int i = 0; i < 4; ++i) {
    const auto sk = SecretKey::generate(parse_key_type("tz4"));
    EXPECT_EQ(sk.type(), KeyType::Bls);
    const crypto::SecretBytes sk_text = sk.to_base58();
    const std::string text(sk_text.as_string());
    EXPECT_TRUE(text.starts_with("BLsk"));
    const auto again = SecretKey::parse(text);
    EXPECT_EQ(again.public_key(), sk.public_key());
    EXPECT_TRUE(sk.public_key().to_base58().starts_with("BLpk"));
    EXPECT_TRUE(sk.public_key().hash().to_base58().starts_with("tz4"));
    const Signature sig = sk.sign(msg);
    EXPECT_TRUE(sig.to_base58().starts_with("BLsig"));
    EXPECT_TRUE(sk.public_key().verify(msg, sig));
    EXPECT_TRUE(crypto::bls12_381::verify_possession(sk.public_key().bytes(),
                                                     sk.prove_possession().bytes()));
  }
  EXPECT_NE(SecretKey::generate(KeyType::Bls).public_key(),
            SecretKey::generate(KeyType::Bls).public_key());
}

TEST(Tz4Keys, SigningVersions) {
  const json rec = bls_records().at(0);
  const auto sk = SecretKey::parse(s(rec, "secret_key"));
  const Bytes msg = from_hex("12aabbccdd");
  // Default and version 2: the POP ciphersuite PublicKey::verify checks.
  EXPECT_EQ(sk.sign(msg), sk.sign(msg, 2));
  EXPECT_TRUE(sk.public_key().verify(msg, sk.sign(msg, 2)));
  // Version 1: message augmentation, a different signature.
  const Signature v1 = sk.sign(msg, 1);
  EXPECT_FALSE(sk.public_key().verify(msg, v1));
  EXPECT_TRUE(crypto::bls12_381::verify_augmented(sk.public_key().bytes(), msg, v1.bytes()));
  // Version 0: refused.
  EXPECT_EQ(error_of([&] { sk.sign(msg, 0); }, ErrorCode::BadRequest),
            "SigningVersion0 is not supported for BLS keys");
  // A generic sig… signature is never a BLS one.
  const Bytes v2 = sk.sign(msg).bytes();
  EXPECT_FALSE(sk.public_key().verify(
      msg, Signature(Signature::Form::Generic, Bytes(v2.begin(), v2.begin() + 64))));
}

// PublicKey::verify with a signing version checks that version's scheme: the signatures.json
// (proof-of-possession) vectors pass for versions 2 and 3 only; a version-1 signature for 1 only.
TEST(Tz4Keys, VerifyUnderTheSchemeOfASigningVersion) {
  int checked = 0;
  for (const auto& vec : load("signatures.json").at("vectors")) {
    if (s(vec, "curve") != "bls12_381") continue;
    const auto pk = PublicKey::parse(s(vec, "public_key"));
    const Bytes msg = from_hex(s(vec, "message_hex"));
    const auto sig = Signature::parse(s(vec, "signature"));
    EXPECT_TRUE(pk.verify(msg, sig, 2)) << s(vec, "id");
    EXPECT_TRUE(pk.verify(msg, sig, 3)) << s(vec, "id");
    EXPECT_FALSE(pk.verify(msg, sig, 1)) << s(vec, "id");
    EXPECT_FALSE(pk.verify(msg, sig, 0)) << s(vec, "id");
    ++checked;
  }
  EXPECT_GT(checked, 0);
  const auto sk = SecretKey::parse(s(bls_records().at(0), "secret_key"));
  const Bytes msg = from_hex("13aabbccdd");
  const Signature v1 = sk.sign(msg, 1);
  EXPECT_TRUE(sk.public_key().verify(msg, v1, 1));
  EXPECT_FALSE(sk.public_key().verify(msg, v1, 2));
  EXPECT_FALSE(sk.public_key().verify(from_hex("13aabbccde"), v1, 1));
  // Other key types have one scheme: the version does not matter.
  for (const auto& rec : keys_json().at("keys")) {
    if (s(rec, "curve") == "bls12_381") continue;
    const auto other = SecretKey::parse(s(rec, "secret_key"));
    for (int version : {0, 1, 2}) EXPECT_TRUE(other.public_key().verify(msg, other.sign(msg), version));
  }
}

TEST(Tz4Keys, PublicKeysMustBeGroupPoints) {
  // base58.json's BLpk example is 48 random bytes (not a compressed point): it decodes as
  // base58 but is not a public key.
  const json b58 = load("base58.json");
  std::string example;
  for (const auto& p : b58.at("prefixes"))
    if (s(p, "name") == "BLpk") example = s(p, "example");
  ASSERT_FALSE(example.empty());
  EXPECT_EQ(b58check_decode(prefix::BLpk, example).size(), 48u);
  const std::string msg = error_of([&] { PublicKey::parse(example); }, ErrorCode::BadRequest);
  EXPECT_NE(msg.find("invalid bls public key"), std::string::npos) << msg;

  const Bytes good = from_hex(s(bls_records().at(0), "public_key_hex"));
  Bytes flag_cleared = good;
  flag_cleared[0] &= 0x7f;
  Bytes infinity(48, 0);
  infinity[0] = 0xc0;
  for (const Bytes& b : {flag_cleared, infinity}) {
    SCOPED_TRACE(to_hex(b));
    error_of([&] { PublicKey(KeyType::Bls, b); }, ErrorCode::BadRequest);
    Bytes tagged(1 + b.size(), 3);  // tag 3 (BLS) ‖ the bytes
    std::copy(b.begin(), b.end(), tagged.begin() + 1);
    error_of([&] { PublicKey::from_tagged(tagged); }, ErrorCode::BadRequest);
  }
  EXPECT_NO_THROW(PublicKey(KeyType::Bls, good));
}

TEST(Tz4Keys, InvalidSecretScalarsAreRefused) {
  // r (the group order) as a little-endian BLsk payload, and zero.
  const Bytes r = from_hex("01000000fffffffffe5bfeff02a4bd5305d8a10908d83933487d9d2953a7ed73");
  for (const Bytes& b : {r, Bytes(32, 0)}) {
    const std::string text = b58check_encode(prefix::BLsk, b);
    const std::string msg = error_of([&] { SecretKey::parse(text); }, ErrorCode::BadRequest);
    EXPECT_NE(msg.find("scalar"), std::string::npos) << msg;
    EXPECT_EQ(msg.find(text.substr(4, 12)), std::string::npos) << "error echoes the key";
  }
}

}  // namespace
}  // namespace signatory::tezos
