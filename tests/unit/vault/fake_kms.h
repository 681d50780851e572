// An in-process fake of AWS KMS behind the aws::HttpTransport interface, for vault tests
// without a network: keys made with OpenSSL at test time, ListKeys with a small page size
// (NextMarker = the next key's ARN, as local-kms does), GetPublicKey and Sign (DIGEST,
// ECDSA_SHA_256) with the error replies real KMS sends for disabled, pending-deletion,
// inaccessible and symmetric keys. It can force high-S or corrupt signatures to exercise the
// vault's normalisation and verification. Counts calls per operation. Thread-safe.
#pragma once

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/x509.h>

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "aws/http_transport.h"
#include "common/base64.h"

namespace signatory::aws::testing {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

struct FakeKey {
  std::string id, arn, spec, usage, state = "Enabled";
  Pkey pkey;                   // null for symmetric keys
  bool access_denied = false;  // GetPublicKey/Sign → AccessDeniedException
  bool force_high_s = false;   // Sign returns the high-S twin of its signature
  bool corrupt = false;        // Sign returns a valid DER signature by another key
  bool bad_der = false;        // Sign returns bytes that are not DER
};

// secp256k1 / P-256 curve order, for the high-S twin.
inline BIGNUM* curve_order(int nid) {
  EC_GROUP* g = EC_GROUP_new_by_curve_name(nid);
  BIGNUM* n = BN_dup(EC_GROUP_get0_order(g));
  EC_GROUP_free(g);
  return n;
}

class FakeKms : public HttpTransport {
 public:
  std::size_t page_size = 2;

  // spec: ECC_SECG_P256K1, ECC_NIST_P256, ECC_NIST_P384, RSA_2048, SYMMETRIC_DEFAULT.
  FakeKey& add_key(const std::string& spec, const std::string& usage = "SIGN_VERIFY") {
    std::lock_guard lock(mutex_);
    auto k = std::make_unique<FakeKey>();
    k->id = "0000000" + std::to_string(keys_.size()) + "-1111-2222-3333-444444444444";
    k->arn = "arn:aws:kms:us-east-1:111122223333:key/" + k->id;
    k->spec = spec;
    k->usage = usage;
    if (spec == "ECC_SECG_P256K1")
      k->pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp256k1"));
    if (spec == "ECC_NIST_P256") k->pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    if (spec == "ECC_NIST_P384") k->pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
    if (spec == "RSA_2048") k->pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
    keys_.push_back(std::move(k));
    return *keys_.back();
  }

  int calls(const std::string& op) {
    std::lock_guard lock(mutex_);
    return calls_[op];
  }
  void reset_calls() {
    std::lock_guard lock(mutex_);
    calls_.clear();
  }

  HttpResponse post(const HttpRequest& request) override {
    std::lock_guard lock(mutex_);
    std::string target;
    bool signed_ok = false;
    for (const auto& [k, v] : request.headers) {
      if (k == "X-Amz-Target") target = v;
      if (k == "Authorization" && v.rfind("AWS4-HMAC-SHA256 Credential=", 0) == 0) signed_ok = true;
    }
    if (!signed_ok) return error(400, "MissingAuthenticationTokenException", "unsigned");
    std::string op = target.substr(target.find('.') + 1);
    ++calls_[op];
    auto body = nlohmann::json::parse(request.body);
    if (op == "ListKeys") return list_keys(body);
    FakeKey* key = find(body.value("KeyId", ""));
    if (key == nullptr)
      return error(400, "NotFoundException",
                   "Key '" + body.value("KeyId", "") + "' does not exist");
    if (key->access_denied) {
      return error(
          400, "AccessDeniedException",
          "User: arn:aws:iam::111122223333:user/signer is not authorized to perform: kms:" + op);
    }
    if (key->state == "Disabled")
      return error(400, "DisabledException", key->arn + " is disabled.");
    if (key->state == "PendingDeletion") {
      return error(400, "KMSInvalidStateException", key->arn + " is pending deletion.");
    }
    if (op == "GetPublicKey") return get_public_key(*key);
    if (op == "Sign") return sign(*key, body);
    return error(400, "UnknownOperationException", op);
  }

 private:
  static HttpResponse error(long status, const std::string& type, const std::string& message) {
    HttpResponse r;
    r.status = status;
    r.body = nlohmann::json({{"__type", type}, {"message", message}}).dump();
    return r;
  }
  static HttpResponse ok(const nlohmann::json& j) {
    HttpResponse r;
    r.status = 200;
    r.body = j.dump();
    return r;
  }

  FakeKey* find(const std::string& id) {
    for (auto& k : keys_) {
      if (k->id == id || k->arn == id) return k.get();
    }
    return nullptr;
  }

  HttpResponse list_keys(const nlohmann::json& body) {
    std::size_t start = 0;
    if (body.contains("Marker")) {
      std::string marker = body["Marker"];
      while (start < keys_.size() && keys_[start]->arn != marker) ++start;
      if (start == keys_.size()) return error(400, "InvalidMarkerException", "bad marker");
    }
    nlohmann::json out = {{"Keys", nlohmann::json::array()}};
    std::size_t end = std::min(keys_.size(), start + page_size);
    for (std::size_t i = start; i < end; ++i) {
      out["Keys"].push_back({{"KeyArn", keys_[i]->arn}, {"KeyId", keys_[i]->id}});
    }
    out["Truncated"] = end < keys_.size();
    if (end < keys_.size()) out["NextMarker"] = keys_[end]->arn;
    return ok(out);
  }

  HttpResponse get_public_key(const FakeKey& key) {
    if (!key.pkey) {
      return error(400, "UnsupportedOperationException",
                   key.arn + " key usage is ENCRYPT_DECRYPT which is not valid for GetPublicKey.");
    }
    unsigned char* der = nullptr;
    int len = i2d_PUBKEY(key.pkey.get(), &der);
    Bytes spki(der, der + len);
    OPENSSL_free(der);
    return ok({{"KeyId", key.arn},
               {"KeySpec", key.spec},
               {"CustomerMasterKeySpec", key.spec},
               {"KeyUsage", key.usage},
               {"PublicKey", base64_encode(spki)},
               {"SigningAlgorithms", {"ECDSA_SHA_256"}}});
  }

  HttpResponse sign(const FakeKey& key, const nlohmann::json& body) {
    if (body.value("MessageType", "") != "DIGEST" ||
        body.value("SigningAlgorithm", "") != "ECDSA_SHA_256") {
      return error(400, "ValidationException", "expected DIGEST / ECDSA_SHA_256");
    }
    auto digest = base64_decode(body.value("Message", ""));
    if (!digest || digest->size() != 32) {
      return error(400, "ValidationException",
                   "Digest is invalid length for algorithm ECDSA_SHA_256.");
    }
    if (key.bad_der)
      return ok({{"KeyId", key.arn},
                 {"Signature", "MAYCAQECAQIA"},
                 {"SigningAlgorithm", "ECDSA_SHA_256"}});
    EVP_PKEY* signer = key.pkey.get();
    Pkey other;
    if (key.corrupt) {
      other.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC",
                                    key.spec == "ECC_SECG_P256K1" ? "secp256k1" : "P-256"));
      signer = other.get();
    }
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(signer, nullptr);
    EVP_PKEY_sign_init(ctx);
    size_t len = 0;
    EVP_PKEY_sign(ctx, nullptr, &len, digest->data(), digest->size());
    Bytes sig(len);
    EVP_PKEY_sign(ctx, sig.data(), &len, digest->data(), digest->size());
    sig.resize(len);
    EVP_PKEY_CTX_free(ctx);
    if (key.force_high_s)
      sig = high_s_twin(sig, key.spec == "ECC_SECG_P256K1" ? NID_secp256k1 : NID_X9_62_prime256v1);
    return ok({{"KeyId", key.arn},
               {"Signature", base64_encode(sig)},
               {"SigningAlgorithm", "ECDSA_SHA_256"}});
  }

  // (r, s) → (r, max(s, n − s)): the high-S form of the same valid signature.
  static Bytes high_s_twin(const Bytes& der, int nid) {
    const unsigned char* p = der.data();
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
    const BIGNUM *r = nullptr, *s = nullptr;
    ECDSA_SIG_get0(sig, &r, &s);
    BIGNUM* n = curve_order(nid);
    BIGNUM* half = BN_dup(n);
    BN_rshift1(half, half);
    BIGNUM* new_s = BN_dup(s);
    if (BN_cmp(s, half) <= 0) BN_sub(new_s, n, s);
    ECDSA_SIG_set0(sig, BN_dup(r), new_s);
    unsigned char* out = nullptr;
    int len = i2d_ECDSA_SIG(sig, &out);
    Bytes result(out, out + len);
    OPENSSL_free(out);
    ECDSA_SIG_free(sig);
    BN_free(n);
    BN_free(half);
    return result;
  }

  std::mutex mutex_;
  std::vector<std::unique_ptr<FakeKey>> keys_;
  std::map<std::string, int> calls_;
};

}  // namespace signatory::aws::testing
