// libFuzzer target: DER SubjectPublicKeyInfo of EC keys as AWS KMS and HSMs return them
// (crypto::parse_ec_spki). Rejections must be signatory::Error. Checked against OpenSSL
// (d2i_PUBKEY) both ways: a key we accept must be one OpenSSL reads with the same curve and
// point; and a secp256k1 / P-256 key that OpenSSL reads and re-encodes to exactly the input
// (so canonical DER with a named curve) must be accepted by us.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/error.h"
#include "crypto/spki.h"
#include "fuzz_support.h"

using namespace signatory;

namespace {

struct OpenSslKey {
  bool parsed = false;      // d2i_PUBKEY read it as an EC key with a named curve we support
  bool canonical = false;   // i2d_PUBKEY gives back exactly the input
  crypto::Curve curve = crypto::Curve::P256;
  std::array<std::uint8_t, 33> compressed{};
};

OpenSslKey read_with_openssl(ByteView der) {
  OpenSslKey out;
  const unsigned char* p = der.data();
  EVP_PKEY* key = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
  if (key == nullptr) return out;
  char group[64] = {};
  std::size_t group_len = 0;
  unsigned char point[133];
  std::size_t point_len = 0;
  if (EVP_PKEY_is_a(key, "EC") &&
      EVP_PKEY_get_group_name(key, group, sizeof(group), &group_len) == 1 &&
      (std::strcmp(group, "secp256k1") == 0 || std::strcmp(group, "prime256v1") == 0) &&
      EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point), &point_len) == 1) {
    out.curve = std::strcmp(group, "secp256k1") == 0 ? crypto::Curve::Secp256k1 : crypto::Curve::P256;
    if (point_len == 65 && point[0] == 0x04) {
      out.compressed[0] = static_cast<std::uint8_t>(0x02 | (point[64] & 1));
      std::memcpy(out.compressed.data() + 1, point + 1, 32);
      out.parsed = true;
    } else if (point_len == 33 && (point[0] == 0x02 || point[0] == 0x03)) {
      std::memcpy(out.compressed.data(), point, 33);
      out.parsed = true;
    }
    unsigned char* encoded = nullptr;
    const int n = i2d_PUBKEY(key, &encoded);
    out.canonical = p == der.data() + der.size() && n == static_cast<int>(der.size()) &&
                    std::memcmp(encoded, der.data(), der.size()) == 0;
    OPENSSL_free(encoded);
  }
  EVP_PKEY_free(key);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView der = fuzz::bytes_of(data, size);
  const OpenSslKey theirs = read_with_openssl(der);
  try {
    const crypto::EcPublicKey ours = crypto::parse_ec_spki(der);
    fuzz::fuzz_check(theirs.parsed, "accepted an SPKI that OpenSSL does not read as a supported EC key");
    fuzz::fuzz_check(ours.curve == theirs.curve, "curve differs from OpenSSL's");
    fuzz::fuzz_check(ours.compressed == theirs.compressed, "point differs from OpenSSL's");
  } catch (const Error&) {
    fuzz::fuzz_check(!(theirs.parsed && theirs.canonical),
                     "refused a canonical named-curve SPKI that OpenSSL reads");
  }
  return 0;
}
