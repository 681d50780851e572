// Tests of Tezos keys against keys.json: every key record (random, edge-case, Octez reference
// and HD keys) goes secret → public key → public key hash with the text, raw and tagged forms
// the vectors give; every encrypted key decrypts (or is refused with the right error), tz4
// (BLS12-381) keys included. tz4 signing and proofs of possession: tz4_keys_test.cpp.
#include "tezos/keys.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "tezos/base58.h"

namespace signatory::tezos {
namespace {

using nlohmann::json;

const json& keys_json() {
  static const json v = [] {
    std::ifstream in(std::string(SIGNATORY_TESTDATA) + "/tezos/keys.json");
    if (!in) throw std::runtime_error("cannot open keys.json");
    return json::parse(in);
  }();
  return v;
}

std::vector<json> key_records() {
  std::vector<json> out;
  for (const char* group : {"keys", "edge_case_keys", "octez_reference_keys", "hd_keys"})
    for (const auto& rec : keys_json().at(group)) out.push_back(rec);
  return out;
}

std::string s(const json& rec, const char* field) {
  return rec.at(field).get<std::string>();
}

KeyType type_of_curve(const std::string& curve) {
  if (curve == "ed25519") return KeyType::Ed25519;
  if (curve == "secp256k1") return KeyType::Secp256k1;
  if (curve == "p256") return KeyType::P256;
  if (curve == "bls12_381") return KeyType::Bls;
  throw std::runtime_error("unknown curve " + curve);
}

// Runs `f`, expects Error with `status`, returns its message. The message must not contain
// `secret_text` (errors never echo key material).
template <typename F>
std::string error_of(F&& f, ErrorCode code, const std::string& secret_text = {}) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    const std::string msg = e.what();
    if (secret_text.size() >= 12) {
      for (std::size_t i = 0; i + 12 <= secret_text.size(); ++i)
        EXPECT_EQ(msg.find(secret_text.substr(i, 12)), std::string::npos)
            << "error echoes key text: " << msg;
    }
    return msg;
  }
  ADD_FAILURE() << "no error thrown";
  return {};
}

TEST(Keys, PublicKeyHashesInAllForms) {
  std::size_t n = 0;
  for (const auto& rec : key_records()) {
    SCOPED_TRACE(s(rec, "id"));
    const KeyType type = type_of_curve(s(rec, "curve"));
    const auto pkh = PublicKeyHash::parse(s(rec, "public_key_hash"));
    EXPECT_EQ(pkh.type, type);
    EXPECT_EQ(to_hex(pkh.hash), s(rec, "public_key_hash_hex"));
    EXPECT_EQ(to_hex(pkh.tagged()), s(rec, "public_key_hash_tagged_hex"));
    EXPECT_EQ(pkh.to_base58(), s(rec, "public_key_hash"));
    EXPECT_EQ(PublicKeyHash::from_tagged(from_hex(s(rec, "public_key_hash_tagged_hex"))), pkh);
    EXPECT_EQ(address_prefix(type), s(rec, "public_key_hash").substr(0, 3));
    ++n;
  }
  EXPECT_EQ(n, 39u);
}

TEST(Keys, PublicKeysInAllForms) {
  for (const auto& rec : key_records()) {
    SCOPED_TRACE(s(rec, "id"));
    const KeyType type = type_of_curve(s(rec, "curve"));
    const auto pk = PublicKey::parse(s(rec, "public_key"));
    EXPECT_EQ(pk.type(), type);
    EXPECT_EQ(to_hex(pk.bytes()), s(rec, "public_key_hex"));
    EXPECT_EQ(to_hex(pk.tagged()), s(rec, "public_key_tagged_hex"));
    EXPECT_EQ(pk.to_base58(), s(rec, "public_key"));
    EXPECT_EQ(pk.hash().to_base58(), s(rec, "public_key_hash"));
    EXPECT_EQ(PublicKey::from_tagged(from_hex(s(rec, "public_key_tagged_hex"))), pk);
    EXPECT_EQ(PublicKey(type, from_hex(s(rec, "public_key_hex"))), pk);
    if (rec.contains("octez_expected")) {
      EXPECT_EQ(pk.to_base58(), rec.at("octez_expected").at("public_key").get<std::string>());
      EXPECT_EQ(pk.hash().to_base58(),
                rec.at("octez_expected").at("public_key_hash").get<std::string>());
    }
  }
}

TEST(Keys, SecretKeysGiveThePublicKey) {
  std::size_t supported = 0, tz4 = 0;
  for (const auto& rec : key_records()) {
    SCOPED_TRACE(s(rec, "id"));
    const KeyType type = type_of_curve(s(rec, "curve"));
    const std::string text = s(rec, "secret_key");
    if (type == KeyType::Bls) ++tz4;
    const auto sk = SecretKey::parse(text);
    EXPECT_EQ(sk.type(), type);
    EXPECT_EQ(sk.public_key().to_base58(), s(rec, "public_key"));
    EXPECT_EQ(sk.public_key().hash().to_base58(), s(rec, "public_key_hash"));
    EXPECT_EQ(sk.to_base58().as_string(), text);
    EXPECT_FALSE(SecretKey::is_encrypted(text));
    if (rec.contains("secret_key_64")) {
      const auto sk64 = SecretKey::parse(s(rec, "secret_key_64"));
      EXPECT_EQ(sk64.public_key(), sk.public_key());
      EXPECT_EQ(sk64.to_base58().as_string(), text);  // written back in the 32-byte seed form
      EXPECT_EQ(s(rec, "secret_key_64_hex"), s(rec, "secret_key_hex") + s(rec, "public_key_hex"));
    }
    ++supported;
  }
  EXPECT_EQ(supported, 39u);
  EXPECT_EQ(tz4, 7u);
}

TEST(Keys, Ed25519SixtyFourByteFormMustBeConsistent) {
  // seed of one vector key with the public key of another: refused.
  const auto& keys = keys_json().at("keys");
  const Bytes seed = from_hex(s(keys.at(0), "secret_key_hex"));
  const Bytes other_pk = from_hex(s(keys.at(1), "public_key_hex"));
  ASSERT_EQ(s(keys.at(0), "curve"), "ed25519");
  ASSERT_EQ(s(keys.at(1), "curve"), "ed25519");
  const std::string text = b58check_encode(prefix::edsk_64, concat({seed, other_pk}));
  const std::string msg = error_of([&] { SecretKey::parse(text); }, ErrorCode::BadRequest, text);
  EXPECT_NE(msg.find("does not match"), std::string::npos) << msg;
}

TEST(Keys, SecretKeyParseErrorsNameTheProblem) {
  // Wrong prefixes come from the vectors: a public key and a pkh are not secret keys.
  const auto& rec = keys_json().at("keys").at(0);
  std::string msg =
      error_of([&] { SecretKey::parse(s(rec, "public_key")); }, ErrorCode::BadRequest);
  EXPECT_NE(msg.find("invalid secret key: expected edsk, spsk, p2sk or BLsk, got edpk"),
            std::string::npos)
      << msg;
  // A checksum error does not echo the key.
  std::string text = s(rec, "secret_key");
  text.back() = text.back() == 'a' ? 'b' : 'a';
  msg = error_of([&] { SecretKey::parse(text); }, ErrorCode::BadRequest, text);
  EXPECT_NE(msg.find("checksum"), std::string::npos) << msg;
  // Encrypted keys need a password.
  const std::string enc = s(keys_json().at("encrypted_keys").at(0), "encrypted_secret_key");
  msg = error_of([&] { SecretKey::parse(enc); }, ErrorCode::BadRequest, enc);
  EXPECT_NE(msg.find("password"), std::string::npos) << msg;
  // EC scalars out of range: 0 and n (SEC 2 order), encoded with the vector prefixes.
  const Bytes zero(32, 0);
  const std::string zero_sp = b58check_encode(prefix::spsk, zero);
  msg = error_of([&] { SecretKey::parse(zero_sp); }, ErrorCode::BadRequest, zero_sp);
  EXPECT_NE(msg.find("scalar"), std::string::npos) << msg;
  const std::string n_p2 = b58check_encode(
      prefix::p2sk, from_hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"));
  msg = error_of([&] { SecretKey::parse(n_p2); }, ErrorCode::BadRequest, n_p2);
  EXPECT_NE(msg.find("scalar"), std::string::npos) << msg;
}

TEST(Keys, EncryptedKeysDecrypt) {
  std::size_t supported = 0, tz4 = 0;
  for (const auto& rec : keys_json().at("encrypted_keys")) {
    SCOPED_TRACE(s(rec, "id"));
    const std::string text = s(rec, "encrypted_secret_key");
    const std::string password = s(rec, "password");
    EXPECT_TRUE(SecretKey::is_encrypted(text));
    if (s(rec, "curve") == "bls12_381") ++tz4;
    const auto sk = SecretKey::decrypt(text, password);
    EXPECT_EQ(sk.type(), type_of_curve(s(rec, "curve")));
    EXPECT_EQ(sk.to_base58().as_string(), s(rec, "decrypted_secret_key"));
    EXPECT_EQ(sk.public_key().hash().to_base58(), s(rec, "public_key_hash"));
    ++supported;
  }
  EXPECT_EQ(supported, 21u);
  EXPECT_EQ(tz4, 5u);
}

// Encryption is octez's scheme: with the salt of each vector (its payload's first 8 bytes),
// every key encrypts to exactly the vector's text (made by Taquito and by octez's own tests).
TEST(Keys, EncryptionReproducesEveryVector) {
  static const Prefix* const esk[] = {&prefix::edesk, &prefix::spesk, &prefix::p2esk,
                                      &prefix::BLesk};
  std::size_t checked = 0;
  for (const auto& rec : keys_json().at("encrypted_keys")) {
    SCOPED_TRACE(s(rec, "id"));
    const std::string text = s(rec, "encrypted_secret_key");
    const std::string password = s(rec, "password");
    const Decoded d = b58check_decode_any(esk, text, "encrypted secret key");
    const ByteView salt = ByteView(d.payload).first(8);
    const auto sk = SecretKey::decrypt(text, password);
    EXPECT_EQ(sk.encrypt(password, salt), text);
    ++checked;
  }
  EXPECT_EQ(checked, 21u);
}

TEST(Keys, EncryptionUsesAFreshSaltAndDecryptsBack) {
  for (KeyType type : {KeyType::Ed25519, KeyType::Secp256k1, KeyType::P256, KeyType::Bls}) {
    const auto sk = SecretKey::generate(type);
    const std::string a = sk.encrypt("pass phrase"), b = sk.encrypt("pass phrase");
    EXPECT_NE(a, b);  // random salts
    EXPECT_TRUE(SecretKey::is_encrypted(a));
    for (const auto& text : {a, b}) {
      const auto back = SecretKey::decrypt(text, "pass phrase");
      EXPECT_EQ(back.public_key(), sk.public_key());
      EXPECT_EQ(back.to_base58().as_string(), sk.to_base58().as_string());
    }
    EXPECT_EQ(error_of([&] { SecretKey::decrypt(a, "pass phrasE"); }, ErrorCode::Forbidden, a),
              "wrong password for encrypted key");
  }
}

TEST(Keys, EncryptedKeysRefuseWrongPasswords) {
  for (const auto& rec : keys_json().at("encrypted_keys")) {
    SCOPED_TRACE(s(rec, "id"));
    const std::string text = s(rec, "encrypted_secret_key");
    const std::string password = s(rec, "password");
    const std::string wrong =
        password.empty() ? "not empty" : password.substr(0, password.size() - 1);
    const std::string msg =
        error_of([&] { SecretKey::decrypt(text, wrong); }, ErrorCode::Forbidden, text);
    EXPECT_EQ(msg, "wrong password for encrypted key");
  }
}

TEST(Keys, EmptyPasswordKey) {
  bool seen = false;
  for (const auto& rec : keys_json().at("encrypted_keys")) {
    if (s(rec, "password") != "") continue;
    seen = true;
    const auto sk = SecretKey::decrypt(s(rec, "encrypted_secret_key"), "");
    EXPECT_EQ(sk.to_base58().as_string(), s(rec, "decrypted_secret_key"));
  }
  EXPECT_TRUE(seen);
}

TEST(Keys, DecryptAcceptsAPlainKey) {
  const auto& rec = keys_json().at("keys").at(4);
  const auto sk = SecretKey::decrypt(s(rec, "secret_key"), "ignored");
  EXPECT_EQ(sk.public_key().to_base58(), s(rec, "public_key"));
}

TEST(Keys, Tz4PublicFormsParse) {
  std::size_t n = 0;
  for (const auto& rec : key_records()) {
    if (s(rec, "curve") != "bls12_381") continue;
    const auto pk = PublicKey::parse(s(rec, "public_key"));
    EXPECT_EQ(pk.type(), KeyType::Bls);
    EXPECT_EQ(pk.bytes().size(), 48u);
    const auto pop = Signature::parse(s(rec, "proof_of_possession"));
    EXPECT_EQ(pop.form(), Signature::Form::Bls);
    EXPECT_EQ(to_hex(pop.bytes()), s(rec, "proof_of_possession_hex"));
    EXPECT_EQ(pop.to_base58(), s(rec, "proof_of_possession"));
    ++n;
  }
  EXPECT_EQ(n, 7u);
}

TEST(Keys, PublicKeyValidation) {
  const auto& keys = keys_json().at("keys");
  for (const auto& rec : keys) {
    SCOPED_TRACE(s(rec, "id"));
    const KeyType type = type_of_curve(s(rec, "curve"));
    Bytes b = from_hex(s(rec, "public_key_hex"));
    Bytes shorter(b.begin(), b.end() - 1);
    error_of([&] { PublicKey(type, shorter); }, ErrorCode::BadRequest);
    Bytes longer = b;
    longer.push_back(0);
    error_of([&] { PublicKey(type, longer); }, ErrorCode::BadRequest);
    if (type == KeyType::Secp256k1 || type == KeyType::P256) {
      Bytes uncompressed_tag = b;
      uncompressed_tag[0] = 0x04;
      const std::string msg =
          error_of([&] { PublicKey(type, uncompressed_tag); }, ErrorCode::BadRequest);
      EXPECT_NE(msg.find("compressed"), std::string::npos) << msg;
    }
  }
  // x = p, the field prime (SEC 2 / FIPS 186-4): no point has it.
  error_of(
      [] {
        PublicKey(KeyType::Secp256k1,
                  from_hex("02fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f"));
      },
      ErrorCode::BadRequest);
  error_of(
      [] {
        PublicKey(KeyType::P256,
                  from_hex("03ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"));
      },
      ErrorCode::BadRequest);
  error_of([] { PublicKey::from_tagged({}); }, ErrorCode::BadRequest);
  const Bytes bad_tag = from_hex("09" + s(keys.at(0), "public_key_hex"));
  EXPECT_NE(error_of([&] { PublicKey::from_tagged(bad_tag); }, ErrorCode::BadRequest)
                .find("unknown key type tag 9"),
            std::string::npos);
  const Bytes bad_pkh_tag = from_hex("04" + s(keys.at(0), "public_key_hash_hex"));
  error_of([&] { PublicKeyHash::from_tagged(bad_pkh_tag); }, ErrorCode::BadRequest);
  error_of([&] { PublicKeyHash::from_tagged(from_hex(s(keys.at(0), "public_key_hash_hex"))); },
           ErrorCode::BadRequest);
}

TEST(Keys, PublicKeyHashParseErrors) {
  std::ifstream in(std::string(SIGNATORY_TESTDATA) + "/tezos/base58.json");
  const json b58 = json::parse(in);
  for (const auto& rec : b58.at("malformed")) {
    if (rec.at("validator") != "validateKeyHash") continue;
    SCOPED_TRACE(s(rec, "id"));
    if (rec.at("valid").get<bool>()) {
      EXPECT_EQ(PublicKeyHash::parse(s(rec, "input")).to_base58(), s(rec, "input"));
      continue;
    }
    const std::string msg =
        error_of([&] { PublicKeyHash::parse(s(rec, "input")); }, ErrorCode::BadRequest);
    EXPECT_EQ(msg.rfind("invalid public key hash: ", 0), 0u) << msg;
    if (s(rec, "id") == "kt1_is_not_a_key_hash") {
      EXPECT_EQ(msg, "invalid public key hash: expected tz1, tz2, tz3 or tz4, got KT1");
    }
  }
}

TEST(Keys, KeyTypeNames) {
  const std::pair<const char*, KeyType> names[] = {
      {"tz1", KeyType::Ed25519},   {"ed25519", KeyType::Ed25519},
      {"tz2", KeyType::Secp256k1}, {"secp256k1", KeyType::Secp256k1},
      {"tz3", KeyType::P256},      {"p256", KeyType::P256},
      {"tz4", KeyType::Bls},       {"bls", KeyType::Bls}};
  for (const auto& [name, type] : names) EXPECT_EQ(parse_key_type(name), type) << name;
  EXPECT_EQ(curve_name(KeyType::Ed25519), "ed25519");
  EXPECT_EQ(curve_name(KeyType::Secp256k1), "secp256k1");
  EXPECT_EQ(curve_name(KeyType::P256), "p256");
  EXPECT_EQ(curve_name(KeyType::Bls), "bls");
  EXPECT_EQ(address_prefix(KeyType::Bls), "tz4");
  const std::string msg = error_of([] { parse_key_type("rsa"); }, ErrorCode::BadRequest);
  EXPECT_NE(msg.find("rsa"), std::string::npos);
  error_of([] { parse_key_type("TZ1"); }, ErrorCode::BadRequest);
  error_of([] { parse_key_type(""); }, ErrorCode::BadRequest);
}

TEST(Keys, GeneratedKeysWork) {
  const Bytes message = from_hex("03deadbeef");
  for (KeyType type : {KeyType::Ed25519, KeyType::Secp256k1, KeyType::P256}) {
    SCOPED_TRACE(std::string(curve_name(type)));
    const auto a = SecretKey::generate(type);
    const auto b = SecretKey::generate(type);
    EXPECT_EQ(a.type(), type);
    EXPECT_NE(a.public_key(), b.public_key());
    const auto again = SecretKey::parse(a.to_base58().as_string());
    EXPECT_EQ(again.public_key(), a.public_key());
    const auto sig = a.sign(message);
    EXPECT_EQ(sig.form(), Signature::form_of(type));
    EXPECT_TRUE(a.public_key().verify(message, sig));
    EXPECT_FALSE(b.public_key().verify(message, sig));
    EXPECT_EQ(a.public_key().hash().to_base58().substr(0, 3), address_prefix(type));
  }
}

}  // namespace
}  // namespace signatory::tezos
