// P-256 ECDSA through OpenSSL 3's EVP and EC_POINT interfaces (see p256.h).
#include "crypto/p256.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <map>
#include <string>
#include <memory>
#include <mutex>
#include <utility>

#include "common/error.h"

namespace signatory::crypto::p256 {

namespace {

constexpr std::array<std::uint8_t, 32> kOrder = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
constexpr const char* kGroupName = "prime256v1";

struct Free {
  void operator()(EC_GROUP* p) const { EC_GROUP_free(p); }
  void operator()(EC_POINT* p) const { EC_POINT_free(p); }
  void operator()(BIGNUM* p) const { BN_clear_free(p); }
  void operator()(BN_CTX* p) const { BN_CTX_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, Free>;

// Leaves OpenSSL's per-thread error queue empty when a public function returns or throws, so
// that our failures never surface later in unrelated OpenSSL users (TLS).
struct ClearErrors {
  ~ClearErrors() { ERR_clear_error(); }
};

[[noreturn]] void fail(const char* what) {
  throw internal_error(std::string("P-256: ") + what);
}

Owned<EC_GROUP> group() {
  Owned<EC_GROUP> g(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  if (!g) fail("cannot load the curve");
  return g;
}

template <std::size_t N>
std::array<std::uint8_t, N> encode(const EC_GROUP* g, const EC_POINT* p) {
  std::array<std::uint8_t, N> out{};
  const auto form = N == 33 ? POINT_CONVERSION_COMPRESSED : POINT_CONVERSION_UNCOMPRESSED;
  if (EC_POINT_point2oct(g, p, form, out.data(), out.size(), nullptr) != N)
    fail("cannot encode a point");
  return out;
}

// Decodes a SEC1 point; nullptr if it is not a finite point of the curve.
Owned<EC_POINT> decode(const EC_GROUP* g, ByteView sec1) {
  if (sec1.size() != 33 && sec1.size() != 65) return nullptr;
  Owned<EC_POINT> p(EC_POINT_new(g));
  if (!p) fail("out of memory");
  if (EC_POINT_oct2point(g, p.get(), sec1.data(), sec1.size(), nullptr) != 1) return nullptr;
  if (EC_POINT_is_at_infinity(g, p.get()) || EC_POINT_is_on_curve(g, p.get(), nullptr) != 1)
    return nullptr;
  return p;
}

// An EVP key from the public point and, when given, the secret scalar; the public point may be
// left empty when a secret scalar is given (enough for signing).
Owned<EVP_PKEY> make_key(ByteView public_point, const SecretBytes* scalar) {
  Owned<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  Owned<BIGNUM> priv;
  if (!bld) fail("out of memory");
  if (!OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, kGroupName, 0) ||
      (!public_point.empty() &&
       !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, public_point.data(),
                                         public_point.size())))
    fail("cannot build key parameters");
  if (scalar != nullptr) {
    priv.reset(BN_secure_new());
    if (!priv || !BN_bin2bn(scalar->data(), static_cast<int>(scalar->size()), priv.get()))
      fail("cannot load the secret scalar");
    BN_set_flags(priv.get(), BN_FLG_CONSTTIME);
    if (!OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv.get()))
      fail("cannot build key parameters");
  }
  Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld.get()));
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1)
    fail("cannot build key parameters");
  EVP_PKEY* raw = nullptr;
  const int selection = scalar != nullptr ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) != 1) return nullptr;
  return Owned<EVP_PKEY>(raw);
}

// Public keys loaded for verification, by their encoding. Loading one (decoding the point,
// building OpenSSL's group) costs more than a verification, and the same few keys — a KMS key
// checking its own signatures, authorized clients — are verified again and again. Public data
// only; at most kVerifyCacheSize keys (the cache starts over when full). Thread-safe: OpenSSL
// lets several threads verify with one key object at once.
constexpr std::size_t kVerifyCacheSize = 256;

std::shared_ptr<EVP_PKEY> verifying_key(ByteView sec1) {
  static std::mutex mutex;
  // Keyed by the encoding as a std::string: its ordering is one memcmp.
  static std::map<std::string, std::shared_ptr<EVP_PKEY>, std::less<>> cache;
  std::string encoding(sec1.begin(), sec1.end());
  {
    std::lock_guard lock(mutex);
    if (auto it = cache.find(encoding); it != cache.end()) return it->second;
  }
  // Loading the key decodes the point and refuses one that is not on the curve (OpenSSL's
  // oct2point); a 33- or 65-byte encoding is never the point at infinity.
  Owned<EVP_PKEY> loaded = make_key(sec1, nullptr);
  if (!loaded) return nullptr;  // not cached: invalid keys are rare and cheap to refuse again
  std::shared_ptr<EVP_PKEY> key(loaded.release(), [](EVP_PKEY* k) { EVP_PKEY_free(k); });
  std::lock_guard lock(mutex);
  if (cache.size() >= kVerifyCacheSize) cache.clear();
  cache.emplace(std::move(encoding), key);
  return key;
}

}  // namespace

bool is_valid_secret(ByteView scalar) {
  if (scalar.size() != 32) return false;
  if (std::all_of(scalar.begin(), scalar.end(), [](std::uint8_t b) { return b == 0; }))
    return false;
  return std::lexicographical_compare(scalar.begin(), scalar.end(), kOrder.begin(), kOrder.end());
}

CompressedPoint public_from_secret(const SecretBytes& scalar) {
  ClearErrors clear_errors;
  if (!is_valid_secret(scalar.view())) throw internal_error("invalid P-256 secret key");
  auto g = group();
  Owned<BIGNUM> k(BN_secure_new());
  Owned<BN_CTX> bn_ctx(BN_CTX_secure_new());
  Owned<EC_POINT> point(EC_POINT_new(g.get()));
  if (!k || !bn_ctx || !point ||
      !BN_bin2bn(scalar.data(), static_cast<int>(scalar.size()), k.get()))
    fail("out of memory");
  BN_set_flags(k.get(), BN_FLG_CONSTTIME);
  if (EC_POINT_mul(g.get(), point.get(), k.get(), nullptr, nullptr, bn_ctx.get()) != 1)
    fail("cannot derive the public key");
  return encode<33>(g.get(), point.get());
}

CompressedPoint compress(ByteView sec1) {
  ClearErrors clear_errors;
  auto g = group();
  auto p = decode(g.get(), sec1);
  if (!p) throw bad_request("invalid P-256 public key: not a point of the curve");
  return encode<33>(g.get(), p.get());
}

std::array<std::uint8_t, 65> uncompress(ByteView sec1) {
  ClearErrors clear_errors;
  auto g = group();
  auto p = decode(g.get(), sec1);
  if (!p) throw bad_request("invalid P-256 public key: not a point of the curve");
  return encode<65>(g.get(), p.get());
}

RawEcdsaSignature sign(const SecretBytes& scalar, const Digest32& digest) {
  return SigningKey(scalar).sign(digest);
}

SigningKey::SigningKey(const SecretBytes& scalar) {
  ClearErrors clear_errors;
  if (!is_valid_secret(scalar.view())) throw internal_error("invalid P-256 secret key");
  // ECDSA signing needs only the scalar: no public point is derived or decoded here.
  auto key = make_key({}, &scalar);
  if (!key) fail("cannot load the key");
  key_ = key.release();
}

SigningKey::~SigningKey() {
  EVP_PKEY_free(key_);  // clears the private scalar
}

SigningKey::SigningKey(SigningKey&& other) noexcept : key_(std::exchange(other.key_, nullptr)) {}

SigningKey& SigningKey::operator=(SigningKey&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(key_);
    key_ = std::exchange(other.key_, nullptr);
  }
  return *this;
}

RawEcdsaSignature SigningKey::sign(const Digest32& digest) const {
  ClearErrors clear_errors;
  if (key_ == nullptr) fail("signing with a moved-from key");
  // One context per call: the key object itself is only read, which OpenSSL allows from
  // several threads at once.
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key_, nullptr));
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1) fail("cannot start signing");
  std::array<std::uint8_t, 80> der{};  // a P-256 DER signature is at most 72 bytes
  std::size_t len = der.size();
  if (EVP_PKEY_sign(ctx.get(), der.data(), &len, digest.data(), digest.size()) != 1)
    fail("signing failed");
  return der_to_raw(ByteView(der.data(), len));
}

bool verify(ByteView compressed_public_key, const Digest32& digest, ByteView raw_signature) {
  ClearErrors clear_errors;
  if (raw_signature.size() != 64) return false;
  if (compressed_public_key.size() != 33 && compressed_public_key.size() != 65) return false;
  std::shared_ptr<EVP_PKEY> key = verifying_key(compressed_public_key);
  if (!key) return false;
  RawEcdsaSignature raw{};
  std::copy(raw_signature.begin(), raw_signature.end(), raw.begin());
  const Bytes der = raw_to_der(raw);
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1) fail("cannot start verification");
  // 1 = valid; 0 = invalid; < 0 = malformed (e.g. r or s out of range): all but 1 are "no".
  return EVP_PKEY_verify(ctx.get(), der.data(), der.size(), digest.data(), digest.size()) == 1;
}

}  // namespace signatory::crypto::p256
