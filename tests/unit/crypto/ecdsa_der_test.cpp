// Tests of strict DER ↔ r‖s and low-S normalisation. Round trips are checked against OpenSSL's
// own DER encoder on every ECDSA signature of signatures.json; low-S against the
// ecdsa_malleability vectors; edge cases against hand-written DER.
#include "crypto/ecdsa_der.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>

#include "common/error.h"
#include "crypto/test_vectors.h"

namespace signatory::crypto {
namespace {

using testing::hex_field;
using testing::tezos_vectors;

RawEcdsaSignature raw_of(const Bytes& b) {
  RawEcdsaSignature raw{};
  EXPECT_EQ(b.size(), 64u);
  std::copy_n(b.begin(), std::min<std::size_t>(b.size(), 64), raw.begin());
  return raw;
}

// DER from OpenSSL's encoder (independent of ours).
Bytes openssl_der(const Bytes& raw) {
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(raw.data(), 32, nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + 32, 32, nullptr);
  ECDSA_SIG_set0(sig, r, s);
  unsigned char* out = nullptr;
  const int len = i2d_ECDSA_SIG(sig, &out);
  Bytes der(out, out + len);
  OPENSSL_free(out);
  ECDSA_SIG_free(sig);
  return der;
}

std::string der_error(const std::string& hex) {
  try {
    der_to_raw(from_hex(hex));
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::UpstreamFailure);
    EXPECT_EQ(std::string(e.what()).rfind("invalid DER signature: ", 0), 0u) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "accepted " << hex;
  return {};
}

const std::string k32(std::size_t n, const char* byte) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += byte;
  return s;
}

TEST(EcdsaDer, RoundTripMatchesOpenSslOnEveryVector) {
  std::size_t n = 0;
  for (const auto& rec : tezos_vectors("signatures.json").at("vectors")) {
    const std::string curve = rec.at("curve");
    if (curve != "secp256k1" && curve != "p256") continue;
    const Bytes raw = hex_field(rec, "signature_hex");
    const Bytes der = openssl_der(raw);
    EXPECT_EQ(to_hex(raw_to_der(raw_of(raw))), to_hex(der)) << rec.at("id");
    const auto back = der_to_raw(der);
    EXPECT_EQ(to_hex(back), to_hex(raw)) << rec.at("id");
    ++n;
  }
  EXPECT_EQ(n, 118u);
}

TEST(EcdsaDer, IntegerWithHighBitTakesALeadingZero) {
  // r = 0x80 00…00 (33-byte DER integer), s = 1.
  const std::string der =
      "3026"
      "0221"
      "0080" +
      k32(31, "00") + "020101";
  const auto raw = der_to_raw(from_hex(der));
  EXPECT_EQ(to_hex(raw), "80" + k32(31, "00") + k32(31, "00") + "01");
  EXPECT_EQ(to_hex(raw_to_der(raw)), der);
}

TEST(EcdsaDer, ShortIntegersAreLeftPadded) {
  const auto raw = der_to_raw(from_hex("3006020101020102"));
  EXPECT_EQ(to_hex(raw), k32(31, "00") + "01" + k32(31, "00") + "02");
  EXPECT_EQ(to_hex(raw_to_der(raw)), "3006020101020102");
  // 31-byte r with leading zero byte in the raw form.
  const std::string der =
      "3024"
      "021f" +
      k32(31, "7f") + "020101";
  EXPECT_EQ(to_hex(der_to_raw(from_hex(der))), "00" + k32(31, "7f") + k32(31, "00") + "01");
  EXPECT_EQ(to_hex(raw_to_der(der_to_raw(from_hex(der)))), der);
}

TEST(EcdsaDer, StrictnessRejections) {
  EXPECT_NE(der_error("3006020101020102"
                      "00")
                .find("trailing bytes after the SEQUENCE"),
            std::string::npos);
  EXPECT_NE(der_error("3007020101020102"
                      "00")
                .find("trailing bytes inside the SEQUENCE"),
            std::string::npos);
  EXPECT_NE(der_error("3106020101020102").find("not a SEQUENCE"), std::string::npos);
  EXPECT_NE(der_error("3006030101020102").find("r is not an INTEGER"), std::string::npos);
  EXPECT_NE(der_error("3006020101040102").find("s is not an INTEGER"), std::string::npos);
  EXPECT_NE(der_error("3006020180020102").find("r is negative"), std::string::npos);
  EXPECT_NE(der_error("30060201010201ff").find("s is negative"), std::string::npos);
  EXPECT_NE(der_error("300702020001020102").find("non-minimal"), std::string::npos);
  EXPECT_NE(der_error("30050200020102").find("r is empty"), std::string::npos);
  EXPECT_NE(der_error("3006020100020102").find("r is zero"), std::string::npos);
  EXPECT_NE(der_error("308106020101020102").find("long-form"), std::string::npos);
  EXPECT_NE(der_error("300702810101020102").find("long-form"), std::string::npos);
  EXPECT_NE(der_error("3008020101020102").find("overruns"), std::string::npos);
  EXPECT_NE(der_error("30060201010205").find("overruns"), std::string::npos);
  EXPECT_NE(der_error("3003020101").find("truncated before s"), std::string::npos);
  EXPECT_NE(der_error("30").find("too short"), std::string::npos);
  EXPECT_NE(der_error("").find("too short"), std::string::npos);
  // 33 significant bytes (no leading zero) and 34 bytes with a leading zero: too long.
  EXPECT_NE(der_error("3026"
                      "0221"
                      "01" +
                      k32(32, "00") + "020101")
                .find("longer than 32"),
            std::string::npos);
  EXPECT_NE(der_error("3027"
                      "0222"
                      "0080" +
                      k32(32, "00") + "020101")
                .find("longer than 32"),
            std::string::npos);
}

const nlohmann::json& original_of(const nlohmann::json& twin) {
  for (const auto& rec : tezos_vectors("signatures.json").at("vectors"))
    if (rec.at("key_id") == twin.at("key_id") && rec.at("message_hex") == twin.at("message_hex"))
      return rec;
  throw std::runtime_error("no original vector for " + twin.at("id").get<std::string>());
}

TEST(EcdsaLowS, MalleabilityTwinsNormaliseToTheOriginal) {
  const auto& twins = tezos_vectors("signatures.json").at("ecdsa_malleability");
  ASSERT_EQ(twins.size(), 2u);
  for (const auto& twin : twins) {
    const Curve curve = twin.at("curve") == "secp256k1" ? Curve::Secp256k1 : Curve::P256;
    auto raw = raw_of(hex_field(twin, "signature_hex"));
    EXPECT_FALSE(is_low_s(curve, raw));
    EXPECT_TRUE(normalize_low_s(curve, raw));
    EXPECT_TRUE(is_low_s(curve, raw));
    EXPECT_EQ(to_hex(raw), original_of(twin).at("signature_hex").get<std::string>())
        << twin.at("id");
    EXPECT_FALSE(normalize_low_s(curve, raw));  // idempotent
  }
}

TEST(EcdsaLowS, EveryVectorIsLowS) {
  for (const auto& rec : tezos_vectors("signatures.json").at("vectors")) {
    const std::string c = rec.at("curve");
    if (c != "secp256k1" && c != "p256") continue;
    ASSERT_TRUE(rec.at("low_s").get<bool>());
    auto raw = raw_of(hex_field(rec, "signature_hex"));
    const Curve curve = c == "secp256k1" ? Curve::Secp256k1 : Curve::P256;
    EXPECT_TRUE(is_low_s(curve, raw)) << rec.at("id");
    EXPECT_FALSE(normalize_low_s(curve, raw));
    EXPECT_EQ(to_hex(raw), rec.at("signature_hex").get<std::string>());
  }
}

TEST(EcdsaLowS, OutOfRangeSIsLeftAlone) {
  // s ≥ n is no signature; normalising must not turn it into one. Orders from SEC 2 and
  // FIPS 186-4. (The negative vectors' "s + n" wrap modulo 2^256 into small values, so they are
  // not usable here.)
  const std::pair<Curve, std::string> cases[] = {
      {Curve::Secp256k1, "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"},
      {Curve::P256, "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"},
      {Curve::Secp256k1, k32(32, "ff")},
      {Curve::P256, k32(32, "ff")},
  };
  for (const auto& [curve, s] : cases) {
    auto raw = raw_of(from_hex(k32(32, "11") + s));
    const auto before = raw;
    EXPECT_FALSE(is_low_s(curve, raw));
    EXPECT_FALSE(normalize_low_s(curve, raw));
    EXPECT_EQ(raw, before);
  }
}

TEST(EcdsaLowS, HalfOrderBoundary) {
  // n/2 (rounded down) is low; n/2 + 1 is high and becomes n − (n/2 + 1) = n/2. Values from
  // SEC 2 (secp256k1 n) and FIPS 186-4 (P-256 n), halved by hand.
  struct Case {
    Curve curve;
    const char* half;
    const char* half_plus_one;
  };
  const Case cases[] = {
      {Curve::Secp256k1, "7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0",
       "7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a1"},
      {Curve::P256, "7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8",
       "7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a9"},
  };
  for (const auto& c : cases) {
    auto low = raw_of(from_hex(k32(32, "11") + c.half));
    EXPECT_TRUE(is_low_s(c.curve, low));
    auto high = raw_of(from_hex(k32(32, "11") + c.half_plus_one));
    EXPECT_FALSE(is_low_s(c.curve, high));
    EXPECT_TRUE(normalize_low_s(c.curve, high));
    EXPECT_EQ(to_hex(high), k32(32, "11") + c.half);
  }
}

}  // namespace
}  // namespace signatory::crypto
