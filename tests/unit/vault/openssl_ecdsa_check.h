// Independent checks of the KMS vault's output for its unit tests: the compressed point of an
// OpenSSL EC key, and ECDSA verification by OpenSSL over libsodium's BLAKE2b-256 of the message
// (the digest Tezos signs), with the signature given as raw r‖s, and whether its S is low.
// Stateless; thread-safe.
#pragma once

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>

#include "common/bytes.h"
#include "fake_kms.h"

namespace signatory::vault::testing {

// The 33-byte compressed form (02/03 ‖ x) of an EC public key of 32-byte coordinates.
inline Bytes compressed_point(EVP_PKEY* k) {
  Bytes u(65);
  size_t len = 0;
  EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, u.data(), u.size(), &len);
  Bytes out(33);
  out[0] = (u[64] & 1) ? 0x03 : 0x02;
  std::copy(u.begin() + 1, u.begin() + 33, out.begin() + 1);
  return out;
}

// Whether `raw` (r‖s, 64 bytes) is a valid ECDSA signature by `pkey` of BLAKE2b-256(message).
inline bool independently_valid(EVP_PKEY* pkey, ByteView message, const Bytes& raw) {
  unsigned char digest[32];
  crypto_generichash(digest, sizeof digest, message.data(), message.size(), nullptr, 0);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(raw.data(), 32, nullptr), BN_bin2bn(raw.data() + 32, 32, nullptr));
  unsigned char* der = nullptr;
  int der_len = i2d_ECDSA_SIG(sig, &der);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(pkey, nullptr);
  EVP_PKEY_verify_init(ctx);
  int ok = EVP_PKEY_verify(ctx, der, der_len, digest, sizeof digest);
  EVP_PKEY_CTX_free(ctx);
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return ok == 1;
}

// Whether the S half of `raw` (r‖s) is at most half the order of curve `nid` (low-S).
inline bool s_is_low(int nid, const Bytes& raw) {
  BIGNUM* half = aws::testing::curve_order(nid);
  BN_rshift1(half, half);
  BIGNUM* s = BN_bin2bn(raw.data() + 32, 32, nullptr);
  const bool low = BN_cmp(s, half) <= 0;
  BN_free(half);
  BN_free(s);
  return low;
}

}  // namespace signatory::vault::testing
