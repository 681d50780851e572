// SubjectPublicKeyInfo parsing (src/crypto/spki.h): keys made by OpenSSL at test time for
// secp256k1 and P-256 must give their compressed points; the curves' published generator points
// (SEC 2 / FIPS 186-4) must compress to their published compressed forms; P-384, Ed25519 and RSA
// keys and malformed DER must be rejected with messages naming the problem.
#include "crypto/spki.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "common/bytes.h"
#include "common/error.h"

namespace signatory::crypto {
namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

Pkey generate(const char* type, const char* param = nullptr) {
  EVP_PKEY* k = nullptr;
  if (param != nullptr && std::string(type) == "RSA") {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  } else if (param != nullptr) {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, type, param);
  } else {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  }
  if (k == nullptr) throw std::runtime_error(std::string("OpenSSL keygen failed for ") + type);
  return Pkey(k);
}

Bytes spki_of(EVP_PKEY* k) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(k, &der);
  if (len <= 0) throw std::runtime_error("i2d_PUBKEY failed");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

// 04‖X‖Y as OpenSSL reports it.
Bytes uncompressed_point(EVP_PKEY* k) {
  Bytes buf(65);
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, buf.data(), buf.size(), &len) !=
          1 ||
      len != 65) {
    throw std::runtime_error("cannot read the EC point");
  }
  return buf;
}

Bytes compress(const Bytes& uncompressed) {
  Bytes out{static_cast<std::uint8_t>((uncompressed[64] & 1) ? 0x03 : 0x02)};
  out.insert(out.end(), uncompressed.begin() + 1, uncompressed.begin() + 33);
  return out;
}

std::string rejection(ByteView der) {
  try {
    parse_ec_spki(der);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest);
    return e.what();
  }
  return "(accepted)";
}

TEST(Spki, GeneratedKeysOnBothCurves) {
  struct {
    const char* group;
    Curve curve;
  } cases[] = {{"secp256k1", Curve::Secp256k1}, {"P-256", Curve::P256}};
  for (const auto& c : cases) {
    for (int i = 0; i < 8; ++i) {  // both Y parities turn up
      Pkey k = generate("EC", c.group);
      EcPublicKey pk = parse_ec_spki(spki_of(k.get()));
      EXPECT_EQ(pk.curve, c.curve) << c.group;
      Bytes expected = compress(uncompressed_point(k.get()));
      EXPECT_EQ(to_hex(pk.compressed), to_hex(expected)) << c.group;
    }
  }
}

TEST(Spki, PublishedGeneratorPoints) {
  // secp256k1 G (SEC 2 §2.4.1): compressed 02 79BE…1798.
  Bytes k1 = from_hex(
      "3056301006072a8648ce3d020106052b8104000a034200"
      "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
      "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8");
  EcPublicKey a = parse_ec_spki(k1);
  EXPECT_EQ(a.curve, Curve::Secp256k1);
  EXPECT_EQ(to_hex(a.compressed),
            "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
  // P-256 G (FIPS 186-4 D.1.2.3): y is odd, so 03 6B17…C296.
  Bytes p256 = from_hex(
      "3059301306072a8648ce3d020106082a8648ce3d030107034200"
      "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
      "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");
  EcPublicKey b = parse_ec_spki(p256);
  EXPECT_EQ(b.curve, Curve::P256);
  EXPECT_EQ(to_hex(b.compressed),
            "036b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296");
  // The compressed SPKI form of the same point is accepted too.
  Bytes compressed_spki = from_hex(
      "3039301306072a8648ce3d020106082a8648ce3d030107032200"
      "036b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296");
  EXPECT_EQ(to_hex(parse_ec_spki(compressed_spki).compressed), to_hex(b.compressed));
}

TEST(Spki, OtherAlgorithmsAndCurvesAreRejectedByName) {
  Pkey p384 = generate("EC", "P-384");
  EXPECT_EQ(rejection(spki_of(p384.get())),
            "unsupported EC curve P-384 (1.3.132.0.34); only secp256k1 and P-256 can be used");
  Pkey ed = generate("ED25519");
  EXPECT_EQ(rejection(spki_of(ed.get())),
            "unsupported public key algorithm Ed25519 (1.3.101.112); only EC keys on secp256k1 "
            "and P-256 can be used");
  Pkey rsa = generate("RSA", "2048");
  EXPECT_EQ(rejection(spki_of(rsa.get())),
            "unsupported public key algorithm RSA (1.2.840.113549.1.1.1); only EC keys on "
            "secp256k1 and P-256 can be used");
}

TEST(Spki, MalformedDerIsRejected) {
  Pkey k = generate("EC", "P-256");
  Bytes good = spki_of(k.get());
  ASSERT_EQ(good.size(), 91u);

  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_EQ(rejection(trailing),
            "invalid SubjectPublicKeyInfo: trailing bytes after the structure");

  Bytes truncated(good.begin(), good.end() - 1);
  EXPECT_NE(rejection(truncated).find("invalid SubjectPublicKeyInfo: truncated"),
            std::string::npos);

  EXPECT_NE(rejection(Bytes{}).find("invalid SubjectPublicKeyInfo"), std::string::npos);

  Bytes off_curve = good;
  off_curve.back() ^= 0x01;  // Y no longer matches X
  EXPECT_EQ(rejection(off_curve), "invalid SubjectPublicKeyInfo: the EC point is not on the curve");

  Bytes unused_bits = good;
  unused_bits[good.size() - 66] = 0x01;  // the BIT STRING's unused-bits byte before 04‖X‖Y
  EXPECT_EQ(rejection(unused_bits),
            "invalid SubjectPublicKeyInfo: subjectPublicKey BIT STRING has unused bits");

  Bytes wrong_tag = good;
  wrong_tag[0] = 0x31;
  EXPECT_NE(rejection(wrong_tag).find("expected SEQUENCE"), std::string::npos);

  // Long-form length where the short form fits.
  Bytes long_form = {0x30, 0x81, 0x59};
  long_form.insert(long_form.end(), good.begin() + 2, good.end());
  EXPECT_EQ(rejection(long_form),
            "invalid SubjectPublicKeyInfo: non-minimal length in SEQUENCE (SubjectPublicKeyInfo)");
}

}  // namespace
}  // namespace signatory::crypto
