// Tests of signing and verification against signatures.json: Ed25519 signatures byte for byte,
// ECDSA by verification of Taquito's signatures and of our own, the generic sig… form, every
// negative vector refused, the ECDSA malleability rule per curve, and Octez request
// authentication signatures. tz4 (BLS) vectors: verified and re-signed byte for byte here; the
// BLS-specific cases (versions, proofs of possession) are in tz4_signing_test.cpp.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "test_support.h"
#include "crypto/ecdsa_der.h"
#include "tezos/keys.h"

namespace signatory::tezos {
namespace {

using nlohmann::json;

const json& load(const char* file) { return testing::tezos_vectors(file); }

const json& sigs() {
  static const json v = load("signatures.json");
  return v;
}

std::string s(const json& rec, const char* field) {
  return rec.at(field).get<std::string>();
}

// Secret keys of keys.json by id.
const std::map<std::string, std::string>& secret_keys() {
  static const std::map<std::string, std::string> m = [] {
    std::map<std::string, std::string> out;
    const json keys = load("keys.json");
    for (const char* group : {"keys", "edge_case_keys", "octez_reference_keys", "hd_keys"})
      for (const auto& rec : keys.at(group)) out[s(rec, "id")] = s(rec, "secret_key");
    return out;
  }();
  return m;
}

TEST(Signatures, EveryVector) {
  std::map<std::string, std::size_t> count;
  for (const auto& rec : sigs().at("vectors")) {
    SCOPED_TRACE(s(rec, "id"));
    const std::string curve = s(rec, "curve");
    const Bytes msg = from_hex(s(rec, "message_hex"));
    const auto pk = PublicKey::parse(s(rec, "public_key"));
    EXPECT_EQ(pk.hash().to_base58(), s(rec, "public_key_hash"));
    const auto sig = Signature::parse(s(rec, "signature"));
    EXPECT_EQ(to_hex(sig.bytes()), s(rec, "signature_hex"));
    EXPECT_EQ(sig.to_base58(), s(rec, "signature"));
    EXPECT_EQ(sig.form(), Signature::form_of(pk.type()));
    ++count[curve];
    EXPECT_TRUE(pk.verify(msg, sig));
    if (curve == "bls12_381") {
      EXPECT_TRUE(rec.at("generic_signature").is_null());
      EXPECT_THROW(sig.to_generic_base58(), Error);
      EXPECT_TRUE(rec.at("deterministic").get<bool>());
      const auto sk = SecretKey::parse(secret_keys().at(s(rec, "key_id")));
      ASSERT_EQ(sk.public_key(), pk);
      EXPECT_EQ(sk.sign(msg).to_base58(), s(rec, "signature"));  // BLS: byte for byte
      continue;
    }
    const auto generic = Signature::parse(s(rec, "generic_signature"));
    EXPECT_EQ(generic.form(), Signature::Form::Generic);
    EXPECT_EQ(generic.bytes(), sig.bytes());
    EXPECT_EQ(sig.to_generic_base58(), s(rec, "generic_signature"));
    EXPECT_TRUE(pk.verify(msg, generic));

    const auto sk = SecretKey::parse(secret_keys().at(s(rec, "key_id")));
    ASSERT_EQ(sk.public_key(), pk);
    const auto ours = sk.sign(msg);
    EXPECT_EQ(ours.form(), sig.form());
    if (rec.at("deterministic").get<bool>()) {
      EXPECT_EQ(ours.to_base58(), s(rec, "signature"));  // Ed25519: byte for byte
    } else {
      EXPECT_TRUE(rec.at("verify_only").get<bool>());
      EXPECT_TRUE(pk.verify(msg, ours));
      if (curve == "secp256k1") {
        crypto::RawEcdsaSignature raw{};
        std::copy(ours.bytes().begin(), ours.bytes().end(), raw.begin());
        EXPECT_TRUE(crypto::is_low_s(crypto::Curve::Secp256k1, raw));
        // Both libsecp256k1 and @noble/curves use RFC 6979 (HMAC-SHA256) nonces over the
        // same digest, so the signatures agree too (the vector records the nonce scheme).
        EXPECT_NE(s(rec, "nonce").find("RFC 6979"), std::string::npos);
        EXPECT_EQ(ours.to_base58(), s(rec, "signature"));
      }
      // The other message must not verify under our signature.
      Bytes other = msg;
      other.back() ^= 0x01;
      EXPECT_FALSE(pk.verify(other, ours));
    }
  }
  EXPECT_EQ(count["ed25519"], 67u);
  EXPECT_EQ(count["secp256k1"], 59u);
  EXPECT_EQ(count["p256"], 59u);
  EXPECT_EQ(count["bls12_381"], 55u);
}

TEST(Signatures, EveryNegativeVectorFails) {
  std::size_t refused = 0, tz4 = 0;
  for (const auto& rec : sigs().at("negative")) {
    SCOPED_TRACE(s(rec, "id") + ": " + s(rec, "mutation"));
    ASSERT_FALSE(rec.at("expected_valid").get<bool>());
    if (s(rec, "curve") == "bls12_381") ++tz4;
    const Bytes msg = from_hex(s(rec, "message_hex"));
    const auto pk = PublicKey::parse(s(rec, "public_key"));
    bool valid = true;
    try {
      valid = pk.verify(msg, Signature::parse(s(rec, "signature")));
    } catch (const Error& e) {
      ADD_FAILURE() << "threw instead of returning false: " << e.what();
    }
    EXPECT_FALSE(valid);
    EXPECT_EQ(valid, rec.at("taquito_verify").get<bool>());
    ++refused;
  }
  EXPECT_EQ(refused, 41u);
  EXPECT_EQ(tz4, 11u);
}

TEST(Signatures, EcdsaMalleabilityPerCurve) {
  const auto& twins = sigs().at("ecdsa_malleability");
  ASSERT_EQ(twins.size(), 2u);
  for (const auto& rec : twins) {
    SCOPED_TRACE(s(rec, "id"));
    const auto pk = PublicKey::parse(s(rec, "public_key"));
    const auto sig = Signature::parse(s(rec, "signature"));
    EXPECT_EQ(to_hex(sig.bytes()), s(rec, "signature_hex"));
    // secp256k1: rejected (libsecp256k1, Taquito); p256: accepted (HACL, Taquito).
    EXPECT_EQ(pk.verify(from_hex(s(rec, "message_hex")), sig),
              rec.at("taquito_verify").get<bool>());
  }
}

TEST(Signatures, AuthenticationVectors) {
  const auto& vectors = sigs().at("authentication").at("vectors");
  std::size_t verified = 0, tz4 = 0;
  for (const auto& rec : vectors) {
    SCOPED_TRACE(s(rec, "id"));
    const auto request_pkh = PublicKeyHash::parse(s(rec, "request_pkh"));
    const Bytes data = from_hex(s(rec, "data_hex"));
    const Bytes head = {0x04, 0x01};
    const Bytes to_sign = concat({head, request_pkh.tagged(), data});
    EXPECT_EQ(to_hex(to_sign), s(rec, "to_sign_hex"));
    const auto key = PublicKey::parse(s(rec, "authorized_public_key"));
    EXPECT_EQ(key.hash().to_base58(), s(rec, "authorized_public_key_hash"));
    const auto sig = Signature::parse(s(rec, "authentication_signature"));
    if (key.type() == KeyType::Bls) ++tz4;
    EXPECT_EQ(key.verify(to_sign, sig), rec.at("taquito_verify").get<bool>());
    EXPECT_FALSE(key.verify(data, sig));  // the bare data is not what was signed
    ++verified;
  }
  EXPECT_EQ(verified, 16u);
  EXPECT_EQ(tz4, 4u);
}

TEST(Signatures, FormMustMatchTheKey) {
  // A valid ed25519 signature presented as a secp256k1/p256 one, and the keys of other types.
  const json* ed = nullptr;
  const json* k1 = nullptr;
  for (const auto& rec : sigs().at("vectors")) {
    if (!ed && s(rec, "curve") == "ed25519") ed = &rec;
    if (!k1 && s(rec, "curve") == "secp256k1") k1 = &rec;
  }
  ASSERT_TRUE(ed && k1);
  const Bytes msg = from_hex(s(*ed, "message_hex"));
  const auto ed_pk = PublicKey::parse(s(*ed, "public_key"));
  const auto ed_sig = Signature::parse(s(*ed, "signature"));
  EXPECT_FALSE(ed_pk.verify(msg, Signature(Signature::Form::Secp256k1, ed_sig.bytes())));
  EXPECT_FALSE(ed_pk.verify(msg, Signature(Signature::Form::P256, ed_sig.bytes())));
  const auto k1_pk = PublicKey::parse(s(*k1, "public_key"));
  EXPECT_FALSE(k1_pk.verify(msg, ed_sig));
  EXPECT_FALSE(k1_pk.verify(msg, Signature(Signature::Form::Generic, ed_sig.bytes())));
}

TEST(Signatures, ConstructionChecksLengths) {
  EXPECT_THROW(Signature(Signature::Form::Ed25519, Bytes(63, 1)), Error);
  EXPECT_THROW(Signature(Signature::Form::Generic, Bytes(96, 1)), Error);
  EXPECT_THROW(Signature(Signature::Form::Bls, Bytes(64, 1)), Error);
  EXPECT_NO_THROW(Signature(Signature::Form::Bls, Bytes(96, 1)));
  try {
    Signature::parse("tz1KqTpEZ7Yob7QbPE4Hy4Wo8fHG8LhKxZSx");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest);
    EXPECT_STREQ(e.what(),
                 "invalid signature: expected edsig, spsig1, p2sig, sig or BLsig, got tz1");
  }
}

}  // namespace
}  // namespace signatory::tezos
