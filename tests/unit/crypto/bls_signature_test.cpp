// Tests of the BLS12-381 primitives (crypto/bls12_381) against keys.json and signatures.json:
// secret scalar → public key, signatures and proofs of possession byte for byte, verification of
// every tz4 vector, refusal of every tz4 negative vector, invalid scalars and points (infinity,
// cleared compression bit, off-curve, outside the prime-order subgroup), and signing versions.
#include <blst.h>
#include <gtest/gtest.h>

#include <string>

#include "common/error.h"
#include "crypto/bls12_381.h"
#include "crypto/test_vectors.h"
#include "tezos/base58.h"

namespace signatory::crypto::bls12_381 {
namespace {

using nlohmann::json;
using testing::all_key_records;
using testing::hex_field;
using testing::tezos_vectors;

std::string s(const json& rec, const char* field) {
  return rec.at(field).get<std::string>();
}

std::vector<json> bls_key_records() {
  std::vector<json> out;
  for (const auto& rec : all_key_records())
    if (s(rec, "curve") == "bls12_381") out.push_back(rec);
  return out;
}

SecretBytes secret_of(const json& rec) {
  return SecretBytes(hex_field(rec, "secret_key_hex"));
}

// Signature bytes of a base58 BLsig text.
Bytes sig_bytes(const std::string& text) {
  return tezos::b58check_decode(tezos::prefix::BLsig, text);
}

Bytes pk_bytes(const std::string& text) {
  return tezos::b58check_decode(tezos::prefix::BLpk, text);
}

template <std::size_t N>
std::string hex(const std::array<std::uint8_t, N>& a) {
  return to_hex(ByteView(a));
}

TEST(Bls, PublicKeysFromScalars) {
  std::size_t n = 0;
  for (const auto& rec : bls_key_records()) {
    SCOPED_TRACE(s(rec, "id"));
    EXPECT_TRUE(is_valid_secret(hex_field(rec, "secret_key_hex")));
    EXPECT_EQ(hex(public_from_secret(secret_of(rec))), s(rec, "public_key_hex"));
    EXPECT_TRUE(is_valid_public_key(hex_field(rec, "public_key_hex")));
    ++n;
  }
  EXPECT_EQ(n, 7u);
}

TEST(Bls, ProofsOfPossessionMatchAndVerify) {
  std::size_t n = 0;
  for (const auto& rec : bls_key_records()) {
    SCOPED_TRACE(s(rec, "id"));
    ASSERT_TRUE(rec.contains("proof_of_possession_hex"));
    const Bytes pk = hex_field(rec, "public_key_hex");
    const Bytes proof = hex_field(rec, "proof_of_possession_hex");
    EXPECT_EQ(hex(prove_possession(secret_of(rec))), s(rec, "proof_of_possession_hex"));
    EXPECT_TRUE(verify_possession(pk, proof));
    // A proof is not a signature of the key bytes, and belongs to its key only.
    EXPECT_FALSE(verify(pk, pk, proof));
    Bytes flipped = proof;
    flipped[95] ^= 0x01;
    EXPECT_FALSE(verify_possession(pk, flipped));
    ++n;
  }
  EXPECT_EQ(n, 7u);
  const auto& k0 = testing::tezos_key("bls12_381_0");
  const auto& k1 = testing::tezos_key("bls12_381_1");
  EXPECT_FALSE(
      verify_possession(hex_field(k1, "public_key_hex"), hex_field(k0, "proof_of_possession_hex")));
}

TEST(Bls, EverySignatureVectorByteForByte) {
  std::map<std::string, json> keys;
  for (const auto& rec : bls_key_records()) keys[s(rec, "id")] = rec;
  std::size_t n = 0;
  for (const auto& rec : tezos_vectors("signatures.json").at("vectors")) {
    if (s(rec, "curve") != "bls12_381") continue;
    SCOPED_TRACE(s(rec, "id"));
    const Bytes msg = hex_field(rec, "message_hex");
    const Bytes pk = pk_bytes(s(rec, "public_key"));
    const Bytes sig = hex_field(rec, "signature_hex");
    EXPECT_EQ(sig, sig_bytes(s(rec, "signature")));
    EXPECT_TRUE(verify(pk, msg, sig));
    EXPECT_FALSE(verify_augmented(pk, msg, sig));  // another ciphersuite
    EXPECT_FALSE(verify_possession(pk, sig));
    const auto& key = keys.at(s(rec, "key_id"));
    EXPECT_EQ(to_hex(sig), hex(sign(secret_of(key), msg, 2)));
    ++n;
  }
  EXPECT_EQ(n, 55u);
}

TEST(Bls, EveryNegativeVectorFails) {
  std::size_t n = 0;
  for (const auto& rec : tezos_vectors("signatures.json").at("negative")) {
    if (s(rec, "curve") != "bls12_381") continue;
    SCOPED_TRACE(s(rec, "id") + ": " + s(rec, "mutation"));
    ASSERT_FALSE(rec.at("expected_valid").get<bool>());
    const Bytes msg = hex_field(rec, "message_hex");
    const Bytes pk = pk_bytes(s(rec, "public_key"));
    const Bytes sig = sig_bytes(s(rec, "signature"));
    if (s(rec, "id") == "bls12_381/signature_checked_as_pop") {
      ASSERT_EQ(msg, pk);
      EXPECT_FALSE(verify_possession(pk, sig));
    } else {
      EXPECT_FALSE(verify(pk, msg, sig));
    }
    ++n;
  }
  EXPECT_EQ(n, 11u);
}

TEST(Bls, InvalidScalarsAreRefused) {
  // 0, r (the group order, little-endian) and 2^256 - 1.
  const Bytes zero(32, 0);
  const Bytes r = from_hex("01000000fffffffffe5bfeff02a4bd5305d8a10908d83933487d9d2953a7ed73");
  const Bytes max(32, 0xff);
  for (const Bytes& b : {zero, r, max}) {
    SCOPED_TRACE(to_hex(b));
    EXPECT_FALSE(is_valid_secret(b));
    try {
      public_from_secret(SecretBytes(b));
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::BadRequest);
      EXPECT_STREQ(e.what(), "invalid BLS secret key: scalar is zero or not below the group order");
    }
    EXPECT_THROW(sign(SecretBytes(b), r, 2), Error);
    EXPECT_THROW(prove_possession(SecretBytes(b)), Error);
  }
  // r - 1 is the largest valid scalar (an edge-case vector).
  EXPECT_TRUE(is_valid_secret(
      from_hex("00000000fffffffffe5bfeff02a4bd5305d8a10908d83933487d9d2953a7ed73")));
  EXPECT_FALSE(is_valid_secret(Bytes(31, 1)));
  EXPECT_THROW(public_from_secret(SecretBytes(Bytes(31, 1))), Error);
}

TEST(Bls, MalformedPublicKeysAreRefused) {
  const auto& rec = testing::tezos_key("bls12_381_0");
  const Bytes pk = hex_field(rec, "public_key_hex");
  const Bytes msg = hex_field(tezos_vectors("signatures.json").at("vectors").at(0), "message_hex");
  const Bytes some_sig = hex_field(rec, "proof_of_possession_hex");

  Bytes infinity(48, 0);
  infinity[0] = 0xc0;
  Bytes uncompressed_flag = pk;
  uncompressed_flag[0] &= 0x7f;
  Bytes shorter(pk.begin(), pk.end() - 1);
  for (const Bytes& b : {infinity, uncompressed_flag, shorter, Bytes(48, 0)}) {
    SCOPED_TRACE(to_hex(b));
    EXPECT_FALSE(is_valid_public_key(b));
    EXPECT_FALSE(verify(b, msg, some_sig));
    EXPECT_FALSE(verify_possession(b, some_sig));
  }
}

// Compressed x-coordinates 1, 2, … until one is on the curve but outside the prime-order
// subgroup (almost every point of the curve is: the cofactors are huge). Uses blst directly
// to find the point, then checks our functions refuse it.
TEST(Bls, PointsOutsideTheSubgroupAreRefused) {
  bool g1_seen = false;
  for (std::uint8_t x = 1; x < 64 && !g1_seen; ++x) {
    Bytes b(48, 0);
    b[0] = 0x80;
    b[47] = x;
    blst_p1_affine p;
    if (blst_p1_uncompress(&p, b.data()) != BLST_SUCCESS) continue;
    if (blst_p1_affine_in_g1(&p)) continue;
    g1_seen = true;
    EXPECT_FALSE(is_valid_public_key(b)) << to_hex(b);
  }
  EXPECT_TRUE(g1_seen);

  const auto& rec = testing::tezos_key("bls12_381_0");
  const Bytes pk = hex_field(rec, "public_key_hex");
  bool g2_seen = false;
  for (std::uint8_t x = 1; x < 64 && !g2_seen; ++x) {
    Bytes b(96, 0);
    b[0] = 0x80;
    b[95] = x;
    blst_p2_affine p;
    if (blst_p2_uncompress(&p, b.data()) != BLST_SUCCESS) continue;
    if (blst_p2_affine_in_g2(&p)) continue;
    g2_seen = true;
    EXPECT_FALSE(verify(pk, pk, b)) << to_hex(b);
    EXPECT_FALSE(verify_possession(pk, b)) << to_hex(b);
  }
  EXPECT_TRUE(g2_seen);
}

TEST(Bls, SigningVersions) {
  const auto& rec = testing::tezos_key("bls12_381_0");
  const Bytes pk = hex_field(rec, "public_key_hex");
  const auto& vec = tezos_vectors("signatures.json").at("vectors");
  const json* v = nullptr;
  for (const auto& r : vec)
    if (s(r, "id") == "bls12_381_0/generic_operation") v = &r;
  ASSERT_NE(v, nullptr);
  const Bytes msg = hex_field(*v, "message_hex");
  const SecretBytes sk = secret_of(rec);

  // Absent version = 2 = the proof-of-possession ciphersuite of the vectors; later versions too.
  EXPECT_EQ(hex(sign(sk, msg, 2)), s(*v, "signature_hex"));
  EXPECT_EQ(hex(sign(sk, msg, 3)), s(*v, "signature_hex"));

  // Version 1: message augmentation; verifies only as such.
  const Signature aug = sign(sk, msg, 1);
  EXPECT_NE(hex(aug), s(*v, "signature_hex"));
  EXPECT_TRUE(verify_augmented(pk, msg, aug));
  EXPECT_FALSE(verify(pk, msg, aug));
  // The augmented message is pk ‖ msg under the AUG DST: the same signature does not verify
  // as an augmented signature of the message for another key.
  EXPECT_FALSE(
      verify_augmented(hex_field(testing::tezos_key("bls12_381_1"), "public_key_hex"), msg, aug));

  // Version 0 is refused with Signatory's message.
  try {
    sign(sk, msg, 0);
    ADD_FAILURE() << "version 0 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest);
    EXPECT_STREQ(e.what(), "SigningVersion0 is not supported for BLS keys");
  }
  EXPECT_THROW(sign(sk, msg, -1), Error);
  EXPECT_TRUE(is_supported());
}

TEST(Bls, EmptyAndLargeMessages) {
  const auto& rec = testing::tezos_key("bls12_381_2");
  const Bytes pk = hex_field(rec, "public_key_hex");
  const SecretBytes sk = secret_of(rec);
  const Bytes empty;
  const Signature e = sign(sk, empty, 2);
  EXPECT_TRUE(verify(pk, empty, e));
  const Bytes big(1 << 20, 0xab);
  const Signature b = sign(sk, big, 2);
  EXPECT_TRUE(verify(pk, big, b));
  EXPECT_FALSE(verify(pk, empty, b));
}

}  // namespace
}  // namespace signatory::crypto::bls12_381
