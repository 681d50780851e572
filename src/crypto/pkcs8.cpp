// PKCS#8 PEM private keys (see pkcs8.h).
#include "crypto/pkcs8.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <array>
#include <memory>
#include <optional>

#include "common/error.h"
#include "crypto/p256.h"
#include "crypto/secp256k1.h"

namespace signatory::crypto {
namespace {

constexpr std::size_t kSecretLength = 32;
constexpr const char* kWhatTezosUses = "Tezos keys are Ed25519, secp256k1 or P-256";

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct P8Free {
  void operator()(PKCS8_PRIV_KEY_INFO* p) const { PKCS8_PRIV_KEY_INFO_free(p); }
};
struct SigFree {
  void operator()(X509_SIG* s) const { X509_SIG_free(s); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
using P8Ptr = std::unique_ptr<PKCS8_PRIV_KEY_INFO, P8Free>;

// One block as PEM_read_bio_ex returns it, in OpenSSL's secure heap; wiped when freed.
struct PemBlock {
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long length = 0;
  PemBlock() = default;
  PemBlock(const PemBlock&) = delete;
  PemBlock& operator=(const PemBlock&) = delete;
  ~PemBlock() {
    OPENSSL_secure_free(name);
    OPENSSL_secure_free(header);
    if (data != nullptr) OPENSSL_secure_clear_free(data, static_cast<std::size_t>(length));
  }
};

// The reason of OpenSSL's most recent error ("bad decrypt"), and the queue emptied.
std::string openssl_reason() {
  const unsigned long code = ERR_peek_last_error();
  const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
  std::string out = reason != nullptr ? reason : "unknown error";
  ERR_clear_error();
  return out;
}

// "Ed448 (1.3.101.113)": a name a user recognises, and the OID that identifies it.
std::string describe(const ASN1_OBJECT* oid) {
  std::array<char, 128> dotted{};
  OBJ_obj2txt(dotted.data(), static_cast<int>(dotted.size()), oid, 1);
  std::string name;
  switch (OBJ_obj2nid(oid)) {
    case NID_rsaEncryption:
      name = "RSA";
      break;
    case NID_rsassaPss:
      name = "RSA-PSS";
      break;
    case NID_dsa:
      name = "DSA";
      break;
    case NID_ED448:
      name = "Ed448";
      break;
    case NID_X25519:
      name = "X25519";
      break;
    case NID_X448:
      name = "X448";
      break;
    case NID_secp384r1:
      name = "P-384";
      break;
    case NID_secp521r1:
      name = "P-521";
      break;
    case NID_undef:
      name = "unknown";
      break;
    default:
      name = OBJ_nid2sn(OBJ_obj2nid(oid));
      break;
  }
  return name + " (" + dotted.data() + ")";
}

// The algorithm of a decoded PrivateKeyInfo, or Error(400) naming the one we cannot use.
Pkcs8Algorithm algorithm_of(const PKCS8_PRIV_KEY_INFO* p8, const std::string& source) {
  const ASN1_OBJECT* alg = nullptr;
  const X509_ALGOR* algor = nullptr;
  if (PKCS8_pkey_get0(&alg, nullptr, nullptr, &algor, p8) != 1 || alg == nullptr)
    throw bad_request(source + ": damaged PKCS#8 structure (no algorithm)");
  const int nid = OBJ_obj2nid(alg);
  if (nid == NID_ED25519) return Pkcs8Algorithm::Ed25519;
  if (nid != NID_X9_62_id_ecPublicKey)
    throw bad_request(source + ": unsupported key algorithm " + describe(alg) + ": " +
                      kWhatTezosUses);
  int param_type = 0;
  const void* param = nullptr;
  X509_ALGOR_get0(nullptr, &param_type, &param, algor);
  if (param_type != V_ASN1_OBJECT || param == nullptr)
    throw bad_request(source +
                      ": EC key without a named curve (explicit or missing curve parameters); "
                      "only the named curves secp256k1 and P-256 are accepted");
  const auto* curve = static_cast<const ASN1_OBJECT*>(param);
  switch (OBJ_obj2nid(curve)) {
    case NID_secp256k1:
      return Pkcs8Algorithm::Secp256k1;
    case NID_X9_62_prime256v1:
      return Pkcs8Algorithm::P256;
    default:
      throw bad_request(source + ": unsupported EC curve " + describe(curve) + ": " +
                        kWhatTezosUses);
  }
}

// The public point stored with an EC private key must be the one the scalar gives: a file
// whose halves disagree is damaged (or made to mislead), and is refused.
void check_public_half(EVP_PKEY* pkey, Pkcs8Algorithm algorithm, const SecretBytes& scalar,
                       const std::string& source) {
  std::array<std::uint8_t, 133> stored{};
  std::size_t length = 0;
  if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, stored.data(), stored.size(),
                                      &length) != 1) {
    ERR_clear_error();  // no public key in the file: nothing to compare
    return;
  }
  const ByteView point(stored.data(), length);
  const bool same = [&] {
    try {
      if (algorithm == Pkcs8Algorithm::Secp256k1)
        return secp256k1::compress(point) == secp256k1::public_from_secret(scalar);
      return p256::compress(point) == p256::public_from_secret(scalar);
    } catch (const Error&) {
      return false;  // not a point of the curve, or a scalar out of range
    }
  }();
  if (!same)
    throw bad_request(source + ": the public key in the file is not the one its private key gives");
}

Pkcs8Key extract(const PKCS8_PRIV_KEY_INFO* p8, const std::string& source) {
  Pkcs8Key key;
  key.algorithm = algorithm_of(p8, source);
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey(EVP_PKCS82PKEY(p8));
  if (!pkey) throw bad_request(source + ": damaged private key: " + openssl_reason());
  key.secret = SecretBytes(kSecretLength);
  if (key.algorithm == Pkcs8Algorithm::Ed25519) {
    std::size_t length = key.secret.size();
    if (EVP_PKEY_get_raw_private_key(pkey.get(), key.secret.data(), &length) != 1 ||
        length != kSecretLength)
      throw bad_request(source + ": damaged Ed25519 private key");
    return key;
  }
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_PRIV_KEY, &raw) != 1)
    throw bad_request(source + ": damaged EC private key: " + openssl_reason());
  std::unique_ptr<BIGNUM, BnFree> scalar(raw);
  if (BN_bn2binpad(scalar.get(), key.secret.data(), static_cast<int>(kSecretLength)) < 0)
    throw bad_request(source + ": EC private key longer than 32 bytes");
  check_public_half(pkey.get(), key.algorithm, key.secret, source);
  return key;
}

// True when DER decoding consumed the whole block (nothing after the structure).
bool consumed_all(const PemBlock& block, const unsigned char* end) {
  return end == block.data + block.length;
}

P8Ptr decrypt(const PemBlock& block, const std::string& source,
              const std::function<SecretBytes()>& password, std::optional<SecretBytes>& asked) {
  const unsigned char* p = block.data;
  std::unique_ptr<X509_SIG, SigFree> sig(d2i_X509_SIG(nullptr, &p, block.length));
  if (!sig || !consumed_all(block, p))
    throw bad_request(source + ": damaged ENCRYPTED PRIVATE KEY block");
  if (!asked) asked = password();  // once, for all the blocks of the file
  const std::string_view pass = asked->as_string();
  P8Ptr p8(
      PKCS8_decrypt(sig.get(), pass.empty() ? "" : pass.data(), static_cast<int>(pass.size())));
  if (!p8) {
    const std::string reason = openssl_reason();
    if (reason.find("unsupported") != std::string::npos ||
        reason.find("unknown") != std::string::npos)
      throw bad_request(source +
                        ": the private key is encrypted with an algorithm that cannot be "
                        "used here (" +
                        reason + ")");
    throw bad_request(source + ": wrong password for the encrypted private key");
  }
  return p8;
}

}  // namespace

bool looks_like_pem(std::string_view text) {
  return text.find("-----BEGIN ") != std::string_view::npos;
}

std::vector<Pkcs8Key> parse_pkcs8_pem(std::string_view pem, const std::string& source,
                                      const std::function<SecretBytes()>& password) {
  if (!looks_like_pem(pem))
    throw bad_request(source + ": not a PEM file (no `-----BEGIN PRIVATE KEY-----' line)");
  ERR_clear_error();
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) throw internal_error("out of memory reading " + source);
  std::vector<Pkcs8Key> keys;
  std::optional<SecretBytes> password_text;
  for (;;) {
    PemBlock block;
    if (PEM_read_bio_ex(bio.get(), &block.name, &block.header, &block.data, &block.length,
                        PEM_FLAG_SECURE | PEM_FLAG_EAY_COMPATIBLE) != 1) {
      const unsigned long code = ERR_peek_last_error();
      if (ERR_GET_LIB(code) == ERR_LIB_PEM && ERR_GET_REASON(code) == PEM_R_NO_START_LINE) {
        ERR_clear_error();
        break;  // no further block
      }
      throw bad_request(source + ": damaged PEM block: " + openssl_reason());
    }
    const std::string name = block.name;
    if (name == "EC PARAMETERS") continue;
    if (block.header != nullptr && block.header[0] != '\0')
      throw bad_request(source + ": unexpected headers in the `" + name + "' PEM block");
    P8Ptr p8;
    if (name == "PRIVATE KEY") {
      const unsigned char* p = block.data;
      p8.reset(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, block.length));
      if (!p8 || !consumed_all(block, p))
        throw bad_request(source + ": damaged PRIVATE KEY block (not PKCS#8 DER)");
    } else if (name == "ENCRYPTED PRIVATE KEY") {
      p8 = decrypt(block, source, password, password_text);
    } else if (name == "RSA PRIVATE KEY") {
      throw bad_request(source + ": an RSA private key: " + kWhatTezosUses);
    } else if (name == "EC PRIVATE KEY") {
      throw bad_request(source +
                        ": an `EC PRIVATE KEY' block (SEC1) is not PKCS#8; convert it "
                        "with `openssl pkcs8 -topk8 -nocrypt -in " +
                        source + "'");
    } else {
      throw bad_request(source + ": a `" + name + "' PEM block is not a PKCS#8 private key");
    }
    keys.push_back(extract(p8.get(), source));
  }
  if (keys.empty()) throw bad_request(source + ": no private key in the PEM text");
  return keys;
}

}  // namespace signatory::crypto
