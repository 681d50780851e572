// Tests of the curve primitives (Ed25519, secp256k1, P-256) against keys.json: public keys from
// secrets (including the scalar 1 and n−1 edge cases), SEC1 compression both ways, refusal of
// points off the curve, and sign/verify of the signatures.json digests at the primitive level.
#include <gtest/gtest.h>

#include "common/error.h"
#include "crypto/ed25519.h"
#include "crypto/p256.h"
#include "crypto/secp256k1.h"
#include "crypto/test_vectors.h"

namespace signatory::crypto {
namespace {

using testing::hex_field;
using testing::tezos_vectors;

TEST(Curves, PublicKeysFromSecrets) {
  std::size_t counts[3] = {0, 0, 0};
  for (const auto& rec : testing::all_key_records()) {
    const std::string curve = rec.at("curve");
    SCOPED_TRACE(rec.at("id").get<std::string>());
    const SecretBytes secret(hex_field(rec, "secret_key_hex"));
    const std::string want = rec.at("public_key_hex");
    if (curve == "ed25519") {
      EXPECT_EQ(to_hex(ed25519::public_from_seed(secret)), want);
      ++counts[0];
    } else if (curve == "secp256k1") {
      EXPECT_TRUE(secp256k1::is_valid_secret(secret.view()));
      EXPECT_EQ(to_hex(secp256k1::public_from_secret(secret)), want);
      ++counts[1];
    } else if (curve == "p256") {
      EXPECT_TRUE(p256::is_valid_secret(secret.view()));
      EXPECT_EQ(to_hex(p256::public_from_secret(secret)), want);
      ++counts[2];
    }
  }
  EXPECT_EQ(counts[0], 14u);
  EXPECT_EQ(counts[1], 9u);
  EXPECT_EQ(counts[2], 9u);
}

TEST(Curves, CompressionBothWays) {
  for (const auto& rec : testing::all_key_records()) {
    const std::string curve = rec.at("curve");
    if (curve != "secp256k1" && curve != "p256") continue;
    SCOPED_TRACE(rec.at("id").get<std::string>());
    const Bytes compressed = hex_field(rec, "public_key_hex");
    const Bytes uncompressed = hex_field(rec, "public_key_uncompressed_hex");
    if (curve == "secp256k1") {
      EXPECT_EQ(to_hex(secp256k1::compress(uncompressed)), to_hex(compressed));
      EXPECT_EQ(to_hex(secp256k1::uncompress(compressed)), to_hex(uncompressed));
    } else {
      EXPECT_EQ(to_hex(p256::compress(uncompressed)), to_hex(compressed));
      EXPECT_EQ(to_hex(p256::uncompress(compressed)), to_hex(uncompressed));
    }
  }
}

TEST(Curves, PointsOffTheCurveAreRefused) {
  for (const auto& rec : testing::all_key_records()) {
    const std::string curve = rec.at("curve");
    if (curve != "secp256k1" && curve != "p256") continue;
    Bytes bad = hex_field(rec, "public_key_uncompressed_hex");
    bad.back() ^= 0x01;  // y no longer matches x
    Bytes wrong_length = hex_field(rec, "public_key_hex");
    wrong_length.pop_back();
    Bytes bad_tag = hex_field(rec, "public_key_hex");
    bad_tag[0] = 0x05;
    for (const Bytes& b : {bad, wrong_length, bad_tag}) {
      if (curve == "secp256k1")
        EXPECT_THROW(secp256k1::compress(b), Error);
      else
        EXPECT_THROW(p256::compress(b), Error);
    }
  }
  // x = p (field size) is not a valid coordinate on either curve.
  const Bytes x_is_p_k1 =
      from_hex("02fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f");
  EXPECT_THROW(secp256k1::compress(x_is_p_k1), Error);
  const Bytes x_is_p_p256 =
      from_hex("02ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
  EXPECT_THROW(p256::compress(x_is_p_p256), Error);
}

TEST(Curves, ScalarRange) {
  const Bytes zero(32, 0);
  const Bytes ones(32, 0xff);
  EXPECT_FALSE(secp256k1::is_valid_secret(zero));
  EXPECT_FALSE(secp256k1::is_valid_secret(ones));
  EXPECT_FALSE(p256::is_valid_secret(zero));
  EXPECT_FALSE(p256::is_valid_secret(ones));
  // n itself (SEC 2 / FIPS 186-4) is out of range; n − 1 is the edge-case key of keys.json.
  EXPECT_FALSE(secp256k1::is_valid_secret(
      from_hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")));
  EXPECT_FALSE(p256::is_valid_secret(
      from_hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")));
  EXPECT_FALSE(p256::is_valid_secret(Bytes(31, 1)));
}

TEST(Curves, PrimitivesVerifyTheVectorDigests) {
  for (const auto& rec : tezos_vectors("signatures.json").at("vectors")) {
    const std::string curve = rec.at("curve");
    const Bytes digest_bytes = hex_field(rec, "blake2b_256");
    Digest32 digest{};
    std::copy(digest_bytes.begin(), digest_bytes.end(), digest.begin());
    const Bytes sig = hex_field(rec, "signature_hex");
    SCOPED_TRACE(rec.at("id").get<std::string>());
    // The raw public key is the payload of the base58 key: take it from keys via the pk hex.
    Bytes pk;
    for (const auto& k : testing::all_key_records())
      if (k.at("id") == rec.at("key_id")) pk = hex_field(k, "public_key_hex");
    ASSERT_FALSE(pk.empty());
    if (curve == "ed25519") {
      EXPECT_TRUE(ed25519::verify(pk, digest, sig));
    } else if (curve == "secp256k1") {
      EXPECT_TRUE(secp256k1::verify(pk, digest, sig));
    } else if (curve == "p256") {
      EXPECT_TRUE(p256::verify(pk, digest, sig));
    }
  }
}

}  // namespace
}  // namespace signatory::crypto
