// libFuzzer target: ECDSA DER signatures as KMS and HSM backends return them
// (crypto::der_to_raw), and low-S normalisation. Rejections must be signatory::Error. Strict
// DER has one encoding per value, so an accepted input must be re-encoded to exactly itself,
// and OpenSSL's decoder (d2i_ECDSA_SIG) must read the same r and s. Independently of the
// parse, the first 64 input bytes (zero-padded) as a raw r‖s must survive raw → DER → raw
// unless r or s is zero (which der_to_raw refuses), and normalising them for either curve
// must leave a low-S signature.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>

#include "common/error.h"
#include "crypto/ecdsa_der.h"
#include "fuzz_support.h"

using namespace signatory;

namespace {

// The group orders (SEC 2 §2.4.1 secp256k1, FIPS 186-4 D.1.2.3 P-256), big-endian.
constexpr std::array<std::uint8_t, 32> kSecp256k1Order = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE,
    0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48, 0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41};
constexpr std::array<std::uint8_t, 32> kP256Order = {
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51};

// r‖s as OpenSSL reads `der`, or false if it refuses it.
bool openssl_raw(ByteView der, crypto::RawEcdsaSignature& out) {
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) return false;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  const bool ok = BN_bn2binpad(r, out.data(), 32) == 32 && BN_bn2binpad(s, out.data() + 32, 32) == 32 &&
                  p == der.data() + der.size();
  ECDSA_SIG_free(sig);
  return ok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView der = fuzz::bytes_of(data, size);
  try {
    const crypto::RawEcdsaSignature raw = crypto::der_to_raw(der);
    const Bytes again = crypto::raw_to_der(raw);
    fuzz::fuzz_check(again.size() == der.size() && std::equal(again.begin(), again.end(), der.begin()),
                     "accepted DER is not re-encoded to itself");
    crypto::RawEcdsaSignature theirs{};
    fuzz::fuzz_check(openssl_raw(der, theirs), "OpenSSL refuses DER that der_to_raw accepts");
    fuzz::fuzz_check(theirs == raw, "OpenSSL reads other r,s than der_to_raw");
  } catch (const Error&) {
  }

  crypto::RawEcdsaSignature raw{};
  std::copy_n(data, std::min<std::size_t>(size, raw.size()), raw.begin());
  const auto zero = [](auto first, auto last) { return std::all_of(first, last, [](auto b) { return b == 0; }); };
  const bool has_zero = zero(raw.begin(), raw.begin() + 32) || zero(raw.begin() + 32, raw.end());
  try {
    const crypto::RawEcdsaSignature back = crypto::der_to_raw(crypto::raw_to_der(raw));
    fuzz::fuzz_check(back == raw, "raw -> DER -> raw changes the signature");
    fuzz::fuzz_check(!has_zero, "a zero r or s read back from DER");
  } catch (const Error&) {
    fuzz::fuzz_check(has_zero, "raw_to_der output refused by der_to_raw");
  }
  for (const crypto::Curve curve : {crypto::Curve::Secp256k1, crypto::Curve::P256}) {
    crypto::RawEcdsaSignature n = raw;
    const bool was_low = crypto::is_low_s(curve, n);
    const bool changed = crypto::normalize_low_s(curve, n);
    const auto& order = curve == crypto::Curve::Secp256k1 ? kSecp256k1Order : kP256Order;
    const bool in_range = std::lexicographical_compare(raw.begin() + 32, raw.end(), order.begin(), order.end());
    if (in_range) {
      fuzz::fuzz_check(changed != was_low, "normalize_low_s disagrees with is_low_s");
      fuzz::fuzz_check(crypto::is_low_s(curve, n), "normalised signature is not low-S");
    } else {
      fuzz::fuzz_check(!changed && n == raw, "normalize_low_s changed an out-of-range s");
    }
  }
  return 0;
}
